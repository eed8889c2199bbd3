"""Writes of 一支部一特色: the call, the 申报书 and its revision, expert review, 公示 and objections,
cultivation, the case and the acceptance grade. Each starts at the write gate and records one audit
event; decisions (shortlist, approve, establish, answer an objection, disqualify, grade) call
`require_four_eyes`. Every application, revision and case is compared with all earlier documents
as it is submitted (`_compare`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holders
from dangjian.community.models import Deed, DeedStatus
from dangjian.core import audit, notify
from dangjian.core.calendar import add_working_days, span_is_provisional
from dangjian.core.paths import is_within, subtree_q
from dangjian.core.scoping import PLATFORM, Action, can, require, require_four_eyes, require_person, user_or_none
from dangjian.core.uploads import check_image, random_name
from dangjian.core.versioning import bump, lock
from dangjian.members.models import Member
from dangjian.orglife.models import Meeting, MeetingStatus
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from . import similarity as S
from .models import (
    Campaign,
    DocKind,
    Document,
    DocumentBand,
    Grade,
    NewsItem,
    Objection,
    ObjectionStatus,
    Phase,
    ProgressEntry,
    ProgressKind,
    Project,
    Review,
    Stage,
)
from .selectors import find_matches

LOGO_MAX_BYTES = 5 * 1024 * 1024


def _today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# The call


def campaign_create(
    *,
    actor: Any,
    org: Organization,
    title: str,
    document: str,
    incubation_end: dt.date,
    application_deadline: dt.date,
    approval_deadline: dt.date,
    cultivation_end: dt.date,
    acceptance_deadline: dt.date,
    criteria: list[dict[str, Any]] | None = None,
    must_apply: Mapping[int, str] | None = None,
    excellent_quota: int = 0,
) -> Campaign:
    """A committee opens a call: its document, a deadline per stage, criteria whose weights sum to
    100, the branches that must apply (flagged 样板支部 / 双带头人工作室) and the 优秀 quota."""
    require(actor, Action.ADMIN, org.path, "无权在该组织发起品牌创建活动")
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise ValidationError("品牌创建活动由党委或党总支发起")
    if not title.strip():
        raise ValidationError({"title": "请填写活动名称"})
    if not document.strip():
        raise ValidationError({"document": "请填写依据文件（如组织部通知文号）"})
    dates = [incubation_end, application_deadline, approval_deadline, cultivation_end, acceptance_deadline]
    if problem := R.deadline_order_problem(dates):
        raise ValidationError({"application_deadline": problem})
    crit = [dict(c) for c in (criteria if criteria is not None else R.DEFAULT_CRITERIA)]
    if problems := R.check_criteria(crit):
        raise ValidationError({"criteria": problems})
    flags = {str(k): str(v) for k, v in (must_apply or {}).items()}
    if flags:
        inside = set(
            Organization.objects.filter(
                pk__in=[int(k) for k in flags], kind=OrgKind.BRANCH, path__startswith=org.path
            ).values_list("pk", flat=True)
        )
        if bad := [k for k in flags if int(k) not in inside]:
            raise ValidationError({"must_apply": f"必须参与的支部不在本组织范围内：{', '.join(bad)}"})
        if odd := sorted({v for v in flags.values() if v not in R.MUST_FLAGS}):
            raise ValidationError({"must_apply": f"未知的支部标记：{'、'.join(odd)}"})
    if excellent_quota < 0:
        raise ValidationError({"excellent_quota": "优秀名额不能为负数"})
    with transaction.atomic():
        c = Campaign(
            org=org,
            org_path=org.path,
            title=title.strip(),
            document=document.strip(),
            incubation_end=incubation_end,
            application_deadline=application_deadline,
            approval_deadline=approval_deadline,
            cultivation_end=cultivation_end,
            acceptance_deadline=acceptance_deadline,
            criteria=crit,
            must_apply=flags,
            excellent_quota=excellent_quota,
            created_by=user_or_none(actor),
        )
        c.full_clean()
        c.save()
        audit.record(actor, "brands.campaign_create", c, after=audit.snapshot(c))
    return c


# ---------------------------------------------------------------------------------------------
# The application (申报书)


def project_start(*, actor: Any, campaign: Campaign, org: Organization) -> Project:
    """A branch opens its 申报书 for the call (once per call), before the application deadline."""
    require(actor, Action.MANAGE, org.path, "无权为该支部申报品牌项目")
    if org.kind != OrgKind.BRANCH or not is_within(org.path, [campaign.org_path]):
        raise ValidationError("只有本次活动范围内的党支部可以申报")
    if _today() > campaign.application_deadline:
        raise ValidationError(f"项目申报已于 {campaign.application_deadline:%Y-%m-%d} 截止")
    with transaction.atomic():
        if Project.objects.filter(campaign=campaign, org=org).exists():
            raise ValidationError("该支部已在本次活动中申报品牌项目")
        p = Project(campaign=campaign, org=org, org_path=org.path, brand_name="", stage=Stage.DRAFT)
        p.save()
        audit.record(actor, "brands.project_start", p, after={"campaign": campaign.pk, "org": org.pk})
    return p


def _name_check(project: Project, name: str) -> str:
    """Refuse a bad name; return a warning for a duplicate when the committee only warns."""
    if problem := R.brand_name_problem(name):
        raise ValidationError({"brand_name": problem})
    norm = R.normalise_name(name)
    others = (
        Project.objects.filter(campaign__org_path__startswith=project.campaign.org_path)
        .exclude(pk=project.pk)
        .exclude(brand_name="")
        .values_list("brand_name", "org__name")
    )
    same = next((org for other, org in others if R.normalise_name(other) == norm), None)
    if same is None:
        return ""
    message = f"品牌名称与{same}的品牌“{name}”相同"
    if config.effective(project.campaign.org_path, "brands.duplicate_name") == "refuse":
        raise ValidationError({"brand_name": message + "，请另起名称"})
    return message


def project_save(
    *,
    actor: Any,
    project: Project,
    brand_name: str,
    slogan: str = "",
    logo_meaning: str = "",
    sections: Mapping[str, str] | None = None,
    originality: bool = False,
    logo: IO[bytes] | None = None,
    version: int | None = None,
) -> Project:
    """Save the 申报书 draft (phone or desktop). The logo, if given, must really be an image."""
    require(actor, Action.MANAGE, project.org_path, "无权填写该支部的申报书")
    name = brand_name.strip()
    if logo is not None:
        try:
            fmt = check_image(logo, LOGO_MAX_BYTES, ("JPEG", "PNG"))
        except ValidationError as exc:
            raise ValidationError({"logo": f"品牌标识：{'；'.join(exc.messages)}"}) from exc
    keys = {k for k, _, _ in R.APPLICATION_SECTIONS}
    clean = {k: str(v).strip()[:5000] for k, v in (sections or {}).items() if k in keys}
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign"), project.pk, version)
        if p.stage != Stage.DRAFT:
            raise ValidationError("申报书已提交，不能再修改（初步培育对象请提交修改稿）")
        warning = _name_check(p, name)
        before = audit.snapshot(p, ["brand_name", "slogan", "logo_meaning", "sections", "originality", "logo"])
        p.brand_name, p.slogan, p.logo_meaning = name, slogan.strip()[:60], logo_meaning.strip()[:500]
        p.sections, p.originality, p.name_warning = clean, bool(originality), warning[:200]
        if logo is not None:
            p.logo.save(random_name("." + fmt.lower().replace("jpeg", "jpg")), File(logo), save=False)
        bump(p)
        p.full_clean()
        p.save()
        audit.record(actor, "brands.project_save", p, before=before, after=audit.snapshot(p, list(before)))
    return p


def project_submit(*, actor: Any, project: Project, version: int | None = None) -> Project:
    """Submit the 申报书 to the 基层党委/总支 by the deadline, with the declaration of originality."""
    require(actor, Action.MANAGE, project.org_path, "无权提交该支部的申报书")
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign", "org"), project.pk, version)
        if p.stage != Stage.DRAFT:
            raise ValidationError("申报书已提交")
        if _today() > p.campaign.application_deadline:
            raise ValidationError(f"项目申报已于 {p.campaign.application_deadline:%Y-%m-%d} 截止，不能再提交")
        _name_check(p, p.brand_name)
        if problems := R.section_problems(p.sections):
            raise ValidationError(problems)
        if not p.originality:
            raise ValidationError({"originality": "请确认原创承诺：品牌建设项目不得抄袭"})
        before = audit.snapshot(p, ["stage"])
        p.stage = Stage.SUBMITTED
        p.submitted_by = user_or_none(actor)
        p.submitted_at = timezone.now()
        bump(p)
        p.save(update_fields=["stage", "submitted_by", "submitted_at", "version"])
        _compare(p, DocKind.APPLICATION, R.application_text(p.brand_name, p.slogan, p.logo_meaning, p.sections))
        audit.record(actor, "brands.project_submit", p, before=before, after=audit.snapshot(p, ["stage"]))
        unit = R.unit_path(p.org_path, p.campaign.org_path)
        notify.send(
            holders([Role.SECRETARY, Role.ORG_ADMIN], org_paths=[unit]).values_list("user_id", flat=True),
            key=f"brands.submitted:{p.pk}",
            title=f"{p.org.name}提交了品牌项目申报书“{p.brand_name}”",
            body="请填写基层党委（总支）审核意见",
            link=reverse("brands:project", args=[p.pk]),
        )
    return p


def project_unit_review(
    *, actor: Any, project: Project, opinion: str, recommend: bool, version: int | None = None
) -> Project:
    """The 基层党委/总支 reviews the 申报书: recommends it to the expert review, or returns it to the
    branch with its opinion. Never the person who submitted it."""
    unit = R.unit_path(project.org_path, project.campaign.org_path)
    require(actor, Action.APPROVE, unit, "无权审核该申报书（由基层党委或党总支审核）")
    with transaction.atomic():
        p = lock(Project.objects, project.pk, version)
        require_four_eyes(actor, p.submitted_by_id)
        if p.stage != Stage.SUBMITTED:
            raise ValidationError("该申报书不在待审核状态")
        if not opinion.strip():
            raise ValidationError({"opinion": "请填写基层党委（总支）意见"})
        before = audit.snapshot(p, ["stage", "unit_opinion"])
        p.unit_opinion = opinion.strip()[:500]
        p.unit_opinion_by = user_or_none(actor)
        p.unit_opinion_at = timezone.now()
        p.stage = Stage.ENDORSED if recommend else Stage.DRAFT
        bump(p)
        p.save(update_fields=["unit_opinion", "unit_opinion_by", "unit_opinion_at", "stage", "version"])
        audit.record(actor, "brands.project_unit_review", p, before=before, after=audit.snapshot(p, list(before)))
    return p


# ---------------------------------------------------------------------------------------------
# Expert review


def _reviewer_conflict(reviewer: Any, project: Project) -> bool:
    """Is the expert from the applicant's own unit (a member there, or holding a role there)?"""
    unit = R.unit_path(project.org_path, project.campaign.org_path)
    anchors = list(Member.objects.filter(user_id=reviewer.pk, is_active=True).values_list("org_path", flat=True))
    anchors += list(
        RoleAssignment.objects.filter(user_id=reviewer.pk)
        .exclude(role=Role.REVIEWER)
        .values_list("org__path", flat=True)
    )
    return any(a.startswith(unit) for a in anchors)


