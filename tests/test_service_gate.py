"""The one write gate: every public service refuses `None` and outsiders, and changes nothing.

The services are DISCOVERED: every function not starting with `_` in each app's `services` module
(and core's `calendar_services.py`); when `services` is a package (dues, orglife), in every one of its
submodules, named by the package that re-exports it (`test_every_packaged_service_is_reexported`).
Each needs a recipe below that calls it with real rows of branch A; a service without a recipe fails
`test_every_service_has_a_recipe`, so a new one cannot slip through.

Three kinds of service:
- GATED: acts on an org's records. `None`, the outsider (liaison of branch B) and a stronger outsider
  (org admin of branch B) each get PermissionDenied and the database is unchanged.
- SELF: acts on the actor's own account or attendance. `None` and SYSTEM get PermissionDenied; an
  outsider given branch A's objects is refused and the database is unchanged.
- UNGATED: no actor by nature, with the reason written down.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.appraisal.tests.helpers import AppraisalRows, build_appraisal_rows
from dangjian.assignments.models import AssignmentTarget, DeliverableKind, TargetItem
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish, target_claim, target_link_meeting
from dangjian.brands.tests.helpers import CASE, REVISED, BrandRows, build_brand_rows
from dangjian.community.tests.helpers import CommunityRows, build_community_rows
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.dues import services as dues
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory
from dangjian.inspections.rules import default_checklist_data
from dangjian.inspections.tests.helpers import InspectionRows, build_inspection_rows
from dangjian.members.models import ImportJob, ImportMode, ImportStatus, MemberTransfer
from dangjian.members.services import transfer_out
from dangjian.openness import services as openness
from dangjian.openness.models import Deliberation, Disclosure, DisclosureRequest
from dangjian.orglife import services as orglife
from dangjian.orglife.models import ResolutionAction
from dangjian.orglife.tests.helpers import data as meeting_data
from dangjian.orglife.tests.helpers import jpeg
from dangjian.orgs.models import Organization, OrgPost, Post
from dangjian.orgs.services import org_create, post_assign
from dangjian.partyday import services as partyday
from dangjian.partyday.models import ChangeRequest
from dangjian.points import rules as points_rules
from dangjian.points import services as points
from dangjian.points.models import BranchRating, PublicNotice
from dangjian.reports import services as reports
from dangjian.reports.models import DutyReport
from dangjian.site.testing.factories import World, build_world, make_member, make_user, member_data
from dangjian.study import services as study
from dangjian.study.models import Lecture, Lecturer, Reflection, StudyItem

pytestmark = pytest.mark.django_db

SERVICE_MODULES = ["dangjian.core.calendar_services"]  # besides every app's `services` module or package

UNGATED = {
    "dangjian.accounts.services.login_attempt": "the login itself: there is no actor before it succeeds",
    "dangjian.points.services.points_follow_records": (
        "a registry listener: a gated writer (meeting filing, attendance, dues payment) announces its own"
        " committed change; the listener only schedules the recompute of that writer's members"
    ),
    "dangjian.orgs.services.member_counts_follow": (
        "called by the roster's gated writers inside their transaction: re-derives the member counts of"
        " the orgs the writer just changed and their stored findings; it takes no actor and changes only"
        " derived rows"
    ),
    "dangjian.points.services.points_follow_now": (
        "the on-commit half of points_follow_records: recomputes derived points of the members a gated"
        " writer just changed; it takes no actor and changes only derived ledger rows"
    ),
}


def service_modules() -> Iterator[ModuleType]:
    """Each app's `services` (module or package), then the extra SERVICE_MODULES."""
    modules = [f"{cfg.name}.services" for cfg in apps.get_app_configs() if cfg.name.startswith("dangjian.")]
    for modname in [*modules, *SERVICE_MODULES]:
        try:
            yield importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise


def defined_services(module: ModuleType) -> Iterator[tuple[str, Callable[..., Any]]]:
    """(name, function) of every public function defined in `module` and, if it is a package, in
    each of its submodules (a private `_common` too: a public function there is a service)."""
    found = [module]
    if hasattr(module, "__path__"):
        prefix = f"{module.__name__}."
        found += [importlib.import_module(info.name) for info in pkgutil.walk_packages(module.__path__, prefix)]
    for mod in found:
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ == mod.__name__ and not name.startswith("_"):
                yield name, fn


def discovered() -> list[str]:
    """Every public service, named as callers reach it: `dangjian.<app>.services.<name>`."""
    return sorted(f"{module.__name__}.{name}" for module in service_modules() for name, _ in defined_services(module))


def service(qualname: str) -> Callable[..., Any]:
    modname, _, name = qualname.rpartition(".")
    fn: Callable[..., Any] = getattr(importlib.import_module(modname), name)
    return fn


# ---------------------------------------------------------------------------------------------
# Branch A's rows, built through the real services


@dataclass
class Rows:
    w: World
    today: dt.date
    month: dt.date
    third: Organization  # a branch neither outsider has any role in
    loose: Any  # a branch-A member without an account
    meeting: Any
    photo: Any
    action: Any
    plan: Any
    change: Any
    target: AssignmentTarget
    item: TargetItem
    payment: Any
    exemption: Any
    job: ImportJob
    transfer: MemberTransfer
    post: OrgPost
    member_role: RoleAssignment
    appraisal: AppraisalRows
    community: CommunityRows
    brands: BrandRows
    inspection: InspectionRows


def submitted_plan(w: World, *, editor: Any, submitter: Any) -> Any:
    """Branch A's plan for next year, entered by `editor` and submitted by `submitter`."""
    year = timezone.localdate().year + 1
    items = {m: (f"{m}月主题", f"{m}月内容") for m in range(1, 13)}
    partyday.plan_save(actor=editor, org=w.branch, year=year, items=items)
    return partyday.plan_submit(actor=submitter, plan=partyday.AnnualPlan.objects.get(org=w.branch, year=year))


