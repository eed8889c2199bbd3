"""Organizational life in real Chromium at 375×812 (issue 3's browser scenario).

A branch liaison records a 主题党日 that also counts as the 党小组会, marks attendance, uploads a
photo, adds a resolution with an action; a member signs in through the QR link; the liaison files
the record; the committee's org admin sees the branch's matrix cell turn green; the next month's
record shows the open action to report on.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.orglife import rules
from dangjian.orglife.models import Attendance, Meeting
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e

LOCAL = "%Y-%m-%dT%H:%M"


def photo_bytes(taken: dt.datetime) -> bytes:
    img = Image.new("RGB", (400, 300), (190, 20, 20))
    ImageDraw.Draw(img).rectangle([60, 50, 300, 220], fill=(250, 210, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = timezone.localtime(taken).strftime("%Y:%m:%d %H:%M:%S")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


def cell_class(page: Any, live_url: str, unit_pk: int, branch_pk: int, month: int) -> str:
    page.goto(f"{live_url}/orglife/matrix/{unit_pk}/")
    cell = page.locator(f'tr[data-org="{branch_pk}"] a.cell[data-month="{month}"]')
    return str(cell.get_attribute("class"))


def test_party_day_record_sign_in_matrix_and_carried_action(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    group = org_create(actor=SYSTEM, parent=w.branch, name="第一党小组", kind="group", sector="agency")
    Member.objects.filter(pk=w.member.pk).update(group=group)
    other = make_member(w.branch, name="李四海", group=group)
    now = timezone.localtime()
    start = (now - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    end = (now - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    month = rules.month_key(start.date())

    # 1. The liaison records the party day, also counted as the group meeting.
    liaison = new_page(w.liaison)
    liaison.goto(f"{live_url}/orglife/org/{w.branch.pk}/")
    liaison.click("text=录入主题党日")
    liaison.check('input[name=kinds][value="party_day"]')
    liaison.check('input[name=kinds][value="group_meeting"]')
    liaison.fill("#id_theme", "学习贯彻全国两会精神")
    liaison.fill("#id_started_at", start.strftime(LOCAL))
    liaison.fill("#id_ended_at", end.strftime(LOCAL))
    liaison.fill("#id_place", "党员活动室")
    for box in liaison.locator('input[name="required_actions"]').all():
        box.check()
    liaison.fill("#id_study_items", "全国两会精神\n党章第一章")
    with liaison.expect_navigation():
        liaison.click("#save-meeting")
    assert "已保存为草稿" in liaison.inner_text("main")
    meeting = Meeting.objects.get(theme="学习贯彻全国两会精神")
    assert meeting.is_party_day and meeting.is_group_meeting
    assert liaison.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(liaison, "orglife-1-recorded")

    # 2. Attendance: 李四海 on leave with a reason (the member will sign in by QR).
    liaison.click(f'.att-row[data-member="{other.name}"] .seg-leave span')
    liaison.fill(f'input[name="reason_{other.pk}"]', "出差")
    with liaison.expect_navigation():
        liaison.click("#save-attendance")
    assert "出勤已保存" in liaison.inner_text("main")

    # 3. A photo taken during the meeting, uploaded from the phone.
    liaison.set_input_files(
        "#id_image",
        files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(start + dt.timedelta(minutes=30))}],
    )
    with liaison.expect_navigation():
        liaison.click("#upload-photo")
    assert "已上传 1 张照片" in liaison.inner_text("main")

    # 4. A resolution with one implementation action.
    liaison.click("text=添加决议")
    liaison.fill("#id_title", "开展社区志愿服务")
    liaison.fill("#id_measure_1", "联系居住地社区报到")
    liaison.select_option("#id_owner_1", str(w.member.pk))
    liaison.fill("#id_deadline_1", (now.date() + dt.timedelta(days=45)).isoformat())
    with liaison.expect_navigation():
        liaison.click("#add-resolution")
    assert "决议及落实方案已保存" in liaison.inner_text("main")
    sign_in_url = liaison.inner_text("#sign-in-url").strip()
    assert meeting.sign_in_token in sign_in_url

    # The admin sees the draft as yellow before it is filed.
    admin = new_page(w.admin)
    assert "yellow" in cell_class(admin, live_url, w.unit.pk, w.branch.pk, month)

    # 5. The member signs in through the QR link on their phone.
    member = new_page(w.member_user)
    member.goto(sign_in_url.replace("http://testserver", live_url))
    member.click("text=确认签到")
    assert "签到成功" in member.inner_text("main")
    assert Attendance.objects.get(meeting=meeting, member=w.member).status == "present"
    screenshot(member, "orglife-2-signed-in")

    # 6. The liaison files the record (reload to pick up the new version after the sign-in).
    liaison.goto(f"{live_url}/orglife/{meeting.pk}/")
    assert "扫码" in liaison.inner_text("#attendance")
    with liaison.expect_navigation():
        liaison.click("#file-btn")
    assert "已归档" in liaison.inner_text("#status")
    screenshot(liaison, "orglife-3-filed")

    # 7. The committee's org admin sees the branch's cell turn green.
    assert "green" in cell_class(admin, live_url, w.unit.pk, w.branch.pk, month)
    screenshot(admin, "orglife-4-matrix")

    # 8. Next month's record shows the open action to report on.
    nxt = rules.month_start(rules.add_months(month, 1)) + dt.timedelta(days=6)
    liaison.goto(f"{live_url}/orglife/org/{w.branch.pk}/new/?kind=party_day")
    liaison.fill("#id_theme", "下月主题党日")
    liaison.fill("#id_started_at", f"{nxt.isoformat()}T14:30")
    liaison.fill("#id_ended_at", f"{nxt.isoformat()}T16:30")
    with liaison.expect_navigation():
        liaison.click("#save-meeting")
    carried = liaison.inner_text("#carried")
    assert "联系居住地社区报到" in carried and "本次会议应通报" in carried
    screenshot(liaison, "orglife-5-next-month")
