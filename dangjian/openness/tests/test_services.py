"""The gate, the catalogue, obligations and 民主议事 through the real services: Chinese refusals
with nothing written, each step recorded with its actor, the timings at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.core.calendar import add_working_days
from dangjian.core.models import AuditEvent
from dangjian.core.registry import report_sources
from dangjian.core.scoping import SYSTEM, FourEyesRefused
from dangjian.openness import services as S
from dangjian.openness.attention import openness_attention
from dangjian.openness.models import (
    CatalogueItem,
    Deliberation,
    Disclosure,
    DisclosureDue,
    DisclosureStatus,
    Scope,
    Secrecy,
    Timing,
)
from dangjian.openness.selectors import attention_counts, catalogue_owner_path, items_in_force
from dangjian.orgs import config
from dangjian.orgs.models import OrgConfig
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World

from .helpers import BASIS, dues_item, filed_resolution, free_text, last_month, published_dues, refresh, through_gate

pytestmark = pytest.mark.django_db


def test_catalogue_is_inherited_by_branches_only(world: World) -> None:
    item = dues_item(world)
    assert list(items_in_force(world.branch)) == [item]
    assert list(items_in_force(world.unit)) == []  # a committee owes its own items, not its branches'
    own = S.catalogue_item_save(
        actor=world.secretary, org=world.branch, title="支部工作计划", basis="支部工作条例", timing=Timing.STANDING
    )
    assert set(items_in_force(world.branch)) == {item, own}
    assert list(items_in_force(world.other_branch)) == [item]


def test_catalogue_item_bad_input_names_the_field_and_writes_nothing(world: World) -> None:
    before = CatalogueItem.objects.count()
    with pytest.raises(ValidationError) as e:
        S.catalogue_item_save(actor=world.admin, org=world.city, title="", basis=BASIS)
    assert "请填写公开事项" in str(e.value)
    with pytest.raises(ValidationError, match="党内事项不能向社会公开"):
        S.catalogue_item_save(
            actor=world.admin, org=world.city, title="党费", basis=BASIS, scope=Scope.PUBLIC, secrecy=Secrecy.INTERNAL
        )
    with pytest.raises(ValidationError, match="没有这种记录类型"):
        S.catalogue_item_save(actor=world.admin, org=world.city, title="x", basis=BASIS, kind="nope")
    with pytest.raises(PermissionDenied):
        S.catalogue_item_save(actor=world.liaison, org=world.branch, title="x", basis=BASIS)
    assert CatalogueItem.objects.count() == before


def test_defaults_come_from_the_settings(world: World) -> None:
    item = dues_item(world)
    assert item.frequency == "month" and item.due_days == 10
    timely = S.catalogue_item_save(
        actor=world.admin, org=world.city, title="决议", basis=BASIS, kind="orglife_resolution", timing=Timing.TIMELY
    )
    assert timely.due_days == 5


def test_monthly_dues_through_the_gate_each_step_recorded(world: World) -> None:
    item = dues_item(world)
    d = S.disclosure_propose(actor=world.liaison, org=world.branch, item=item, period_start=last_month())
    assert d.scope == Scope.ORG and d.status == DisclosureStatus.PROPOSED
    assert d.period_start == last_month().replace(day=1) and d.period_end == last_month()
    assert "党费收缴情况" in d.title and world.member.name in str(d.content["people"])
    with pytest.raises(ValidationError, match="须先完成保密审查和审批"):
        S.disclosure_publish(actor=world.liaison, disclosure=d, version=d.version)
    with pytest.raises(ValidationError, match="须先完成保密审查"):
        S.disclosure_approve(actor=world.secretary, disclosure=d, approve=True, version=d.version)
    d = S.disclosure_review(actor=world.liaison, disclosure=d, passed=True, version=d.version)
    with pytest.raises(PermissionDenied):  # a liaison may not approve (审批 is the secretary's)
        S.disclosure_approve(actor=world.liaison, disclosure=d, approve=True, version=d.version)
    d = S.disclosure_approve(actor=world.secretary, disclosure=d, approve=True, version=d.version)
    d = S.disclosure_publish(actor=world.liaison, disclosure=d, version=d.version)
    assert (d.proposed_by, d.reviewed_by, d.approved_by, d.published_by) == (
        world.liaison, world.liaison, world.secretary, world.liaison
    )  # fmt: skip
    actions = list(AuditEvent.objects.filter(action__startswith="openness.disclosure").values_list("action", flat=True))
    assert actions[-4:] == [
        "openness.disclosure_propose", "openness.disclosure_review", "openness.disclosure_approve",
        "openness.disclosure_publish",
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="不重复公开"):
        S.disclosure_propose(actor=world.liaison, org=world.branch, item=item, period_start=last_month())


def test_one_person_may_do_every_step_in_a_small_branch(world: World) -> None:
    d = published_dues(world)
    assert d.proposed_by == d.reviewed_by == d.approved_by == d.published_by == world.secretary
    assert d.reviewed_at and d.approved_at and d.published_at


def test_frozen_content_does_not_follow_later_changes(world: World) -> None:
    d = published_dues(world)
    frozen = dict(d.content)
    world.member.name = "改名以后"
    world.member.save(update_fields=["name"])
    d.refresh_from_db()
    assert d.content == frozen and "改名以后" not in str(d.content)


def test_per_member_amounts_follow_the_setting_and_never_go_public(world: World) -> None:
    assert config.get_key("openness.dues_people_inside").default is True
    public = dues_item(world, scope=Scope.PUBLIC)
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=public, period_start=last_month())
    assert "people" not in d.content and world.member.name not in str(d.content)
    assert any(row[0] == "应缴人数" for row in d.content["summary"])
    OrgConfig.objects.create(org=world.city, key="openness.dues_people_inside", value=False)
    inside = dues_item(world)
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=inside, period_start=last_month())
    assert "people" not in d.content and world.member.name not in str(d.content)


def test_review_refuses_identity_data_with_nothing_written(world: World) -> None:
    d = S.disclosure_propose(
        actor=world.liaison, org=world.branch, title="联系人", text=f"联系电话 {world.member.phone}", scope=Scope.ORG
    )
    with pytest.raises(ValidationError, match="手机号码"):
        S.disclosure_review(actor=world.liaison, disclosure=d, passed=True, version=d.version)
    d.refresh_from_db()
    assert d.status == DisclosureStatus.PROPOSED and d.reviewed_at is None
    with pytest.raises(ValidationError, match="审查意见"):
        S.disclosure_review(actor=world.liaison, disclosure=d, passed=False, version=d.version)
    d = S.disclosure_review(actor=world.liaison, disclosure=d, passed=False, note="含个人信息", version=d.version)
    assert d.status == DisclosureStatus.REJECTED
    with pytest.raises(ValidationError, match="重新提出"):
        S.disclosure_approve(actor=world.admin, disclosure=d, approve=True, version=d.version)


def test_outside_the_catalogue_needs_the_catalogue_owner_and_four_eyes(world: World) -> None:
    dues_item(world)  # the city compiled the catalogue
    assert catalogue_owner_path(world.branch) == world.city.path
    d = free_text(world, title="活动室开放时间", text="每周一至周五", publish=False)
    assert d.outside_catalogue and d.approver_path == world.city.path
    d = S.disclosure_review(actor=world.liaison, disclosure=d, passed=True, version=d.version)
    with pytest.raises(PermissionDenied):  # the branch secretary is not the catalogue owner
        S.disclosure_approve(actor=world.secretary, disclosure=d, approve=True, version=d.version)
    mine = S.disclosure_propose(actor=world.admin, org=world.branch, title="通知", text="内容", scope=Scope.ORG)
    mine = S.disclosure_review(actor=world.admin, disclosure=mine, passed=True, version=mine.version)
    with pytest.raises(FourEyesRefused):
        S.disclosure_approve(actor=world.admin, disclosure=mine, approve=True, version=mine.version)
    d = S.disclosure_approve(actor=world.admin, disclosure=d, approve=True, version=d.version)
    assert d.status == DisclosureStatus.APPROVED and d.approved_by == world.admin


def test_without_any_catalogue_the_parent_owns_it(world: World) -> None:
    assert catalogue_owner_path(world.branch) == world.unit.path


def test_outsider_and_none_are_refused(world: World) -> None:
    item = dues_item(world)
    for actor in (None, world.outsider):
        with pytest.raises(PermissionDenied):
            S.disclosure_propose(actor=actor, org=world.branch, item=item, period_start=last_month())
    assert not Disclosure.objects.exists()


def test_item_not_in_force_is_refused(world: World) -> None:
    own = S.catalogue_item_save(
        actor=world.admin, org=world.other_branch, title="他支部事项", basis=BASIS,
        timing=Timing.STANDING,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="不在本组织适用"):
        S.disclosure_propose(actor=world.secretary, org=world.branch, item=own)


def test_periodic_obligations_and_their_boundary(world: World) -> None:
    today = timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    item = dues_item(world, since=start)
    refresh(world)
    due = DisclosureDue.objects.get(org=world.branch)
    assert due.period_start == start and due.due_on == last_month() + dt.timedelta(days=10)
    assert DisclosureDue.objects.filter(org=world.other_branch).count() == 1
    refresh(world)  # idempotent
    assert DisclosureDue.objects.count() == 2
    # The deadline day itself is not overdue; the day after is.
    on_due = openness_attention_at(world, due.due_on)
    assert "即将到期" in on_due
    assert "已逾期" in openness_attention_at(world, due.due_on + dt.timedelta(days=1))
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=item, period_start=start)
    through_gate(d, world.secretary)
    due.refresh_from_db()
    assert due.fulfilled_on == today and due.disclosure_id == d.pk


def openness_attention_at(world: World, day: dt.date) -> str:
    c = attention_counts(world.secretary, day)
    return "已逾期" if c.overdue else ("即将到期" if c.soon else "")


def test_attention_is_two_queries(world: World, django_assert_num_queries: object) -> None:
    """One for the obligations owed, one for the members' 申请公开 awaiting an answer."""
    dues_item(world, since=(timezone.localdate().replace(day=1) - dt.timedelta(days=40)).replace(day=1))
    refresh(world)
    openness_attention(world.secretary)  # the user's roles are read once per request (the home page has them)
    with django_assert_num_queries(2):  # type: ignore[operator]
        items = openness_attention(world.secretary)
    assert items and "党务公开" in items[0].title
    assert items[0].link == f"/openness/org/{world.branch.pk}/"
    assert openness_attention(world.outsider)[0].link == f"/openness/org/{world.other_branch.pk}/"
    assert openness_attention(world.member_user) == []  # a plain member owes nothing