def change_request(w: World, *, requested_by: Any) -> ChangeRequest:
    """A pending request of branch A to move next year's March party day."""
    year = timezone.localdate().year + 1
    return ChangeRequest.objects.create(
        org=w.branch,
        org_path=w.branch.path,
        year=year,
        month=3,
        scheduled_date=dt.date(year, 3, 1),
        new_date=dt.date(year, 3, 8),
        reason="与上级会议冲突",
        requested_by=requested_by,
    )


def publish_to_branches(w: World) -> Any:
    """A task the city publishes to every branch, asking for one meeting record."""
    today = timezone.localdate()
    due = today + dt.timedelta(days=20)
    return assignment_publish(
        actor=w.admin,
        publisher_org=w.city,
        title="主题党日",
        theme="学习",
        window_start=today - dt.timedelta(days=5),
        window_end=due,
        deliverables=[DeliverableSpec("会议记录", DeliverableKind.MEETING_RECORD, due)],
    )


def build_rows(w: World) -> Rows:
    today = timezone.localdate()
    month = today.replace(day=1)
    third = org_create(actor=SYSTEM, parent=w.unit, name="市科技局机关党支部", kind="branch", sector="agency")
    loose = make_member(w.branch, name="周党员")
    leaving = make_member(w.branch, name="吴党员")
    start = timezone.now() - dt.timedelta(days=2)
    meeting = orglife.meeting_create(
        actor=w.liaison, org=w.branch, data=meeting_data(started_at=start, ended_at=start + dt.timedelta(hours=2))
    )
    photo = orglife.photo_add(actor=w.liaison, meeting=meeting, file=jpeg())
    orglife.resolution_add(
        actor=w.liaison,
        meeting=meeting,
        title="每名党员领办一件实事",
        content="",
        actions=[orglife.ActionData(measure="走访困难党员", deadline=today + dt.timedelta(days=30), owner_name="王")],
    )
    meeting.refresh_from_db()
    action = ResolutionAction.objects.get(resolution__meeting=meeting)
    plan = submitted_plan(w, editor=w.liaison, submitter=w.secretary)
    change = change_request(w, requested_by=w.liaison)
    a = publish_to_branches(w)
    target = target_claim(actor=w.liaison, target=AssignmentTarget.objects.get(assignment=a, org=w.branch))
    item = target_link_meeting(
        actor=w.liaison, target=target, deliverable_id=a.deliverables.get().pk, meeting_id=meeting.pk
    )
    target.refresh_from_db()
    dues.dues_base_set(
        actor=w.liaison, member=w.member, year=month.year, category=DuesCategory.IN_SERVICE, monthly_base_fen=500_000
    )
    dues.dues_month_compute(actor=w.liaison, org=w.branch, month=month)
    owed = DuesExpected.objects.get(member=w.member, month=month).amount_fen
    payment = dues.dues_payment_record(actor=w.liaison, member=w.member, months=[month], amount_fen=owed, paid_on=today)
    exemption = dues.dues_exemption_apply(
        actor=w.liaison,
        member=loose,
        kind="exempt",
        start_month=month,
        end_month=month,
        reason="重病",
        application="本人书面申请",
    )
    job = ImportJob.objects.create(
        org=w.branch, org_path=w.branch.path, user=w.liaison, mode=ImportMode.VALIDATE, status=ImportStatus.VALIDATED
    )
    transfer = transfer_out(actor=w.liaison, member=leaving, out_on=today, to_org=third)
    post = post_assign(actor=w.admin, org=w.branch, member=w.member, post=Post.ORGANIZATION)
    return Rows(
        w, today, month, third, loose, meeting, photo, action, plan, change, target, item, payment, exemption, job,
        transfer, post, RoleAssignment.objects.get(user=w.member_user, org=w.branch), build_appraisal_rows(w),
        build_community_rows(w),
        build_brand_rows(w),
        build_inspection_rows(w),
    )  # fmt: skip


def pending_point(r: Rows) -> Any:
    """A manual points item of branch A's member, entered by the liaison, awaiting approval."""
    return points.manual_point_enter(
        actor=SYSTEM, member=r.w.member, item_code="volunteer", on=r.today, reason="志愿服务", document="记录 1"
    )


def duty_report(r: Rows) -> Any:
    """Branch A's 述职 for this year (submitted once, then reused)."""
    found = DutyReport.objects.filter(org=r.w.branch, year=r.today.year).first()
    return found or reports.duty_submit(actor=SYSTEM, org=r.w.branch, year=r.today.year, text="本年度述职")


def published_notice(r: Rows) -> Any:
    """Branch A's 公示 of this year's stars (published once per module)."""
    found = PublicNotice.objects.filter(org=r.w.branch, year=r.today.year).first()
    return found or points.points_notice_publish(actor=SYSTEM, org=r.w.branch, year=r.today.year)


def open_objection(r: Rows) -> Any:
    """The member's objection to branch A's 公示."""
    return points.points_objection_raise(actor=r.w.member_user, notice=published_notice(r), reason="出勤记录有误")


def pending_rating(r: Rows) -> Any:
    """Branch A's 星级党支部 rating for this year, entered at the unit and awaiting approval."""
    found = BranchRating.objects.filter(org=r.w.branch, year=r.today.year).first()
    return found or points.points_branch_rating_enter(
        actor=SYSTEM, committee=r.w.unit, branch=r.w.branch, year=r.today.year,
        points_score="90", target_score="90", document="文件 1",
    )  # fmt: skip


def study_item(r: Rows, mode: str) -> Any:
    """An item of branch A's study list this month (the list is made once per module)."""
    found = StudyItem.objects.filter(org_path=r.w.branch.path, mode=mode).first()
    if found:
        return found
    study.study_list_create(
        actor=SYSTEM, org=r.w.branch, month=r.today, title="学习清单", items=[("党章", "collective"), ("案例", "self")]
    )
    return StudyItem.objects.get(org_path=r.w.branch.path, mode=mode)