def review_assign(*, actor: Any, project: Project, reviewer: Any, phase: str = Phase.APPROVAL) -> Review:
    """The committee assigns an expert (the 评审专家 role) to score a project; never one from the
    applicant's own unit."""
    require(actor, Action.ADMIN, project.campaign.org_path, "无权分配评审专家")
    if phase not in Phase.values:
        raise ValidationError({"phase": "评审环节无效"})
    if not getattr(reviewer, "is_active", False) or not can(reviewer, Action.REVIEW, project.org_path):
        raise ValidationError({"reviewer": f"{reviewer} 不是本次活动范围内的评审专家"})
    if _reviewer_conflict(reviewer, project):
        raise ValidationError({"reviewer": f"{reviewer} 与申报支部同属一个基层单位，应当回避"})
    wanted = Stage.ENDORSED if phase == Phase.APPROVAL else Stage.CASE_SUBMITTED
    if project.stage != wanted:
        raise ValidationError(f"项目当前阶段为“{project.get_stage_display()}”，不能分配{Phase(phase).label}专家")
    with transaction.atomic():
        if Review.objects.filter(project=project, phase=phase, reviewer=reviewer).exists():
            raise ValidationError({"reviewer": f"{reviewer} 已被分配评审该项目"})
        r = Review(
            project=project, org_path=project.org_path, phase=phase, reviewer=reviewer, assigned_by=user_or_none(actor)
        )
        r.full_clean()
        r.save()
        audit.record(actor, "brands.review_assign", r, after=audit.snapshot(r))
        notify.send(
            [reviewer.pk],
            key=f"brands.review:{r.pk}",
            title=f"请评审品牌项目“{project.brand_name}”",
            body=f"{project.campaign.title} · {Phase(phase).label}",
            link=reverse("brands:review", args=[r.pk]),
        )
    return r


