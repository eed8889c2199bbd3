"""The branch's month, measured: how many taps and typed fields a liaison needs on a 375×812 phone.

The loop (issue 10): log in, claim the committee's 主题党日 task, record the party day (20 members,
2 on leave), add a photo, file it, take three members' dues, submit the 总结表. It is scripted the
way a person taps; a small counter wraps the page so every tap and every typed field is counted:

- a click, a check or opening a link/address: 1 tap;
- a native drop-down (`select_option`) or the file picker (`set_input_files`): 2 taps (open, choose);
- a `fill`: 1 typed field.

The counts are deterministic, so the test asserts them (≤ 30 taps, ≤ 6 typed fields, login included)
and prints both. Measured on main before the task hub and attendance by exception: 92 taps, 14 fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from dangjian.assignments.models import AssignmentTarget, DeliverableKind, Submission, TargetStatus
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish
from dangjian.core.scoping import SYSTEM
from dangjian.dues.models import DuesPayment
from dangjian.dues.rules import DuesCategory
from dangjian.dues.services import dues_base_set
from dangjian.orglife.models import AttendanceStatus, Meeting, MeetingStatus
from dangjian.partyday.tests.helpers import approved_change
from dangjian.site.testing.factories import World, make_member

from .conftest import PASSWORD, screenshot

pytestmark = pytest.mark.e2e

MAX_TAPS = 30
MAX_FIELDS = 6


@dataclass
class Counted:
    """The page, with every tap and typed field counted (and logged, to read when it fails)."""

    page: Any
    base: str
    taps: int = 0
    fields: int = 0
    log: list[str] = field(default_factory=list)

    def _tap(self, n: int, what: str) -> None:
        self.taps += n
        self.log.append(f"tap×{n} {what}")

    def open(self, path: str) -> None:
        """Opening a link from the home page, a notification or the tab bar: one tap."""
        self._tap(1, f"open {path}")
        self.page.goto(self.base + path)

    def click(self, selector: str, navigates: bool = True) -> None:
        self._tap(1, selector)
        if navigates:
            with self.page.expect_navigation():
                self.page.click(selector)
        else:
            self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.fields += 1
        self.log.append(f"type {selector}")
        self.page.fill(selector, value)

    def pick_files(self, selector: str, files: list[Path]) -> None:
        self._tap(2, f"pick {len(files)} file(s) {selector}")
        self.page.set_input_files(selector, [str(f) for f in files])


def _photo(tmp: Path) -> Path:
    buf = BytesIO()
    Image.new("RGB", (640, 480), (180, 30, 30)).save(buf, "JPEG")
    path = tmp / "party-day.jpg"
    path.write_bytes(buf.getvalue())
    return path


def _month_setup(w: World) -> tuple[AssignmentTarget, list[Any], dt.date]:
    """20 members in the branch (the liaison among them), the committee's task, an approved move of
    this month's party day to two days ago (so it has been held), and three members' dues bases."""
    today = timezone.localdate()
    day = today - dt.timedelta(days=2)
    liaison_member = make_member(w.branch, name="李联络员")
    liaison_member.user = w.liaison
    liaison_member.save(update_fields=["user"])
    others = [make_member(w.branch, name=f"党员{i:02d}") for i in range(1, 19)]
    members = [w.member, liaison_member, *others]
    assert len(members) == 20
    approved_change(w.branch, day, decided_by=w.admin, start=dt.time(9, 0), place="机关三楼党员活动室")
    assignment_publish(
        actor=w.admin,
        publisher_org=w.city,
        title=f"{day.month}月主题党日活动",
        theme="学习贯彻党的二十届四中全会精神",
        notice="各党支部：请于本月固定党日开展主题党日活动，活动结束后报送会议记录、照片和活动总结表。",
        window_start=day - dt.timedelta(days=3),
        window_end=today + dt.timedelta(days=5),
        deliverables=[
            DeliverableSpec("主题党日会议记录", DeliverableKind.MEETING_RECORD, today + dt.timedelta(days=7)),
            DeliverableSpec("活动照片", DeliverableKind.PHOTOS, today + dt.timedelta(days=7)),
            DeliverableSpec("主题党日活动总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=7)),
        ],
        required_actions=["佩戴党徽", "重温入党誓词"],
        collective_study=["党的二十届四中全会公报"],
        published_on=day - dt.timedelta(days=3),
    )
    for m in members[:3]:
        dues_base_set(actor=SYSTEM, member=m, year=day.year, category=DuesCategory.IN_SERVICE, monthly_base_fen=510_000)
    return AssignmentTarget.objects.get(org=w.branch), members, day


def test_month_loop_in_under_30_taps(
    e2e_world: World, browser: Any, new_page: Any, live_url: str, tmp_path: Path
) -> None:
    w = e2e_world
    target, members, day = _month_setup(w)
    on_leave = members[5:7]
    payers = members[:3]
    me = Counted(new_page(), live_url)

    # Log in (phone number and password).
    me.open("/accounts/login/")
    me.fill("#id_phone", w.liaison.phone)
    me.fill("#id_password", PASSWORD)
    me.click("button[type=submit]")

    # The task, from the task list: the committee's notice, required actions and deliverables.
    me.open("/assignments/")
    me.click(f"a[href='/assignments/t/{target.pk}/']")
    text = me.page.inner_text("main")
    assert "通知正文" in text and "重温入党誓词" in text and "党的二十届四中全会公报" in text
    screenshot(me.page, "month-loop-1-task")

    # 录入本次主题党日: claims the task and creates the prefilled, linked record.
    me.click("#record-party-day")
    meeting = Meeting.objects.get(is_party_day=True, org=w.branch)
    assert timezone.localtime(meeting.started_at).date() == day  # the approved change moved it
    assert meeting.place == "机关三楼党员活动室" and meeting.theme == "学习贯彻党的二十届四中全会精神"
    assert meeting.recorder is not None and meeting.recorder.user_id == w.liaison.pk
    assert "attendance" in me.page.content()
    screenshot(me.page, "month-loop-2-meeting")

    # Attendance by exception: everyone starts as 出席; two taps mark the two on leave.
    for m in on_leave:
        me.click(f".att-row[data-member='{m.name}'] .seg-leave span", navigates=False)
    me.click("#save-attendance")
    assert "出勤已保存" in me.page.inner_text("main"), me.page.inner_text("main")

    # One photo, then file the record.
    me.pick_files("#id_image", [_photo(tmp_path)])
    me.click("#upload-photo")
    assert "已上传 1 张照片" in me.page.inner_text("main"), me.page.inner_text("main")
    me.click("#file-btn")
    assert "已归档" in me.page.inner_text("#status"), me.page.inner_text("main")
    screenshot(me.page, "month-loop-3-filed")

    # Dues at the party day: the record links the month's collection sheet; one tap per member.
    me.click("#dues a")
    for m in payers:
        me.click(f"#row-{m.pk} button[type=submit]", navigates=False)
        me.page.locator(f"#row-{m.pk} .paid").wait_for()
    screenshot(me.page, "month-loop-4-dues")

    # Back to the task (its hub shows the record and its photo) and submit: the 总结表 is attached.
    me.open(f"/assignments/t/{target.pk}/")
    assert "会议记录中的 1 张照片" in me.page.inner_text("main")
    me.click("#submit-btn")
    assert "已提交（第 1 轮）" in me.page.inner_text("#target-status")
    screenshot(me.page, "month-loop-5-submitted")

    print(f"\nmonth loop: {me.taps} taps, {me.fields} typed fields")
    print("\n".join(me.log))

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.FILED
    statuses = dict(meeting.attendance.values_list("member_id", "status"))
    assert [statuses[m.pk] for m in on_leave] == [AttendanceStatus.LEAVE] * 2
    assert sum(1 for s in statuses.values() if s == AttendanceStatus.PRESENT) == 18
    assert meeting.photos.count() == 1
    assert DuesPayment.objects.filter(member__in=payers).count() == 3
    target.refresh_from_db()
    assert target.status == TargetStatus.SUBMITTED
    sub = Submission.objects.get(target=target)
    assert sub.summary_file and sub.contents["meeting_photos"]
    assert me.taps <= MAX_TAPS and me.fields <= MAX_FIELDS, (me.taps, me.fields, me.log)
