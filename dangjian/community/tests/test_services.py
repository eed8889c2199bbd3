from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from dangjian.community import selectors as Q
from dangjian.community import services as S
from dangjian.community.models import Deed, DeedStatus, ServiceLink
from dangjian.core.models import AuditEvent
from dangjian.core.registry import point_event_sources, report_sources
from dangjian.core.scoping import SYSTEM, Action, FourEyesRefused
from dangjian.members.selectors import get_member_for_user
from dangjian.site.testing.factories import World, make_member, make_user

from .helpers import make_community, need, report_in, reported_activity

pytestmark = pytest.mark.django_db


def test_report_in_and_move(world: World) -> None:
    c = make_community(world)
    link = report_in(world, c)
    assert link.org_path == world.branch.path and link.community_path == c.org.path
    with pytest.raises(ValidationError, match="已于"):
        report_in(world, c)
    other = make_community(world, "桃园社区党支部", "13800000092")
    moved = report_in(world, other)
    link.refresh_from_db()
    assert link.ended_on is not None and moved.ended_on is None
    assert ServiceLink.objects.filter(member=world.member, ended_on__isnull=True).count() == 1
    # The audit log names the community, never the address.
    assert "柳树湾小区 3 栋" not in str(list(AuditEvent.objects.values_list("after", flat=True)))


def test_report_in_refusals(world: World) -> None:
    c = make_community(world)
    for actor in (None, SYSTEM, world.admin):  # the admin has no roster row of their own
        with pytest.raises(PermissionDenied):
            S.link_report_in(actor=actor, community=c.org, address="某地")
    with pytest.raises(ValidationError, match="不是城市社区党组织"):
        S.link_report_in(actor=world.member_user, community=world.other_branch, address="某地")
    with pytest.raises(ValidationError) as exc:
        S.link_report_in(actor=world.member_user, community=c.org, address="  ")
    assert "居住地址" in str(exc.value)
    retired_user = make_user("退休党员", "13800000095")
    retired = make_member(world.branch, name="退休党员", category="retired")
    retired.user = retired_user
    retired.save(update_fields=["user"])
    with pytest.raises(ValidationError, match="在职"):
        S.link_report_in(actor=retired_user, community=c.org, address="某地")
    assert not ServiceLink.objects.exists()