def review_submit(
    *,
    actor: Any,
    review: Review,
    scores: Mapping[str, Any],
    comments: str = "",
    requirements: str = "",
    version: int | None = None,
) -> Review:
    """The assigned expert scores each criterion (integers within bounds) with comments and the
    revision requirements; the project's score is re-aggregated."""
    require_person(actor)
    require(actor, Action.REVIEW, review.org_path, "无权评审该项目")
    if getattr(actor, "pk", None) != review.reviewer_id:
        raise PermissionDenied("该项目未分配给您评审")
    with transaction.atomic():
        r = lock(Review.objects.select_related("project__campaign"), review.pk, version)
        p = r.project
        if _reviewer_conflict(actor, p):
            raise PermissionDenied("您与申报支部同属一个基层单位，应当回避")
        open_stage = Stage.ENDORSED if r.phase == Phase.APPROVAL else Stage.CASE_SUBMITTED
        if p.stage != open_stage:
            raise ValidationError("该项目的评审已结束")
        criteria = p.campaign.criteria
        if problems := R.score_problems(criteria, scores):
            raise ValidationError({f"score_{k}": v for k, v in problems.items()})
        clean = {c["code"]: int(str(scores[c["code"]]).strip()) for c in criteria}
        if r.phase == Phase.APPROVAL and not comments.strip():
            raise ValidationError({"comments": "请填写评审意见"})
        before = audit.snapshot(r, ["scores", "total", "comments", "requirements"])
        r.scores = clean
        r.total = R.weighted_total(criteria, clean)
        r.comments = comments.strip()[:1000]
        r.requirements = requirements.strip()[:1000]
        r.submitted_at = timezone.now()
        bump(r)
        r.save(update_fields=["scores", "total", "comments", "requirements", "submitted_at", "version"])
        _aggregate(p, r.phase)
        audit.record(actor, "brands.review_submit", r, before=before, after=audit.snapshot(r, list(before)))
    return r