def test_timely_resolution_due_in_working_days(world: World) -> None:
    item = S.catalogue_item_save(
        actor=world.admin, org=world.city, title="会议决议", basis=BASIS, kind="orglife_resolution",
        timing=Timing.TIMELY, starts_on=timezone.localdate() - dt.timedelta(days=30),
    )  # fmt: skip
    r = filed_resolution(world, days_ago=3)
    refresh(world)
    due = DisclosureDue.objects.get(org=world.branch, item=item)
    held = r.meeting.meeting_date
    assert due.source_ref == f"resolution:{r.pk}" and due.due_on == add_working_days(held, 5)
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=item, source_ref=due.source_ref)
    assert "开展结对帮扶" in d.title and d.content["people"][0][1] == world.member.name
    through_gate(d, world.secretary)
    due.refresh_from_db()
    assert due.fulfilled_on is not None


def test_sweep_marks_obligations_met_by_earlier_publications(world: World) -> None:
    start = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    item = dues_item(world, since=start)
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=item, period_start=start)
    through_gate(d, world.secretary)
    result = refresh(world)
    assert result["met"] == 1
    assert DisclosureDue.objects.get(org=world.branch).fulfilled_on is not None


def test_report_source_counts_published_and_overdue(world: World) -> None:
    start = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    item = dues_item(world, since=start)
    refresh(world)
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=item, period_start=start)
    through_gate(d, world.secretary)
    source = next(s for s in report_sources() if s.key == "openness")
    today = timezone.localdate()
    figures = source.compute([world.branch.path, world.other_branch.path], start, today + dt.timedelta(days=30))
    assert figures[world.branch.path]["published"] == 1
    due_on = DisclosureDue.objects.get(org=world.other_branch).due_on
    if due_on < today:
        assert figures[world.other_branch.path]["overdue"] == 1
    assert source.link and "/openness/" in source.link(world.branch.pk, start, today)


