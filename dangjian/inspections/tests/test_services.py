"""Services: plans, the draw (reproducible, final, verifiable), visibility of unannounced visits,
scoring on site, the self-score, 系统核验 and the rectification flow with four eyes and reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.models import Notification
from dangjian.core.scoping import SYSTEM, FourEyesRefused, forget_scope
from dangjian.inspections import selectors, services
from dangjian.inspections.models import Draw, Finding, FindingStatus, Inspection, ItemScore, PlanStatus
from dangjian.inspections.verify import verify_draws
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_user

from .helpers import build_inspection_rows, make_plan

pytestmark = pytest.mark.django_db
D = Decimal


def branches(w: World, n: int, sector: str = "agency", parent: Any = None) -> list[Any]:
    return [
        org_create(actor=SYSTEM, parent=parent or w.unit, name=f"{sector}支部{i}", kind="branch", sector=sector)
        for i in range(n)
    ]


def test_a_stratified_draw_is_stored_with_everything_needed_to_rederive_it(world: World) -> None:
    branches(world, 6, "hospital")
    branches(world, 5, "school")
    plan = make_plan(world, fixed_ids=[world.branch.pk], strata_by="sector", sizes={"*": {"count": 2}})
    draw = services.plan_draw(actor=world.admin, plan=plan)
    assert draw.algorithm and len(draw.seed) == 32 and draw.digest
    assert set(draw.strata) == {"agency", "hospital", "school"}
    assert all(v == sorted(v) for v in draw.strata.values())
    assert draw.sizes == {"agency": 1, "hospital": 2, "school": 2}  # agency: 2 asked, 1 left after the fixed pick
    assert any("只有 1 个" in w for w in draw.warnings)
    visits = Inspection.objects.filter(plan=plan)
    assert visits.count() == 6 and visits.filter(fixed=True).get().org == world.branch
    assert ItemScore.objects.filter(inspection__plan=plan).count() == 6 * len(services.R.default_checklist().items())
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAWN
    assert [c.problems for c in verify_draws()] == [[]]


def test_no_silent_redraw_cancel_keeps_the_draw_and_a_new_plan_needs_a_reason(world: World) -> None:
    plan = make_plan(world)
    draw = services.plan_draw(actor=world.admin, plan=plan)
    with pytest.raises(ValidationError, match="不能更改"):
        services.plan_draw(actor=world.admin, plan=plan)
    services.plan_cancel(actor=world.admin, plan=plan, reason="上级通知暂停")
    assert Draw.objects.get(pk=draw.pk).seed == draw.seed
    with pytest.raises(ValidationError) as exc:
        make_plan(world, replaces=plan)
    assert "reason" in exc.value.message_dict
    again = make_plan(world, replaces=plan, reason="原抽取范围有误")
    assert again.replaces == plan and again.reason == "原抽取范围有误"


def test_the_verify_command_detects_a_tampered_draw(world: World) -> None:
    branches(world, 8)
    plan = make_plan(world, fixed_ids=[], sizes={"*": {"count": 3}})
    draw = services.plan_draw(actor=world.admin, plan=plan)
    call_command("inspections_verify_draws")  # all consistent
    # Someone swaps a drawn branch for another in the stored result.
    picked = [list(p) for p in draw.picked]
    others = [i for i in draw.strata["all"] if i not in {p[1] for p in picked}]
    picked[0][1] = others[0]
    Draw.objects.filter(pk=draw.pk).update(picked=picked)
    with pytest.raises(CommandError):
        call_command("inspections_verify_draws")
    assert "重新推导" in "".join(verify_draws()[0].problems)
    # Or changes the visits created from it.
    Draw.objects.filter(pk=draw.pk).update(picked=draw.picked)
    Inspection.objects.filter(plan=plan).first().delete()  # type: ignore[union-attr]
    assert any("检查名单" in p for p in verify_draws()[0].problems)


def test_empty_pool_and_bad_plans_are_refused_with_nothing_written(world: World) -> None:
    plan = make_plan(world, fixed_ids=[], sizes={"*": {"count": 1}}, sectors=["hospital"])
    with pytest.raises(ValidationError, match="没有可抽取的组织"):
        services.plan_draw(actor=world.admin, plan=plan)
    assert not Draw.objects.exists() and not Inspection.objects.exists()
    with pytest.raises(ValidationError) as exc:
        make_plan(world, name=" ", document="", fixed_ids=[], sizes={}, inspectors=[world.outsider])
    assert {"name", "document", "sizes", "inspectors"} <= set(exc.value.message_dict)
    third = make_user("第三方检查员")
    with pytest.raises(ValidationError, match="检查人员"):
        make_plan(world, inspectors=[third])


def test_recently_inspected_branches_are_excluded_or_named(world: World) -> None:
    first = make_plan(world)
    services.plan_draw(actor=world.admin, plan=first)
    second = make_plan(world, fixed_ids=[], sizes={"*": {"count": 2}}, exclude_inspected_months=6)
    draw = services.plan_draw(actor=world.admin, plan=second)
    assert world.branch.pk not in draw.strata["all"]  # excluded from the pool
    third = make_plan(world, fixed_ids=[world.branch.pk], sizes={})
    draw3 = services.plan_draw(actor=world.admin, plan=third)
    assert any(world.branch.name in w for w in draw3.warnings)


def test_onsite_draw_only_by_an_inspector_and_unannounced_hidden_until_start(world: World) -> None:
    branches(world, 4)
    inspector = make_user("检查组长")
    RoleAssignment.objects.create(user=inspector, org=world.city, role="liaison")
    plan = make_plan(world, inspectors=[inspector], sizes={"*": {"count": 2}}, onsite=True)
    assert not plan.announced
    with pytest.raises(PermissionDenied):
        services.plan_draw(actor=world.admin, plan=plan)  # the committee admin is not on the team
    services.plan_draw(actor=inspector, plan=plan)
    visit = Inspection.objects.get(plan=plan, org=world.branch)
    with pytest.raises(Http404):
        selectors.get_inspection_for_user(world.secretary, visit.pk)
    assert not selectors.inspections_visible_to(world.secretary).exists()
    services.inspection_start(actor=inspector, inspection=visit)
    assert selectors.get_inspection_for_user(world.secretary, visit.pk) == visit
    assert selectors.inspections_visible_to(world.secretary).get() == visit


def test_scoring_on_site(world: World) -> None:
    plan = make_plan(world)
    services.plan_draw(actor=world.admin, plan=plan)
    visit = Inspection.objects.get(plan=plan)
    with pytest.raises(ValidationError, match="开始检查"):
        services.item_score(actor=world.admin, inspection=visit, code="I1", deduction=D(1), note="x")
    visit = services.inspection_start(actor=world.admin, inspection=visit)
    assert visit.started_at is not None
    second = make_user("第二检查员")
    RoleAssignment.objects.create(user=second, org=world.city, role="org_admin")
    with pytest.raises(PermissionDenied, match="检查人员"):
        services.item_score(actor=second, inspection=visit, code="I1", deduction=D(1), note="x")
    with pytest.raises(ValidationError) as exc:
        services.item_score(actor=world.admin, inspection=visit, code="I1", deduction=D(1))
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.item_score(actor=world.admin, inspection=visit, code="I1", deduction=D(-1), note="x")
    with pytest.raises(ValidationError):
        services.item_score(actor=world.admin, inspection=visit, code="I1", deduction=D(0), vetoed=True)
    row = services.item_score(actor=world.admin, inspection=visit, code="I1", deduction=D(9), note="无固定场所")
    assert row.deduction == 5  # capped at the item's standard; the score floors at 0
    visit.refresh_from_db()
    before = visit.total
    services.item_score(actor=world.admin, inspection=visit, code="J9", deduction=D(0), vetoed=True)
    visit.refresh_from_db()
    assert visit.vetoed and visit.total == 0 and before and before > 0
    services.inspection_finish(actor=world.admin, inspection=visit)
    with pytest.raises(ValidationError):
        services.item_score(actor=world.admin, inspection=visit, code="I1", deduction=D(1), note="x")
    assert selectors.year_scores([world.branch.path], visit.year) == {world.branch.path: D(0)}


def test_scoring_a_branch_not_in_the_draw_is_refused(world: World) -> None:
    plan = make_plan(world)
    services.plan_draw(actor=world.admin, plan=plan)
    visit = Inspection.objects.get(plan=plan)
    Inspection.objects.filter(pk=visit.pk).update(org=world.other_branch, org_path=world.other_branch.path)
    visit.refresh_from_db()
    with pytest.raises(ValidationError, match="不在本计划的抽取结果中"):
        services.inspection_start(actor=world.admin, inspection=visit)


def test_self_score_before_an_announced_visit(world: World) -> None:
    plan = make_plan(world)
    services.plan_draw(actor=world.admin, plan=plan)
    visit = Inspection.objects.get(plan=plan)
    with pytest.raises(ValidationError):
        services.inspection_self_score(actor=world.liaison, inspection=visit, deductions={"I1": D(-1)})
    services.inspection_self_score(actor=world.liaison, inspection=visit, deductions={"I1": D(1), "I2": D(1)})
    visit.refresh_from_db()
    assert visit.self_total is not None and visit.self_total <= visit.total - 2  # type: ignore[operator]
    with pytest.raises(PermissionDenied):
        services.inspection_self_score(actor=world.member_user, inspection=visit, deductions={"I1": D(1)})
    services.inspection_start(actor=world.admin, inspection=visit)
    with pytest.raises(ValidationError, match="检查已开始"):
        services.inspection_self_score(actor=world.liaison, inspection=visit, deductions={"I1": D(0)})


def test_prefill_reads_the_records_with_links(world: World) -> None:
    plan = make_plan(world)
    services.plan_draw(actor=world.admin, plan=plan)
    rows = {r.code: r for r in ItemScore.objects.filter(inspection__plan=plan)}
    assert rows["C1"].system_detail.startswith("主题党日") and rows["C1"].system_link
    assert rows["C2"].system_deduction == 4  # no filed annual plan
    assert rows["F1"].system_detail.startswith("谈心谈话")
    assert rows["I1"].system_detail == ""  # judged on site


def test_rectification_flow_with_four_eyes(world: World) -> None:
    r = build_inspection_rows(world)
    f = r.open
    assert f.deadline > timezone.localdate()
    assert Notification.objects.filter(user=world.liaison, key=f"inspections.finding.{f.pk}").exists()
    with pytest.raises(ValidationError, match="尚未提交"):
        services.finding_verify(actor=world.secretary, finding=f)
    f = services.finding_submit(actor=world.liaison, finding=f, outcome="已更新公开栏")
    with pytest.raises(PermissionDenied):  # a liaison may report, not verify
        services.finding_verify(actor=world.liaison, finding=f)
    with pytest.raises(PermissionDenied):
        services.finding_verify(actor=world.outsider, finding=f)
    f = services.finding_verify(actor=world.secretary, finding=f, approve=False, comment="照片以外请附说明")
    assert f.status == FindingStatus.OPEN
    f = services.finding_submit(actor=world.liaison, finding=f, outcome="已补充")
    f = services.finding_verify(actor=world.secretary, finding=f)
    f = services.finding_close(actor=world.secretary, finding=f)
    assert f.status == FindingStatus.CLOSED and f.closed_at is not None
    with pytest.raises(Http404):
        selectors.get_finding_for_user(world.outsider, f.pk)
    with pytest.raises(ValidationError) as exc:
        services.finding_raise(
            actor=world.admin, inspection=r.inspection, problem="", measure="m", owner_id=world.member_user.pk
        )
    assert {"problem", "owner"} <= set(exc.value.message_dict)


def test_owner_never_verifies_or_closes_their_own(world: World) -> None:
    r = build_inspection_rows(world)
    RoleAssignment.objects.filter(user=world.liaison, org=world.branch).update(role="secretary")
    forget_scope(world.liaison)
    with pytest.raises(FourEyesRefused):
        services.finding_verify(actor=world.liaison, finding=r.submitted)
    with pytest.raises(FourEyesRefused):
        services.finding_close(actor=world.liaison, finding=r.verified)


def test_sweep_reminds_and_escalates_once(world: World) -> None:
    r = build_inspection_rows(world)
    Finding.objects.filter(pk=r.open.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    Finding.objects.filter(pk=r.submitted.pk).update(
        status="open", deadline=timezone.localdate() + dt.timedelta(days=1)
    )
    today = timezone.localdate()
    got = services.sweep(actor=SYSTEM, today=today)
    assert got["escalated"] == 1 and got["reminded"] == 1
    assert Notification.objects.filter(user=world.admin, key=f"inspections.escalate.{r.open.pk}").exists()
    again = services.sweep(actor=SYSTEM, today=today)
    assert again["escalated"] == 0 and again["sent"] == 0
    with pytest.raises(PermissionDenied):
        services.sweep(actor=world.admin, today=today)


def test_report_figures_and_year_scores(world: World) -> None:
    r = build_inspection_rows(world)
    today = timezone.localdate()
    figures = selectors.report_figures([world.branch.path, world.other_branch.path], today, today)
    assert figures[world.branch.path] == {"inspections": 1, "findings_opened": 3}
    assert world.other_branch.path not in figures
    assert selectors.year_scores([world.branch.path], today.year) == {}  # not finished yet
    services.inspection_finish(actor=world.admin, inspection=r.inspection)
    assert selectors.year_scores([world.branch.path], today.year)[world.branch.path] > 0
    assert selectors.inspections_per_branch([world.branch.path], today.year) == {world.branch.path: 1}


def test_checklist_versions(world: World) -> None:
    data = services.R.default_checklist_data()
    first = services.checklist_save(actor=world.admin, org=world.unit, data=data)
    data["categories"][0]["items"][0]["standard"] = "7"
    second = services.checklist_save(actor=world.admin, org=world.unit, data=data, document="工委〔2026〕3号")
    assert (first.number, second.number) == (1, 2)
    data["categories"][0]["items"][0]["standard"] = "50"
    with pytest.raises(ValidationError, match="超过本类分值"):
        services.checklist_save(actor=world.admin, org=world.unit, data=data)
    plan = make_plan(world, org=world.unit)
    assert plan.checklist == second