def _aggregate(p: Project, phase: str) -> None:
    totals = list(
        Review.objects.filter(project=p, phase=phase, submitted_at__isnull=False).values_list("total", flat=True)
    )
    mode = str(config.effective(p.campaign.org_path, "brands.aggregate"))
    score = R.aggregate([Decimal(t) for t in totals if t is not None], mode)
    field = "review_score" if phase == Phase.APPROVAL else "acceptance_score"
    setattr(p, field, score)
    p.save(update_fields=[field])


def project_shortlist_decide(*, actor: Any, project: Project, candidate: bool, version: int | None = None) -> Project:
    """The committee decides on the review: a preliminary candidate (who must revise per the
    experts' opinions) or not selected."""
    require(actor, Action.APPROVE, project.campaign.org_path, "无权确定初步培育对象")
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign", "org"), project.pk, version)
        require_four_eyes(actor, p.submitted_by_id)
        if p.stage != Stage.ENDORSED:
            raise ValidationError("该项目不在专家评审阶段")
        if not Review.objects.filter(project=p, phase=Phase.APPROVAL, submitted_at__isnull=False).exists():
            raise ValidationError("尚无专家提交评分，不能确定初步培育对象")
        before = audit.snapshot(p, ["stage"])
        p.stage = Stage.CANDIDATE if candidate else Stage.NOT_SELECTED
        p.shortlisted_by = user_or_none(actor)
        bump(p)
        p.save(update_fields=["stage", "shortlisted_by", "version"])
        audit.record(actor, "brands.project_shortlist_decide", p, before=before, after=audit.snapshot(p, ["stage"]))
        notify.send(
            holders([Role.SECRETARY, Role.LIAISON], org_ids=[p.org_id]).values_list("user_id", flat=True),
            key=f"brands.shortlist:{p.pk}",
            title=f"品牌项目“{p.brand_name}”"
            + ("入选初步培育对象，请按专家意见修改完善申报书" if candidate else "未入选"),
            link=reverse("brands:project", args=[p.pk]),
        )
    return p