# ---------------------------------------------------------------------------------------------
# 民主议事


def _village(world: World) -> Deliberation:
    village = org_create(actor=SYSTEM, parent=world.unit, name="柳树湾村党支部", kind="branch", sector="village")
    return S.deliberation_open(actor=SYSTEM, org=village, topic="鱼塘发包", proposer="村党支部", procedure="village")


def test_village_decision_cannot_skip_a_stage(world: World) -> None:
    d = _village(world)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="须先完成“村党组织提议”"):
        S.deliberation_stage_record(
            actor=SYSTEM, deliberation=d, stage="general_meeting", held_on=today, expected=20, present=15
        )
    S.deliberation_stage_record(actor=SYSTEM, deliberation=d, stage="propose", held_on=today)
    with pytest.raises(ValidationError, match="须先完成“村“两委”会议商议”"):
        S.deliberation_stage_record(
            actor=SYSTEM, deliberation=d, stage="villagers", held_on=today, expected=40, present=30
        )
    S.deliberation_stage_record(
        actor=SYSTEM, deliberation=d, stage="two_committees", held_on=today, expected=7, present=6
    )
    with pytest.raises(ValidationError, match="法定人数"):
        S.deliberation_stage_record(
            actor=SYSTEM, deliberation=d, stage="general_meeting", held_on=today, expected=20, present=10
        )
    assert d.stages.count() == 2
    with pytest.raises(ValidationError, match="须先完成"):
        S.deliberation_record_decision(actor=SYSTEM, deliberation=d, options=[("甲", 1, 0, 0)], chosen=0, decision="x")