def test_need_claim_report_confirm_and_the_employer_sees_it(world: World) -> None:
    c = make_community(world)
    link = report_in(world, c)
    n = need(c)
    with pytest.raises(PermissionDenied):  # the employer branch cannot publish the community's needs
        S.need_publish(actor=world.liaison, community=c.org, title="x", category="other", due_on=timezone.localdate())
    deed = S.need_claim(actor=world.member_user, need=n)
    with pytest.raises(ValidationError, match="已领办"):
        S.need_claim(actor=world.member_user, need=n)
    with pytest.raises(ValidationError, match="报告完成后"):
        S.deed_decide(actor=c.liaison, deed=deed, confirm=True)
    deed = S.deed_report(actor=world.member_user, deed=deed, note="陪老人买菜两次", hours="3")
    assert deed.status == DeedStatus.REPORTED and deed.hours == Decimal("3.0")
    with pytest.raises(PermissionDenied):  # the employer cannot confirm community work
        S.deed_decide(actor=world.secretary, deed=deed, confirm=True)
    with pytest.raises(ValidationError, match="原因"):
        S.deed_decide(actor=c.liaison, deed=deed, confirm=False)
    deed = S.deed_decide(actor=c.liaison, deed=deed, confirm=True, version=deed.version)
    assert deed.status == DeedStatus.CONFIRMED and deed.decided_by == c.liaison
    # The employer branch sees the confirmation (VIEW through org_path), but may not act on it.
    seen = Q.get_deed_for_user(world.secretary, deed.pk)
    assert seen.status == DeedStatus.CONFIRMED
    with pytest.raises(PermissionDenied):
        Q.get_deed_for_user(world.secretary, deed.pk, Action.MANAGE)
    today = timezone.localdate()
    rows = Q.branch_quarter(world.branch, today.year, (today.month - 1) // 3 + 1, today)
    mine = next(r for r in rows if r.member_id == world.member.pk)
    assert mine.community == c.org.name and mine.standing.deeds_year == 1
    assert link.pk in {row["pk"] for row in Q.links_of_branch(world.branch)}
    assert "address" not in Q.links_of_branch(world.branch)[0]


def test_claim_refused_for_a_community_not_reported_to(world: World) -> None:
    c = make_community(world)
    other = make_community(world, "桃园社区党支部", "13800000092")
    report_in(world, c)
    n = need(other)
    with pytest.raises(ValidationError, match="未向该社区报到"):
        S.need_claim(actor=world.member_user, need=n)
    assert not Deed.objects.exists()
    with pytest.raises(PermissionDenied):
        S.need_claim(actor=world.liaison, need=n)  # no roster row of their own


def test_slots_and_closing(world: World) -> None:
    c = make_community(world)
    report_in(world, c)
    n = need(c)
    second_user = make_user("另一党员", "13800000096")
    second = make_member(world.other_branch, name="另一党员")
    second.user = second_user
    second.save(update_fields=["user"])
    S.link_report_in(actor=second_user, community=c.org, address="柳树湾 1 栋")
    S.need_claim(actor=world.member_user, need=n)
    with pytest.raises(ValidationError, match="名额已满"):
        S.need_claim(actor=second_user, need=n)
    S.need_close(actor=c.liaison, need=n)
    with pytest.raises(ValidationError, match="已关闭"):
        S.need_close(actor=c.liaison, need=n)
    with pytest.raises(ValidationError):
        S.need_publish(actor=c.liaison, community=c.org, title="x", category="other", due_on=dt.date(2000, 1, 1))


def test_community_cannot_confirm_for_a_member_no_longer_linked(world: World) -> None:
    c = make_community(world)
    link = report_in(world, c)
    deed = reported_activity(world)
    S.link_end(actor=world.member_user, link=link, reason="已搬离")
    before = Deed.objects.get(pk=deed.pk).status
    with pytest.raises(ValidationError, match="未在本社区报到"):
        S.deed_decide(actor=c.liaison, deed=deed, confirm=True)
    assert Deed.objects.get(pk=deed.pk).status == before
    with pytest.raises(ValidationError, match="不在本社区"):
        S.activity_record(actor=c.liaison, link=link, title="巡逻", on=timezone.localdate(), hours=1, role="volunteer")
    with pytest.raises(ValidationError, match="先到"):
        reported_activity(world)


def test_activity_record_by_community_is_confirmed_and_four_eyes(world: World) -> None:
    c = make_community(world)
    link = report_in(world, c)
    deed = S.activity_record(
        actor=c.liaison, link=link, title="治安巡逻", on=timezone.localdate(), hours=2, role="volunteer"
    )
    assert deed.status == DeedStatus.CONFIRMED
    from dangjian.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=world.member_user, org=c.org, role="liaison")
    from dangjian.core.scoping import forget_scope

    forget_scope(world.member_user)
    with pytest.raises(FourEyesRefused):
        S.activity_record(
            actor=world.member_user, link=link, title="自己", on=timezone.localdate(), hours=1, role="volunteer"
        )
    with pytest.raises(ValidationError, match="时长"):
        S.activity_record(actor=c.liaison, link=link, title="x", on=timezone.localdate(), hours=30, role="volunteer")
    with pytest.raises(ValidationError, match="晚于今天"):
        S.activity_record(
            actor=c.liaison, link=link, title="x", on=timezone.localdate() + dt.timedelta(days=1), hours=1,
            role="volunteer",
        )  # fmt: skip


def test_unconfirmed_claims_expire(world: World) -> None:
    c = make_community(world)
    report_in(world, c)
    n = need(c, days=10)
    deed = S.need_claim(actor=world.member_user, need=n)
    activity = reported_activity(world)
    today = timezone.localdate()
    assert S.claims_expire(actor=SYSTEM, today=today + dt.timedelta(days=60)) == 0  # the 60th day still counts
    assert S.claims_expire(actor=SYSTEM, today=today + dt.timedelta(days=61)) == 1  # the activity
    assert Deed.objects.get(pk=activity.pk).status == DeedStatus.EXPIRED
    assert Deed.objects.get(pk=deed.pk).status == DeedStatus.CLAIMED  # due in 10 days + 60
    assert S.claims_expire(actor=SYSTEM, today=today + dt.timedelta(days=71)) == 1
    assert S.claims_expire(actor=SYSTEM, today=today + dt.timedelta(days=71)) == 0  # idempotent
    with pytest.raises(PermissionDenied):
        S.claims_expire(actor=world.admin, today=today)


