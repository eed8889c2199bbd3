"""Four eyes, a rule of the write gate: whoever applied for, submitted or owns an item never decides it.

Every decision service is listed in DECISIONS with a scenario in which the same person — holding the
right to decide — first applied or submitted, then tries to decide: refused with the one message
`core.scoping.FOUR_EYES_MESSAGE`, nothing changed; a second person then decides. Services whose names
read like decisions (…_decide, …_review, …_file, …_return, …_accept, …_approve, …_verify) are found by
discovery and must be listed here, so a new decision service cannot skip the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.appraisal import services as appraisal
from dangjian.assignments import services as assignments
from dangjian.assignments.models import AssignmentTarget
from dangjian.brands import services as brands
from dangjian.brands.tests.helpers import project_at
from dangjian.community import services as community
from dangjian.community.tests.helpers import make_community, report_in, reported_activity
from dangjian.core.scoping import FOUR_EYES_MESSAGE, FourEyesRefused, forget_scope
from dangjian.dues import services as dues
from dangjian.inspections import services as inspections
from dangjian.inspections.models import Inspection
from dangjian.inspections.tests.helpers import make_plan
from dangjian.members import services as members
from dangjian.openness import services as openness
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import data as meeting_data
from dangjian.orglife.tests.helpers import jpeg
from dangjian.partyday import services as partyday
from dangjian.partyday.models import AnnualPlan
from dangjian.points import services as points
from dangjian.reports import services as reports
from dangjian.site.testing.factories import World, make_member, make_user

from .test_service_gate import change_request, discovered, publish_to_branches, state, submitted_plan

pytestmark = pytest.mark.django_db

DECISION_NAME = re.compile(r"_(decide|review|file|return|accept|approve|verify)$")

NOT_DECISIONS = {
    "dangjian.orglife.services.meeting_file": "归档 closes one's own meeting record; nobody else's request is decided",
    "dangjian.assignments.services.target_attach_file": "uploads a document (the name ends in 'file')",
    "dangjian.openness.services.disclosure_request_file": (
        "a member files a request (the name ends in 'file'); the branch's answer is the decision, and"
        " disclosure_request_answer refuses the member who asked (four eyes)"
    ),
    "dangjian.openness.services.disclosure_review": (
        "保密审查 is a step of the 党务公开 gate, not a decision on someone's request; the 2017 条例 lets one"
        " person of a small branch do each step, every one recorded with its actor (issue 15)"
    ),
}

# A scenario: given the world, `owner` (who may decide) applies/submits; returns (owner, decide) where
# decide(actor) runs the decision service.
Scenario = Callable[[World], tuple[Any, Callable[[Any], Any]]]


def _plan(w: World) -> AnnualPlan:
    plan: AnnualPlan = submitted_plan(w, editor=w.admin, submitter=w.admin)
    return plan


def plan_file(w: World) -> tuple[Any, Callable[[Any], Any]]:
    plan = _plan(w)
    return w.admin, lambda actor: partyday.plan_file(actor=actor, plan=plan)


def plan_return(w: World) -> tuple[Any, Callable[[Any], Any]]:
    plan = _plan(w)
    return w.admin, lambda actor: partyday.plan_return(actor=actor, plan=plan, comment="请补充")


def change_request_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    cr = change_request(w, requested_by=w.admin)
    return w.admin, lambda actor: partyday.change_request_decide(actor=actor, change=cr, approve=True)


def dues_exemption_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    """The finding of issue 9: the same admin applied for and approved a dues exemption."""
    month = timezone.localdate().replace(day=1)
    ex = dues.dues_exemption_apply(
        actor=w.admin,
        member=w.member,
        kind="exempt",
        start_month=month,
        end_month=month,
        reason="家属重病",
        application="本人书面申请",
    )
    return w.admin, lambda actor: dues.dues_exemption_decide(
        actor=actor, exemption=ex, approve=True, version=ex.version
    )


def target_review(w: World) -> tuple[Any, Callable[[Any], Any]]:
    meeting = orglife.meeting_create(
        actor=w.liaison,
        org=w.branch,
        data=meeting_data(started_at=timezone.now() - dt.timedelta(days=1), ended_at=timezone.now()),
    )
    a = publish_to_branches(w)
    t = AssignmentTarget.objects.get(assignment=a, org=w.branch)
    t = assignments.target_claim(actor=w.admin, target=t)
    assignments.target_link_meeting(
        actor=w.admin, target=t, deliverable_id=a.deliverables.get().pk, meeting_id=meeting.pk
    )
    assignments.target_submit(actor=w.admin, target=t)
    return w.admin, lambda actor: assignments.target_review(actor=actor, target=t, approve=True)


def photo_review(w: World) -> tuple[Any, Callable[[Any], Any]]:
    start = timezone.now() - dt.timedelta(days=1)
    meeting = orglife.meeting_create(
        actor=w.admin, org=w.branch, data=meeting_data(started_at=start, ended_at=start + dt.timedelta(hours=2))
    )
    photo = orglife.photo_add(actor=w.admin, meeting=meeting, file=jpeg())
    return w.admin, lambda actor: orglife.photo_review(actor=actor, photo=photo)


def transfer_accept(w: World) -> tuple[Any, Callable[[Any], Any]]:
    m = make_member(w.branch, name="调动党员")
    t = members.transfer_out(actor=w.admin, member=m, out_on=timezone.localdate(), to_org=w.other_branch)
    return w.admin, lambda actor: members.transfer_accept(actor=actor, transfer=t, in_on=timezone.localdate())


def manual_point_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = points.manual_point_enter(
        actor=w.admin, member=w.member, item_code="commendation", on=timezone.localdate(), reason="优秀党员",
        document="市委〔2026〕1号",
    )  # fmt: skip
    return w.admin, lambda actor: points.manual_point_decide(actor=actor, point=p, approve=True, version=p.version)


def points_objection_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    """A secretary who is also a member of the branch objects to their own star, then tries to answer."""
    member = make_member(w.branch, name="书记本人")
    member.user = w.secretary
    member.save(update_fields=["user"])
    notice = points.points_notice_publish(actor=w.liaison, org=w.branch, year=timezone.localdate().year)
    obj = points.points_objection_raise(actor=w.secretary, notice=notice, reason="本人出席记录有误")
    return w.secretary, lambda actor: points.points_objection_decide(
        actor=actor, objection=obj, upheld=False, answer="维持", version=obj.version
    )


def points_branch_rating_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    """The committee's admin enters a branch's 星级党支部 rating, then tries to approve it."""
    r = points.points_branch_rating_enter(
        actor=w.admin, committee=w.unit, branch=w.branch, year=timezone.localdate().year,
        points_score="92", target_score="90", document="市直机关工委〔2026〕8号",
    )  # fmt: skip
    return w.admin, lambda actor: points.points_branch_rating_decide(
        actor=actor, rating=r, approve=True, version=r.version
    )


def _submitted_appraisal(w: World) -> Any:
    a = appraisal.appraisal_open(actor=w.admin, org=w.branch, year=timezone.localdate().year)
    for e in a.entries.filter(graded=True):
        appraisal.appraisal_grade(actor=w.admin, entry=e, grade="qualified")
    return appraisal.appraisal_submit(actor=w.admin, appraisal=a)


def appraisal_approve(w: World) -> tuple[Any, Callable[[Any], Any]]:
    a = _submitted_appraisal(w)
    return w.admin, lambda actor: appraisal.appraisal_approve(actor=actor, appraisal=a)


def appraisal_return(w: World) -> tuple[Any, Callable[[Any], Any]]:
    a = _submitted_appraisal(w)
    return w.admin, lambda actor: appraisal.appraisal_return(actor=actor, appraisal=a)


def rectification_verify(w: World) -> tuple[Any, Callable[[Any], Any]]:
    today = timezone.localdate()
    item = appraisal.rectification_add(
        actor=w.admin, org=w.branch, year=today.year, problem="问题", measure="措施", owner_id=w.member.pk,
        deadline=today,
    )  # fmt: skip
    item = appraisal.rectification_done(actor=w.admin, item=item, done_on=today)
    return w.admin, lambda actor: appraisal.rectification_verify(actor=actor, item=item)


def deed_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    """The member is also a liaison of the community they reported to: they never confirm their own work."""
    c = make_community(w)
    report_in(w, c)
    deed = reported_activity(w)
    RoleAssignment.objects.create(user=w.member_user, org=c.org, role="liaison")
    forget_scope(w.member_user)
    return w.member_user, lambda actor: community.deed_decide(actor=actor, deed=deed, confirm=True)


def duty_decide(w: World) -> tuple[Any, Callable[[Any], Any]]:
    """The work committee's secretary, also an admin of the city, reports and then tries to grade."""
    boss = make_user("工委书记", "13800000078")
    RoleAssignment.objects.create(user=boss, org=w.unit, role="secretary")
    RoleAssignment.objects.create(user=boss, org=w.city, role="org_admin")
    d = reports.duty_submit(actor=boss, org=w.unit, year=timezone.localdate().year, text="本年度述职")
    return boss, lambda actor: reports.duty_decide(actor=actor, duty=d, grade="good")