def study_lecture(r: Rows) -> Any:
    """A lecture of the unit committee's lecturer for branch A."""
    found = Lecture.objects.filter(audience=r.w.branch).first()
    if found:
        return found
    lecturer = Lecturer.objects.filter(org=r.w.unit).first() or study.lecturer_add(
        actor=SYSTEM, org=r.w.unit, name="陈讲师", team="理论宣讲队"
    )
    start = timezone.now() - dt.timedelta(days=1)
    return study.lecture_schedule(
        actor=SYSTEM,
        lecturer=lecturer,
        audience=r.w.branch,
        topic="专题",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )


def study_reflection(r: Rows) -> Any:
    """The member's 心得."""
    found = Reflection.objects.filter(member=r.w.member).first()
    return found or study.reflection_write(actor=r.w.member_user, title="体会", body="学习体会")


def openness_draft(r: Rows, step: str = "proposed") -> Any:
    """A disclosure of branch A outside the catalogue, taken through the gate up to `step`."""
    d = Disclosure.objects.filter(org=r.w.branch, title="活动室开放时间").first() or openness.disclosure_propose(
        actor=SYSTEM, org=r.w.branch, title="活动室开放时间", text="每周一至周五开放"
    )
    if step in ("reviewed", "approved") and d.status == "proposed":
        d = openness.disclosure_review(actor=SYSTEM, disclosure=d, passed=True)
    if step == "approved" and d.status == "reviewed":
        d = openness.disclosure_approve(actor=SYSTEM, disclosure=d, approve=True)
    return d


def openness_published(r: Rows) -> Any:
    """A disclosure of branch A through the whole gate and on the board."""
    d = openness_draft(r, "approved")
    return d if d.status == "published" else openness.disclosure_publish(actor=SYSTEM, disclosure=d)


def openness_request(r: Rows) -> Any:
    """A member of branch A's pending request for disclosure."""
    found = DisclosureRequest.objects.filter(org=r.w.branch).first()
    return found or openness.disclosure_request_file(actor=r.w.member_user, matter="活动经费使用情况")


def deliberation(r: Rows) -> Any:
    """A 民主议事 record of branch A, opened and not yet through any stage."""
    found = Deliberation.objects.filter(org=r.w.branch).first()
    return found or openness.deliberation_open(actor=SYSTEM, org=r.w.branch, topic="活动经费使用", proposer="支委会")


def upload(name: str, content: bytes = b"PK\x03\x04") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def a_meeting_data(r: Rows) -> Any:
    return meeting_data(started_at=r.meeting.started_at, ended_at=r.meeting.ended_at)


# ---------------------------------------------------------------------------------------------
# Recipes: the keyword arguments (besides `actor`) that point a service at branch A's rows.

Recipe = Callable[[Rows], dict[str, Any]]

