"""Browser test in real Chromium: publish → claim → link → download summary → submit → return →
resubmit → approve, with the supervision board updating. The secretary works at 375×812."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.assignments.models import AssignmentTarget, Submission, TargetStatus
from dangjian.orglife import services as orglife
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def _party_day(world: World) -> Any:
    """The branch's party-day record, entered through the orglife service (not this test's subject)."""
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    return orglife.meeting_create(
        actor=world.secretary,
        org=world.branch,
        data=orglife.MeetingData(
            kinds=["party_day"],
            theme="学习贯彻全国两会精神主题党日",
            started_at=start,
            ended_at=start + dt.timedelta(hours=4),
            place="党员活动室",
            study_items="全国“两会”精神",
            required_actions=["佩戴党徽", "重温入党誓词"],
        ),
    )


def _set_date(page: Any, selector: str, value: dt.date) -> None:
    page.fill(selector, value.isoformat())


def test_publish_claim_submit_return_resubmit_approve(
    e2e_world: World, new_page: Any, live_url: str, tmp_path: Path
) -> None:
    w = e2e_world
    today = timezone.localdate()
    meeting = _party_day(w)

    # 1. The org admin publishes an assignment to the whole subtree.
    admin = new_page(w.admin)
    admin.goto(f"{live_url}/assignments/new/")
    admin.fill("#id_title", "本月主题党日活动")
    admin.fill("#id_theme", "学习贯彻全国“两会”精神")
    _set_date(admin, "#id_window_start", today - dt.timedelta(days=2))
    _set_date(admin, "#id_window_end", today + dt.timedelta(days=10))
    admin.fill("#id_required_actions", "佩戴党徽\n重温誓词")
    admin.fill("#id_collective_study", "全国“两会”精神")
    admin.fill("#id_dlv-0-title", "主题党日会议记录")
    admin.select_option("#id_dlv-0-kind", "meeting_record")
    _set_date(admin, "#id_dlv-0-due_on", today + dt.timedelta(days=10))
    admin.fill("#id_dlv-1-title", "主题党日活动总结表")
    admin.select_option("#id_dlv-1-kind", "summary_table")
    _set_date(admin, "#id_dlv-1-due_on", today + dt.timedelta(days=10))
    with admin.expect_navigation():
        admin.click("#publish-form button[type=submit]")
    assert "/board/" in admin.url, admin.inner_text("main")
    assert "未领取 2" in admin.inner_text("#board-counts")
    target = AssignmentTarget.objects.get(org=w.branch)

    # 2. The branch secretary, on a phone, claims it, links the record, downloads the table, submits.
    sec = new_page(w.secretary)
    sec.goto(f"{live_url}/assignments/")
    with sec.expect_navigation():
        sec.click("text=本月主题党日活动")
    with sec.expect_navigation():
        sec.click("#claim-btn")
    assert sec.inner_text("#target-status") == "已领取"
    sec.select_option("select[name=meeting]", str(meeting.pk))
    with sec.expect_navigation():
        sec.click("text=关联会议记录")
    assert "已关联会议记录" in sec.inner_text("main")
    with sec.expect_download() as dl:
        sec.click("#summary-xlsx")
    saved = tmp_path / "summary.xlsx"
    dl.value.save_as(saved)

    cells = [c for row in load_workbook(BytesIO(saved.read_bytes())).active.iter_rows(values_only=True) for c in row]
    assert "学习贯彻全国两会精神主题党日" in cells and "党员活动室" in cells
    assert sec.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(sec, "assignments-secretary-claimed")
    with sec.expect_navigation():
        sec.click("#submit-btn")
    assert sec.inner_text("#target-status") == "已提交（第 1 轮）"

    # 3. The admin returns it with a comment.
    admin.goto(f"{live_url}/assignments/t/{target.pk}/")
    admin.check("input[name=decision][value=return]")
    admin.fill("#comment", "请补充学习研讨情况")
    with admin.expect_navigation():
        admin.click("#review-btn")
    assert "已退回" in admin.inner_text("main")

    # 4. The secretary sees the comment and resubmits.
    sec.goto(f"{live_url}/assignments/t/{target.pk}/")
    assert "请补充学习研讨情况" in sec.inner_text("main")
    with sec.expect_navigation():
        sec.click("#submit-btn")
    assert sec.inner_text("#target-status") == "已提交（第 2 轮）"

    # 5. The admin approves and the board shows it.
    admin.goto(f"{live_url}/assignments/t/{target.pk}/")
    with admin.expect_navigation():
        admin.click("#review-btn")
    admin.goto(f"{live_url}/assignments/{target.assignment_id}/board/")
    counts = admin.inner_text("#board-counts")
    assert "已通过 1" in counts and "未领取 1" in counts
    assert admin.locator("#board-table [data-status=approved]").count() == 1
    screenshot(admin, "assignments-board-approved")

    target.refresh_from_db()
    assert target.status == TargetStatus.APPROVED and target.rounds == 2
    assert list(Submission.objects.filter(target=target).order_by("round").values_list("decision", flat=True)) == [
        "returned",
        "approved",
    ]
