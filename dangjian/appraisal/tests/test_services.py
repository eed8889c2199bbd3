"""Talk, to-do and appraisal services: success, refusals (None, outsider) and bad input in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.appraisal import selectors, services
from dangjian.appraisal.models import AppraisalState, Talk, TalkTodo
from dangjian.appraisal.rules import Grade, Handling
from dangjian.core.models import AuditEvent, Notification
from dangjian.core.scoping import SYSTEM, FourEyesRefused, forget_scope
from dangjian.members.models import MemberStatus
from dangjian.members.services import transfer_in_from_outside
from dangjian.orgs.services import config_set, post_assign
from dangjian.site.testing.factories import World, make_member, member_data

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def talk(w: World, actor: Any, *others: Any, **kw: Any) -> Talk:
    return services.talk_record(
        actor=actor,
        org=w.branch,
        talker_id=kw.pop("talker", w.member).pk,
        counterpart_ids=[o.pk for o in others],
        held_on=kw.pop("held_on", TODAY),
        **kw,
    )


# ------------------------------------------------------------------ talks


def test_participant_records_talk_audit_has_no_content(world: World) -> None:
    peer = make_member(world.branch, name="刘党员")
    t = talk(world, world.member_user, peer, content="家里老人生病", issues="希望调整岗位", topics=["后备干部情况"])
    assert list(t.counterparts.all()) == [peer] and t.year == TODAY.year
    event = AuditEvent.objects.get(action="appraisal.talk_record")
    assert "老人" not in str(event.after) and "岗位" not in str(event.after)


def test_secretary_records_talk_between_members(world: World) -> None:
    peer = make_member(world.branch)
    assert talk(world, world.secretary, peer).talker == world.member


@pytest.mark.parametrize("who", ["liaison", "admin", "outsider"])
def test_non_participant_cannot_record(world: World, who: str) -> None:
    peer = make_member(world.branch)
    with pytest.raises(PermissionDenied):
        talk(world, getattr(world, who), peer)
    assert not Talk.objects.exists()


def test_none_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        talk(world, None, make_member(world.branch))


def test_bad_input_named_in_chinese(world: World) -> None:
    stranger = make_member(world.other_branch)
    peer = make_member(world.branch)
    with pytest.raises(ValidationError) as exc:
        talk(world, SYSTEM, stranger)
    assert "本支部" in exc.value.message_dict["counterparts"][0]
    with pytest.raises(ValidationError) as exc:
        talk(world, SYSTEM, peer, held_on=TODAY + dt.timedelta(days=1))
    assert "谈话日期" in exc.value.message_dict["held_on"][0]
    with pytest.raises(ValidationError) as exc:
        talk(world, SYSTEM)
    assert "谈话对象" in exc.value.message_dict["counterparts"][0]
    with pytest.raises(ValidationError) as exc:
        talk(world, SYSTEM, peer, topics=["随便聊聊"])
    assert "谈话主题" in exc.value.message_dict["topics"][0]
    with pytest.raises(ValidationError) as exc:
        talk(world, SYSTEM, peer, follow_ups=[services.FollowUpData("帮扶", peer.pk, TODAY - dt.timedelta(days=1))])
    assert "完成期限" in exc.value.message_dict["follow_ups"][0]
    assert not Talk.objects.exists()


def test_group_talk_mode(world: World) -> None:
    a, b = make_member(world.branch), make_member(world.branch)
    assert talk(world, SYSTEM, a, b).mode == "group"


def test_content_only_for_participants_and_secretary(world: World) -> None:
    peer = make_member(world.branch)
    t = talk(world, world.member_user, peer, content="内容")
    assert selectors.can_read_talk(world.member_user, t)
    assert selectors.can_read_talk(world.secretary, t)
    for user in (world.liaison, world.admin, world.outsider):
        assert not selectors.can_read_talk(user, t)


def test_follow_up_done(world: World) -> None:
    peer = make_member(world.branch)
    t = talk(world, world.member_user, peer, follow_ups=[services.FollowUpData("帮扶", peer.pk, TODAY)])
    fu = t.follow_ups.get()
    with pytest.raises(PermissionDenied):
        services.talk_follow_up_done(actor=world.admin, follow_up=fu, done_on=TODAY)
    with pytest.raises(ValidationError):
        services.talk_follow_up_done(actor=world.secretary, follow_up=fu, done_on=TODAY + dt.timedelta(days=1))
    assert services.talk_follow_up_done(actor=world.secretary, follow_up=fu, done_on=TODAY).done_on == TODAY


# ------------------------------------------------------------------ coverage


def test_coverage_closes_as_talks_are_recorded(world: World) -> None:
    deputy = make_member(world.branch, name="副书记")
    plain = make_member(world.branch, name="普通党员")
    post_assign(actor=SYSTEM, org=world.branch, member=world.member, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=deputy, post="deputy_secretary")
    cov = selectors.coverage(world.branch, TODAY.year)
    assert [(g.kind, g.a, g.b) for g in cov.gaps] == [
        ("committee", world.member.pk, deputy.pk),
        ("member", world.member.pk, plain.pk),
        ("peer", plain.pk, None),
    ]
    talk(world, SYSTEM, deputy)
    talk(world, SYSTEM, plain)
    other = make_member(world.branch, name="另一党员")
    talk(world, SYSTEM, other, talker=plain)
    talk(world, SYSTEM, other)
    assert selectors.coverage(world.branch, TODAY.year).gaps == []
    assert selectors.coverage(world.branch, TODAY.year - 1).gaps  # last year's talks are last year's


# ------------------------------------------------------------------ event to-dos


def test_sweep_raises_todo_once_and_a_talk_closes_it(world: World) -> None:
    member = transfer_in_from_outside(
        actor=world.liaison, org=world.branch, data=member_data(), from_org_name="外省某支部", in_on=TODAY
    )
    with pytest.raises(PermissionDenied):
        services.sweep(actor=world.admin, today=TODAY)
    first = services.sweep(actor=SYSTEM, today=TODAY)
    again = services.sweep(actor=SYSTEM, today=TODAY)
    assert first["todos"] == 1 and first["notices"] == 1
    assert again == {"talk_parts": 0, "todos": 0, "notices": 0, "talks_due": 0, "overdue": 0, "not_filed": 0}
    todo = TalkTodo.objects.get()
    assert todo.member == member and todo.due_on == TODAY + dt.timedelta(days=30)
    assert Notification.objects.filter(user=world.secretary, title__contains="必谈").count() == 1
    assert [t.member for t in selectors.open_todos_for(world.liaison)] == [member]
    assert not selectors.open_todos_for(world.outsider).exists()
    talk(world, world.secretary, member)
    assert not selectors.open_todos_for(world.liaison).exists()


def test_sweep_event_list_is_configurable(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="appraisal.event_talks", raw_value="conversion")
    transfer_in_from_outside(
        actor=world.liaison, org=world.branch, data=member_data(), from_org_name="外省某支部", in_on=TODAY
    )
    assert services.sweep(actor=SYSTEM, today=TODAY)["todos"] == 0


# ------------------------------------------------------------------ 民主评议


def appraisal_with(world: World, n_full: int, n_probationary: int = 0) -> Any:
    for _ in range(n_full - 1):  # the world's member is the first
        make_member(world.branch)
    for _ in range(n_probationary):
        make_member(world.branch, status=MemberStatus.PROBATIONARY, converted_on=None)
    return services.appraisal_open(actor=world.liaison, org=world.branch, year=TODAY.year)


def test_open_lists_probationary_apart_and_is_idempotent(world: World) -> None:
    a = appraisal_with(world, 3, 1)
    assert a.entries.filter(graded=True).count() == 3
    assert "不评定等次" in a.entries.get(graded=False).not_graded_reason
    assert services.appraisal_open(actor=world.liaison, org=world.branch, year=TODAY.year) == a
    for actor in (None, world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            services.appraisal_open(actor=actor, org=world.branch, year=TODAY.year - 1)
    with pytest.raises(ValidationError) as exc:
        services.appraisal_open(actor=world.liaison, org=world.branch, year=1990)
    assert "年度" in exc.value.message_dict["year"][0]


def test_grading_probationary_refused(world: World) -> None:
    a = appraisal_with(world, 1, 1)
    entry = a.entries.get(graded=False)
    with pytest.raises(ValidationError) as exc:
        services.appraisal_grade(actor=world.liaison, entry=entry, grade=Grade.QUALIFIED)
    assert "预备党员" in exc.value.message_dict["grade"][0]


def test_excellent_quota_refused_with_numbers(world: World) -> None:
    a = appraisal_with(world, 6)
    entries = list(a.entries.filter(graded=True))
    services.appraisal_grade(actor=world.liaison, entry=entries[0], grade=Grade.EXCELLENT)
    services.appraisal_grade(actor=world.liaison, entry=entries[1], grade=Grade.EXCELLENT)  # 2 = ⌊6/3⌋
    with pytest.raises(ValidationError) as exc:
        services.appraisal_grade(actor=world.liaison, entry=entries[2], grade=Grade.EXCELLENT)
    msg = exc.value.message_dict["grade"][0]
    assert "3 人超过上限 2 人" in msg and "6 人" in msg and "三分之一" in msg
    # Re-saving one of the two as 优秀 is not a third.
    services.appraisal_grade(actor=world.liaison, entry=entries[1], grade=Grade.EXCELLENT)


def test_quota_warning_only_when_configured(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="appraisal.excellent_cap_enforced", raw_value="0")
    a = appraisal_with(world, 2)
    for e in a.entries.all():
        services.appraisal_grade(actor=world.liaison, entry=e, grade=Grade.EXCELLENT)
    assert selectors.grade_counts(a)[Grade.EXCELLENT] == 2


def test_unqualified_needs_handling(world: World) -> None:
    a = appraisal_with(world, 1)
    entry = a.entries.get()
    with pytest.raises(ValidationError) as exc:
        services.appraisal_grade(actor=world.liaison, entry=entry, grade=Grade.UNQUALIFIED)
    assert "处置方式" in exc.value.message_dict["handling"][0]
    with pytest.raises(ValidationError) as exc:
        services.appraisal_grade(actor=world.liaison, entry=entry, grade=Grade.UNQUALIFIED, handling=Handling.CORRECT)
    assert "改正期限" in exc.value.message_dict["handling_deadline"][0]
    with pytest.raises(ValidationError):
        services.appraisal_grade(actor=world.liaison, entry=entry, grade="great")
    deadline = TODAY + dt.timedelta(days=365)
    e = services.appraisal_grade(
        actor=world.liaison, entry=entry, grade=Grade.UNQUALIFIED, handling=Handling.CORRECT, handling_deadline=deadline
    )
    assert e.handling == Handling.CORRECT and e.handling_deadline == deadline


def test_submit_and_four_eyes_sign_off(world: World) -> None:
    a = appraisal_with(world, 2)
    with pytest.raises(ValidationError) as exc:
        services.appraisal_submit(actor=world.secretary, appraisal=a)
    assert "尚未评定等次" in exc.value.message_dict["grade"][0]
    for e in a.entries.all():
        services.appraisal_grade(actor=world.secretary, entry=e, grade=Grade.QUALIFIED)
    a = services.appraisal_submit(actor=world.secretary, appraisal=a)
    with pytest.raises(ValidationError):
        services.appraisal_grade(actor=world.liaison, entry=a.entries.all()[0], grade=Grade.EXCELLENT)
    with pytest.raises(FourEyesRefused):
        services.appraisal_approve(actor=world.secretary, appraisal=a)
    with pytest.raises(PermissionDenied):
        services.appraisal_approve(actor=world.liaison, appraisal=a)  # no APPROVE
    second = world.liaison
    RoleAssignment.objects.create(user=second, org=world.branch, role="secretary")
    forget_scope(second)
    a = services.appraisal_approve(actor=second, appraisal=a)
    assert a.status == AppraisalState.SIGNED and a.signed_by == second


def test_committee_summary_counts_only(world: World) -> None:
    a = appraisal_with(world, 3, 1)
    for e in a.entries.filter(graded=True):
        services.appraisal_grade(actor=world.liaison, entry=e, grade=Grade.QUALIFIED)
    rows = selectors.committee_summary(world.admin, world.city, TODAY.year)
    assert len(rows) == 1 and rows[0].counts[Grade.QUALIFIED] == 3 and rows[0].not_graded == 1
    assert selectors.committee_summary(world.outsider, world.city, TODAY.year) == []


def test_november_notice_counts_members_without_a_talk(world: World) -> None:
    peer = make_member(world.branch)
    make_member(world.branch)
    talk(world, SYSTEM, peer)
    october = dt.date(TODAY.year, 10, 15)
    november = dt.date(TODAY.year, 11, 2)
    assert services.sweep(actor=SYSTEM, today=october)["talks_due"] == 0
    assert services.sweep(actor=SYSTEM, today=november)["talks_due"] == 1
    assert services.sweep(actor=SYSTEM, today=november)["talks_due"] == 0
    note = Notification.objects.get(user=world.secretary, key__startswith="appraisal-talks-due")
    assert note.title == f"{TODAY.year}年谈心谈话：1 名党员尚未谈话"


# ------------------------------------------------------------------ 组织生活会 and 整改清单


def test_review_attribution_year(world: World) -> None:
    year = TODAY.year - 1
    march = dt.date(TODAY.year, 3, 31)
    april = dt.date(TODAY.year, 4, 1)
    r = services.orglife_review_save(
        actor=world.liaison, org=world.branch, year=year, data={"held_on": march, "problems": "学习不够深入"}
    )
    assert r.held_on == march
    with pytest.raises(ValidationError) as exc:
        services.orglife_review_save(actor=world.liaison, org=world.branch, year=year, data={"held_on": april})
    assert f"计入{TODAY.year}年度" in exc.value.message_dict["held_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.orglife_review_save(
            actor=world.liaison, org=world.branch, year=TODAY.year, data={"held_on": TODAY + dt.timedelta(days=1)}
        )
    assert "召开日期" in exc.value.message_dict["held_on"][0]
    config_set(actor=world.admin, org=world.city, key="appraisal.attribution_cutoff", raw_value="04-30")
    services.orglife_review_save(actor=world.liaison, org=world.branch, year=year, data={"held_on": april})
    for actor in (None, world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            services.orglife_review_save(actor=actor, org=world.branch, year=year, data={})


def test_rectification_done_and_verified_by_another(world: World) -> None:
    item = services.rectification_add(
        actor=world.liaison,
        org=world.branch,
        year=TODAY.year,
        problem="理论学习不够系统",
        measure="制定学习计划",
        owner_id=world.member.pk,
        deadline=TODAY,
    )
    with pytest.raises(ValidationError):
        services.rectification_verify(actor=world.secretary, item=item)  # not done yet
    services.rectification_done(actor=world.liaison, item=item, done_on=TODAY)
    with pytest.raises(FourEyesRefused):
        services.rectification_verify(actor=world.liaison, item=item)
    with pytest.raises(PermissionDenied):
        services.rectification_verify(actor=world.outsider, item=item)
    item = services.rectification_verify(actor=world.secretary, item=item)
    assert item.verified_by == world.secretary


def test_rectification_bad_input_and_overdue_notice(world: World) -> None:
    stranger = make_member(world.other_branch)
    with pytest.raises(ValidationError) as exc:
        services.rectification_add(
            actor=world.liaison, org=world.branch, year=TODAY.year, problem=" ", measure="",
            owner_id=stranger.pk, deadline=TODAY,
        )  # fmt: skip
    errors = exc.value.message_dict
    assert "问题" in errors["problem"][0] and "整改措施" in errors["measure"][0] and "本支部" in errors["owner"][0]
    item = services.rectification_add(
        actor=world.liaison, org=world.branch, year=TODAY.year, problem="问题", measure="措施",
        owner_id=world.member.pk, deadline=TODAY - dt.timedelta(days=1),
    )  # fmt: skip
    assert services.sweep(actor=SYSTEM, today=TODAY)["overdue"] == 1
    assert services.sweep(actor=SYSTEM, today=TODAY)["overdue"] == 0
    services.rectification_done(actor=world.liaison, item=item, done_on=TODAY)
    assert selectors.rectifications_for(world.branch, TODAY.year + 1) == [item]  # carried until verified


def test_probationary_member_takes_part_in_the_evaluation(world: World) -> None:
    a = appraisal_with(world, 2, 1)
    entry = a.entries.get(graded=False)
    e = services.appraisal_record_evaluation(
        actor=world.liaison, entry=entry, self_review="积极参加组织生活", votes={Grade.QUALIFIED: 3}
    )
    assert e.votes_qualified == 3 and e.grade == ""
    with pytest.raises(ValidationError) as exc:
        services.appraisal_record_evaluation(
            actor=world.liaison, entry=entry, self_review="", votes={Grade.QUALIFIED: -1}
        )
    assert "测评票数" in exc.value.message_dict["votes"][0]
    with pytest.raises(PermissionDenied):
        services.appraisal_record_evaluation(actor=world.member_user, entry=entry, self_review="", votes={})


def test_not_filed_by_the_cutoff_reminded_once(world: World) -> None:
    year = TODAY.year - 1
    march31, april1 = dt.date(TODAY.year, 3, 31), dt.date(TODAY.year, 4, 1)
    assert services.sweep(actor=SYSTEM, today=march31)["not_filed"] == 0
    config_set(actor=world.admin, org=world.city, key="appraisal.attribution_cutoff", raw_value="04-30")
    assert services.sweep(actor=SYSTEM, today=april1)["not_filed"] == 0  # this committee allows April
    config_set(actor=world.admin, org=world.city, key="appraisal.attribution_cutoff", raw_value="03-31")
    services.orglife_review_save(actor=world.liaison, org=world.branch, year=year, data={"held_on": march31})
    assert services.sweep(actor=SYSTEM, today=april1)["not_filed"] == 1  # branch A's secretary; B has none
    assert services.sweep(actor=SYSTEM, today=april1)["not_filed"] == 0
    note = Notification.objects.get(user=world.secretary, key__startswith="appraisal-not-filed")
    assert note.title == f"{year}年度民主评议党员尚未完成"


def test_talk_rollup_counts_per_branch(world: World) -> None:
    peer = make_member(world.branch)
    make_member(world.branch)
    talk(world, SYSTEM, peer)
    rows, totals = selectors.talk_rollup(world.admin, world.city, TODAY.year)
    by_org = {r.org_id: r for r in rows}
    assert by_org[world.branch.pk].members == 3 and by_org[world.branch.pk].talks == 1
    assert by_org[world.branch.pk].without_talk == 1
    assert totals["talks"] == 1 and totals["branches"] == 1
    assert selectors.talk_rollup(world.outsider, world.city, TODAY.year)[1]["talks"] == 0


def test_return_sends_the_result_back_for_changes(world: World) -> None:
    a = appraisal_with(world, 1)
    services.appraisal_grade(actor=world.liaison, entry=a.entries.get(), grade=Grade.QUALIFIED)
    a = services.appraisal_submit(actor=world.secretary, appraisal=a)
    with pytest.raises(FourEyesRefused):
        services.appraisal_return(actor=world.secretary, appraisal=a)
    with pytest.raises(PermissionDenied):
        services.appraisal_return(actor=world.liaison, appraisal=a)  # no APPROVE
    a = services.appraisal_return(actor=world.admin, appraisal=a)
    assert a.status == AppraisalState.DRAFT and a.signed_by is None
    with pytest.raises(ValidationError):
        services.appraisal_return(actor=world.admin, appraisal=a)  # nothing submitted to return