def test_two_trees_community_reads_only_through_the_link(world: World) -> None:
    """The community sees name, phone, skills and address of a linked member, and nothing else of
    the employer's tree; the employer sees the community's name and not the address."""
    c = make_community(world)
    link = report_in(world, c)
    # Community side
    seen = Q.get_link_for_user(c.liaison, link.pk, Action.MANAGE)
    assert Q.link_phone(c.liaison, seen) == world.member.phone
    linked = Q.linked_members(c.liaison, c.org)
    assert [(m.name, m.phone, m.skills, m.address) for m in linked] == [
        (world.member.name, world.member.phone, "法律咨询", "柳树湾小区 3 栋 2 单元 501")
    ]
    with pytest.raises(Http404):
        get_member_for_user(c.liaison, world.member.pk)
    from dangjian.members.models import Member

    assert not Member.objects.visible_to(c.liaison).exists()
    with pytest.raises(Http404):  # the employer branch itself stays invisible
        from dangjian.orgs.selectors import get_org_for_user

        get_org_for_user(c.liaison, world.branch.pk)
    # Employer side: sees the link (community name), may not act on it, does not get the phone unmasked
    # through the community, and the address is not in what its selector returns.
    row = Q.get_link_for_user(world.secretary, link.pk)
    assert row.community.name == c.org.name
    with pytest.raises(PermissionDenied):
        Q.get_link_for_user(world.secretary, link.pk, Action.MANAGE)
    with pytest.raises(Http404):
        Q.get_community_for_user(world.secretary, c.org.pk)
    # Outsiders on either side
    with pytest.raises(Http404):
        Q.get_link_for_user(world.outsider, link.pk)
    other = make_community(world, "桃园社区党支部", "13800000092")
    with pytest.raises(Http404):
        Q.get_link_for_user(other.liaison, link.pk)
    # A community member without VIEW_SENSITIVE there sees the phone masked.
    plain = make_user("社区普通党员", "13800000097")
    from dangjian.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=plain, org=c.org, role="member")
    assert Q.link_phone(plain, Q.get_link_for_user(plain, link.pk)) != world.member.phone
    # The link is read from either side through the one primitive.
    assert list(ServiceLink.objects.visible_to(c.liaison)) == [link]
    assert list(ServiceLink.objects.visible_to(world.secretary)) == [link]
    assert not ServiceLink.objects.visible_to(world.outsider).exists()
    assert not ServiceLink.objects.from_side(world.secretary, Action.VIEW, "community_path").exists()


def test_pledges(world: World) -> None:
    c = make_community(world)
    with pytest.raises(ValidationError, match="先到"):
        S.pledge_submit(actor=world.member_user, text="每月参加一次志愿服务")
    report_in(world, c)
    p = S.pledge_submit(actor=world.member_user, text="每月参加一次志愿服务", public=True)
    p2 = S.pledge_submit(actor=world.member_user, text="每月两次", public=False)
    assert p.pk == p2.pk and not p2.public and p2.community_path == c.org.path
    year = timezone.localdate().year
    assert Q.community_pledges(c.org, year) == [p2]
    assert not Q.public_pledges([c.town.path], year).exists()
    S.pledge_submit(actor=world.member_user, text="每月两次", public=True)
    assert [x.text for x in Q.public_pledges([c.town.path], year)] == ["每月两次"]
    assert not Q.public_pledges([world.unit.path], year).exists()  # the employer tree publishes nothing


