"""Reads of 一支部一特色, scoped to the acting user: the calls covering a user's branches, the
campaign board, a project's page (reviews, diff of the revision, similarity evidence), the
reviewer's queue, the public 公示 and the report figures."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holders
from dangjian.community.models import Deed, DeedStatus
from dangjian.core.paths import ancestor_paths, is_within, subtree_q
from dangjian.core.registry import Figures
from dangjian.core.scoping import Action, can, get_for_user, scope_prefixes, scope_q
from dangjian.orglife.models import Meeting, MeetingStatus
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from . import similarity as S
from .models import (
    Campaign,
    Document,
    DocumentBand,
    NewsItem,
    Objection,
    ObjectionStatus,
    Phase,
    Project,
    Review,
    Stage,
)
from .rules import unit_path

NOT_FOUND = "未找到该品牌项目"
CANDIDATES = 50  # band-hit leaders whose signatures are read; the best TOP_CHECK are checked exactly
TOP_CHECK = 10
TOP_MATCHES = 5


def _covering_q(user: Any) -> Q:
    """Campaigns whose committee is an ancestor of (or inside) something the user may see."""
    prefixes = scope_prefixes(user, Action.VIEW)
    if prefixes is None:
        return Q()
    ancestors = {a for p in prefixes for a in ancestor_paths(p)}
    return Q(org_path__in=sorted(ancestors)) | scope_q(user, Action.VIEW)


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    return Campaign.objects.filter(_covering_q(user)).select_related("org")


def get_campaign_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Campaign:
    prefixes = scope_prefixes(user, Action.VIEW) or []
    return get_for_user(
        Campaign.objects.select_related("org"),
        pk,
        user,
        action,
        not_found="未找到该品牌创建活动",
        also_visible=lambda c: action == Action.VIEW and any(p.startswith(c.org_path) for p in prefixes),
    )


def get_project_for_user(user: Any, pk: int | str, action: str = Action.VIEW, *, at: str = "branch") -> Project:
    """`at`: where `action` is checked -- the branch, its unit (基层党委 opinion) or the committee."""

    def action_path(p: Project) -> str:
        if at == "committee":
            return p.campaign.org_path
        if at == "unit":
            return unit_path(p.org_path, p.campaign.org_path)
        return p.org_path

    return get_for_user(
        Project.objects.select_related("campaign", "org"),
        pk,
        user,
        action,
        not_found=NOT_FOUND,
        also_visible=lambda p: can(user, Action.VIEW, p.campaign.org_path),
        action_path=action_path,
    )


def get_review_for_user(user: Any, pk: int | str) -> Review:
    """A score sheet: its expert only (committee staff see the sheets on the project page)."""
    r = Review.objects.select_related("project__campaign", "project__org").filter(pk=pk).first()
    if r is None or r.reviewer_id != getattr(user, "pk", None) or not can(user, Action.REVIEW, r.org_path):
        raise Http404("未找到该评审任务")
    return r


def get_objection_for_user(user: Any, pk: int | str) -> Objection:
    o = Objection.objects.select_related("project__campaign").filter(pk=pk).first()
    if o is None or not can(user, Action.VIEW, o.project.campaign.org_path):
        raise Http404("未找到该异议")
    return o


def get_document_for_user(user: Any, pk: int | str) -> Document:
    """Similarity evidence is for the committee that runs the call."""
    d = Document.objects.select_related("project__campaign", "project__org").filter(pk=pk).first()
    if d is None or not can(user, Action.MANAGE, d.project.campaign.org_path):
        raise Http404("未找到该材料")
    return d


def campaign_orgs(user: Any) -> list[Organization]:
    """Committees where the user may open a call."""
    return list(
        Organization.objects.filter(
            scope_q(user, Action.ADMIN, "path"), kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH]
        ).order_by("path")[:20]
    )


def startable_branches(user: Any, campaign: Campaign) -> list[Organization]:
    """Branches the user may apply for under this call that have not started yet."""
    started = Project.objects.filter(campaign=campaign).values("org_id")
    return list(
        Organization.objects.filter(scope_q(user, Action.MANAGE, "path"), kind=OrgKind.BRANCH)
        .filter(subtree_q("path", campaign.org_path))
        .exclude(pk__in=started)
        .order_by("path")[:50]
    )


# ---------------------------------------------------------------------------------------------
# The campaign board


@dataclass
class BoardRow:
    org_id: int
    name: str
    flag: str
    project: Project | None
    stage_label: str
    overdue: R.Step | None


@dataclass
class Board:
    campaign: Campaign
    rows: list[BoardRow]
    stage_counts: list[tuple[str, int]]
    not_applied: list[BoardRow]
    overdue: int
    workloads: list[dict[str, Any]]
    branches: int


def board(campaign: Campaign, *, today: dt.date | None = None, stage: str = "") -> Board:
    """Every branch of the call's subtree with its stage and overdue step, the must-apply branches
    that have not applied, and each expert's workload (4 queries whatever the number of branches)."""
    today = today or timezone.localdate()
    branches = list(
        Organization.objects.filter(subtree_q("path", campaign.org_path), kind=OrgKind.BRANCH)
        .order_by("path")
        .values_list("pk", "name")
    )
    projects = {p.org_id: p for p in Project.objects.filter(campaign=campaign).only(
        "pk", "org_id", "stage", "brand_name", "review_score", "grade", "notice_ends", "campaign_id"
    )}  # fmt: skip
    labels = dict(Stage.choices)
    rows: list[BoardRow] = []
    counts: Counter[str] = Counter()
    for pk, name in branches:
        p = projects.get(pk)
        code = p.stage if p else ""
        counts[code] += 1
        rows.append(
            BoardRow(
                pk,
                name,
                campaign.must_apply.get(str(pk), ""),
                p,
                labels.get(code, "未申报"),
                R.overdue_step(code, campaign, today) if p else None,
            )
        )
    not_applied = [r for r in rows if r.flag and (r.project is None or r.project.stage == Stage.DRAFT)]
    workloads = list(
        Review.objects.filter(project__campaign=campaign)
        .values("reviewer_id", "reviewer__name")
        .annotate(assigned=Count("id"), done=Count("id", filter=Q(submitted_at__isnull=False)))
        .order_by("reviewer__name", "reviewer_id")
    )
    stage_counts = [("未申报", counts[""])] + [(label, counts[code]) for code, label in Stage.choices if counts[code]]
    shown = (
        [r for r in rows if (r.project and r.project.stage == stage) or (stage == "none" and not r.project)]
        if stage
        else rows
    )
    return Board(
        campaign,
        shown,
        stage_counts,
        not_applied,
        sum(1 for r in rows if r.overdue),
        workloads,
        len(branches),
    )