GATED: dict[str, Recipe] = {
    # core
    "dangjian.core.calendar_services.calendar_day_delete": lambda r: {"date": dt.date(2030, 10, 8)},
    "dangjian.core.calendar_services.calendar_day_set": lambda r: {
        "date": dt.date(2030, 10, 8), "is_working": False, "name": "国庆节"
    },
    "dangjian.core.calendar_services.calendar_year_set": lambda r: {"year": 2030, "complete": True},
    # accounts
    "dangjian.accounts.services.account_create_for_member": lambda r: {"member": r.loose},
    "dangjian.accounts.services.account_unlock": lambda r: {"user": r.w.member_user},
    "dangjian.accounts.services.password_reset": lambda r: {"user": r.w.member_user},
    "dangjian.accounts.services.role_assign": lambda r: {"user": r.w.member_user, "org": r.w.branch, "role": "liaison"},
    "dangjian.accounts.services.role_grant": lambda r: {"org": r.w.branch, "role": "liaison", "user": r.w.member_user},
    "dangjian.accounts.services.role_revoke": lambda r: {"assignment": r.member_role},
    "dangjian.accounts.services.user_create": lambda r: {"phone": "13912345678", "name": "新账号"},
    # orgs
    "dangjian.orgs.services.config_clear": lambda r: {"org": r.w.branch, "key": "partyday.notice_lead_days"},
    "dangjian.orgs.services.config_set": lambda r: {
        "org": r.w.branch, "key": "partyday.notice_lead_days", "raw_value": "5"
    },
    "dangjian.orgs.services.org_create": lambda r: {"parent": r.w.branch, "name": "第一党小组", "kind": "group"},
    "dangjian.orgs.services.org_move": lambda r: {"org": r.w.branch, "new_parent": r.w.city},
    "dangjian.orgs.services.org_update": lambda r: {"org": r.w.branch, "version": r.w.branch.version, "name": "改名"},
    "dangjian.orgs.services.post_assign": lambda r: {"org": r.w.branch, "member": r.loose, "post": Post.PROPAGANDA},
    "dangjian.orgs.services.post_end": lambda r: {"post": r.post, "ended_on": r.today},
    "dangjian.orgs.services.structure_rebuild": lambda r: {"root_path": r.w.branch.path},
    # members
    "dangjian.members.services.import_job_create": lambda r: {"org": r.w.branch, "upload": upload("名册.xlsx")},
    "dangjian.members.services.import_job_rerun": lambda r: {"job": r.job, "mode": ImportMode.COMMIT},
    "dangjian.members.services.import_job_run": lambda r: {"job_pk": r.job.pk},
    "dangjian.members.services.member_create": lambda r: {"org": r.w.branch, "data": member_data()},
    "dangjian.members.services.member_export": lambda r: {"org": r.w.branch},
    "dangjian.members.services.member_leave": lambda r: {
        "member": r.w.member, "version": r.w.member.version, "reason": "death", "left_on": r.today
    },
    "dangjian.members.services.member_record_contact": lambda r: {"member": r.w.member},
    "dangjian.members.services.member_update": lambda r: {
        "member": r.w.member, "version": r.w.member.version, "data": member_data(name="改名")
    },
    "dangjian.members.services.template_build": lambda r: {"org": r.w.branch},
    "dangjian.members.services.transfer_accept": lambda r: {"transfer": r.transfer, "in_on": r.today},
    "dangjian.members.services.transfer_cancel": lambda r: {"transfer": r.transfer},
    "dangjian.members.services.transfer_in_from_outside": lambda r: {
        "org": r.w.branch, "data": member_data(), "from_org_name": "外省某支部", "in_on": r.today
    },
    "dangjian.members.services.transfer_out": lambda r: {"member": r.w.member, "out_on": r.today, "to_org": r.third},
    # orglife
    "dangjian.orglife.services.action_close": lambda r: {
        "action": r.action, "version": r.action.version, "note": "已落实"
    },
    "dangjian.orglife.services.attachment_add": lambda r: {
        "meeting": r.meeting, "file": io.BytesIO(b"minutes"), "name": "纪要"
    },
    "dangjian.orglife.services.attendance_mark": lambda r: {
        "meeting": r.meeting, "version": r.meeting.version, "marks": [orglife.Mark(r.w.member.pk, "present")]
    },
    "dangjian.orglife.services.exclusion_add": lambda r: {
        "member": r.w.member, "kind": "abroad", "note": "出国", "starts_on": r.today
    },
    "dangjian.orglife.services.meeting_amend": lambda r: {
        "meeting": r.meeting, "version": r.meeting.version, "data": a_meeting_data(r), "reason": "更正"
    },
    "dangjian.orglife.services.meeting_create": lambda r: {"org": r.w.branch, "data": a_meeting_data(r)},
    "dangjian.orglife.services.meeting_file": lambda r: {"meeting": r.meeting, "version": r.meeting.version},
    "dangjian.orglife.services.meeting_update": lambda r: {
        "meeting": r.meeting, "version": r.meeting.version, "data": a_meeting_data(r)
    },
    "dangjian.orglife.services.notify_overdue_actions": lambda r: {"today": r.today + dt.timedelta(days=60)},
    "dangjian.orglife.services.photo_add": lambda r: {"meeting": r.meeting, "file": jpeg(seed=2)},
    "dangjian.orglife.services.photo_review": lambda r: {"photo": r.photo},
    "dangjian.orglife.services.photo_delete": lambda r: {"photo": r.photo},
    "dangjian.orglife.services.attendance_all_present": lambda r: {"meeting": r.meeting, "version": r.meeting.version},
    "dangjian.orglife.services.party_day_reschedule": lambda r: {
        "org": r.w.branch,
        "on": r.meeting.meeting_date,
        "new_start": r.meeting.started_at + dt.timedelta(days=1),
    },
    "dangjian.orglife.services.resolution_add": lambda r: {
        "meeting": r.meeting, "title": "决议", "content": "", "actions": []
    },
    "dangjian.orglife.services.vote_record": lambda r: {
        "meeting": r.meeting, "matter": "接收预备党员", "yes": 1, "no": 0, "abstain": 0
    },
    # partyday
    "dangjian.partyday.services.change_request_create": lambda r: {
        "org": r.w.branch, "year": r.plan.year, "month": 6, "new_date": dt.date(r.plan.year, 6, 20), "reason": "冲突"
    },
    "dangjian.partyday.services.change_request_decide": lambda r: {"change": r.change, "approve": True},
    "dangjian.partyday.services.fixed_day_setting_clear": lambda r: {"org": r.w.branch},
    "dangjian.partyday.services.fixed_day_setting_save": lambda r: {"org": r.w.branch, "data": {"place": "会议室"}},
    "dangjian.partyday.services.plan_file": lambda r: {"plan": r.plan},
    "dangjian.partyday.services.plan_return": lambda r: {"plan": r.plan, "comment": "请补充"},
    "dangjian.partyday.services.plan_save": lambda r: {
        "org": r.w.branch, "year": r.plan.year, "items": {1: ("新", "")}
    },
    "dangjian.partyday.services.plan_submit": lambda r: {"plan": r.plan},
    "dangjian.partyday.services.send_party_day_notices": lambda r: {"today": r.today},
    "dangjian.partyday.services.send_plan_reminders": lambda r: {"today": dt.date(r.today.year, 12, 24)},
    "dangjian.partyday.services.sweep": lambda r: {"today": r.today},
    # assignments
    "dangjian.assignments.services.assignment_publish": lambda r: {
        "publisher_org": r.w.branch,
        "title": "任务",
        "theme": "学习",
        "window_start": r.today,
        "window_end": r.today + dt.timedelta(days=10),
        "deliverables": [DeliverableSpec("记录", DeliverableKind.MEETING_RECORD, r.today + dt.timedelta(days=10))],
    },
    "dangjian.assignments.services.target_attach_file": lambda r: {
        "target": r.target, "deliverable_id": r.item.deliverable_id, "upload": upload("a.pdf", b"%PDF-1.4\n%%EOF")
    },
    "dangjian.assignments.services.target_claim": lambda r: {"target": r.target},
    "dangjian.assignments.services.target_record_party_day": lambda r: {"target": r.target},
    "dangjian.assignments.services.target_link_meeting": lambda r: {
        "target": r.target, "deliverable_id": r.item.deliverable_id, "meeting_id": r.meeting.pk
    },
    "dangjian.assignments.services.target_remove_item": lambda r: {"item": r.item},
    "dangjian.assignments.services.target_review": lambda r: {"target": r.target, "approve": True},
    "dangjian.assignments.services.target_submit": lambda r: {"target": r.target},
    # dues
    "dangjian.dues.services.dues_arrears_scan": lambda r: {"org": r.w.branch, "through": r.month},
    "dangjian.dues.services.dues_base_set": lambda r: {
        "member": r.loose, "year": r.month.year, "category": DuesCategory.IN_SERVICE, "monthly_base_fen": 300_000
    },
    "dangjian.dues.services.dues_bases_set": lambda r: {
        "rows": [dues.BaseRow(r.loose, r.month.year, DuesCategory.IN_SERVICE, 300_000)]
    },
    "dangjian.dues.services.dues_disclosure_publish": lambda r: {"org": r.w.branch, "month": r.month},
    "dangjian.dues.services.dues_exemption_apply": lambda r: {
        "member": r.w.member,
        "kind": "exempt",
        "start_month": r.month,
        "end_month": r.month,
        "reason": "困难",
        "application": "书面申请",
    },
    "dangjian.dues.services.dues_exemption_decide": lambda r: {
        "exemption": r.exemption, "approve": True, "version": r.exemption.version
    },
    "dangjian.dues.services.dues_month_compute": lambda r: {"org": r.w.branch, "month": r.month},
    "dangjian.dues.services.dues_payment_record": lambda r: {
        "member": r.loose, "months": [r.month], "amount_fen": 200, "paid_on": r.today
    },
    "dangjian.dues.services.dues_payment_void": lambda r: {"payment": r.payment, "reason": "重复登记"},
    "dangjian.dues.services.dues_payments_record": lambda r: {
        "rows": [dues.PaymentRow(r.loose, [r.month], 200, r.today)]
    },
    # points
    "dangjian.points.services.manual_point_decide": lambda r: {
        "point": pending_point(r), "approve": True, "version": None
    },
    "dangjian.points.services.manual_point_enter": lambda r: {
        "member": r.w.member, "item_code": "volunteer", "on": r.today, "reason": "志愿服务", "document": "记录 1"
    },
    "dangjian.points.services.points_manual_save": lambda r: {
        "org": r.w.city, "year": r.today.year,
        "data": points_rules.manual_to_data(points_rules.default_manual(r.today.year)),
    },
    "dangjian.points.services.points_notice_publish": lambda r: {"org": r.w.branch, "year": r.today.year},
    "dangjian.points.services.points_objection_decide": lambda r: {
        "objection": open_objection(r), "upheld": False, "answer": "维持", "version": None
    },
    "dangjian.points.services.points_objection_raise": lambda r: {"notice": published_notice(r), "reason": "有误"},
    "dangjian.points.services.points_recompute": lambda r: {"org": r.w.branch, "year": r.today.year},
    "dangjian.points.services.points_branch_rating_enter": lambda r: {
        "committee": r.w.unit, "branch": r.w.branch, "year": r.today.year,
        "points_score": "90", "target_score": "90", "document": "文件 1",
    },
    "dangjian.points.services.points_branch_rating_decide": lambda r: {
        "rating": pending_rating(r), "approve": True, "version": None
    },
    "dangjian.points.services.points_recompute_member": lambda r: {"member": r.w.member, "year": r.today.year},
    # appraisal
    "dangjian.appraisal.services.appraisal_grade": lambda r: {"entry": r.appraisal.entry, "grade": "qualified"},
    "dangjian.appraisal.services.appraisal_open": lambda r: {"org": r.w.branch, "year": r.today.year - 2},
    "dangjian.appraisal.services.appraisal_record_evaluation": lambda r: {
        "entry": r.appraisal.entry, "self_review": "自评", "votes": {"qualified": 1}
    },
    "dangjian.appraisal.services.appraisal_approve": lambda r: {"appraisal": r.appraisal.submitted},
    "dangjian.appraisal.services.appraisal_return": lambda r: {"appraisal": r.appraisal.submitted},
    "dangjian.appraisal.services.appraisal_submit": lambda r: {"appraisal": r.appraisal.draft},
    "dangjian.appraisal.services.orglife_review_save": lambda r: {
        "org": r.w.branch, "year": r.today.year, "data": {"problems": "学习不深入"}
    },
    "dangjian.appraisal.services.rectification_add": lambda r: {
        "org": r.w.branch, "year": r.today.year, "problem": "问题", "measure": "措施", "owner_id": r.w.member.pk,
        "deadline": r.today,
    },
    "dangjian.appraisal.services.rectification_done": lambda r: {
        "item": r.appraisal.rectification, "done_on": r.today
    },
    "dangjian.appraisal.services.rectification_verify": lambda r: {"item": r.appraisal.rectification},
    "dangjian.appraisal.services.talk_follow_up_done": lambda r: {
        "follow_up": r.appraisal.follow_up, "done_on": r.today
    },
    "dangjian.appraisal.services.talk_record": lambda r: {
        "org": r.w.branch, "talker_id": r.w.member.pk, "counterpart_ids": [r.loose.pk], "held_on": r.today
    },
    "dangjian.appraisal.services.share_assign": lambda r: {
        "org": r.w.branch, "shares": {r.appraisal.peer.pk: r.w.member.pk}
    },
    "dangjian.appraisal.services.sweep": lambda r: {"today": r.today},
    "dangjian.appraisal.services.talk_update": lambda r: {
        "talk": r.appraisal.talk, "talker_id": r.appraisal.talk.talker_id,
        "counterpart_ids": [r.appraisal.peer.pk], "held_on": r.today, "place": "党员活动室",
    },
    "dangjian.appraisal.services.talk_delete": lambda r: {"talk": r.appraisal.talk},
    "dangjian.appraisal.services.talk_parts_rebuild": lambda r: {},
    # community: the community side (needs, confirmations), the member-or-community link end, 三个一
    "dangjian.community.services.link_end": lambda r: {"link": r.community.link, "reason": "已搬离"},
    "dangjian.community.services.need_publish": lambda r: {
        "community": r.community.c.org, "title": "楼道清理", "category": "governance",
        "due_on": r.today + dt.timedelta(days=10),
    },
    "dangjian.community.services.need_close": lambda r: {"need": r.community.need},
    "dangjian.community.services.deed_decide": lambda r: {"deed": r.community.reported, "confirm": True},
    "dangjian.community.services.activity_record": lambda r: {
        "link": r.community.link, "title": "治安巡逻", "on": r.today, "hours": 2, "role": "volunteer"
    },
    "dangjian.community.services.claims_expire": lambda r: {"today": r.today},
    "dangjian.community.services.secretary_pledge_save": lambda r: {
        "org": r.w.unit, "year": r.today.year + 1, "secretary_name": "刘书记", "pledge": "承诺", "project": "项目",
        "goals": "目标", "contact_org": r.w.branch,
    },
    "dangjian.community.services.secretary_pledge_publish": lambda r: {"record": r.community.three_ones},
    "dangjian.community.services.contact_visit_log": lambda r: {
        "record": r.community.three_ones, "on": r.today, "summary": "调研"
    },
    # reports
    "dangjian.reports.services.report_submit": lambda r: {
        "org": r.w.branch, "year": (r.month - dt.timedelta(days=1)).year,
        "month": (r.month - dt.timedelta(days=1)).month, "highlights": "亮点", "problems": "问题"
    },
    "dangjian.reports.services.indicator_add": lambda r: {
        "org": r.w.unit, "year": r.today.year, "quarter": 1, "label": "主题党日", "figure": "partyday:held",
        "target": 3, "weight": 10
    },
    "dangjian.reports.services.indicator_exclude": lambda r: {
        "org": r.w.branch, "year": r.today.year, "quarter": 1, "reason": "exempted", "note": "批复"
    },
    "dangjian.reports.services.quarter_score": lambda r: {"org": r.w.unit, "year": r.today.year - 1, "quarter": 4},
    "dangjian.reports.services.reports_remind": lambda r: {"today": r.today},
    "dangjian.reports.services.duty_submit": lambda r: {"org": r.w.branch, "year": r.today.year, "text": "述职"},
    "dangjian.reports.services.duty_rate": lambda r: {"duty": duty_report(r), "rating": "good"},
    "dangjian.reports.services.duty_decide": lambda r: {"duty": duty_report(r), "grade": "good"},
    "dangjian.reports.services.duty_rectification_add": lambda r: {
        "duty": duty_report(r), "problem": "问题", "measure": "措施", "deadline": r.today
    },
    # study
    "dangjian.study.services.collective_study_link": lambda r: {
        "item": study_item(r, "collective"), "meeting": r.meeting
    },
    "dangjian.study.services.contact_log": lambda r: {
        "member": r.w.member, "on": r.today, "channel": "phone", "contacted_by": "李", "topic": "近况"
    },
    "dangjian.study.services.home_visit_log": lambda r: {
        "member": r.w.member, "on": r.today, "visitors": "王", "care": "慰问"
    },
    "dangjian.study.services.lecture_record": lambda r: {"lecture": study_lecture(r)},
    "dangjian.study.services.lecture_schedule": lambda r: {
        "lecturer": study_lecture(r).lecturer, "audience": r.w.branch, "topic": "专题",
        "starts_at": timezone.now(), "ends_at": timezone.now() + dt.timedelta(hours=1)
    },
    "dangjian.study.services.lecturer_add": lambda r: {"org": r.w.unit, "name": "刘讲师", "team": "基层宣讲队"},
    "dangjian.study.services.reflection_feature": lambda r: {
        "reflection": study_reflection(r), "featured": True, "version": study_reflection(r).version
    },
    "dangjian.study.services.study_due_check": lambda r: {"org": r.w.branch, "today": r.today},
    "dangjian.study.services.study_list_create": lambda r: {
        "org": r.w.branch, "month": r.today, "title": "清单", "items": [("党章", "self")]
    },
    "dangjian.study.services.study_recompute": lambda r: {"org": r.w.branch, "year": r.today.year},
    "dangjian.study.services.training_record_add": lambda r: {
        "member": r.w.member, "title": "轮训", "organiser": "党校", "kind": "other",
        "starts_on": r.today, "ends_on": r.today, "hours": Decimal(4)
    },
    # brands
    "dangjian.brands.services.campaign_create": lambda r: {
        "org": r.w.city, "title": "品牌创建", "document": "组织部通知", "incubation_end": r.today,
        "application_deadline": r.today, "approval_deadline": r.today, "cultivation_end": r.today,
        "acceptance_deadline": r.today,
    },
    "dangjian.brands.services.project_start": lambda r: {"campaign": r.brands.draft.campaign, "org": r.w.branch},
    "dangjian.brands.services.project_save": lambda r: {"project": r.brands.draft, "brand_name": "红色引擎"},
    "dangjian.brands.services.project_submit": lambda r: {"project": r.brands.draft},
    "dangjian.brands.services.project_unit_review": lambda r: {
        "project": r.brands.submitted, "opinion": "同意", "recommend": True
    },
    "dangjian.brands.services.review_assign": lambda r: {"project": r.brands.endorsed, "reviewer": r.brands.reviewer},
    "dangjian.brands.services.project_shortlist_decide": lambda r: {"project": r.brands.endorsed, "candidate": True},
    "dangjian.brands.services.project_revise": lambda r: {"project": r.brands.candidate, "sections": REVISED},
    "dangjian.brands.services.project_approve": lambda r: {"project": r.brands.revised},
    "dangjian.brands.services.objection_record": lambda r: {
        "project": r.brands.publicity, "reason": "反映", "received_on": r.today
    },
    "dangjian.brands.services.objection_decide": lambda r: {
        "objection": r.brands.objection, "upheld": False, "answer": "不成立"
    },
    "dangjian.brands.services.project_establish_approve": lambda r: {"project": r.brands.publicity},
    "dangjian.brands.services.project_disqualify_decide": lambda r: {
        "project": r.brands.candidate, "reason": "经核实雷同"
    },
    "dangjian.brands.services.progress_add": lambda r: {
        "project": r.brands.cultivating, "on": r.today, "kind": "other", "summary": "开展示范课"
    },
    "dangjian.brands.services.news_add": lambda r: {
        "project": r.brands.cultivating, "title": "报道", "url": "https://news.example.cn/1", "platform": "学校主页",
        "level": "university", "published_on": r.today,
    },
    "dangjian.brands.services.case_save": lambda r: {"project": r.brands.cultivating, "sections": CASE},
    "dangjian.brands.services.case_submit": lambda r: {"project": r.brands.cultivating},
    "dangjian.brands.services.project_grade_decide": lambda r: {"project": r.brands.case_submitted, "grade": "pass"},
    "dangjian.brands.services.reminders_send": lambda r: {"today": r.today},
    # openness
    "dangjian.openness.services.catalogue_item_save": lambda r: {
        "org": r.w.branch, "title": "支部工作计划", "basis": "支部工作条例", "timing": "standing"
    },
    "dangjian.openness.services.disclosure_propose": lambda r: {"org": r.w.branch, "title": "通知", "text": "内容"},
    "dangjian.openness.services.disclosure_review": lambda r: {"disclosure": openness_draft(r), "passed": True},
    "dangjian.openness.services.disclosure_approve": lambda r: {
        "disclosure": openness_draft(r, "reviewed"), "approve": True
    },
    "dangjian.openness.services.disclosure_publish": lambda r: {"disclosure": openness_draft(r, "approved")},
    "dangjian.openness.services.disclosure_dues_refresh": lambda r: {"org": r.w.branch, "today": r.today},
    "dangjian.openness.services.deliberation_open": lambda r: {
        "org": r.w.branch, "topic": "议题", "proposer": "支委会"
    },
    "dangjian.openness.services.deliberation_stage_record": lambda r: {
        "deliberation": deliberation(r), "stage": "propose", "held_on": r.today
    },
    "dangjian.openness.services.deliberation_record_decision": lambda r: {
        "deliberation": deliberation(r), "options": [("甲", 1, 0, 0)], "chosen": 0, "decision": "通过"
    },
    "dangjian.openness.services.deliberation_implementation_save": lambda r: {
        "deliberation": deliberation(r), "owner": "王", "deadline": r.today
    },
    "dangjian.openness.services.deliberation_result_record": lambda r: {
        "deliberation": deliberation(r), "result": "已完成", "result_on": r.today
    },
    "dangjian.openness.services.deliberation_disclose": lambda r: {
        "deliberation": deliberation(r), "which": "decision"
    },
    "dangjian.openness.services.deliberation_close": lambda r: {"deliberation": deliberation(r)},
    "dangjian.openness.services.disclosure_withdraw": lambda r: {
        "disclosure": openness_published(r), "reason": "信息有误，撤回更正"
    },
    "dangjian.openness.services.disclosure_request_answer": lambda r: {
        "request": openness_request(r), "agree": False, "answer": "涉及个人信息，不予公开"
    },
    # assignments → study: a task's study lines derived into lists
    "dangjian.assignments.services.assignment_study_lists_sync": lambda r: {"assignment": r.target.assignment},
    "dangjian.study.services.study_list_derive": lambda r: {
        "org": r.w.branch, "month": r.month, "title": "上级部署的学习", "items": [("党章", "self")],
        "source_ref": f"assignment:{r.target.assignment_id}",
    },
    "dangjian.inspections.services.checklist_item_save": lambda r: {
        "org": r.w.unit, "based_on": "default", "category": "A", "code": "", "new_code": "A9",
        "item": {"title": "新增项目", "standard": 2, "method": "records"},
    },
    # inspections
    "dangjian.inspections.services.checklist_save": lambda r: {"org": r.w.unit, "data": default_checklist_data()},
    "dangjian.inspections.services.plan_create": lambda r: {
        "org": r.w.unit, "name": "抽查", "document": "文件", "starts_on": r.today, "ends_on": r.today,
        "fixed_ids": [r.w.branch.pk], "inspector_ids": [r.w.admin.pk],
    },
    "dangjian.inspections.services.plan_draw": lambda r: {"plan": r.inspection.planned},
    "dangjian.inspections.services.plan_cancel": lambda r: {"plan": r.inspection.plan, "reason": "工作调整"},
    "dangjian.inspections.services.inspection_prefill": lambda r: {"plan": r.inspection.plan},
    "dangjian.inspections.services.inspection_start": lambda r: {"inspection": r.inspection.inspection},
    "dangjian.inspections.services.item_score": lambda r: {
        "inspection": r.inspection.inspection, "code": "I1", "deduction": Decimal(1), "note": "标识不全"
    },
    "dangjian.inspections.services.inspection_self_score": lambda r: {
        "inspection": r.inspection.inspection, "deductions": {"I1": Decimal(1)}
    },
    "dangjian.inspections.services.inspection_finish": lambda r: {"inspection": r.inspection.inspection},
    "dangjian.inspections.services.finding_raise": lambda r: {
        "inspection": r.inspection.inspection, "problem": "问题", "measure": "措施", "owner_id": r.w.liaison.pk
    },
    "dangjian.inspections.services.finding_submit": lambda r: {"finding": r.inspection.open, "outcome": "已整改"},
    "dangjian.inspections.services.finding_verify": lambda r: {"finding": r.inspection.submitted},
    "dangjian.inspections.services.finding_close": lambda r: {"finding": r.inspection.verified},
    "dangjian.inspections.services.sweep": lambda r: {"today": r.today},
}  # fmt: skip

