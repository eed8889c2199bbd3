"""Services: hours derived from records, refusals that write nothing, the contact log and the
monthly check, home visits, study lists, lectures, 心得 and the registry figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.core.registry import point_event_sources, report_sources
from dangjian.core.scoping import SYSTEM, FourEyesRefused
from dangjian.members.models import Member
from dangjian.orglife import services as orglife
from dangjian.orgs.services import config_set, post_assign
from dangjian.site.testing.factories import World, make_member
from dangjian.study import services as S
from dangjian.study.models import (
    HomeVisit,
    MemberStudyYear,
    MobileContact,
    Reflection,
    SelfStudy,
    StudyDue,
    TrainingRecord,
)
from dangjian.study.selectors import member_progress, on_track_share, study_items_for

from .helpers import exempt_member, filed_meeting, mobile_member

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def year_row(member: Any) -> MemberStudyYear:
    return MemberStudyYear.objects.get(member=member, year=today().year)


def train(member: Any, hours: Any, *, days: int = 1, ago: int = 20, kind: str = "concentrated", **kw: Any) -> Any:
    end = today() - dt.timedelta(days=ago)
    return S.training_record_add(
        actor=SYSTEM,
        member=member,
        title="党员轮训班",
        organiser="市委党校",
        kind=kind,
        starts_on=end - dt.timedelta(days=days - 1),
        ends_on=end,
        hours=D(hours),
        **kw,
    )


def nothing_written(fn: Any, *exc: type[BaseException]) -> BaseException:
    before = (AuditEvent.objects.count(), TrainingRecord.objects.count(), MobileContact.objects.count())
    with pytest.raises(exc or (ValidationError,)) as info:
        fn()
    assert (AuditEvent.objects.count(), TrainingRecord.objects.count(), MobileContact.objects.count()) == before
    return info.value


# --- the ledger --------------------------------------------------------------------------------


def test_meeting_attended_counts_by_duration_absent_and_leave_do_not(world: World) -> None:
    other, third = make_member(world.branch), make_member(world.branch)
    filed_meeting(world.branch, {world.member.pk: "present", other.pk: "absent", third.pk: "leave"}, minutes=150)
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    assert year_row(world.member).meeting_hours == D("2.5")
    assert year_row(other).total == 0 and year_row(third).total == 0


def test_a_draft_meeting_counts_nothing(world: World) -> None:
    from dangjian.orglife.tests.helpers import at, make_meeting

    m = make_meeting(world.branch, SYSTEM, started_at=at(2))
    orglife.attendance_mark(
        actor=SYSTEM, meeting=m, version=m.version, marks=[orglife.Mark(world.member.pk, "present", "")]
    )
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    assert year_row(world.member).total == 0


def test_31_is_behind_32_is_on_track(world: World) -> None:
    train(world.member, 31, days=2)
    row = year_row(world.member)
    assert row.total == 31 and row.target == 32 and not row.on_track
    train(world.member, 1, ago=10)
    assert year_row(world.member).on_track


def test_secretary_55_is_behind_56_with_a_concentrated_training_is_on_track(world: World) -> None:
    post_assign(actor=SYSTEM, org=world.branch, member=world.member, post="secretary", started_on=dt.date(2020, 1, 1))
    train(world.member, 24, days=3, ago=40)
    train(world.member, 31, days=2, ago=20, kind="other")
    row = year_row(world.member)
    assert row.cadre and row.target == 56 and row.total == 55 and not row.on_track
    train(world.member, 1, ago=5, kind="other")
    row = year_row(world.member)
    assert row.total == 56 and row.concentrated == 1 and row.on_track


def test_targets_follow_the_committee_setting(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="study.target_member", raw_value="24")
    train(world.member, 24, days=1)
    assert year_row(world.member).on_track and year_row(world.member).target == 24


def test_cross_year_training_is_split_by_days(world: World) -> None:
    y = today().year
    S.training_record_add(
        actor=SYSTEM,
        member=world.member,
        title="跨年度轮训班",
        organiser="市委党校",
        kind="concentrated",
        starts_on=dt.date(y - 1, 12, 30),
        ends_on=dt.date(y, 1, 2),
        hours=D(32),
    )
    assert MemberStudyYear.objects.get(member=world.member, year=y - 1).total == 16
    row = year_row(world.member)
    assert row.total == 16 and row.concentrated == 1  # counted once, in the year it ended
    lines = member_progress(world.member, y).lines
    assert "按天数计入本年 16" in lines[0].what


def test_exempt_member_is_shown_as_exempt(world: World) -> None:
    e = exempt_member(world.branch)
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    row = year_row(e)
    assert row.exempt and row.on_track and row.target == 0
    share = on_track_share(world.unit, today().year)
    assert share.exempt == 1 and share.counted == share.members - 1


def test_online_courses_count_only_if_allowed_and_capped(world: World) -> None:
    train(world.member, 20, days=5, kind="online")
    assert year_row(world.member).total == 0
    config_set(actor=world.admin, org=world.city, key="study.online_allowed", raw_value="1")
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    assert year_row(world.member).online_hours == 8  # the default cap
    config_set(actor=world.admin, org=world.city, key="study.online_cap", raw_value="12")
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    assert year_row(world.member).total == 12


def test_recompute_is_idempotent(world: World) -> None:
    filed_meeting(world.branch, {world.member.pk: "present"})
    first = S.study_recompute(actor=SYSTEM, org=world.city, year=today().year)
    events = AuditEvent.objects.count()
    again = S.study_recompute(actor=SYSTEM, org=world.city, year=today().year)
    assert first["changed"] >= 1 and again["changed"] == 0 and AuditEvent.objects.count() == events


# --- refusals ----------------------------------------------------------------------------------


def test_more_than_24_hours_a_day_is_refused(world: World) -> None:
    exc = nothing_written(lambda: train(world.member, "24.5"))
    assert "每天不超过 24 学时" in str(exc)


def test_end_before_start_is_refused(world: World) -> None:
    def bad() -> Any:
        return S.training_record_add(
            actor=SYSTEM,
            member=world.member,
            title="轮训",
            organiser="党校",
            kind="concentrated",
            starts_on=today() - dt.timedelta(days=3),
            ends_on=today() - dt.timedelta(days=5),
            hours=D(8),
        )

    assert "结束日期不能早于开始日期" in str(nothing_written(bad))


def test_hours_for_a_meeting_not_attended_are_refused(world: World) -> None:
    meeting = filed_meeting(world.branch, {world.member.pk: "absent"})
    sl = S.study_list_create(
        actor=world.liaison, org=world.branch, month=today(), title="清单", items=[("党章", "collective")]
    )
    item = sl.items.get()
    S.collective_study_link(actor=world.liaison, item=item, meeting=meeting)
    with pytest.raises(ValidationError, match="未出席"):
        S.study_mark_done(actor=world.member_user, item=item)
    assert not SelfStudy.objects.exists()
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    assert year_row(world.member).total == 0
    assert study_items_for(world.member, today()) == [(item, False)]


def test_outsider_and_none_are_refused(world: World) -> None:
    for actor in (None, world.outsider):
        nothing_written(lambda a=actor: train.__wrapped__ if False else S.training_record_add(
            actor=a, member=world.member, title="x", organiser="y", kind="other",
            starts_on=today(), ends_on=today(), hours=D(1)), PermissionDenied)  # fmt: skip


# --- study lists ------------------------------------------------------------------------------


def test_collective_item_done_for_attendees_self_item_marked_by_member(world: World) -> None:
    other = make_member(world.branch)
    sl = S.study_list_create(
        actor=world.admin,
        org=world.unit,
        month=today(),
        title="工委学习清单",
        items=[("党章总纲", "collective"), ("典型案例", "self")],
        source="assigned",
        source_ref="工委〔2026〕3号",
    )
    collective, own = list(sl.items.order_by("pk"))
    meeting = filed_meeting(world.branch, {world.member.pk: "present", other.pk: "absent"})
    S.collective_study_link(actor=world.liaison, item=collective, meeting=meeting)
    assert dict(study_items_for(world.member, today())) == {collective: True, own: False}
    assert dict(study_items_for(other, today()))[collective] is False
    with pytest.raises(ValidationError, match="无需重复"):
        S.study_mark_done(actor=world.member_user, item=collective)
    S.study_mark_done(actor=world.member_user, item=own)
    S.study_mark_done(actor=world.member_user, item=own)  # twice: still one mark
    assert SelfStudy.objects.filter(member=world.member).count() == 1
    assert dict(study_items_for(world.member, today()))[own] is True


def test_assigned_list_needs_its_reference_and_items(world: World) -> None:
    with pytest.raises(ValidationError) as e:
        S.study_list_create(actor=world.admin, org=world.unit, month=today(), title="清单", items=[], source="assigned")
    assert {"items", "source_ref"} <= set(e.value.message_dict)


# --- lectures ---------------------------------------------------------------------------------


def test_lecture_recorded_as_the_branchs_party_lecture_and_attendance_feeds_hours(world: World) -> None:
    lecturer = S.lecturer_add(actor=world.admin, org=world.unit, name="陈讲师", team="理论宣讲队", subject="党章")
    start = timezone.now() - dt.timedelta(days=3)
    lecture = S.lecture_schedule(
        actor=world.admin,
        lecturer=lecturer,
        audience=world.branch,
        topic="党的创新理论",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )
    meeting = S.lecture_record(actor=world.liaison, lecture=lecture)
    assert meeting.is_party_lecture and meeting.lecturer == "陈讲师" and meeting.org_id == world.branch.pk
    with pytest.raises(ValidationError):
        S.lecture_record(actor=world.liaison, lecture=lecture)
    m = orglife.attendance_mark(
        actor=SYSTEM, meeting=meeting, version=meeting.version, marks=[orglife.Mark(world.member.pk, "present", "")]
    )
    orglife.meeting_file(actor=SYSTEM, meeting=m, version=m.version)
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    assert year_row(world.member).meeting_hours == 4  # a half day


def test_lecture_audience_must_be_a_branch_of_the_committee(world: World) -> None:
    lecturer = S.lecturer_add(actor=world.admin, org=world.unit, name="陈讲师", team="理论宣讲队")
    start = timezone.now()
    with pytest.raises(ValidationError) as e:
        S.lecture_schedule(
            actor=world.admin, lecturer=lecturer, audience=world.unit, topic="x", starts_at=start, ends_at=start
        )
    assert {"audience", "ends_at"} <= set(e.value.message_dict)


# --- 心得 ------------------------------------------------------------------------------------


def test_reflection_featured_by_someone_else(world: World) -> None:
    r = S.reflection_write(actor=world.member_user, title="体会", body="短短一句也可以。")
    secretary_member = make_member(world.branch, name="王书记")
    secretary_member.user = world.secretary
    secretary_member.save(update_fields=["user"])
    mine = S.reflection_write(actor=world.secretary, title="书记体会", body="……")
    with pytest.raises(FourEyesRefused):
        S.reflection_feature(actor=world.secretary, reflection=mine, featured=True, version=mine.version)
    S.reflection_feature(actor=world.secretary, reflection=r, featured=True, version=r.version)
    assert Reflection.objects.get(pk=r.pk).featured
    with pytest.raises(PermissionDenied):
        S.reflection_feature(actor=world.member_user, reflection=r, featured=False, version=2)


def test_reflection_needs_a_member_account(world: World) -> None:
    with pytest.raises(PermissionDenied):
        S.reflection_write(actor=world.outsider, title="x", body="y")
    with pytest.raises(PermissionDenied):
        S.reflection_write(actor=SYSTEM, title="x", body="y")


# --- 流动党员 --------------------------------------------------------------------------------


def test_contact_for_a_member_who_is_not_mobile_is_refused(world: World) -> None:
    def bad() -> Any:
        return S.contact_log(
            actor=world.liaison, member=world.member, on=today(), channel="phone", contacted_by="李", topic="近况"
        )

    assert "不是本支部在册的流动党员" in str(nothing_written(bad))


def test_contact_updates_the_roster_and_closes_the_due(world: World) -> None:
    m = mobile_member(world.branch)
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=today())["opened"] == 1
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=today())["opened"] == 0  # idempotent
    S.contact_log(
        actor=world.liaison,
        member=m,
        on=today() - dt.timedelta(days=1),
        channel="phone",
        contacted_by="李联络员",
        topic="了解务工近况",
        location="深圳",
    )
    assert Member.objects.get(pk=m.pk).mobile_last_contact == today() - dt.timedelta(days=1)
    assert not StudyDue.objects.filter(closed_on__isnull=True).exists()
    # An older contact logged later does not move the roster's date back.
    S.contact_log(
        actor=world.liaison,
        member=m,
        on=today() - dt.timedelta(days=9),
        channel="wechat",
        contacted_by="李",
        topic="补录",
    )
    assert Member.objects.get(pk=m.pk).mobile_last_contact == today() - dt.timedelta(days=1)
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=today())["opened"] == 0


def test_monthly_check_at_the_boundary(world: World) -> None:
    m = mobile_member(world.branch)
    S.contact_log(actor=SYSTEM, member=m, on=dt.date(2026, 10, 31), channel="sms", contacted_by="李", topic="近况")
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=dt.date(2026, 11, 30))["opened"] == 0
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=dt.date(2026, 12, 1))["opened"] == 1


def test_contact_refusals_name_the_field(world: World) -> None:
    m = mobile_member(world.branch)
    with pytest.raises(ValidationError) as e:
        S.contact_log(
            actor=world.liaison, member=m, on=today() + dt.timedelta(days=1), channel="fax", contacted_by="", topic=""
        )
    assert set(e.value.message_dict) == {"on", "channel", "contacted_by", "topic"}


# --- home service ----------------------------------------------------------------------------


def test_home_visit_with_study_counts_hours_and_closes_the_due(world: World) -> None:
    e = exempt_member(world.branch)
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=today())["opened"] == 1
    S.home_visit_log(
        actor=world.liaison,
        member=e,
        on=today(),
        visitors="王书记",
        study=True,
        study_content="党章总纲",
        study_hours=D("1.5"),
        dues=True,
    )
    assert year_row(e).visit_hours == D("1.5")
    assert not StudyDue.objects.filter(closed_on__isnull=True).exists()
    S.home_visit_log(actor=world.liaison, member=e, on=today(), visitors="王书记", care="需要轮椅")
    assert HomeVisit.objects.count() == 2 and year_row(e).total == D("1.5")


def test_home_visit_refusals(world: World) -> None:
    with pytest.raises(ValidationError, match="免于参加集体活动"):
        S.home_visit_log(actor=world.liaison, member=world.member, on=today(), visitors="王", care="慰问")
    e = exempt_member(world.branch)
    with pytest.raises(ValidationError) as err:
        S.home_visit_log(actor=world.liaison, member=e, on=today(), visitors="王", study=True, study_hours=D(25))
    assert set(err.value.message_dict) == {"study_content", "study_hours"}
    assert not HomeVisit.objects.exists()


def test_visit_cadence_setting(world: World) -> None:
    e = exempt_member(world.branch)
    config_set(actor=world.admin, org=world.city, key="study.visit_cadence_months", raw_value="3")
    S.home_visit_log(actor=SYSTEM, member=e, on=dt.date(2026, 9, 1), visitors="王", care="慰问")
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=dt.date(2026, 11, 30))["opened"] == 0
    assert S.study_due_check(actor=SYSTEM, org=world.city, today=dt.date(2026, 12, 1))["opened"] == 1


# --- induction, registry figures ---------------------------------------------------------------


def test_new_secretary_without_induction_is_warned(world: World) -> None:
    from dangjian.study.selectors import induction_warnings

    post_assign(
        actor=SYSTEM,
        org=world.branch,
        member=world.member,
        post="secretary",
        started_on=today() - dt.timedelta(days=200),
    )
    warnings = induction_warnings([world.branch.path], today())
    assert [n for n, _ in warnings] == [world.member.name]
    train(world.member, 16, days=2, induction=True)
    assert induction_warnings([world.branch.path], today()) == []


def test_report_source_and_point_events(world: World, django_assert_max_num_queries: Any) -> None:
    m = mobile_member(world.branch)
    mobile_member(world.branch)
    e = exempt_member(world.branch)
    S.contact_log(actor=SYSTEM, member=m, on=today(), channel="phone", contacted_by="李", topic="近况")
    S.home_visit_log(actor=SYSTEM, member=e, on=today(), visitors="王", dues=True)
    t = train(world.member, 32, days=2)
    S.study_recompute(actor=SYSTEM, org=world.city, year=today().year)
    source = next(s for s in report_sources() if s.key == "study")
    start = today().replace(day=1)
    with django_assert_max_num_queries(4):
        figures = source.compute([world.branch.path, world.other_branch.path], start, today())
    f = figures[world.branch.path]
    assert f["mobile"] == 2 and f["mobile_contacted"] == 1 and f["home_visits"] == 1 and f["exempt"] == 1
    assert f["on_track"] == 1 and f["members_counted"] == 3
    events = next(s for s in point_event_sources() if s.code == "study_training").events(
        [world.member.pk], dt.date(today().year, 1, 1), today()
    )
    assert [ev.ref for ev in events] == [f"training:{t.pk}"]


def test_the_subtree_pass_gives_the_same_hours_as_per_batch(world: World, monkeypatch: Any) -> None:
    other = make_member(world.branch)
    filed_meeting(world.branch, {world.member.pk: "present", other.pk: "present"}, minutes=150)
    filed_meeting(world.branch, {world.member.pk: "present", other.pk: "absent"}, minutes=60, days_ago=5)
    S.study_recompute(actor=SYSTEM, org=world.city, year=today().year)
    small = {m: year_row(m).meeting_hours for m in (world.member, other)}
    MemberStudyYear.objects.all().delete()
    monkeypatch.setattr(S, "CHUNK", 1)  # more members than a batch: one grouped pass over the subtree
    S.study_recompute(actor=SYSTEM, org=world.city, year=today().year)
    assert (
        {m: year_row(m).meeting_hours for m in (world.member, other)}
        == small
        == {
            world.member: D("3.5"),
            other: D("2.5"),
        }
    )