# ---------------------------------------------------------------------------------------------
# A project's page


@dataclass
class DiffPart:
    text: str
    op: str  # "equal" | "insert" | "delete"


@dataclass
class SectionDiff:
    label: str
    parts: list[DiffPart]
    changed: bool


def revision_diff(p: Project) -> list[SectionDiff]:
    """Each 申报书 part of the revision against the original, character by character (difflib)."""
    out = []
    for key, label, _ in R.APPLICATION_SECTIONS:
        a, b = str(p.sections.get(key, "")), str(p.revised_sections.get(key, ""))
        parts: list[DiffPart] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                parts.append(DiffPart(a[i1:i2], "equal"))
            else:
                if i2 > i1:
                    parts.append(DiffPart(a[i1:i2], "delete"))
                if j2 > j1:
                    parts.append(DiffPart(b[j1:j2], "insert"))
        out.append(SectionDiff(label, parts, a != b))
    return out


@dataclass
class ProjectPage:
    project: Project
    sections: list[tuple[str, str]]
    reviews: list[Review]
    acceptance: list[Review]
    diff: list[SectionDiff]
    documents: list[Document]
    objections: list[Objection]
    progress: list[Any]
    news: list[NewsItem]
    case: list[tuple[str, str, str]]
    can_manage: bool
    can_decide: bool
    can_unit: bool
    can_assign: bool
    reviewers: list[Any] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    open_objections: int = 0
    deeds: list[Deed] = field(default_factory=list)  # confirmed deeds a new progress entry may pick

    @property
    def linked_deeds(self) -> list[Deed]:
        """The distinct community-confirmed deeds the progress entries picked (each counted once)."""
        seen: dict[int, Deed] = {}
        for e in self.progress:
            for d in e.deeds.all():
                seen.setdefault(d.pk, d)
        return list(seen.values())

    @property
    def deed_hours(self) -> Any:
        return sum((d.hours for d in self.linked_deeds), start=0)