SELF: dict[str, Recipe] = {
    # Acts on the actor's own account: no object of branch A can be named.
    "dangjian.accounts.services.password_change": lambda r: {
        "old_password": r.w.password, "new_password": "Another-pass-2026"
    },
    "dangjian.core.services.notification_mark_read": lambda r: {},
    # Marks the actor present at a meeting of branch A: the outsider is not on its list.
    "dangjian.orglife.services.sign_in": lambda r: {"token": r.meeting.sign_in_token, "now": r.meeting.started_at},
    # The member's own 五亮五共 records: their report-in, claims, completion and activity reports, pledge.
    "dangjian.community.services.link_report_in": lambda r: {"community": r.community.c.org, "address": "某小区"},
    "dangjian.community.services.need_claim": lambda r: {"need": r.community.need},
    "dangjian.community.services.deed_report": lambda r: {"deed": r.community.claimed, "note": "完成"},
    "dangjian.community.services.activity_report": lambda r: {
        "title": "宣传", "on": r.today, "hours": 1, "role": "volunteer"
    },
    "dangjian.community.services.pledge_submit": lambda r: {"text": "承诺"},
    # The member's own 申请公开, filed with their own branch: no object of branch A can be named.
    "dangjian.openness.services.disclosure_request_file": lambda r: {"matter": "活动经费使用情况"},
    # The member's own 心得 and self-study marks: written for the actor's own Member row.
    "dangjian.study.services.reflection_write": lambda r: {"title": "体会", "body": "学习体会"},
    # (an unsaved item: the refusal comes before the item is read, and the recipe writes nothing)
    "dangjian.study.services.study_mark_done": lambda r: {"item": StudyItem(mode="self", org_path=r.w.branch.path)},
    # The expert scores their own assigned sheet: nobody else's, not SYSTEM (outsiders hold no REVIEW role).
    "dangjian.brands.services.review_submit": lambda r: {
        "review": r.brands.review, "scores": {"political": 8, "brand": 8, "integration": 8, "sustainable": 8},
        "comments": "特色鲜明",
    },
}  # fmt: skip