def _brand(w: World, stage: str) -> Any:
    """Branch A's brand project at `stage`, its 申报书 submitted by the city's admin; the earlier
    decisions taken by another admin."""
    other = make_user("另一管理员", "13800000099")
    RoleAssignment.objects.create(user=other, org=w.city, role="org_admin")
    return project_at(w, stage, editor=w.admin, decider=other)


def brands_unit_review(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "submitted")
    return w.admin, lambda actor: brands.project_unit_review(actor=actor, project=p, opinion="同意", recommend=True)


def brands_shortlist(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "reviewed")
    return w.admin, lambda actor: brands.project_shortlist_decide(actor=actor, project=p, candidate=True)


def brands_approve(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "revised")
    return w.admin, lambda actor: brands.project_approve(actor=actor, project=p)


def brands_establish(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "publicity")
    type(p).objects.filter(pk=p.pk).update(notice_ends=timezone.localdate() - dt.timedelta(days=1))
    p.refresh_from_db()
    return w.admin, lambda actor: brands.project_establish_approve(actor=actor, project=p)


def brands_disqualify(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "candidate")
    return w.admin, lambda actor: brands.project_disqualify_decide(
        actor=actor, project=p, reason="经核实与他校申报书雷同"
    )


def brands_grade(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "case_submitted")
    return w.admin, lambda actor: brands.project_grade_decide(actor=actor, project=p, grade="pass")