def project_page(user: Any, p: Project) -> ProjectPage:
    committee = p.campaign.org_path
    can_decide = can(user, Action.APPROVE, committee)
    can_manage = can(user, Action.MANAGE, p.org_path)
    reviews = list(Review.objects.filter(project=p).select_related("reviewer").order_by("phase", "id"))
    objections = list(p.objections.all())
    page = ProjectPage(
        project=p,
        sections=[(label, str(p.sections.get(key, ""))) for key, label, _ in R.APPLICATION_SECTIONS],
        reviews=[r for r in reviews if r.phase == Phase.APPROVAL],
        acceptance=[r for r in reviews if r.phase == Phase.ACCEPTANCE],
        diff=revision_diff(p) if p.revised_sections else [],
        documents=list(p.documents.order_by("created_at")) if can(user, Action.MANAGE, committee) else [],
        objections=objections,
        progress=list(p.progress.select_related("meeting").prefetch_related("deeds__member")),
        news=list(p.news.all()),
        case=[(key, label, str(p.case_sections.get(key, ""))) for key, label in R.CASE_SECTIONS],
        can_manage=can_manage,
        can_decide=can_decide,
        can_unit=can(user, Action.APPROVE, unit_path(p.org_path, committee)),
        can_assign=can(user, Action.ADMIN, committee),
        open_objections=sum(1 for o in objections if o.status == ObjectionStatus.OPEN),
    )
    if page.can_assign and p.stage in (Stage.ENDORSED, Stage.CASE_SUBMITTED):
        paths = ancestor_paths(p.org_path)
        taken = {r.reviewer_id for r in reviews}
        page.reviewers = [
            ra.user
            for ra in holders(Role.REVIEWER, org_paths=paths).select_related("user").order_by("user__name")
            if ra.user_id not in taken
        ]
    if can_manage and p.stage == Stage.CULTIVATING:
        page.meetings = list(
            Meeting.objects.filter(org_path=p.org_path, status=MeetingStatus.FILED).order_by("-meeting_date")[:30]
        )
        page.deeds = confirmed_deeds_to_pick(p, {d.pk for d in page.linked_deeds})
    return page


DEEDS_TO_PICK = 50


def confirmed_deeds_to_pick(p: Project, exclude: set[int]) -> list[Deed]:
    """The latest community-confirmed deeds of the project branch's members not yet in its progress
    (one query): what a progress entry may pick instead of retyping the deed."""
    return list(
        Deed.objects.filter(subtree_q("org_path", p.org_path), status=DeedStatus.CONFIRMED)
        .exclude(pk__in=exclude)
        .select_related("member")
        .order_by("-on", "-id")[:DEEDS_TO_PICK]
    )


@dataclass
class Evidence:
    document: Document
    match: dict[str, Any]
    mine: list[S.Segment]
    theirs: list[S.Segment]
    other: Document