def state() -> dict[str, Any]:
    """Row counts of every table and the audit chain's length: a refused call changes none of them."""
    counts: dict[str, Any] = {m._meta.label: m._default_manager.count() for m in apps.get_models() if not m._meta.proxy}
    counts["audit"] = AuditEvent.objects.count()
    counts["passwords"] = sorted(User.objects.values_list("password", flat=True))
    return counts


def outsiders(w: World) -> list[Any]:
    """The liaison of branch B, and a stronger outsider: an org admin of branch B."""
    admin_b = make_user("钱管理员", "13800000066")
    RoleAssignment.objects.create(user=admin_b, org=w.other_branch, role="org_admin")
    return [w.outsider, admin_b]


def test_every_packaged_service_is_reexported() -> None:
    """A services package lists each submodule's services in its `__init__` (`__all__` and the same
    object), so callers keep `from dangjian.<app> import services` and a new service is discovered."""
    missing = [
        f"{module.__name__}.{name}"
        for module in service_modules()
        if hasattr(module, "__path__")
        for name, fn in defined_services(module)
        if name not in getattr(module, "__all__", ()) or getattr(module, name, None) is not fn
    ]
    assert not missing, f"services their package does not re-export (import in __init__, add to __all__): {missing}"


def test_every_service_has_a_recipe() -> None:
    known = set(GATED) | set(SELF) | set(UNGATED)
    missing = [name for name in discovered() if name not in known]
    assert not missing, f"public services without a gate-test recipe (add one to {__name__}): {missing}"
    stale = sorted(known - set(discovered()))
    assert not stale, f"recipes for services that no longer exist: {stale}"