def brands_objection(w: World) -> tuple[Any, Callable[[Any], Any]]:
    p = _brand(w, "publicity")
    o = brands.objection_record(actor=w.admin, project=p, reason="反映材料不实", received_on=timezone.localdate())
    return w.admin, lambda actor: brands.objection_decide(actor=actor, objection=o, upheld=False, answer="经核实不成立")


def disclosure_approve(w: World) -> tuple[Any, Callable[[Any], Any]]:
    """A matter outside the catalogue: whoever proposed it never approves it for the catalogue owner."""
    d = openness.disclosure_propose(
        actor=w.admin, org=w.branch, title="活动室开放时间", text="每周一至周五", scope="org"
    )
    d = openness.disclosure_review(actor=w.admin, disclosure=d, passed=True, version=d.version)
    return w.admin, lambda actor: openness.disclosure_approve(actor=actor, disclosure=d, approve=True)


def _submitted_finding(w: World) -> Any:
    """A finding of branch A raised and owned by the city admin, who also reports it rectified."""
    plan = make_plan(w)
    inspections.plan_draw(actor=w.admin, plan=plan)
    visit = inspections.inspection_start(actor=w.admin, inspection=Inspection.objects.get(plan=plan))
    f = inspections.finding_raise(actor=w.admin, inspection=visit, problem="问题", measure="措施", owner_id=w.admin.pk)
    return inspections.finding_submit(actor=w.admin, finding=f, outcome="已整改")


def finding_verify(w: World) -> tuple[Any, Callable[[Any], Any]]:
    f = _submitted_finding(w)
    return w.admin, lambda actor: inspections.finding_verify(actor=actor, finding=f)


DECISIONS: dict[str, Scenario] = {
    "dangjian.partyday.services.plan_file": plan_file,
    "dangjian.partyday.services.plan_return": plan_return,
    "dangjian.partyday.services.change_request_decide": change_request_decide,
    "dangjian.dues.services.dues_exemption_decide": dues_exemption_decide,
    "dangjian.assignments.services.target_review": target_review,
    "dangjian.orglife.services.photo_review": photo_review,
    "dangjian.members.services.transfer_accept": transfer_accept,
    "dangjian.points.services.manual_point_decide": manual_point_decide,
    "dangjian.points.services.points_objection_decide": points_objection_decide,
    "dangjian.points.services.points_branch_rating_decide": points_branch_rating_decide,
    "dangjian.appraisal.services.appraisal_approve": appraisal_approve,
    "dangjian.appraisal.services.appraisal_return": appraisal_return,
    "dangjian.appraisal.services.rectification_verify": rectification_verify,
    "dangjian.community.services.deed_decide": deed_decide,
    "dangjian.reports.services.duty_decide": duty_decide,
    "dangjian.brands.services.project_unit_review": brands_unit_review,
    "dangjian.brands.services.project_shortlist_decide": brands_shortlist,
    "dangjian.brands.services.project_approve": brands_approve,
    "dangjian.brands.services.project_establish_approve": brands_establish,
    "dangjian.brands.services.project_disqualify_decide": brands_disqualify,
    "dangjian.brands.services.project_grade_decide": brands_grade,
    "dangjian.brands.services.objection_decide": brands_objection,
    "dangjian.openness.services.disclosure_approve": disclosure_approve,
    "dangjian.inspections.services.finding_verify": finding_verify,
}


def test_every_decision_service_is_listed() -> None:
    found = {name for name in discovered() if DECISION_NAME.search(name) or name.endswith("_decide")}
    missing = sorted(found - set(DECISIONS) - set(NOT_DECISIONS))
    assert not missing, f"decision services without a four-eyes scenario: {missing}"
    # Discovery reaches services in submodules of a package (dues, orglife) under the package's name.
    stale = sorted((set(DECISIONS) | set(NOT_DECISIONS)) - found)
    assert not stale, f"listed here but not discovered as decision services: {stale}"


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_the_applicant_never_decides(world: World, name: str) -> None:
    owner, decide = DECISIONS[name](world)
    before = state()
    with pytest.raises(FourEyesRefused) as exc:
        decide(owner)
    assert str(exc.value) == FOUR_EYES_MESSAGE
    assert state() == before, f"{name} changed the database while refusing"
    # A second person with the same right decides.
    second = make_user("第二审批人", "13800000077")
    RoleAssignment.objects.create(user=second, org=world.city, role="org_admin")
    decide(second)
    assert state() != before