def test_three_ones(world: World) -> None:
    year = timezone.localdate().year
    r = S.secretary_pledge_save(
        actor=world.admin, org=world.unit, year=year, secretary_name="刘书记", pledge="每季度讲一次党课",
        project="“红色引擎”机关党建项目", goals="打造 3 个示范支部", contact_org=world.branch,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="党委"):
        S.secretary_pledge_save(
            actor=world.admin, org=world.branch, year=year, secretary_name="x", pledge="x", project="x", goals="x",
            contact_org=world.branch,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        S.secretary_pledge_save(
            actor=world.outsider, org=world.unit, year=year, secretary_name="x", pledge="x", project="x", goals="x",
            contact_org=world.branch,
        )  # fmt: skip
    assert not Q.disclosable_three_ones([world.city.path]).exists()
    r = S.secretary_pledge_publish(actor=world.admin, record=r)
    assert r.notice_from == timezone.localdate() and r.notice_to is not None and r.notice_to > r.notice_from
    with pytest.raises(ValidationError, match="已公示"):
        S.secretary_pledge_save(
            actor=world.admin, org=world.unit, year=year, secretary_name="x", pledge="x", project="x", goals="x",
            contact_org=world.branch,
        )  # fmt: skip
    assert list(Q.disclosable_three_ones([world.city.path])) == [r]
    assert not Q.disclosable_three_ones([world.other_branch.path]).exists()
    today = timezone.localdate()
    S.contact_visit_log(actor=world.admin, record=r, on=today, summary="指导支部规范组织生活")
    with pytest.raises(ValidationError, match="年内"):
        S.contact_visit_log(actor=world.admin, record=r, on=dt.date(year - 1, 5, 1), summary="x")
    rep = Q.three_ones_report(r, today)
    assert len(rep.visits) == 1 and rep.target == 4
    assert [f.code for f in rep.findings] == ["few_visits"]


def test_report_source_and_point_events(world: World) -> None:
    c = make_community(world)
    link = report_in(world, c)
    today = timezone.localdate()
    S.activity_record(actor=c.liaison, link=link, title="治安巡逻", on=today, hours=2, role="volunteer")
    deed = S.need_claim(actor=world.member_user, need=need(c))
    deed = S.deed_report(actor=world.member_user, deed=deed, note="完成")
    S.deed_decide(actor=c.liaison, deed=deed, confirm=True)
    source = next(s for s in report_sources() if s.key == "community")
    figures = source.compute([world.branch.path, world.other_branch.path], today.replace(day=1), today)
    assert figures[world.branch.path]["reported"] == 1
    assert figures[world.branch.path]["deeds"] == 1 and figures[world.branch.path]["activities"] == 1
    assert figures[world.branch.path]["in_service"] >= 1
    codes = {s.code: s for s in point_event_sources()}
    events = codes["community_deed"].events([world.member.pk], today.replace(day=1), today)
    assert len(events) == 1 and events[0].ref == f"deed:{deed.pk}"
    assert len(codes["community_activity"].events([world.member.pk], today.replace(day=1), today)) == 1
    assert Q.pending_count(c.liaison) == 0
    reported_activity(world)
    assert Q.pending_count(c.liaison) == 1 and Q.pending_count(world.secretary) == 0


def test_committee_coverage(world: World) -> None:
    c = make_community(world)
    link = report_in(world, c)
    make_member(world.branch)
    today = timezone.localdate()
    q = (today.month - 1) // 3 + 1
    rows = {r.path: r for r in Q.committee_coverage(world.unit, today.year, q)}
    a = rows[world.branch.path]
    assert a.reported == 1 and a.unreported == a.in_service - 1 and a.owing == 1 and a.behind == 1
    S.activity_record(actor=c.liaison, link=link, title="巡逻", on=today, hours=1, role="volunteer")
    a = {r.path: r for r in Q.committee_coverage(world.unit, today.year, q)}[world.branch.path]
    assert a.behind == 0


def test_a_confirmed_deed_or_activity_is_announced_to_points_and_a_declined_one_is_not(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dangjian.core import registry

    heard: list[registry.RecordChange] = []
    monkeypatch.setattr(registry, "_RECORD_LISTENERS", [heard.append])
    c = make_community(world)
    link = report_in(world, c)
    today = timezone.localdate()
    mine = registry.RecordChange("community", (today.year,), (world.member.pk,))
    S.activity_record(actor=c.liaison, link=link, title="治安巡逻", on=today, hours=2, role="volunteer")
    assert heard == [mine]
    declined = S.deed_report(
        actor=world.member_user, deed=S.need_claim(actor=world.member_user, need=need(c)), note="x"
    )
    S.deed_decide(actor=c.liaison, deed=declined, confirm=False, note="未见实效")
    assert heard == [mine]
    deed = S.deed_report(actor=world.member_user, deed=S.need_claim(actor=world.member_user, need=need(c)), note="完成")
    S.deed_decide(actor=c.liaison, deed=deed, confirm=True)
    assert heard == [mine, mine]