def project_revise(*, actor: Any, project: Project, sections: Mapping[str, str], version: int | None = None) -> Project:
    """A preliminary candidate submits its revised 申报书 (diffed against the original for the committee)."""
    require(actor, Action.MANAGE, project.org_path, "无权修改该支部的申报书")
    keys = {k for k, _, _ in R.APPLICATION_SECTIONS}
    clean = {k: str(v).strip()[:5000] for k, v in sections.items() if k in keys}
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign"), project.pk, version)
        if p.stage != Stage.CANDIDATE:
            raise ValidationError("只有初步培育对象可以提交修改稿")
        if problems := R.section_problems(clean):
            raise ValidationError(problems)
        if all(clean.get(k, "") == str(p.sections.get(k, "")).strip() for k in keys):
            raise ValidationError("修改稿与原申报书相同：请根据专家评审意见修改完善后再提交")
        before = audit.snapshot(p, ["stage", "revised_sections"])
        p.revised_sections = clean
        p.revised_at = timezone.now()
        p.stage = Stage.REVISED
        bump(p)
        p.save(update_fields=["revised_sections", "revised_at", "stage", "version"])
        _compare(p, DocKind.REVISION, R.application_text(p.brand_name, p.slogan, p.logo_meaning, clean))
        audit.record(actor, "brands.project_revise", p, before=before, after=audit.snapshot(p, list(before)))
    return p


# ---------------------------------------------------------------------------------------------
# 公示 and 立项


def project_approve(*, actor: Any, project: Project, version: int | None = None) -> Project:
    """The committee approves a revised candidate into 公示 for N working days (default 5, counted
    on the working-day calendar from today). A candidate that has not revised cannot be approved."""
    require(actor, Action.APPROVE, project.campaign.org_path, "无权审定立项")
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign"), project.pk, version)
        require_four_eyes(actor, p.submitted_by_id)
        if p.stage == Stage.CANDIDATE:
            raise ValidationError("尚未提交修改完善后的申报书，不得立项（" + R.CITE_REVISE + "）")
        if p.stage != Stage.REVISED:
            raise ValidationError(f"项目当前阶段为“{p.get_stage_display()}”，不能审定立项")
        today = _today()
        days = int(config.effective(p.campaign.org_path, "brands.notice_days"))
        ends = add_working_days(today - dt.timedelta(days=1), days)
        before = audit.snapshot(p, ["stage", "notice_starts", "notice_ends"])
        p.stage = Stage.PUBLICITY
        p.notice_starts, p.notice_ends = today, ends
        p.notice_provisional = span_is_provisional(today, ends)
        p.approved_by = user_or_none(actor)
        bump(p)
        p.save(update_fields=["stage", "notice_starts", "notice_ends", "notice_provisional", "approved_by", "version"])
        audit.record(actor, "brands.project_approve", p, before=before, after=audit.snapshot(p, list(before)))
    return p


