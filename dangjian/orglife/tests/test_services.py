"""Services: records, attendance, sign-in, votes, resolutions, photos, lifecycle, conflicts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from dangjian.core.models import AuditEvent, Notification
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.orglife import services
from dangjian.orglife.models import (
    Attendance,
    Meeting,
    MeetingAmendment,
    MeetingPhoto,
    ResolutionAction,
)
from dangjian.orglife.selectors import meeting_detail
from dangjian.orgs.services import config_set, org_create, org_update
from dangjian.site.testing.factories import World, make_member, make_user

from .helpers import at, data, jpeg, make_meeting

pytestmark = pytest.mark.django_db


def test_create_generates_expected_list_from_roster(world: World) -> None:
    probationary = make_member(world.branch, name="预备甲", status="probationary", converted_on=None)
    exempt = make_member(
        world.branch,
        name="免参乙",
        exempt=True,
        exempt_reason="年老体弱",
        exempt_application="本人书面申请",
        exempt_approved_by="支部委员会",
        exempt_on=at(200).date(),
    )
    abroad = make_member(world.branch, name="出国丙")
    services.exclusion_add(
        actor=world.secretary, member=abroad, kind="abroad", note="经上级批准、党员大会通过", starts_on=at(100).date()
    )
    later = make_member(
        world.branch, name="新党员", joined_on=timezone.localdate(), status="probationary", converted_on=None
    )  # joined after the meeting
    make_member(world.other_branch, name="外支部")
    m = make_meeting(world.branch, world.liaison, started_at=at(2))
    rows = {a.member.name: a for a in m.attendance.select_related("member")}
    assert set(rows) == {"张党员", "预备甲", "免参乙", "出国丙"}
    assert rows["预备甲"].voting is False
    assert rows["免参乙"].status == "exempt" and "年老体弱" in rows["免参乙"].reason
    assert rows["出国丙"].status == "excluded" and "出国" in rows["出国丙"].reason
    assert "新党员" not in rows and later.pk
    assert AuditEvent.objects.filter(action="orglife.meeting_create", object_id=str(m.pk)).exists()
    assert probationary.pk and exempt.pk


def test_end_before_start_refused_and_nothing_saved(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        make_meeting(world.branch, world.liaison, started_at=at(1, 15), ended_at=at(1, 14))
    assert "结束时间应晚于开始时间" in str(exc.value)
    assert Meeting.objects.count() == 0


def test_future_meeting_can_be_planned_but_not_filed(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(-2))
    with pytest.raises(ValidationError) as exc:
        services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    assert "尚未召开" in str(exc.value)
    m.refresh_from_db()
    assert m.status == "draft"
    member_id = m.attendance.first().member_id
    with pytest.raises(ValidationError) as exc:
        services.attendance_mark(
            actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(member_id, "leave", "出差")]
        )
    assert "尚未开始" in str(exc.value)


def test_kind_rules_enforced(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        make_meeting(world.branch, world.liaison, kinds=["committee_meeting"])
    assert "未设支部委员会" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        make_meeting(world.branch, world.liaison, kinds=["party_lecture"])
    assert "授课人" in str(exc.value)
    with pytest.raises(ValidationError):
        make_meeting(world.branch, world.liaison, kinds=[])


def test_outsider_cannot_create(world: World) -> None:
    with pytest.raises(PermissionDenied):
        make_meeting(world.branch, world.outsider)
    with pytest.raises(PermissionDenied):
        make_meeting(world.branch, world.member_user)


def test_attendance_rejects_outsider_member_and_duplicates_and_writes_nothing(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    stranger = make_member(world.other_branch, name="外人")
    with pytest.raises(ValidationError) as exc:
        services.attendance_mark(
            actor=world.liaison,
            meeting=m,
            version=m.version,
            marks=[services.Mark(world.member.pk, "absent"), services.Mark(stranger.pk, "present")],
        )
    assert "第 2 行：该人员不是本组织党员" in str(exc.value)
    assert "外人" not in str(exc.value)  # no name of another branch's member is echoed
    # Attendance by exception: the list starts as 出席, and the refused request changed nothing.
    assert Attendance.objects.get(meeting=m, member=world.member).status == "present"
    with pytest.raises(ValidationError) as exc:
        services.attendance_mark(
            actor=world.liaison,
            meeting=m,
            version=m.version,
            marks=[services.Mark(world.member.pk, "present"), services.Mark(world.member.pk, "absent")],
        )
    assert "同一人重复登记" in str(exc.value)
    assert Attendance.objects.get(meeting=m, member=world.member).status == "present"
    # The reason of a leave is optional.
    services.attendance_mark(
        actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(world.member.pk, "leave")]
    )
    assert Attendance.objects.get(meeting=m, member=world.member).status == "leave"


def test_attendance_can_add_a_branch_member_missing_from_the_list(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(2))
    newcomer = make_member(world.branch, name="补登")  # joined before, but added to roster after the list was built
    services.attendance_mark(
        actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(newcomer.pk, "present")]
    )
    assert Attendance.objects.get(meeting=m, member=newcomer).status == "present"


def test_concurrent_save_conflict_loses_nothing(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    stale = m.version
    services.meeting_update(actor=world.liaison, meeting=m, version=stale, data=data(theme="第一人的主题"))
    with pytest.raises(ValidationError) as exc:
        services.meeting_update(actor=world.secretary, meeting=m, version=stale, data=data(theme="第二人的主题"))
    assert "已被他人修改" in str(exc.value)
    m.refresh_from_db()
    assert m.theme == "第一人的主题"
    with pytest.raises(ValidationError):
        services.attendance_mark(
            actor=world.secretary, meeting=m, version=stale, marks=[services.Mark(world.member.pk, "absent")]
        )
    assert Attendance.objects.get(meeting=m, member=world.member).status == "present"


def test_file_then_read_only_then_amend_with_reason(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(1))
    m = services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    assert m.status == "filed" and not m.late and m.level == 2
    with pytest.raises(ValidationError) as exc:
        services.meeting_update(actor=world.liaison, meeting=m, version=m.version, data=data(theme="偷偷改"))
    assert "已归档" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.meeting_amend(actor=world.liaison, meeting=m, version=m.version, data=data(theme="更正"), reason=" ")
    assert "更正原因" in str(exc.value)
    with pytest.raises(ValidationError):
        services.attendance_mark(
            actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(world.member.pk, "present")]
        )
    m.refresh_from_db()
    assert m.theme == "学习贯彻全国两会精神"
    m = services.meeting_amend(
        actor=world.liaison,
        meeting=m,
        version=m.version,
        data=data(theme="学习贯彻全国两会精神（更正）", started_at=at(1)),
        reason="主题漏字",
    )
    amendment = MeetingAmendment.objects.get(meeting=m)
    assert amendment.reason == "主题漏字"
    assert amendment.after == {"theme": "学习贯彻全国两会精神（更正）"}
    services.attendance_mark(
        actor=world.liaison,
        meeting=m,
        version=m.version,
        marks=[services.Mark(world.member.pk, "present")],
        amendment_reason="补记出勤",
    )
    assert MeetingAmendment.objects.filter(meeting=m).count() == 2
    assert AuditEvent.objects.filter(action="orglife.meeting_amend").exists()


def test_late_entry_is_allowed_and_marked(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(10))
    m = services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    assert m.late and m.level == 1


def test_deadline_is_configurable_per_committee(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="orglife.entry_deadline_days", raw_value="15")
    m = make_meeting(world.branch, world.liaison, started_at=at(10))
    m = services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    assert not m.late


def test_missing_required_actions_make_record_incomplete(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, required_actions=["佩戴党徽"])
    m = services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    assert m.level == 1


def test_sign_in_window_and_membership(world: World) -> None:
    start = timezone.now() - dt.timedelta(minutes=10)
    m = make_meeting(world.branch, world.liaison, started_at=start, ended_at=start + dt.timedelta(hours=2))
    row = services.sign_in(actor=world.member_user, token=m.sign_in_token)
    assert row.status == "present" and row.signed_in_at is not None
    with pytest.raises(ValidationError) as exc:
        services.sign_in(actor=world.outsider, token=m.sign_in_token)
    assert "不在本次会议的应到名单中" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.sign_in(actor=world.member_user, token=m.sign_in_token, now=start + dt.timedelta(hours=3))
    assert "已结束" in str(exc.value)
    with pytest.raises(ValidationError):
        services.sign_in(actor=world.member_user, token="bogus")


def test_votes_and_quorum(world: World) -> None:
    for i in range(3):
        make_member(world.branch, name=f"正式{i}")
    m = make_meeting(world.branch, world.liaison, kinds=["party_day", "general_meeting"])
    ids = list(m.attendance.values_list("member_id", flat=True))
    services.attendance_mark(
        actor=world.liaison,
        meeting=m,
        version=m.version,
        marks=[services.Mark(i, "present") for i in ids[:3]] + [services.Mark(i, "absent") for i in ids[3:]],
    )
    with pytest.raises(ValidationError) as exc:
        services.vote_record(actor=world.liaison, meeting=m, matter="接收预备党员", yes=4, no=0, abstain=0)
    assert "超过实到" in str(exc.value)
    v = services.vote_record(actor=world.liaison, meeting=m, matter="接收预备党员", yes=3, no=0, abstain=0)

    d = meeting_detail(world.liaison, m)
    assert d.quorum is not None and d.quorum.ok  # 3 of 4
    assert d.votes[0][0] == v and d.votes[0][1].ok  # 3 > 4/2


def test_resolution_and_actions(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(40))
    with pytest.raises(ValidationError) as exc:
        services.resolution_add(actor=world.liaison, meeting=m, title="决议", content="", actions=[])
    assert "落实措施" in str(exc.value)
    stranger = make_member(world.other_branch, name="外人")
    with pytest.raises(ValidationError) as exc:
        services.resolution_add(
            actor=world.liaison,
            meeting=m,
            title="决议",
            content="",
            actions=[services.ActionData("措施", timezone.localdate(), owner=stranger)],
        )
    assert "不是本支部党员" in str(exc.value)
    res = services.resolution_add(
        actor=world.liaison,
        meeting=m,
        title="开展志愿服务",
        content="",
        actions=[services.ActionData("联系社区", timezone.localdate() - dt.timedelta(days=5), owner=world.member)],
    )
    action = res.actions.get()
    assert action.owner_name == "张党员"
    # The next meeting shows it as an item to report on; the secretary is told it is overdue.
    nxt = make_meeting(world.branch, world.liaison, started_at=at(5))

    assert [a.pk for a in meeting_detail(world.liaison, nxt).carried_actions] == [action.pk]
    assert services.notify_overdue_actions(actor=SYSTEM) == 1
    assert services.notify_overdue_actions(actor=SYSTEM) == 0  # idempotent
    assert Notification.objects.filter(user=world.secretary, key=f"orglife.action_overdue.{action.pk}").exists()
    closed = services.action_close(actor=world.liaison, action=action, version=action.version, note="已完成")
    assert closed.closed_by == world.liaison and closed.closed_at is not None
    with pytest.raises(ValidationError):
        services.action_close(actor=world.liaison, action=action, version=action.version, note="再次")
    assert meeting_detail(world.liaison, nxt).carried_actions == []
    assert ResolutionAction.objects.get().status == "done"


# ------------------------------------------------------------- photos


def test_photo_not_an_image_refused(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    f = io.BytesIO(b"%PDF-1.4 not really a photo" * 10)
    with pytest.raises(ValidationError) as exc:
        services.photo_add(actor=world.liaison, meeting=m, file=f)
    assert "不是有效的图片" in str(exc.value)
    assert MeetingPhoto.objects.count() == 0


def test_photo_oversized_refused(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    big = io.BytesIO(jpeg().getvalue() + b"\0" * (11 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        services.photo_add(actor=world.liaison, meeting=m, file=big)
    assert "过大" in str(exc.value)
    assert MeetingPhoto.objects.count() == 0


def test_photo_image_bomb_refused(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    buf = io.BytesIO()
    Image.new("1", (10000, 5000)).save(buf, format="PNG")  # 50 Mpx in a few kB
    buf.seek(0)
    with pytest.raises(ValidationError) as exc:
        services.photo_add(actor=world.liaison, meeting=m, file=buf)
    assert "尺寸过大" in str(exc.value)
    assert MeetingPhoto.objects.count() == 0


def test_photo_exif_checks_flag_but_never_reject(world: World) -> None:
    m = make_meeting(world.branch, world.liaison, started_at=at(1, 14))
    ok = services.photo_add(actor=world.liaison, meeting=m, file=jpeg(at(1, 15), seed=1))
    missing = services.photo_add(actor=world.liaison, meeting=m, file=jpeg(None, seed=2))
    outside = services.photo_add(actor=world.liaison, meeting=m, file=jpeg(at(30, 10), seed=3))
    assert (ok.time_check, missing.time_check, outside.time_check) == ("ok", "missing", "outside")
    assert ok.taken_at == at(1, 15)
    assert not ok.flagged and missing.flagged and outside.flagged
    assert MeetingPhoto.objects.filter(meeting=m).count() == 3


def test_near_duplicate_photo_in_another_branch_is_flagged(world: World) -> None:
    mine = make_meeting(world.branch, world.liaison)
    theirs = make_meeting(world.other_branch, world.outsider)
    original = services.photo_add(actor=world.liaison, meeting=mine, file=jpeg(at(1, 15), seed=5))
    # The same picture re-saved smaller and at a lower quality (as a chat app would).
    reused = services.photo_add(
        actor=world.outsider, meeting=theirs, file=jpeg(at(1, 15), seed=5, size=(160, 120), quality=40)
    )
    assert reused.duplicate_of == original
    assert reused.duplicate_distance is not None and reused.duplicate_distance <= 3
    different = services.photo_add(actor=world.outsider, meeting=theirs, file=jpeg(at(1, 15), seed=9))
    assert different.duplicate_of is None
    # The outsider sees only that it was used elsewhere, with no details of the other branch's meeting.
    view = next(p for p in meeting_detail(world.outsider, theirs).photos if p.photo.pk == reused.pk)
    assert view.duplicate_text == "已在其他支部的会议中使用"
    assert view.duplicate_link == f"/orglife/{mine.pk}/"
    admin_view = next(p for p in meeting_detail(world.admin, theirs).photos if p.photo.pk == reused.pk)
    assert world.branch.name in admin_view.duplicate_text


def test_photo_requirement_per_kind(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="orglife.photos.party_day", raw_value="1")
    m = make_meeting(world.branch, world.liaison)
    m = services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    assert m.level == 1
    m2 = make_meeting(world.branch, world.liaison)
    services.photo_add(actor=world.liaison, meeting=m2, file=jpeg(at(1, 15)))
    m2.refresh_from_db()
    m2 = services.meeting_file(actor=world.liaison, meeting=m2, version=m2.version)
    assert m2.level == 2


def test_photo_review(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    p = services.photo_add(actor=world.liaison, meeting=m, file=jpeg(None))
    with pytest.raises(PermissionDenied):
        services.photo_review(actor=world.liaison, photo=p)
    services.photo_review(actor=world.secretary, photo=p)
    p.refresh_from_db()
    assert p.reviewed_by == world.secretary


def test_group_meeting_needs_groups_and_group_roster(world: World) -> None:
    with pytest.raises(ValidationError):
        make_meeting(world.branch, world.liaison, kinds=["party_day", "group_meeting"])
    group = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group", sector="agency")
    Member.objects.filter(pk=world.member.pk).update(group=group)
    make_member(world.branch, name="别组")
    m = make_meeting(world.branch, world.liaison, kinds=["party_day", "group_meeting"])
    assert m.is_group_meeting and m.is_party_day
    g = make_meeting(group, world.liaison, kinds=["group_meeting"])
    assert g.branch_path == world.branch.path
    assert list(g.attendance.values_list("member__name", flat=True)) == ["张党员"]


def test_committee_meeting_with_committee(world: World) -> None:
    branch = org_update(actor=SYSTEM, org=world.branch, version=world.branch.version, has_committee=True)
    m = make_meeting(branch, world.liaison, kinds=["party_day", "committee_meeting"])
    assert m.is_committee_meeting


def test_exclusion_requires_approve(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.exclusion_add(
            actor=world.liaison, member=world.member, kind="abroad", note="x", starts_on=timezone.localdate()
        )
    u = make_user("局外")
    with pytest.raises(PermissionDenied):
        services.exclusion_add(actor=u, member=world.member, kind="abroad", note="x", starts_on=timezone.localdate())


def test_exempt_member_may_attend_but_leave_keeps_exemption(world: World) -> None:
    exempt = make_member(
        world.branch,
        name="免参者",
        exempt=True,
        exempt_reason="年老体弱",
        exempt_application="本人书面申请",
        exempt_approved_by="支部委员会",
        exempt_on=at(200).date(),
    )
    m = make_meeting(world.branch, world.liaison)
    services.attendance_mark(
        actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(exempt.pk, "leave", "身体原因")]
    )
    assert Attendance.objects.get(meeting=m, member=exempt).status == "exempt"
    m.refresh_from_db()
    services.attendance_mark(
        actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(exempt.pk, "present")]
    )
    row = Attendance.objects.get(meeting=m, member=exempt)
    assert row.status == "present" and row.reason == "年老体弱"
    m.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.attendance_mark(
            actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(exempt.pk, "bogus")]
        )
    assert "出勤状态无效" in str(exc.value)


def test_create_with_attendance_checks_every_row(world: World) -> None:
    stranger = make_member(world.other_branch, name="外人")
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            actor=world.liaison,
            org=world.branch,
            data=data(),
            attendance=[services.Mark(world.member.pk, "present"), services.Mark(stranger.pk, "present")],
        )
    assert "第 2 行：该人员不是本组织党员" in str(exc.value)
    assert Meeting.objects.count() == 0
    m = services.meeting_create(
        actor=world.liaison, org=world.branch, data=data(), attendance=[services.Mark(world.member.pk, "present")]
    )
    assert Attendance.objects.get(meeting=m, member=world.member).status == "present"


def test_create_and_file_in_one_go(world: World) -> None:
    m = services.meeting_create(actor=world.liaison, org=world.branch, data=data(started_at=at(1)), file=True)
    assert m.status == "filed" and not m.late and m.level == 2 and m.filed_by == world.liaison
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(actor=world.liaison, org=world.branch, data=data(started_at=at(-1)), file=True)
    assert "尚未召开" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.meeting_create(actor=world.liaison, org=world.branch, data=data(), file=True, filed_at=timezone.now())
    late = services.meeting_create(
        actor=SYSTEM, org=world.branch, data=data(started_at=at(20)), file=True, filed_at=at(2)
    )
    assert late.late and late.level == 1
    assert Meeting.objects.count() == 2
