"""Services: settings inheritance, plans, change requests, member notices, reminders, board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core import calendar as cal
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEvent, Notification
from dangjian.core.scoping import FOUR_EYES_MESSAGE, SYSTEM
from dangjian.orgs.services import config_set
from dangjian.partyday import selectors, services
from dangjian.partyday.models import AnnualPlan, ChangeRequest, PlanItem, PlanState
from dangjian.partyday.rules import DayRule, PlanStatus, nominal_day
from dangjian.site.testing.factories import World

D = dt.date
FULL = {m: (f"{m}月主题", f"{m}月内容") for m in range(1, 13)}


@pytest.fixture(autouse=True)
def _fresh_cache(db: None) -> Any:
    cal.invalidate()
    cal.ensure_seeded()  # a transactional test elsewhere may have flushed the seeded rows
    yield
    cal.invalidate()


def test_rule_inherited_from_nearest_ancestor_and_cleared(world: World) -> None:
    assert selectors.rule_for_org(world.branch).source_path is None
    services.fixed_day_setting_save(
        actor=world.admin, org=world.unit, data={"rule": DayRule.FIRST_FRIDAY, "place": "机关会议室"}
    )
    rif = selectors.rule_for_org(world.branch)
    assert rif.spec.rule == DayRule.FIRST_FRIDAY and rif.place == "机关会议室" and rif.source_path == world.unit.path
    # October 2026: first Friday is 2 Oct (国庆) → 8 Oct
    assert selectors.scheduled_party_day(world.branch, 2026, 10).date == D(2026, 10, 8)
    services.fixed_day_setting_save(
        actor=world.secretary, org=world.branch, data={"rule": DayRule.FIXED_DATE, "day_of_month": 15}
    )
    rif = selectors.rule_for_org(world.branch)
    assert rif.spec.rule == DayRule.FIXED_DATE and rif.place == "机关会议室"  # place still inherited
    assert selectors.rule_for_org(world.other_branch).spec.rule == DayRule.FIRST_FRIDAY
    services.fixed_day_setting_clear(actor=world.secretary, org=world.branch)
    assert selectors.rule_for_org(world.branch).spec.rule == DayRule.FIRST_FRIDAY
    assert AuditEvent.objects.filter(action__startswith="partyday.setting").count() == 3
    assert verify_chain().ok


def test_setting_bad_input_and_conflict_change_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.fixed_day_setting_save(actor=world.secretary, org=world.branch, data={"rule": DayRule.FIXED_DATE})
    assert "每月几日" in str(exc.value)
    assert selectors.own_setting(world.branch) is None
    with pytest.raises(PermissionDenied):
        services.fixed_day_setting_save(actor=world.outsider, org=world.branch, data={"rule": DayRule.LAST_FRIDAY})
    s = services.fixed_day_setting_save(actor=world.secretary, org=world.branch, data={"rule": DayRule.LAST_FRIDAY})
    with pytest.raises(ValidationError) as exc:
        services.fixed_day_setting_save(
            actor=world.liaison, org=world.branch, data={"rule": DayRule.FIRST_FRIDAY}, version=s.version - 1
        )
    assert "已被他人修改" in str(exc.value)
    assert selectors.own_setting(world.branch).rule == DayRule.LAST_FRIDAY  # type: ignore[union-attr]


def test_plan_lifecycle_history_and_submitted_twice(world: World) -> None:
    plan = services.plan_save(actor=world.liaison, org=world.branch, year=2027, items={1: ("学党章", "")})
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(actor=world.secretary, plan=plan)
    assert "2月" in str(exc.value) and "12月" in str(exc.value)
    services.plan_save(actor=world.liaison, org=world.branch, year=2027, items=FULL)
    plan = services.plan_submit(actor=world.secretary, plan=plan)
    assert plan.status == PlanState.SUBMITTED
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(actor=world.secretary, plan=plan)
    assert "不能重复提交" in str(exc.value)
    with pytest.raises(ValidationError):  # no edits while the committee reviews it
        services.plan_save(actor=world.liaison, org=world.branch, year=2027, items={1: ("改", "")})
    with pytest.raises(PermissionDenied):  # the branch cannot file its own plan
        services.plan_file(actor=world.secretary, plan=plan)
    with pytest.raises(ValidationError):  # returning needs a comment
        services.plan_return(actor=world.admin, plan=plan, comment=" ")
    plan = services.plan_return(actor=world.admin, plan=plan, comment="3月主题请结合中心工作")
    assert plan.status == PlanState.RETURNED
    services.plan_save(actor=world.liaison, org=world.branch, year=2027, items={3: ("服务中心工作", "")})
    plan = services.plan_submit(actor=world.secretary, plan=plan)
    plan = services.plan_file(actor=world.admin, plan=plan, comment="同意备案")
    assert plan.status == PlanState.FILED
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(actor=world.secretary, plan=plan)
    assert "已备案" in str(exc.value)
    # adjusting a filed plan needs a note and keeps history
    with pytest.raises(ValidationError):
        services.plan_save(actor=world.liaison, org=world.branch, year=2027, items={5: ("新主题", "")})
    services.plan_save(
        actor=world.liaison, org=world.branch, year=2027, items={5: ("新主题", "")}, change_note="结合专项工作"
    )
    items = PlanItem.objects.filter(plan=plan, month=5).order_by("revision")
    assert [(i.revision, i.is_current, i.theme) for i in items] == [(1, False, "5月主题"), (2, True, "新主题")]
    assert selectors.scheduled_party_day(world.branch, 2027, 5).theme == "新主题"
    assert PlanItem.objects.filter(plan=plan, month=3).count() == 2
    assert AnnualPlan.objects.get(pk=plan.pk).status == PlanState.FILED
    assert verify_chain().ok


def test_cannot_file_own_submission(world: World) -> None:
    services.plan_save(actor=world.admin, org=world.branch, year=2027, items=FULL)
    plan = services.plan_submit(actor=world.admin, plan=AnnualPlan.objects.get(org=world.branch, year=2027))
    with pytest.raises(PermissionDenied) as exc:
        services.plan_file(actor=world.admin, plan=plan)
    assert str(exc.value) == FOUR_EYES_MESSAGE


def test_change_request_too_late_changes_nothing(world: World) -> None:
    day = selectors.scheduled_party_day(world.branch, 2026, 12).date
    assert day == D(2026, 12, 7)
    with pytest.raises(ValidationError) as exc:
        services.change_request_create(
            actor=world.secretary,
            org=world.branch,
            year=2026,
            month=12,
            new_date=D(2026, 12, 9),
            reason="书记外出学习",
            today=D(2026, 12, 5),
        )
    assert "2026年12月04日" in str(exc.value)
    assert ChangeRequest.objects.count() == 0


def test_change_request_approved_moves_date_and_notifies_members(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world.member_user.email = "zhang@example.com"
    world.member_user.save(update_fields=["email"])
    cr = services.change_request_create(
        actor=world.secretary,
        org=world.branch,
        year=2026,
        month=12,
        new_date=D(2026, 12, 9),
        new_time=dt.time(9, 0),
        place="红色教育基地",
        reason="组织参观学习",
        today=D(2026, 12, 4),
    )
    with pytest.raises(ValidationError) as exc:  # one pending request per month
        services.change_request_create(
            actor=world.secretary,
            org=world.branch,
            year=2026,
            month=12,
            new_date=D(2026, 12, 10),
            reason="x",
            today=D(2026, 12, 1),
        )
    assert "待审批" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.change_request_decide(actor=world.secretary, change=cr, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_request_decide(actor=world.admin, change=cr, approve=True, comment="同意")
    pd = selectors.scheduled_party_day(world.branch, 2026, 12)
    assert (pd.date, pd.start_time, pd.place, pd.change_id) == (D(2026, 12, 9), dt.time(9, 0), "红色教育基地", cr.pk)
    n = Notification.objects.get(user=world.member_user, key=f"partyday:moved:{cr.pk}")
    assert "12月09日" in n.title and "红色教育基地" in n.body
    assert [m.to for m in mailoutbox] == [["zhang@example.com"]]
    assert selectors.scheduled_party_day(world.other_branch, 2026, 12).date == D(2026, 12, 7)
    with pytest.raises(ValidationError):
        services.change_request_decide(actor=world.admin, change=cr, approve=False, comment="再议")


def test_change_request_rejection_needs_comment(world: World) -> None:
    cr = services.change_request_create(
        actor=world.secretary,
        org=world.branch,
        year=2026,
        month=12,
        new_date=D(2026, 12, 9),
        reason="x",
        today=D(2026, 11, 20),
    )
    with pytest.raises(ValidationError):
        services.change_request_decide(actor=world.admin, change=cr, approve=False)
    services.change_request_decide(actor=world.admin, change=cr, approve=False, comment="按原计划开展")
    assert selectors.scheduled_party_day(world.branch, 2026, 12).date == D(2026, 12, 7)


def test_lead_days_are_configurable(world: World) -> None:
    config_set(actor=world.admin, org=world.unit, key="partyday.change_lead_days", raw_value="5")
    with pytest.raises(ValidationError) as exc:
        services.change_request_create(
            actor=world.secretary,
            org=world.branch,
            year=2026,
            month=12,
            new_date=D(2026, 12, 9),
            reason="x",
            today=D(2026, 12, 3),
        )
    assert "前5天" in str(exc.value)


def test_member_notices_sent_once_with_theme(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    world.member_user.email = "zhang@example.com"
    world.member_user.save(update_fields=["email"])
    services.plan_save(actor=world.liaison, org=world.branch, year=2026, items={12: ("学习全会精神", "集中研学")})
    services.fixed_day_setting_save(actor=world.secretary, org=world.branch, data={"place": "三楼会议室"})
    day = selectors.scheduled_party_day(world.branch, 2026, 12).date
    assert day is not None
    assert services.send_party_day_notices(actor=SYSTEM, today=day - dt.timedelta(days=4)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_party_day_notices(actor=SYSTEM, today=day - dt.timedelta(days=3))
    assert sent == 1
    n = Notification.objects.get(user=world.member_user, key__startswith="partyday:notice:")
    assert "学习全会精神" in n.title and "三楼会议室" in n.body and "14:30" in n.body
    assert len(mailoutbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_party_day_notices(actor=SYSTEM, today=day - dt.timedelta(days=2)) == 0
    assert len(mailoutbox) == 1
    assert not Notification.objects.filter(user=world.outsider, key__startswith="partyday:notice:").exists()


def test_notice_lead_time_config(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="partyday.notice_lead_days", raw_value="2")
    day = selectors.scheduled_party_day(world.branch, 2026, 12).date
    assert day is not None
    assert services.send_party_day_notices(actor=SYSTEM, today=day - dt.timedelta(days=3)) == 0
    assert services.send_party_day_notices(actor=SYSTEM, today=day - dt.timedelta(days=2)) == 1


def test_plan_reminders_before_31_december(world: World) -> None:
    services.plan_save(actor=world.outsider, org=world.other_branch, year=2027, items=FULL)
    services.plan_submit(actor=world.outsider, plan=AnnualPlan.objects.get(org=world.other_branch))
    assert services.send_plan_reminders(actor=SYSTEM, today=D(2026, 12, 23)) == 0
    sent = services.send_plan_reminders(actor=SYSTEM, today=D(2026, 12, 24))
    assert sent == 2  # secretary and liaison of branch A; branch B has submitted
    assert services.send_plan_reminders(actor=SYSTEM, today=D(2026, 12, 24)) == 0
    assert Notification.objects.filter(user=world.secretary, key=f"partyday:plan_due:{world.branch.pk}:2027:7").exists()


def test_plan_board_counts_and_late(world: World, django_assert_max_num_queries: Any) -> None:
    services.plan_save(actor=world.liaison, org=world.branch, year=2027, items=FULL)
    with django_assert_max_num_queries(4):
        rows, counts = selectors.plan_board(world.admin, world.city, 2027, D(2026, 12, 1))
    assert {r.org["pk"]: r.status for r in rows} == {
        world.branch.pk: PlanStatus.DRAFT,
        world.other_branch.pk: PlanStatus.NOT_STARTED,
    }
    assert counts[PlanStatus.DRAFT] == 1 and counts[PlanStatus.NOT_STARTED] == 1
    rows, counts = selectors.plan_board(world.admin, world.city, 2027, D(2027, 1, 2))
    assert counts[PlanStatus.LATE] == 2 and {r.status for r in rows} == {PlanStatus.LATE}
    rows, _ = selectors.plan_board(world.outsider, world.city, 2027, D(2026, 12, 1))
    assert [r.org["pk"] for r in rows] == [world.other_branch.pk]


def test_year_without_calendar_data_is_provisional(world: World) -> None:
    pd = selectors.scheduled_party_day(world.branch, 2031, 10)
    assert pd.provisional and pd.date == nominal_day(selectors.DEFAULT_SPEC, 2031, 10)
    assert not selectors.scheduled_party_day(world.branch, 2026, 10).provisional


def test_plan_stale_version_is_refused(world: World) -> None:
    plan = services.plan_save(actor=world.liaison, org=world.branch, year=2027, items={1: ("甲", "")})
    stale = plan.version
    services.plan_save(actor=world.secretary, org=world.branch, year=2027, items={1: ("乙", "")}, version=stale)
    with pytest.raises(ValidationError) as exc:
        services.plan_save(actor=world.liaison, org=world.branch, year=2027, items={1: ("丙", "")}, version=stale)
    assert "已被他人修改" in str(exc.value)
    assert selectors.plan_items_current(plan)[1].theme == "乙"


def test_approved_change_moves_the_planned_party_day_record(world: World) -> None:
    from django.utils import timezone

    from dangjian.orglife.services import MeetingData, meeting_create

    original = selectors.scheduled_party_day(world.branch, 2026, 12)
    assert original.date == D(2026, 12, 7)
    start = timezone.make_aware(dt.datetime.combine(original.date, dt.time(14, 30)))
    planned = meeting_create(
        actor=world.secretary,
        org=world.branch,
        data=MeetingData(
            kinds=["party_day"], theme="12月主题党日", started_at=start, ended_at=start + dt.timedelta(hours=3)
        ),
    )
    cr = services.change_request_create(
        actor=world.secretary,
        org=world.branch,
        year=2026,
        month=12,
        new_date=D(2026, 12, 9),
        new_time=dt.time(9, 0),
        place="红色教育基地",
        reason="组织参观学习",
        today=D(2026, 12, 1),
    )
    services.change_request_decide(actor=world.admin, change=cr, approve=True, comment="同意")
    planned.refresh_from_db()
    local = timezone.localtime(planned.started_at)
    assert (local.date(), local.time()) == (D(2026, 12, 9), dt.time(9, 0))
    assert planned.ended_at - planned.started_at == dt.timedelta(hours=3)
    assert planned.place == "红色教育基地" and planned.meeting_date == D(2026, 12, 9)
    assert set(planned.attendance.values_list("meeting_date", flat=True)) == {D(2026, 12, 9)}
