"""Every view: success, anonymous (→ login), outsider from another branch (→ 403/404, no data), bad input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.core.scoping import SYSTEM
from dangjian.orglife import services
from dangjian.orglife.models import Attendance, AttendanceExclusion, Meeting, MeetingPhoto, Resolution, VoteMatter
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member, make_pdf

from .helpers import at, jpeg, make_meeting

pytestmark = pytest.mark.django_db

SECRET = "学习贯彻全国两会精神"


@pytest.fixture
def meeting(world: World) -> Meeting:
    m = make_meeting(world.branch, world.liaison, started_at=at(3), kinds=["party_day", "general_meeting"])
    services.photo_add(actor=world.liaison, meeting=m, file=jpeg(at(3, 15)))
    services.attachment_add(actor=world.liaison, meeting=m, file=io.BytesIO(make_pdf()), name="签到表.pdf")
    services.resolution_add(
        actor=world.liaison,
        meeting=m,
        title="开展志愿服务",
        content="",
        actions=[services.ActionData("联系社区", timezone.localdate() + dt.timedelta(days=5), owner=world.member)],
    )
    m.refresh_from_db()
    return m


def urls(world: World, m: Meeting) -> dict[str, str]:
    photo = m.photos.get()
    action = m.resolutions.get().actions.get()
    att = m.attachments.get()
    return {
        "org_meetings": reverse("orglife:org_meetings", args=[world.branch.pk]),
        "meeting_new": reverse("orglife:meeting_new", args=[world.branch.pk]),
        "matrix": reverse("orglife:matrix", args=[world.branch.pk]),
        "branch_month": reverse("orglife:branch_month", args=[world.branch.pk, m.month]),
        "detail": reverse("orglife:detail", args=[m.pk]),
        "edit": reverse("orglife:edit", args=[m.pk]),
        "qr": reverse("orglife:qr", args=[m.pk]),
        "print": reverse("orglife:print", args=[m.pk]),
        "pdf": reverse("orglife:pdf", args=[m.pk]),
        "photo": reverse("orglife:photo", args=[photo.pk]),
        "attachment": reverse("orglife:attachment", args=[att.pk]),
        "attendance": reverse("orglife:attendance", args=[m.pk]),
        "file": reverse("orglife:file", args=[m.pk]),
        "photo_upload": reverse("orglife:photo_upload", args=[m.pk]),
        "attachment_upload": reverse("orglife:attachment_upload", args=[m.pk]),
        "resolution_add": reverse("orglife:resolution_add", args=[m.pk]),
        "vote_add": reverse("orglife:vote_add", args=[m.pk]),
        "photo_review": reverse("orglife:photo_review", args=[photo.pk]),
        "action_close": reverse("orglife:action_close", args=[action.pk]),
    }


POSTS = {
    "attendance",
    "file",
    "photo_upload",
    "attachment_upload",
    "resolution_add",
    "vote_add",
    "photo_review",
    "action_close",
}


def test_anonymous_is_sent_to_login(world: World, meeting: Meeting) -> None:
    c = Client()
    all_urls = [
        *urls(world, meeting).values(),
        reverse("orglife:index"),
        reverse("orglife:my_attendance"),
        reverse("orglife:review"),
        reverse("orglife:sign_in", args=[meeting.sign_in_token]),
    ]
    for url in all_urls:
        r = c.post(url) if any(url == urls(world, meeting)[k] for k in POSTS) else c.get(url)
        assert r.status_code == 302, url
        assert "/accounts/login" in r["Location"], url


def test_outsider_gets_404_or_403_and_no_data(world: World, meeting: Meeting, as_outsider: Client) -> None:
    before = (
        Attendance.objects.filter(status="present").count(),
        Resolution.objects.count(),
        VoteMatter.objects.count(),
    )
    for name, url in urls(world, meeting).items():
        r = as_outsider.post(url, {"version": meeting.version}) if name in POSTS else as_outsider.get(url)
        assert r.status_code in (403, 404), name
        assert SECRET.encode() not in r.content, name
        assert "张党员".encode() not in r.content, name
    after = (
        Attendance.objects.filter(status="present").count(),
        Resolution.objects.count(),
        VoteMatter.objects.count(),
    )
    assert before == after
    meeting.refresh_from_db()
    assert meeting.status == "draft"


def test_member_may_view_but_not_manage(world: World, meeting: Meeting, as_member: Client) -> None:
    u = urls(world, meeting)
    assert as_member.get(u["detail"]).status_code == 200
    assert as_member.get(u["edit"]).status_code == 403
    assert as_member.get(u["qr"]).status_code == 403
    assert as_member.post(u["file"], {"version": meeting.version}).status_code == 403


def test_success_pages(world: World, meeting: Meeting, as_liaison: Client, as_admin: Client) -> None:
    u = urls(world, meeting)
    for name in ("org_meetings", "meeting_new", "matrix", "branch_month", "detail", "edit", "print"):
        r = as_liaison.get(u[name])
        assert r.status_code == 200, name
    r = as_liaison.get(u["detail"])
    assert SECRET in r.content.decode()
    assert "法定人数" in r.content.decode()
    assert as_liaison.get(u["qr"])["Content-Type"] == "image/svg+xml"
    pdf = as_liaison.get(u["pdf"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert as_liaison.get(u["photo"]).status_code == 200
    assert as_liaison.get(u["attachment"]).status_code == 200
    assert as_liaison.get(reverse("orglife:index")).status_code == 200
    assert as_admin.get(reverse("orglife:matrix", args=[world.city.pk])).status_code == 200
    assert as_admin.get(reverse("orglife:review")).status_code == 200


def test_create_via_form_and_bad_input(world: World, as_liaison: Client) -> None:
    url = reverse("orglife:meeting_new", args=[world.branch.pk])
    start = at(1)
    good = {
        "kinds": ["party_day"],
        "theme": "三月主题党日",
        "started_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": timezone.localtime(start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "required_actions": ["佩戴党徽"],
        "invitees": "李四,入党积极分子",
    }
    bad = {**good, "ended_at": timezone.localtime(start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    r = as_liaison.post(url, bad)
    assert r.status_code == 200
    assert "结束时间应晚于开始时间" in r.content.decode()
    r = as_liaison.post(url, {**good, "invitees": "王五,路人"})
    assert "身份无效" in r.content.decode()
    assert Meeting.objects.count() == 0
    r = as_liaison.post(url, good)
    assert r.status_code == 302
    m = Meeting.objects.get()
    assert m.invitees == [{"name": "李四", "category": "入党积极分子"}]


def test_group_meeting_asks_which_group_and_lists_its_members(world: World, as_liaison: Client) -> None:
    from dangjian.orgs.services import org_create

    g1 = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group", sector="agency")
    g2 = org_create(actor=SYSTEM, parent=world.branch, name="第二党小组", kind="group", sector="agency")
    world.member.group = g1
    world.member.save(update_fields=["group"])
    make_member(world.branch, name="二组党员", group=g2)
    url = reverse("orglife:meeting_new", args=[world.branch.pk])
    page = as_liaison.get(url).content.decode()
    assert "第一党小组" in page and "第二党小组" in page
    start = at(1)
    base = {
        "kinds": ["group_meeting"],
        "theme": "党小组学习",
        "started_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": timezone.localtime(start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    r = as_liaison.post(url, base)
    assert r.status_code == 200 and "请选择召开党小组会的党小组" in r.content.decode()
    r = as_liaison.post(url, {**base, "kinds": ["party_day", "group_meeting"], "group": g1.pk})
    assert r.status_code == 200 and "选择党小组时只能记录党小组会" in r.content.decode()
    assert Meeting.objects.count() == 0
    r = as_liaison.post(url, {**base, "group": g1.pk})
    assert r.status_code == 302
    m = Meeting.objects.get()
    assert m.org == g1 and m.branch_path == world.branch.path
    assert [a.member.name for a in m.attendance.select_related("member")] == ["张党员"]
    # Another branch's group is not a choice.
    other_group = org_create(actor=SYSTEM, parent=world.other_branch, name="外支部党小组", kind="group")
    r = as_liaison.post(url, {**base, "group": other_group.pk})
    assert r.status_code == 200 and Meeting.objects.count() == 1


def test_attendance_post_and_bad_rows(world: World, meeting: Meeting, as_liaison: Client) -> None:
    url = reverse("orglife:attendance", args=[meeting.pk])
    stranger = make_member(world.other_branch, name="外人")
    r = as_liaison.post(
        url,
        {
            "version": meeting.version,
            "member": [world.member.pk, stranger.pk],
            f"status_{world.member.pk}": "present",
            f"status_{stranger.pk}": "present",
        },
        follow=True,
    )
    assert "不是本组织党员" in r.content.decode()
    assert Attendance.objects.get(meeting=meeting, member=world.member).status == "present"  # by exception
    r = as_liaison.post(url, {"version": "x", "member": [world.member.pk]}, follow=True)
    assert "请求无效" in r.content.decode()
    r = as_liaison.post(
        url,
        {"version": meeting.version, "member": [world.member.pk], f"status_{world.member.pk}": "absent"},
        follow=True,
    )
    assert "出勤已保存" in r.content.decode()
    assert Attendance.objects.get(meeting=meeting, member=world.member).status == "absent"
    # A stale form (the version moved on) is refused with a conflict message.
    r = as_liaison.post(
        url,
        {"version": meeting.version, "member": [world.member.pk], f"status_{world.member.pk}": "present"},
        follow=True,
    )
    assert "已被他人修改" in r.content.decode()
    assert Attendance.objects.get(meeting=meeting, member=world.member).status == "absent"
    # 全部出席 in one tap.
    meeting.refresh_from_db()
    r = as_liaison.post(reverse("orglife:all_present", args=[meeting.pk]), {"version": meeting.version}, follow=True)
    assert "全部记为出席" in r.content.decode()
    assert Attendance.objects.get(meeting=meeting, member=world.member).status == "present"


def test_photo_upload_bad_files(world: World, meeting: Meeting, as_liaison: Client) -> None:
    url = reverse("orglife:photo_upload", args=[meeting.pk])
    n = MeetingPhoto.objects.count()
    notimg = io.BytesIO(b"hello, not an image" * 50)
    notimg.name = "x.jpg"
    r = as_liaison.post(url, {"image": notimg}, follow=True)
    assert "不是有效的图片" in r.content.decode()
    r = as_liaison.post(url, {}, follow=True)
    assert "请选择要上传的照片" in r.content.decode()
    assert MeetingPhoto.objects.count() == n
    r = as_liaison.post(url, {"image": jpeg(None, seed=7)}, follow=True)
    assert "需核实" in r.content.decode() and "没有拍摄时间" in r.content.decode()
    assert MeetingPhoto.objects.count() == n + 1


def test_several_photos_at_once_and_delete_before_filing(
    world: World, meeting: Meeting, as_liaison: Client, as_outsider: Client
) -> None:
    url = reverse("orglife:photo_upload", args=[meeting.pk])
    n = MeetingPhoto.objects.count()
    bad = io.BytesIO(b"not an image" * 50)
    bad.name = "bad.jpg"
    r = as_liaison.post(url, {"image": [jpeg(at(3, 15), seed=3), bad, jpeg(at(3, 15), seed=4)]}, follow=True)
    page = r.content.decode()
    assert "已上传 2 张照片" in page and "第 2 张（bad.jpg）" in page  # the bad one is named, the others kept
    assert MeetingPhoto.objects.count() == n + 2
    page = as_liaison.get(reverse("orglife:detail", args=[meeting.pk])).content.decode()
    assert 'capture="environment"' in page and "multiple" in page
    photo = MeetingPhoto.objects.filter(meeting=meeting).last()
    assert photo is not None
    delete = reverse("orglife:photo_delete", args=[photo.pk])
    assert as_outsider.post(delete).status_code == 404
    r = as_liaison.post(delete, follow=True)
    assert "照片已删除" in r.content.decode()
    assert MeetingPhoto.objects.count() == n + 1
    # A filed record keeps its photos.
    meeting.refresh_from_db()
    services.meeting_file(actor=world.liaison, meeting=meeting, version=meeting.version)
    other = MeetingPhoto.objects.filter(meeting=meeting).first()
    assert other is not None
    r = as_liaison.post(reverse("orglife:photo_delete", args=[other.pk]), follow=True)
    assert "已归档" in r.content.decode()
    assert MeetingPhoto.objects.count() == n + 1


def test_attendance_default_may_be_unmarked_per_committee(world: World) -> None:
    from dangjian.orgs.services import config_set

    config_set(actor=world.admin, org=world.city, key="orglife.attendance_default", raw_value="absent")
    m = make_meeting(world.branch, world.liaison)
    assert set(m.attendance.values_list("status", flat=True)) == {"absent"}


def test_no_sign_in_code_before_the_day(world: World, as_liaison: Client) -> None:
    planned = make_meeting(world.branch, world.liaison, started_at=at(-3))
    page = as_liaison.get(reverse("orglife:detail", args=[planned.pk])).content.decode()
    assert "<h2>扫码签到</h2>" not in page and "签到二维码" not in page
    assert as_liaison.get(reverse("orglife:qr", args=[planned.pk])).status_code == 404
    held = make_meeting(world.branch, world.liaison, started_at=at(0, 0))
    assert "<h2>扫码签到</h2>" in as_liaison.get(reverse("orglife:detail", args=[held.pk])).content.decode()


def test_file_edit_and_amend_views(world: World, meeting: Meeting, as_liaison: Client) -> None:
    r = as_liaison.post(reverse("orglife:file", args=[meeting.pk]), {"version": meeting.version}, follow=True)
    assert "已归档" in r.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "filed"
    edit = reverse("orglife:edit", args=[meeting.pk])
    form = {
        "kinds": ["party_day", "general_meeting"],
        "theme": "已更正主题",
        "started_at": timezone.localtime(meeting.started_at).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": timezone.localtime(meeting.ended_at).strftime("%Y-%m-%dT%H:%M"),
        "version": meeting.version,
    }
    r = as_liaison.post(edit, form)
    assert "更正原因" in r.content.decode()
    meeting.refresh_from_db()
    assert meeting.theme == SECRET
    r = as_liaison.post(edit, {**form, "reason": "主题录入有误"})
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.theme == "已更正主题"
    # Uploads, votes and resolutions on a filed record are refused.
    r = as_liaison.post(reverse("orglife:photo_upload", args=[meeting.pk]), {"image": jpeg(at(3, 15))}, follow=True)
    assert "已归档" in r.content.decode()


def test_vote_and_resolution_views_bad_input(world: World, meeting: Meeting, as_liaison: Client) -> None:
    r = as_liaison.post(reverse("orglife:vote_add", args=[meeting.pk]), {"matter": "接收", "yes": "-1"}, follow=True)
    assert VoteMatter.objects.count() == 0
    assert "表决票数" in r.content.decode() or "赞成" in r.content.decode()
    r = as_liaison.post(
        reverse("orglife:resolution_add", args=[meeting.pk]),
        {"title": "决议二", "measure_1": "做点事", "deadline_1": "2026-13-45"},
        follow=True,
    )
    assert "完成时限格式无效" in r.content.decode()
    r = as_liaison.post(
        reverse("orglife:resolution_add", args=[meeting.pk]), {"title": "决议二", "measure_1": "做点事"}, follow=True
    )
    assert "未填写完成时限" in r.content.decode()
    assert Resolution.objects.count() == 1


def test_action_close_view(world: World, meeting: Meeting, as_liaison: Client) -> None:
    action = meeting.resolutions.get().actions.get()
    url = reverse("orglife:action_close", args=[action.pk])
    r = as_liaison.post(url, {"version": action.version, "close_note": ""}, follow=True)
    assert "落实情况" in r.content.decode()
    action.refresh_from_db()
    assert action.status == "open"
    as_liaison.post(url, {"version": action.version, "close_note": "已联系"})
    action.refresh_from_db()
    assert action.status == "done"


def test_photo_review_view(world: World, meeting: Meeting, as_secretary: Client, as_liaison: Client) -> None:
    photo = meeting.photos.get()
    assert as_liaison.post(reverse("orglife:photo_review", args=[photo.pk])).status_code == 403
    assert as_secretary.post(reverse("orglife:photo_review", args=[photo.pk])).status_code == 302
    photo.refresh_from_db()
    assert photo.reviewed_at is not None


def test_sign_in_view(world: World, as_member: Client, as_outsider: Client) -> None:
    start = timezone.now() - dt.timedelta(minutes=5)
    m = make_meeting(world.branch, world.liaison, started_at=start, ended_at=start + dt.timedelta(hours=2))
    url = reverse("orglife:sign_in", args=[m.sign_in_token])
    r = as_outsider.post(url)
    assert r.status_code == 400 and "不在本次会议的应到名单中" in r.content.decode()
    assert "张党员" not in r.content.decode()
    # Another branch's member sees nothing of the meeting and is offered no button.
    page = as_outsider.get(url).content.decode()
    assert m.theme not in page and "不在本次会议的应到名单中" in page and "signin-btn" not in page
    assert "signin-btn" in as_member.get(url).content.decode()
    r = as_member.post(url)
    assert r.status_code == 200 and "签到成功" in r.content.decode()
    assert Attendance.objects.get(meeting=m, member=world.member).status == "present"
    assert as_member.get(reverse("orglife:sign_in", args=["nope"])).status_code == 404


def test_sign_in_outside_window(world: World, as_member: Client) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(-1))
    r = as_member.post(reverse("orglife:sign_in", args=[m.sign_in_token]))
    assert r.status_code == 400 and "签到尚未开始" in r.content.decode()
    page = as_member.get(reverse("orglife:sign_in", args=[m.sign_in_token])).content.decode()
    assert "签到尚未开始" in page and "signin-btn" not in page and m.theme in page


def test_my_attendance_shows_only_own_rows(
    world: World, meeting: Meeting, as_member: Client, as_outsider: Client
) -> None:
    other = make_member(world.branch, name="另一人")
    services.attendance_mark(
        actor=world.liaison,
        meeting=meeting,
        version=meeting.version,
        marks=[services.Mark(world.member.pk, "present"), services.Mark(other.pk, "leave", "出差")],
    )
    # A draft is not a held meeting: it does not show in 我的出勤 until it is filed.
    assert SECRET not in as_member.get(reverse("orglife:my_attendance")).content.decode()
    meeting.refresh_from_db()
    services.meeting_file(actor=world.liaison, meeting=meeting, version=meeting.version)
    r = as_member.get(reverse("orglife:my_attendance"))
    body = r.content.decode()
    assert SECRET in body and "出席" in body and "出差" not in body
    r = as_outsider.get(reverse("orglife:my_attendance"))
    assert SECRET not in r.content.decode()


def test_matrix_outsider_and_bad_month(world: World, as_outsider: Client, as_liaison: Client) -> None:
    assert as_outsider.get(reverse("orglife:matrix", args=[world.branch.pk])).status_code == 404
    assert as_liaison.get(reverse("orglife:matrix", args=[world.city.pk])).status_code == 404
    assert as_liaison.get(reverse("orglife:branch_month", args=[world.branch.pk, 202613])).status_code == 404
    r = as_liaison.get(reverse("orglife:matrix", args=[world.branch.pk]) + "?end=garbage&page=x")
    assert r.status_code == 200


def test_matrix_rows_link_and_escape(world: World, as_admin: Client) -> None:
    """The table body is written in one pass (issue 18): the links are the same as reversed one by
    one, and a name from the records is escaped."""
    odd = org_create(actor=SYSTEM, parent=world.unit, name='<i>"甲"</i>支部', kind="branch", sector="agency")
    body = as_admin.get(reverse("orglife:matrix", args=[world.unit.pk]) + "?end=2026-03").content.decode()
    assert "&lt;i&gt;&quot;甲&quot;&lt;/i&gt;支部" in body and "<i>" not in body
    assert f'<a href="{reverse("orglife:org_meetings", args=[odd.pk])}">' in body
    assert f'href="{reverse("orglife:branch_month", args=[odd.pk, 202603])}"' in body
    top = as_admin.get(reverse("orglife:matrix", args=[world.city.pk]) + "?end=2026-03").content.decode()
    assert f'<a href="{reverse("orglife:matrix", args=[world.unit.pk])}?end=2026-03">市直机关工委</a>' in top
    assert '<div class="muted">3 个支部</div>' in top


def test_review_requires_approve(as_liaison: Client, as_member: Client) -> None:
    assert as_liaison.get(reverse("orglife:review")).status_code == 403
    assert as_member.get(reverse("orglife:review")).status_code == 403


def test_exclusions_view(world: World, as_secretary: Client, as_liaison: Client, as_outsider: Client) -> None:
    url = reverse("orglife:exclusions", args=[world.branch.pk])
    assert Client().get(url).status_code == 302
    assert as_outsider.get(url).status_code == 404
    assert as_liaison.get(url).status_code == 403
    r = as_secretary.post(url, {"member": world.member.pk, "kind": "abroad", "note": "", "starts_on": "2026-13-01"})
    body = r.content.decode()
    assert r.status_code == 200 and "起始日期格式无效" in body
    assert AttendanceExclusion.objects.count() == 0
    r = as_secretary.post(
        url,
        {
            "member": world.member.pk,
            "kind": "abroad",
            "note": "上级批准",
            "starts_on": "2026-01-01",
            "ends_on": "2025-01-01",
        },
    )
    assert "结束日期应不早于起始日期" in r.content.decode()
    r = as_secretary.post(
        url, {"member": world.member.pk, "kind": "abroad", "note": "上级批准", "starts_on": "2026-01-01"}
    )
    assert r.status_code == 302
    assert AttendanceExclusion.objects.get().member == world.member
    m = make_meeting(world.branch, world.liaison)
    assert Attendance.objects.get(meeting=m, member=world.member).status == "excluded"


def test_sweep_command(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(40))
    services.resolution_add(
        actor=world.liaison,
        meeting=m,
        title="决议",
        content="",
        actions=[services.ActionData("措施", timezone.localdate() - dt.timedelta(days=1), owner=world.member)],
    )
    out = io.StringIO()
    call_command("periodic", "--only", "orglife", stdout=out)
    assert "reminders=1" in out.getvalue()
    call_command("periodic", "--only", "orglife", stdout=out)
    assert Notification.objects.filter(user=world.secretary).count() == 1


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_photo_review_and_action_close_follow_only_local_next(
    world: World, meeting: Meeting, as_secretary: Client, as_liaison: Client, target: str
) -> None:
    detail = reverse("orglife:detail", args=[meeting.pk])
    photo = meeting.photos.get()
    r = as_secretary.post(reverse("orglife:photo_review", args=[photo.pk]), {"next": target})
    assert r.status_code == 302 and r["Location"] == detail
    action = meeting.resolutions.get().actions.get()
    url = reverse("orglife:action_close", args=[action.pk])
    r = as_liaison.post(url, {"version": action.version, "close_note": "已联系", "next": target})
    assert r.status_code == 302 and r["Location"] == detail
    r = as_secretary.post(reverse("orglife:photo_review", args=[photo.pk]), {"next": f"{detail}#photos"})
    assert r["Location"] == f"{detail}#photos"


def _month_param(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def test_meeting_list_pages_and_calendar_past_a_full_first_page(world: World, as_secretary: Client) -> None:
    """31 meetings: the first page shows 30 and the total; each month's calendar shows exactly that
    month's meetings, whether the first page holds the month (no query) or not (read apart)."""
    for days in range(1, 32):
        make_meeting(world.branch, world.liaison, started_at=at(days), theme=f"列表{days:02d}")
    url = reverse("orglife:org_meetings", args=[world.branch.pk])
    first = as_secretary.get(url).content.decode()
    assert first.count('<td data-label="日期">') == 30 and "共 31 条" in first
    assert "列表01" in first and "列表31" not in first
    second = as_secretary.get(url + "?page=2").content.decode()
    assert second.count('<td data-label="日期">') == 1 and "列表31" in second
    months = sorted(set(Meeting.objects.filter(org=world.branch).values_list("month", flat=True)))
    for month in [*months, max(months) + 1 if max(months) % 100 < 12 else max(months) + 89]:
        for query in (f"?month={_month_param(month)}", f"?month={_month_param(month)}&page=2"):
            body = as_secretary.get(url + query).content.decode()
            calendar = body.split('<table class="calendar">')[1].split("</table>")[0]
            assert calendar.count('class="dot ') == Meeting.objects.filter(org=world.branch, month=month).count()