def test_village_deliberation_closes_only_after_both_disclosures(world: World) -> None:
    public = S.catalogue_item_save(
        actor=world.admin, org=world.city, title="民主议事决议", basis=BASIS, kind="deliberation_decision",
        scope=Scope.PUBLIC, timing=Timing.TIMELY, secrecy=Secrecy.OPEN,
    )  # fmt: skip
    d = _village(world)
    today = timezone.localdate()
    for stage, e, p in (
        ("propose", 0, 0),
        ("two_committees", 7, 7),
        ("general_meeting", 20, 15),
        ("villagers", 40, 30),
    ):
        S.deliberation_stage_record(actor=SYSTEM, deliberation=d, stage=stage, held_on=today, expected=e, present=p)
    with pytest.raises(ValidationError, match="未超过到会"):
        S.deliberation_record_decision(
            actor=SYSTEM, deliberation=d, options=[("公开竞价", 15, 10, 5)], chosen=0, decision="竞价发包"
        )
    d = S.deliberation_record_decision(
        actor=SYSTEM, deliberation=d, options=[("公开竞价", 25, 3, 2), ("维持原合同", 3, 25, 2)], chosen=0,
        decision="公开竞价发包",
    )  # fmt: skip
    assert d.options.get(chosen=True).label == "公开竞价"
    with pytest.raises(ValidationError, match="实施结果"):
        S.deliberation_close(actor=SYSTEM, deliberation=d, version=d.version)
    decision = S.deliberation_disclose(actor=SYSTEM, deliberation=d, which="decision")
    assert decision.item == public and decision.scope == Scope.PUBLIC
    assert "公开竞价" in str(decision.content)
    d.refresh_from_db()
    d = S.deliberation_implementation_save(
        actor=SYSTEM, deliberation=d, owner="村主任", deadline=today, version=d.version
    )
    d = S.deliberation_result_record(
        actor=SYSTEM, deliberation=d, result="已发包，年收益2万元", result_on=today, version=d.version
    )
    result = S.deliberation_disclose(actor=SYSTEM, deliberation=d, which="result")
    assert result.outside_catalogue  # no catalogue item for results: the catalogue owner approves
    d.refresh_from_db()
    with pytest.raises(ValidationError, match="决议尚未公开"):
        S.deliberation_close(actor=SYSTEM, deliberation=d, version=d.version)
    through_gate(decision, world.admin)
    d.refresh_from_db()
    with pytest.raises(ValidationError, match="实施结果尚未公开"):
        S.deliberation_close(actor=SYSTEM, deliberation=d, version=d.version)
    result = S.disclosure_review(actor=world.admin, disclosure=result, passed=True, version=result.version)
    result = S.disclosure_approve(actor=SYSTEM, disclosure=result, approve=True, version=result.version)
    S.disclosure_publish(actor=world.admin, disclosure=result, version=result.version)
    d.refresh_from_db()
    d = S.deliberation_close(actor=SYSTEM, deliberation=d, version=d.version)
    assert d.status == "closed"


def test_general_deliberation_uses_the_orglife_vote_rule(world: World) -> None:
    d = S.deliberation_open(actor=world.liaison, org=world.branch, topic="经费", proposer="支委会")
    today = timezone.localdate()
    S.deliberation_stage_record(actor=world.liaison, deliberation=d, stage="propose", held_on=today)
    S.deliberation_stage_record(
        actor=world.liaison, deliberation=d, stage="committee", held_on=today, expected=3, present=3
    )
    S.deliberation_stage_record(
        actor=world.liaison, deliberation=d, stage="general_meeting", held_on=today, expected=10, present=8
    )
    with pytest.raises(ValidationError, match="未通过"):
        S.deliberation_record_decision(
            actor=world.liaison, deliberation=d, options=[("甲", 5, 3, 0)], chosen=0, decision="x"
        )
    d = S.deliberation_record_decision(
        actor=world.liaison, deliberation=d, options=[("甲", 6, 2, 0)], chosen=0, decision="x"
    )
    assert d.status == "decided" and d.decided_on == today


def test_deliberation_outsider_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        S.deliberation_open(actor=world.outsider, org=world.branch, topic="x", proposer="y")
    assert not Deliberation.objects.exists()
    with pytest.raises(ValidationError, match="请填写议题"):
        S.deliberation_open(actor=world.liaison, org=world.branch, topic=" ", proposer="y")


def test_report_source_over_many_paths_scans_their_subtree(world: World) -> None:
    published_dues(world)
    source = next(s for s in report_sources() if s.key == "openness")
    today = timezone.localdate()
    many = [world.branch.path, *(f"{world.unit.path}Z{i:03d}" for i in range(600))]  # beyond IN_LIMIT
    figures = source.compute(many, today - dt.timedelta(days=1), today)
    assert figures[world.branch.path]["published"] == 1
    assert world.other_branch.path not in figures  # a path nobody asked for is left out