@pytest.fixture(scope="module")
def rows(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Rows]:
    """Branch A's rows, built once for the module inside a transaction rolled back at its end (each
    test runs in a savepoint inside it; a refused call writes nothing anyway)."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        w = build_world()
        yield build_rows(w)
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", sorted(GATED))
def test_gated_service_refuses_none_and_outsiders(rows: Rows, db: Any, name: str) -> None:
    fn = service(name)
    for actor in [None, *outsiders(rows.w)]:
        kwargs = GATED[name](rows)
        before = state()
        with pytest.raises(PermissionDenied):
            fn(actor=actor, **kwargs)
        assert state() == before, f"{name} changed the database for {actor!r}"


@pytest.mark.parametrize("name", sorted(GATED))
def test_recipe_passes_the_gate_for_an_insider(rows: Rows, db: Any, name: str) -> None:
    """The control: each recipe names rows an insider may act on — the city's org admin, or SYSTEM for
    platform-wide work — so the refusals above come from the gate, not from a recipe that points
    nowhere. (A rule of the service may still say no: ValidationError.)"""
    mine = copy.deepcopy(rows)  # the service may update the instances it is given; the module's stay as built
    fn = service(name)
    try:
        try:
            fn(actor=mine.w.admin, **GATED[name](mine))
        except PermissionDenied:
            fn(actor=SYSTEM, **GATED[name](mine))
    except ValidationError:
        pass


@pytest.mark.parametrize("name", sorted(SELF))
def test_self_service_refuses_none_system_and_outsiders(rows: Rows, db: Any, name: str) -> None:
    fn = service(name)
    for actor in [None, SYSTEM]:
        before = state()
        with pytest.raises(PermissionDenied):
            fn(actor=actor, **SELF[name](rows))
        assert state() == before
    if name.endswith(".sign_in"):
        for actor in outsiders(rows.w):
            before = state()
            with pytest.raises((PermissionDenied, ValidationError)):
                fn(actor=actor, **SELF[name](rows))
            assert state() == before


def test_system_passes_the_gate(rows: Rows, db: Any) -> None:
    """SYSTEM is the explicit actor of sweeps, imports and the demo: it passes where None is refused."""
    world = rows.w
    assert isinstance(orglife.notify_overdue_actions(actor=SYSTEM, today=rows.today), int)
    top = org_create(actor=SYSTEM, parent=None, name="另一市委", kind="committee")
    event = AuditEvent.objects.filter(action="org.create", object_id=str(top.pk)).get()
    assert event.actor_id is None and event.actor_label == "系统"
    with pytest.raises(PermissionDenied):
        org_create(actor=world.admin, parent=None, name="又一市委", kind="committee")