def evidence(d: Document) -> list[Evidence]:
    """The document's top matches with the overlapping passages marked on both sides."""
    ids = [m["document"] for m in d.matches]
    others = {o.pk: o for o in Document.objects.filter(pk__in=ids).select_related("project__org")}
    mine_h = set(S.shingle_hashes(d.text, R.TEMPLATE_HEADINGS))
    out = []
    for m in d.matches:
        o = others.get(m["document"])
        if o is None:
            continue
        shared = mine_h & set(S.shingle_hashes(o.text, R.TEMPLATE_HEADINGS))
        out.append(
            Evidence(
                d,
                m,
                S.highlight(d.text, shared, R.TEMPLATE_HEADINGS),
                S.highlight(o.text, shared, R.TEMPLATE_HEADINGS),
                o,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# The reviewer's queue


def reviewer_queue(user: Any) -> list[Review]:
    """The expert's score sheets: open ones first, nearest deadline first."""
    return list(
        Review.objects.filter(reviewer_id=getattr(user, "pk", 0) or 0)
        .select_related("project__campaign", "project__org")
        .order_by(F("submitted_at").desc(nulls_first=True), "project__campaign__approval_deadline", "id")
    )


# ---------------------------------------------------------------------------------------------
# 公示 (public) and the casebook


def public_notice(pk: int | str) -> tuple[Campaign, list[Project]]:
    """What the 公示 contains, for anyone: the call and the projects approved into 公示 (brand,
    branch, slogan, dates). Nothing else of the projects."""
    c = Campaign.objects.select_related("org").filter(pk=pk).first()
    if c is None:
        raise Http404("未找到该公示")
    projects = list(
        Project.objects.filter(campaign=c, notice_starts__isnull=False)
        .exclude(stage=Stage.DISQUALIFIED)
        .select_related("org")
        .only("brand_name", "slogan", "notice_starts", "notice_ends", "org__name", "stage")
        .order_by("org__path")
    )
    if not projects:
        raise Http404("该活动尚无立项公示")
    return c, projects


def casebook_projects(c: Campaign) -> list[Project]:
    return list(
        Project.objects.filter(campaign=c, stage=Stage.ACCEPTED)
        .exclude(grade="fail")
        .select_related("org")
        .order_by("org__path")
    )


# ---------------------------------------------------------------------------------------------
# Home and reports


def attention_counts(user: Any) -> dict[str, int]:
    """What the user must act on, in ONE query: sheets to score, 申报书 to give an opinion on,
    candidates to revise, committee decisions waiting."""
    if not getattr(user, "is_authenticated", False):
        return {}
    aggs: dict[str, Any] = {}
    manage = scope_prefixes(user, Action.MANAGE)
    approve = scope_prefixes(user, Action.APPROVE)
    review = scope_prefixes(user, Action.REVIEW)
    if manage is None or manage:
        aggs["revise"] = Count("pk", filter=Q(stage=Stage.CANDIDATE) & scope_q(user, Action.MANAGE), distinct=True)
    if approve is None or approve:
        aggs["opinion"] = Count("pk", filter=Q(stage=Stage.SUBMITTED) & scope_q(user, Action.APPROVE), distinct=True)
        aggs["decide"] = Count(
            "pk",
            filter=Q(stage__in=[Stage.REVISED, Stage.CASE_SUBMITTED])
            & scope_q(user, Action.APPROVE, "campaign__org_path"),
            distinct=True,
        )
    if review is None or review:
        aggs["score"] = Count(
            "reviews", filter=Q(reviews__reviewer_id=user.pk, reviews__submitted_at__isnull=True), distinct=True
        )
    if not aggs:
        return {}
    return {k: int(v or 0) for k, v in Project.objects.aggregate(**aggs).items()}


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> Figures:
    """Per branch: projects submitted in the period, established, accepted, news items published (2 queries)."""
    out: Figures = {}
    rows = (
        Project.objects.filter(org_path__in=paths)
        .values("org_path")
        .annotate(
            projects=Count("pk", filter=Q(submitted_at__date__range=(start, end))),
            approved=Count("pk", filter=Q(established_at__date__range=(start, end))),
            accepted=Count("pk", filter=Q(stage=Stage.ACCEPTED, case_submitted_at__date__lte=end)),
        )
    )
    for r in rows:
        out.setdefault(r["org_path"], {}).update(
            projects=r["projects"], approved=r["approved"], accepted=r["accepted"], news=0
        )
    for r in (
        NewsItem.objects.filter(org_path__in=paths, published_on__range=(start, end))
        .values("org_path")
        .annotate(n=Count("pk"))
    ):
        out.setdefault(r["org_path"], {"projects": 0, "approved": 0, "accepted": 0})["news"] = r["n"]
    return out


def within(path: str, prefix: str) -> bool:
    return is_within(path, [prefix])


# ---------------------------------------------------------------------------------------------
# Plagiarism evidence: candidate search


def find_matches(
    hashes: list[int], sig: list[int], keys: list[int], *, exclude_project: int | None = None
) -> list[dict[str, Any]]:
    """The top matches of a document among the stored ones, best first (3 queries)."""
    if not keys:
        return []
    bands = DocumentBand.objects.filter(key__in=keys)
    if exclude_project is not None:
        bands = bands.exclude(document__project_id=exclude_project)
    hits = bands.values("document_id").annotate(n=Count("id")).order_by("-n", "document_id")[:CANDIDATES]
    ids = [h["document_id"] for h in hits]
    if not ids:
        return []
    sigs = dict(Document.objects.filter(pk__in=ids).values_list("pk", "signature"))
    ranked = sorted(ids, key=lambda i: -S.estimate(sig, S.unpack(sigs[i])))[:TOP_CHECK]
    rows = Document.objects.filter(pk__in=ranked).values(
        "pk", "text", "kind", "project_id", "project__brand_name", "project__org__name"
    )
    mine = set(hashes)
    found = []
    for r in rows:
        j = S.jaccard(mine, S.shingle_hashes(r["text"], R.TEMPLATE_HEADINGS))
        if j > 0:
            found.append(
                {
                    "document": r["pk"],
                    "project": r["project_id"],
                    "brand": r["project__brand_name"],
                    "org": r["project__org__name"],
                    "kind": r["kind"],
                    "jaccard": round(j, 4),
                }
            )
    found.sort(key=lambda m: (-m["jaccard"], m["document"]))
    return found[:TOP_MATCHES]
