"""The 待办 home (dangjian/site/views.py) and the navigation: tabs per role, countdowns, and every
item gone as soon as it is resolved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from dangjian.assignments.models import AssignmentTarget, TargetStatus
from dangjian.core import registry
from dangjian.core.findings import Severity
from dangjian.core.registry import Attention, NavItem, attention_for, tabs_for
from dangjian.core.scoping import SYSTEM
from dangjian.core.templatetags.ui import countdown_text, is_current
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory, month_start
from dangjian.dues.services import dues_base_set, dues_month_compute
from dangjian.members.models import ImportJob, ImportStatus
from dangjian.orglife import services as orglife
from dangjian.orglife.models import Meeting, MeetingStatus
from dangjian.partyday.models import AnnualPlan, PlanState
from dangjian.site.testing.factories import World
from tests.helpers import publish_party_day_task

HOME = "/"


@pytest.fixture(autouse=True)
def _no_snapshot(settings: Any) -> None:
    """These tests change rows directly (not through services, so without audit events) to walk each
    provider's states; the home's snapshot (core/snapshot.py) is tested on its own."""
    settings.DANGJIAN_SNAPSHOT_SECONDS = 0


def body(client: Client, url: str = HOME) -> str:
    resp = client.get(url)
    assert resp.status_code == 200
    return resp.content.decode()


def test_home_is_the_site_layers_view_under_its_old_name() -> None:
    assert reverse("core:home") == HOME
    assert resolve(HOME).func.__module__ == "dangjian.site.views"
    assert Client().get(HOME).status_code == 302  # anonymous → login


@pytest.mark.parametrize(
    ("days", "text"), [(0, "今天"), (1, "明天"), (2, "还有 2 天"), (-1, "逾期 1 天"), (-30, "逾期 30 天")]
)
def test_countdown_text(days: int, text: str) -> None:
    today = dt.date(2026, 3, 31)
    assert countdown_text(today + dt.timedelta(days=days), today) == text


def test_is_current_matches_home_exactly_and_sections_by_prefix() -> None:
    assert is_current("/", "/") and not is_current("/orglife/", "/")
    assert is_current("/orglife/org/3/", "/orglife/") and not is_current("/dues/", "/orglife/")


def test_tabs_one_per_label_role_entry_wins_at_most_three() -> None:
    items = [
        NavItem("我的出勤", "x:my", None, 31, "组织生活", "meeting"),
        NavItem("组织生活", "x:index", "view", 30, "组织生活", "meeting", "manage"),
        NavItem("名册", "x:roster", "view", 15),
        NavItem("任务", "x:tasks", "view", 40, "任务", "task", "manage"),
        NavItem("我的党费", "x:dues_my", None, 60, "党费", "dues"),
        NavItem("党费收缴", "x:dues", "manage", 61, "党费", "dues", "manage"),
        NavItem("积分", "x:points", None, 70, "积分"),
    ]
    liaison = tabs_for(items, lambda action: True)
    assert [t.url_name for t in liaison] == ["x:index", "x:tasks", "x:dues"]
    member = tabs_for(items, lambda action: action == "view")
    assert [t.url_name for t in member] == ["x:my", "x:dues_my", "x:points"]


def test_attention_sorted_by_severity_then_nearest_due(world: World, monkeypatch: Any) -> None:
    d = dt.date(2026, 5, 1)
    fixed = [
        Attention("late", "", "/", Severity.WARNING, due=d + dt.timedelta(days=9)),
        Attention("undated", "", "/", Severity.WARNING),
        Attention("soon", "", "/", Severity.WARNING, due=d),
        Attention("info", "", "/", Severity.ADVISORY, due=d - dt.timedelta(days=99)),
        Attention("bad", "", "/", Severity.ERROR),
    ]
    monkeypatch.setattr(registry, "_ATTENTION", [lambda user: fixed])
    assert [a.title for a in attention_for(world.liaison)] == ["bad", "soon", "late", "undated", "info"]


def test_tab_bar_per_role(world: World, as_liaison: Client, as_member: Client) -> None:
    liaison = body(as_liaison)
    tabbar = liaison[liaison.index('class="tabbar"') :]
    for url in (reverse("orglife:index"), reverse("assignments:index"), reverse("dues:index"), reverse("core:more")):
        assert f'href="{url}"' in tabbar
    member = body(as_member)
    tabbar = member[member.index('class="tabbar"') :]
    assert f'href="{reverse("dues:my")}"' in tabbar and f'href="{reverse("orglife:my_attendance")}"' in tabbar
    assert f'href="{reverse("dues:index")}"' not in tabbar and f'href="{reverse("assignments:index")}"' not in tabbar
    assert "☰" not in member  # the old 15-item menu is gone


def test_more_page_lists_every_entry(as_liaison: Client, world: World) -> None:
    html = body(as_liaison, reverse("core:more"))
    for url in (reverse("members:index"), reverse("members:transfers"), reverse("accounts:password_change")):
        assert f'href="{url}"' in html
    assert Client().get(reverse("core:more")).status_code == 302


def test_task_todo_shows_its_deadline_and_goes_when_submitted(world: World, as_liaison: Client) -> None:
    target = publish_party_day_task(world, due_in_days=3)
    html = body(as_liaison)
    assert "任务待领取：本月主题党日" in html and "还有 3 天" in html
    AssignmentTarget.objects.filter(pk=target.pk).update(status=TargetStatus.CLAIMED)
    assert "任务待提交：本月主题党日" in body(as_liaison)
    AssignmentTarget.objects.filter(pk=target.pk).update(status=TargetStatus.SUBMITTED)
    assert "本月主题党日" not in body(as_liaison)


def test_held_meeting_in_draft_is_a_todo_until_filed(
    world: World, as_liaison: Client, as_member: Client, as_admin: Client
) -> None:
    day = timezone.localdate() - dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    m = orglife.meeting_create(
        actor=world.liaison,
        org=world.branch,
        data=orglife.MeetingData(
            kinds=["general_meeting"],
            theme="研究发展党员工作",
            started_at=start,
            ended_at=start + dt.timedelta(hours=1),
        ),
    )
    html = body(as_liaison)
    assert "会议记录待归档：研究发展党员工作" in html and reverse("orglife:detail", args=[m.pk]) in html
    assert "会议记录待归档" not in body(as_member)  # a plain member files nothing
    assert "会议记录待归档" not in body(as_admin)  # the city admin sees it in the matrix, not as a to-do
    Meeting.objects.filter(pk=m.pk).update(status=MeetingStatus.FILED)
    assert "会议记录待归档" not in body(as_liaison)


def test_a_later_import_resolves_an_earlier_failure(world: World, as_liaison: Client) -> None:
    def job(status: str, **kw: Any) -> ImportJob:
        return ImportJob.objects.create(
            org=world.branch, org_path=world.branch.path, user=world.liaison, file="x.xlsx", status=status, **kw
        )

    job(ImportStatus.REJECTED, error_rows=4)
    assert "名册导入未完成" in body(as_liaison)
    job(ImportStatus.COMPLETED, created_count=20)
    html = body(as_liaison)
    assert "名册导入未完成" not in html and "名册导入有" not in html  # a clean import leaves nothing to do
    job(ImportStatus.COMPLETED, created_count=18, error_rows=2)
    assert "2 行有错误未导入" in body(as_liaison)


def test_party_day_card_with_countdown(world: World, as_member: Client, as_liaison: Client) -> None:
    member = body(as_member)
    assert "主题党日 ·" in member and "查看全年安排" in member
    liaison = body(as_liaison)
    assert "录入本次主题党日" in liaison
    assert reverse("orglife:meeting_new", args=[world.branch.pk]) + "?kind=party_day" in liaison


def test_home_links_favicon_and_no_inline_scripts(as_member: Client) -> None:
    html = body(as_member)
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert "<script>" not in html and " onclick=" not in html


def test_unpaid_dues_of_the_month_for_the_branch_and_the_member_until_paid(
    world: World, as_liaison: Client, as_admin: Client, as_member: Client
) -> None:
    this = month_start(timezone.localdate())
    dues_base_set(
        actor=SYSTEM, member=world.member, year=this.year, category=DuesCategory.RETIRED, monthly_base_fen=500_000
    )
    dues_month_compute(actor=SYSTEM, org=world.branch, month=this)
    html = body(as_liaison)
    assert "本月党费：1 人未交" in html and reverse("dues:sheet", args=[world.branch.pk]) in html
    assert "本月党费" not in body(as_admin)  # the city admin is not a branch's collector
    mine = body(as_member)
    assert "本月党费 25.00 元待交" in mine and reverse("dues:my") in mine
    DuesExpected.objects.filter(member=world.member, month=this).update(is_paid=True, paid_fen=2500)
    assert "本月党费" not in body(as_liaison) and "本月党费" not in body(as_member)
    assert f"{this.month}月党费已交 25.00 元" in body(as_member)


def test_structure_findings_are_standing_reminders_below_the_todo_list(world: World, as_admin: Client) -> None:
    html = body(as_admin)
    todo = html[html.index('id="todo-title"') : html.index('id="standing-title"')]
    standing = html[html.index('id="standing-title"') :]
    assert "正式党员不足3人" in standing and "正式党员不足3人" not in todo


def test_annual_plan_waits_for_the_committee_then_goes_back_to_the_branch(
    world: World, as_admin: Client, as_secretary: Client, as_liaison: Client
) -> None:
    year = timezone.localdate().year + 1
    branch = world.branch
    plan = AnnualPlan.objects.create(org=branch, org_path=branch.path, year=year, status=PlanState.SUBMITTED)
    assert f"{year}年主题党日计划待备案" in body(as_admin)
    assert "计划待备案" not in body(as_secretary)  # the branch's own plan is the committee's to file
    AnnualPlan.objects.filter(pk=plan.pk).update(status=PlanState.RETURNED, review_comment="请补充党课安排")
    html = body(as_liaison)
    assert f"{year}年主题党日计划被退回" in html and "请补充党课安排" in html
    assert "计划待备案" not in body(as_admin)
    AnnualPlan.objects.filter(pk=plan.pk).update(status=PlanState.FILED)
    assert "主题党日计划" not in body(as_liaison) and "主题党日计划" not in body(as_admin)