def objection_record(*, actor: Any, project: Project, reason: str, received_on: dt.date) -> Objection:
    """The committee records an objection received during the 公示 (letter, phone, visit)."""
    require(actor, Action.MANAGE, project.campaign.org_path, "无权登记公示异议")
    if project.stage != Stage.PUBLICITY or project.notice_starts is None or project.notice_ends is None:
        raise ValidationError("该项目不在公示期")
    if not project.notice_starts <= received_on <= project.notice_ends:
        raise ValidationError(
            {"received_on": f"公示期为 {project.notice_starts:%Y-%m-%d} 至 {project.notice_ends:%Y-%m-%d}，"
             "收到日期应在公示期内"}
        )  # fmt: skip
    if received_on > _today():
        raise ValidationError({"received_on": "收到日期不能晚于今天"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写异议内容"})
    with transaction.atomic():
        o = Objection(
            project=project,
            org_path=project.org_path,
            reason=reason.strip()[:1000],
            received_on=received_on,
            recorded_by=user_or_none(actor),
        )
        o.full_clean()
        o.save()
        audit.record(actor, "brands.objection_record", o, after=audit.snapshot(o))
    return o


def objection_decide(
    *, actor: Any, objection: Objection, upheld: bool, answer: str, version: int | None = None
) -> Objection:
    """Someone other than whoever recorded it answers the objection; until then 立项 is blocked."""
    require(actor, Action.APPROVE, objection.project.campaign.org_path, "无权答复公示异议")
    with transaction.atomic():
        o = lock(Objection.objects, objection.pk, version)
        require_four_eyes(actor, o.recorded_by_id)
        if o.status != ObjectionStatus.OPEN:
            raise ValidationError("该异议已答复")
        if not answer.strip():
            raise ValidationError({"answer": "请填写答复意见"})
        before = audit.snapshot(o, ["status", "answer"])
        o.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        o.answer = answer.strip()[:1000]
        o.answered_by = user_or_none(actor)
        o.answered_at = timezone.now()
        bump(o)
        o.save(update_fields=["status", "answer", "answered_by", "answered_at", "version"])
        audit.record(actor, "brands.objection_answer", o, before=before, after=audit.snapshot(o, list(before)))
    return o


def project_establish_approve(*, actor: Any, project: Project, version: int | None = None) -> Project:
    """立项 after the 公示 has ended with every objection answered and none upheld."""
    require(actor, Action.APPROVE, project.campaign.org_path, "无权审定立项")
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign", "org"), project.pk, version)
        require_four_eyes(actor, p.submitted_by_id)
        if p.stage != Stage.PUBLICITY or p.notice_ends is None:
            raise ValidationError("该项目不在立项公示阶段")
        if _today() <= p.notice_ends:
            raise ValidationError(f"公示期至 {p.notice_ends:%Y-%m-%d}，公示期满后方可立项")
        states = dict(p.objections.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        if states.get(ObjectionStatus.OPEN):
            raise ValidationError(f"有 {states[ObjectionStatus.OPEN]} 条公示异议尚未答复，答复后方可立项")
        if states.get(ObjectionStatus.UPHELD):
            raise ValidationError("有异议经核实成立，不能立项（如属抄袭等情形请取消资格并写明理由）")
        before = audit.snapshot(p, ["stage"])
        p.stage = Stage.CULTIVATING
        p.established_at = timezone.now()
        bump(p)
        p.save(update_fields=["stage", "established_at", "version"])
        audit.record(actor, "brands.project_establish_approve", p, before=before, after=audit.snapshot(p, ["stage"]))
        notify.send(
            holders([Role.SECRETARY, Role.LIAISON], org_ids=[p.org_id]).values_list("user_id", flat=True),
            key=f"brands.established:{p.pk}",
            title=f"品牌项目“{p.brand_name}”已立项，进入培育建设",
            link=reverse("brands:project", args=[p.pk]),
        )
    return p


def project_disqualify_decide(*, actor: Any, project: Project, reason: str, version: int | None = None) -> Project:
    """A person disqualifies a project (e.g. plagiarism established), with the reason; the
    similarity figures only flag."""
    require(actor, Action.APPROVE, project.campaign.org_path, "无权取消申报资格")
    with transaction.atomic():
        p = lock(Project.objects, project.pk, version)
        require_four_eyes(actor, p.submitted_by_id)
        if p.stage in (Stage.DISQUALIFIED, Stage.ACCEPTED, Stage.DRAFT):
            raise ValidationError(f"项目当前阶段为“{p.get_stage_display()}”，不能取消资格")
        if len(reason.strip()) < 4:
            raise ValidationError({"reason": "请写明取消资格的理由（如与哪份材料雷同、经谁核实）"})
        before = audit.snapshot(p, ["stage", "disqualify_reason"])
        p.stage = Stage.DISQUALIFIED
        p.disqualify_reason = reason.strip()[:500]
        p.disqualified_by = user_or_none(actor)
        bump(p)
        p.save(update_fields=["stage", "disqualify_reason", "disqualified_by", "version"])
        audit.record(actor, "brands.project_disqualify_decide", p, before=before, after=audit.snapshot(p, list(before)))
    return p


# ---------------------------------------------------------------------------------------------
# Cultivation (培育建设)


def progress_add(
    *,
    actor: Any,
    project: Project,
    on: dt.date,
    kind: str,
    summary: str,
    meeting_id: int | None = None,
    ref: str = "",
    deed_ids: Sequence[int] = (),
) -> ProgressEntry:
    """A step of cultivation, linked to the filed meeting or party day it happened in, to the
    community-confirmed deeds of the branch's members it consisted of (each deed counts once per
    project), or to another record by reference."""
    require(actor, Action.MANAGE, project.org_path, "无权记录该项目的培育进展")
    if project.stage != Stage.CULTIVATING:
        raise ValidationError("项目立项后方可记录培育进展")
    if kind not in ProgressKind.values:
        raise ValidationError({"kind": "请选择进展类别"})
    if on > _today():
        raise ValidationError({"on": "日期不能晚于今天"})
    if not summary.strip():
        raise ValidationError({"summary": "请填写进展内容"})
    meeting = None
    if meeting_id is not None:
        meeting = Meeting.objects.filter(pk=meeting_id, org_path=project.org_path).first()
        if meeting is None or meeting.status != MeetingStatus.FILED:
            raise ValidationError({"meeting_id": "关联的会议不是本支部已归档的会议记录"})
        on = meeting.meeting_date
    elif kind == ProgressKind.MEETING:
        raise ValidationError({"meeting_id": "组织生活类进展请关联本支部已归档的会议记录"})
    wanted = sorted(set(deed_ids))
    deeds = list(
        Deed.objects.filter(subtree_q("org_path", project.org_path), pk__in=wanted, status=DeedStatus.CONFIRMED)
    )
    found = {d.pk for d in deeds}
    for pk in wanted:
        if pk not in found:
            raise ValidationError({"deed_ids": f"编号 {pk} 的记录不是本支部党员经社区确认的实事"})
    taken = ProgressEntry.deeds.through.objects.filter(progressentry__project=project, deed_id__in=wanted)
    if (dup := taken.values_list("deed_id", flat=True).first()) is not None:
        raise ValidationError({"deed_ids": f"编号 {dup} 的实事已记入本项目的培育进展，不能重复计入"})
    with transaction.atomic():
        e = ProgressEntry(
            project=project,
            org_path=project.org_path,
            on=on,
            kind=kind,
            meeting=meeting,
            ref=ref.strip()[:60],
            summary=summary.strip()[:500],
            entered_by=user_or_none(actor),
        )
        e.full_clean()
        e.save()
        if deeds:
            e.deeds.set(deeds)
        audit.record(actor, "brands.progress_add", e, after={**audit.snapshot(e), "deeds": sorted(found)})
    return e


def news_add(
    *, actor: Any, project: Project, title: str, url: str, platform: str, level: str, published_on: dt.date
) -> NewsItem:
    """A news item about the brand, with its link and the platform's level."""
    require(actor, Action.MANAGE, project.org_path, "无权登记该项目的宣传稿件")
    if project.stage not in (Stage.CULTIVATING, Stage.CASE_SUBMITTED):
        raise ValidationError("项目立项后方可登记宣传稿件")
    if published_on > _today():
        raise ValidationError({"published_on": "刊发日期不能晚于今天"})
    with transaction.atomic():
        n = NewsItem(
            project=project,
            org_path=project.org_path,
            title=title.strip(),
            url=url.strip(),
            platform=platform.strip(),
            level=level,
            published_on=published_on,
            entered_by=user_or_none(actor),
        )
        n.full_clean()
        n.save()
        audit.record(actor, "brands.news_add", n, after=audit.snapshot(n))
    return n


def _count_mode(p: Project) -> str:
    return str(config.effective(p.campaign.org_path, "brands.count_mode"))


def case_save(*, actor: Any, project: Project, sections: Mapping[str, str], version: int | None = None) -> Project:
    """Save the case (four parts); a case above 2,500 字 is refused."""
    require(actor, Action.MANAGE, project.org_path, "无权编辑该项目的案例")
    keys = {k for k, _ in R.CASE_SECTIONS}
    clean = {k: str(v).strip() for k, v in sections.items() if k in keys}
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign"), project.pk, version)
        if p.stage != Stage.CULTIVATING:
            raise ValidationError("项目立项后、提交验收前方可编辑案例")
        mode = _count_mode(p)
        if too_long := [f for f in R.case_findings(clean, mode) if f.code == "case_too_long"]:
            raise ValidationError({"case": too_long[0].message_zh})
        before = audit.snapshot(p, ["case_sections", "case_chars"])
        p.case_sections = clean
        p.case_chars = R.case_count(clean, mode)
        bump(p)
        p.save(update_fields=["case_sections", "case_chars", "version"])
        audit.record(actor, "brands.case_save", p, before=before, after=audit.snapshot(p, list(before)))
    return p


def case_submit(*, actor: Any, project: Project, version: int | None = None) -> Project:
    """Submit for acceptance: all four parts within the limit, and at least 2 news items on 校级 or
    higher platforms."""
    require(actor, Action.MANAGE, project.org_path, "无权提交该项目验收")
    with transaction.atomic():
        p = lock(Project.objects.select_related("campaign"), project.pk, version)
        if p.stage != Stage.CULTIVATING:
            raise ValidationError("项目不在培育建设阶段")
        problems = [f.message_zh for f in R.case_findings(p.case_sections, _count_mode(p))]
        if news := R.news_finding(p.news.values_list("level", flat=True)):
            problems.append(news.message_zh)
        if problems:
            raise ValidationError(problems)
        before = audit.snapshot(p, ["stage"])
        p.stage = Stage.CASE_SUBMITTED
        p.case_submitted_at = timezone.now()
        bump(p)
        p.save(update_fields=["stage", "case_submitted_at", "version"])
        _compare(p, DocKind.CASE, R.case_text(p.case_sections))
        audit.record(actor, "brands.case_submit", p, before=before, after=audit.snapshot(p, ["stage"]))
    return p


def project_grade_decide(*, actor: Any, project: Project, grade: str, version: int | None = None) -> Project:
    """考核验收: the committee grades the project; 优秀 stays within the call's quota."""
    require(actor, Action.APPROVE, project.campaign.org_path, "无权评定验收等次")
    if grade not in Grade.values:
        raise ValidationError({"grade": "请选择验收等次"})
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=project.campaign_id).first()  # one grader at a time
        p = lock(Project.objects.select_related("campaign"), project.pk, version)
        require_four_eyes(actor, p.submitted_by_id)
        if p.stage != Stage.CASE_SUBMITTED:
            raise ValidationError("项目尚未提交验收材料")
        if grade == Grade.EXCELLENT:
            already = Project.objects.filter(campaign_id=p.campaign_id, grade=Grade.EXCELLENT).count()
            if problem := R.excellent_quota_problem(already, p.campaign.excellent_quota):
                raise ValidationError({"grade": problem})
        before = audit.snapshot(p, ["stage", "grade"])
        p.grade = grade
        p.stage = Stage.ACCEPTED
        p.graded_by = user_or_none(actor)
        bump(p)
        p.save(update_fields=["grade", "stage", "graded_by", "version"])
        audit.record(actor, "brands.project_grade_decide", p, before=before, after=audit.snapshot(p, list(before)))
    return p


# ---------------------------------------------------------------------------------------------
# Reminders


def reminders_send(*, actor: Any, today: dt.date) -> int:
    """Remind branches that must apply and have not, before the application deadline (the sweep)."""
    require(actor, Action.ADMIN, PLATFORM, "只有系统可以发送提醒")
    sent = 0
    open_calls = Campaign.objects.filter(
        application_deadline__gte=today, incubation_end__lte=today + dt.timedelta(days=30)
    )
    for c in open_calls:
        applied = set(Project.objects.filter(campaign=c).exclude(stage=Stage.DRAFT).values_list("org_id", flat=True))
        missing = [int(k) for k in c.must_apply if int(k) not in applied]
        if not missing:
            continue
        sent += notify.send_many(
            notify.Message(
                uid,
                f"brands.must_apply:{c.pk}:{org_id}",
                f"请按时申报“{c.title}”品牌项目",
                f"本支部为必须参与的支部，申报截止 {c.application_deadline:%Y-%m-%d}",
                reverse("brands:campaign", args=[c.pk]),
            )
            for org_id, uid in holders([Role.SECRETARY, Role.LIAISON], org_ids=missing).values_list("org_id", "user_id")
        )
    return sent


# ---------------------------------------------------------------------------------------------
# Plagiarism evidence


def _compare(p: Project, kind: str, text: str) -> Document:
    """Store the document with its signature and LSH bands, and its top matches among all earlier
    documents of other projects (every committee on the instance): band hits pick candidates, the
    signatures rank them, the exact Jaccard of shingle sets decides."""
    headings = R.TEMPLATE_HEADINGS
    hashes = S.shingle_hashes(text, headings)
    sig = S.signature(hashes)
    keys = S.band_keys(sig)
    matches = find_matches(hashes, sig, keys, exclude_project=p.pk)
    flag = int(config.effective(p.campaign.org_path, "brands.similarity_flag")) / 100
    top = matches[0]["jaccard"] if matches else 0.0
    doc = Document.objects.create(
        project=p,
        org_path=p.org_path,
        kind=kind,
        text=text,
        signature=S.pack(sig),
        matches=matches,
        top_similarity=top,
        flagged=top >= flag,
    )
    DocumentBand.objects.bulk_create([DocumentBand(document=doc, key=k) for k in keys], batch_size=500)
    return doc
