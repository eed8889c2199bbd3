"""Reads of inspections, scoped to the acting user. An unannounced plan's visit is hidden from the
drawn branch until the visit starts; the committee and the plan's inspectors always see it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.core.paths import ancestor_paths, parent_path, subtree_q
from dangjian.core.registry import SourcedScore
from dangjian.core.scoping import Action, SystemActor, can, get_for_user, scope_q
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind, Sector

from . import rules as R
from .models import (
    Checklist,
    Draw,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    ItemScore,
    Plan,
    PlanStatus,
    Strata,
)

NOT_FOUND_PLAN = "检查计划不存在"
NOT_FOUND_INSPECTION = "检查不存在"
NOT_FOUND_FINDING = "问题不存在"
AGE_BUCKETS = ((0, 30, "30天以内"), (31, 90, "31–90天"), (91, 180, "91–180天"), (181, 100000, "180天以上"))


def is_inspector(actor: Any, plan: Plan) -> bool:
    if isinstance(actor, SystemActor):
        return True
    pk = getattr(actor, "pk", None)
    return pk is not None and plan.inspectors.filter(pk=pk).exists()


def months_before(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    day = min(d.day, 28)
    return dt.date(y, m + 1, day)


def latest_checklist(org: Organization) -> Checklist | None:
    """The newest checklist of the nearest organization above (or at) `org` that has one."""
    paths = ancestor_paths(org.path, include_self=True)
    rows = list(Checklist.objects.filter(org_path__in=paths).order_by("-org_path", "-number")[:1])
    return rows[0] if rows else None


def pool_of(plan: Plan, today: dt.date) -> tuple[dict[str, list[int]], list[int]]:
    """The candidates by stratum (sorted ids) and the excluded ids: two or three queries."""
    qs = Organization.objects.filter(subtree_q("path", plan.scope_path), kind__in=plan.kinds)
    if plan.sectors:
        qs = qs.filter(sector__in=plan.sectors)
    if plan.exclude_founded_months:
        qs = qs.exclude(established_on__gt=months_before(today, plan.exclude_founded_months))
    rows = list(qs.values_list("pk", "sector", "path"))
    excluded: set[int] = set()
    if plan.exclude_inspected_months and rows:
        since = months_before(today, plan.exclude_inspected_months)
        excluded = set(
            Inspection.objects.filter(
                subtree_q("org_path", plan.scope_path),
                plan__draw__drawn_at__date__gte=since,
            )
            .exclude(plan__status=PlanStatus.CANCELLED)
            .values_list("org_id", flat=True)
        )
    parent_ids: dict[str, int] = {}
    if plan.strata_by == Strata.PARENT:
        parents = {parent_path(p) for _, _, p in rows}
        parent_ids = dict(Organization.objects.filter(path__in=parents).values_list("path", "pk"))
    strata: dict[str, list[int]] = {}
    for pk, sector, path in rows:
        if pk in excluded and pk not in plan.fixed_ids:
            continue
        strata.setdefault(_stratum(plan.strata_by, sector, path, parent_ids), []).append(pk)
    for key in strata:
        strata[key].sort()
    return strata, sorted(excluded)


def stratum_labels(strata_by: str, keys: list[str]) -> dict[str, str]:
    """Chinese labels of stratum keys (one query for parent strata)."""
    if strata_by == Strata.SECTOR:
        return {k: str(dict(Sector.choices).get(k, k)) for k in keys}
    if strata_by == Strata.PARENT:
        ids = [int(k) for k in keys if k.isdigit()]
        names = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {k: names.get(int(k), k) if k.isdigit() else k for k in keys}
    return {k: "全部" for k in keys}


def rectify_days(path: str) -> int:
    return int(config.effective(path, "inspections.rectify_working_days"))


def _stratum(strata_by: str, sector: str, path: str, parent_ids: dict[str, int]) -> str:
    if strata_by == Strata.SECTOR:
        return sector
    if strata_by == Strata.PARENT:
        return str(parent_ids.get(parent_path(path), 0))
    return "all"


def this_year() -> int:
    return timezone.localdate().year


def _uid(user: Any) -> int | None:
    return None if isinstance(user, SystemActor) else getattr(user, "pk", None)


def plans_visible_to(user: Any) -> QuerySet[Plan]:
    q = scope_q(user, Action.VIEW)
    uid = _uid(user)
    if uid is not None:
        q |= Q(pk__in=Plan.inspectors.through.objects.filter(user_id=uid).values("plan_id"))
    return Plan.objects.filter(q)


def get_plan_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Plan:
    return get_for_user(
        Plan.objects.select_related("org", "scope", "checklist"),
        pk,
        user,
        action,
        not_found=NOT_FOUND_PLAN,
        also_visible=lambda p: is_inspector(user, p),
    )


def _hidden_from(user: Any, insp: Inspection) -> bool:
    """An unannounced visit not yet started, seen by someone who is neither of the committee nor an
    inspector (the drawn branch)."""
    plan = insp.plan
    return (
        not plan.announced
        and insp.started_at is None
        and not can(user, Action.VIEW, plan.org_path)
        and not is_inspector(user, plan)
    )


def get_inspection_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Inspection:
    insp = get_for_user(
        Inspection.objects.select_related("plan", "plan__checklist", "org"),
        pk,
        user,
        Action.VIEW,
        not_found=NOT_FOUND_INSPECTION,
        also_visible=lambda i: can(user, Action.VIEW, i.plan.org_path) or is_inspector(user, i.plan),
    )
    if _hidden_from(user, insp):
        raise Http404(NOT_FOUND_INSPECTION)
    if action != Action.VIEW:
        get_for_user(Inspection.objects.all(), insp.pk, user, action, not_found=NOT_FOUND_INSPECTION)
    return insp


def get_item_photo_for_user(user: Any, pk: int | str) -> ItemScore:
    """An item's optional photo: whoever may see the visit may see it; 404 when there is none."""
    row = ItemScore.objects.filter(pk=pk).only("pk", "inspection_id", "code", "photo").first()
    if row is None or not row.photo:
        raise Http404("照片不存在")
    get_inspection_for_user(user, row.inspection_id)
    return row


def inspections_visible_to(user: Any) -> QuerySet[Inspection]:
    q = scope_q(user, Action.VIEW, "plan__org_path") | (
        scope_q(user, Action.VIEW, "org_path") & (Q(plan__announced=True) | Q(started_at__isnull=False))
    )
    uid = _uid(user)
    if uid is not None:
        q |= Q(plan__in=Plan.inspectors.through.objects.filter(user_id=uid).values("plan_id"))
    return Inspection.objects.filter(q)


def get_finding_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Finding:
    return get_for_user(
        Finding.objects.select_related("inspection", "inspection__plan", "org", "owner"),
        pk,
        user,
        action,
        not_found=NOT_FOUND_FINDING,
        also_visible=lambda f: (
            can(user, Action.VIEW, f.inspection.plan.org_path) or is_inspector(user, f.inspection.plan)
        ),
    )


def get_committee_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Organization:
    org = get_for_user(Organization.objects.all(), pk, user, action, not_found="组织不存在", path_field="path")
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP):
        raise Http404("检查计划由党委或党总支制定")
    return org


# ---------------------------------------------------------------- plan page


@dataclass
class DrawnRow:
    inspection: Inspection
    stratum: str


@dataclass
class PlanView:
    plan: Plan
    draw: Draw | None
    rows: list[DrawnRow]
    pool_size: int
    strata: list[tuple[str, int, int]]  # (label, pool, drawn)


def plan_view(plan: Plan) -> PlanView:
    draw = Draw.objects.filter(plan=plan).select_related("drawn_by").first()
    inspections = list(plan.inspections.select_related("org").order_by("-fixed", "org_path"))
    labels = stratum_labels(plan.strata_by, list(draw.strata) if draw else [])
    rows = [DrawnRow(i, labels.get(i.stratum, i.stratum)) for i in inspections]
    strata: list[tuple[str, int, int]] = []
    if draw:
        for key in sorted(draw.strata):
            strata.append((labels.get(key, key), len(draw.strata[key]), int(draw.sizes.get(key, 0))))
    return PlanView(plan, draw, rows, sum(len(v) for v in (draw.strata.values() if draw else [])), strata)


# ---------------------------------------------------------------- the score sheet


@dataclass
class SheetItem:
    item: R.Item
    row: ItemScore | None

    @property
    def effective(self) -> Decimal | None:
        if self.row is None:
            return None
        return self.row.deduction if self.row.deduction is not None else self.row.system_deduction

    @property
    def score(self) -> Decimal:
        return R.item_score(self.item, self.effective)

    @property
    def self_score(self) -> Decimal | None:
        if self.row is None or self.row.self_deduction is None:
            return None
        return R.item_score(self.item, self.row.self_deduction)


@dataclass
class SheetCategory:
    category: R.Category
    items: list[SheetItem]
    score: Decimal


@dataclass
class Sheet:
    inspection: Inspection
    categories: list[SheetCategory]
    result: R.Result
    findings: list[Finding] = field(default_factory=list)


def sheet(insp: Inspection) -> Sheet:
    """The visit's score sheet: categories and items with 系统核验, 自查分 and 考核分 (two queries)."""
    spec = R.parse_checklist(insp.plan.checklist.data)
    rows = {r.code: r for r in ItemScore.objects.filter(inspection=insp)}
    cats: list[SheetCategory] = []
    official: dict[str, Decimal | None] = {}
    vetoes = [c for c, r in rows.items() if r.vetoed]
    for c in spec.categories:
        items = [SheetItem(i, rows.get(i.code)) for i in c.items]
        for si in items:
            official[si.item.code] = si.effective
        cats.append(SheetCategory(c, items, Decimal(0)))
    result = R.total_score(spec, official, vetoes)
    for sc, (_name, score, _full) in zip(cats, result.by_category, strict=True):
        sc.score = score
    findings = list(insp.findings.select_related("owner").order_by("id"))
    return Sheet(insp, cats, result, findings)


def owner_choices(insp: Inspection) -> list[tuple[int, str]]:
    """People who may own a finding of this branch: its secretaries, committee members and liaisons."""
    from dangjian.accounts.rules import Role
    from dangjian.accounts.selectors import holders

    rows = holders([Role.SECRETARY, Role.LIAISON], org_ids=[insp.org_id]).values_list("user_id", "user__name")
    return sorted(set(rows), key=lambda r: r[1])


# ---------------------------------------------------------------- committee views


@dataclass
class BoardRow:
    finding_id: int
    org_name: str
    problem: str
    deadline: dt.date
    status: str
    age: int
    overdue: bool


@dataclass
class FindingsBoard:
    org: Organization
    buckets: list[tuple[str, int]]
    by_status: dict[str, int]
    rows: list[BoardRow]
    total_open: int


def findings_board(org: Organization, today: dt.date, limit: int = 200) -> FindingsBoard:
    """Open findings in the subtree by age (two queries whatever the size)."""
    qs = Finding.objects.filter(subtree_q("org_path", org.path)).exclude(status=FindingStatus.CLOSED)
    by_status = dict(qs.values("status").annotate(n=Count("id")).values_list("status", "n"))
    rows: list[BoardRow] = []
    buckets: Counter[str] = Counter()
    for pk, name, problem, deadline, status, raised in qs.order_by("raised_at").values_list(
        "pk", "org__name", "problem", "deadline", "status", "raised_at"
    )[:limit]:
        age = (today - timezone.localdate(raised)).days
        rows.append(
            BoardRow(
                pk, name, problem, deadline, FindingStatus(status).label, age, deadline < today and status == "open"
            )
        )
        for lo, hi, label in AGE_BUCKETS:
            if lo <= age <= hi:
                buckets[label] += 1
    return FindingsBoard(
        org,
        [(label, buckets[label]) for _lo, _hi, label in AGE_BUCKETS],
        {FindingStatus(k).label: v for k, v in by_status.items()},
        rows,
        sum(by_status.values()),
    )


@dataclass
class Overview:
    org: Organization
    year: int
    plans: list[Plan]
    status_counts: dict[str, int]
    scores: list[tuple[str, Decimal, bool]]  # branch name, total, vetoed — in org order, no ranking
    by_stratum: list[tuple[str, Decimal, int]]  # stratum label, average, count
    burden: list[tuple[str, int]]  # branches inspected more than once this year
    chart: dict[str, Any]
    stratum_chart: dict[str, Any]


def overview(org: Organization, year: int) -> Overview:
    """The committee's year: plans by status, scores by branch and by stratum (in organization
    order, never ranked), and branches visited more than once this year (burden guard)."""
    plans = list(Plan.objects.filter(subtree_q("org_path", org.path), starts_on__year=year).order_by("starts_on")[:100])
    status_counts = Counter(PlanStatus(p.status).label for p in plans)
    done = list(
        Inspection.objects.filter(subtree_q("org_path", org.path), year=year, status=InspectionStatus.FINISHED)
        .order_by("org_path", "finished_at")
        .values_list("org__name", "total", "vetoed", "stratum", "plan__strata_by")
    )
    latest: dict[str, tuple[Decimal, bool]] = {}
    strata: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for name, total, vetoed, stratum, strata_by in done:
        latest[name] = (total or Decimal(0), vetoed)
        strata[(strata_by, stratum)].append(total or Decimal(0))
    scores = [(n, t, v) for n, (t, v) in latest.items()]
    labels: dict[tuple[str, str], str] = {}
    for sb in {k[0] for k in strata}:
        got = stratum_labels(sb, [k[1] for k in strata if k[0] == sb])
        labels.update({(sb, k): v for k, v in got.items()})
    by_stratum = [(labels.get(k, k[1]), R.q1(sum(v, Decimal(0)) / len(v)), len(v)) for k, v in sorted(strata.items())]
    burden = list(
        Inspection.objects.filter(subtree_q("org_path", org.path), year=year)
        .exclude(plan__status=PlanStatus.CANCELLED)
        .values("org__name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("org__name")
        .values_list("org__name", "n")
    )
    chart = {
        "horizontal": True,
        "stacked": False,
        "unit": "分",
        "categories": [s[0] for s in scores],
        "series": [{"name": "考核分", "color": "#c62828", "data": [float(s[1]) for s in scores]}],
    }
    stratum_chart = {
        "horizontal": True,
        "stacked": False,
        "unit": "分",
        "categories": [s[0] for s in by_stratum],
        "series": [{"name": "平均分", "color": "#90a4ae", "data": [float(s[1]) for s in by_stratum]}],
    }
    return Overview(org, year, plans, dict(status_counts), scores, by_stratum, burden, chart, stratum_chart)


def inspections_per_branch(paths: list[str], year: int) -> dict[str, int]:
    """How many visits each branch received in `year` (burden guard), one query."""
    return dict(
        Inspection.objects.filter(org_path__in=paths, year=year)
        .exclude(plan__status=PlanStatus.CANCELLED)
        .values("org_path")
        .annotate(n=Count("id"))
        .values_list("org_path", "n")
    )


def year_scores(paths: list[str], year: int) -> dict[str, Decimal]:
    """For points/branch stars and reports: each branch's latest finished score of `year` (one query)."""
    out: dict[str, Decimal] = {}
    for path, total in (
        Inspection.objects.filter(org_path__in=paths, year=year, status=InspectionStatus.FINISHED)
        .order_by("org_path", "finished_at")
        .values_list("org_path", "total")
    ):
        out[path] = total if total is not None else Decimal(0)
    return out


def branch_year_scores(paths: list[str], year: int) -> dict[str, SourcedScore]:
    """The BranchScoreSource for points' 星级党支部: as `year_scores`, each branch's latest finished
    visit of `year`, with the visit it came from (one query)."""
    out: dict[str, SourcedScore] = {}
    for pk, path, total, finished_at, plan_name in (
        Inspection.objects.filter(org_path__in=paths, year=year, status=InspectionStatus.FINISHED)
        .order_by("org_path", "finished_at")
        .values_list("pk", "org_path", "total", "finished_at", "plan__name")
    ):
        when = timezone.localtime(finished_at).strftime("%Y-%m-%d") if finished_at else ""
        note = f"{plan_name} · {when} 评分" if when else str(plan_name)
        out[path] = SourcedScore(total if total is not None else Decimal(0), f"inspection:{pk}", note)
    return out


def branch_score_link(ref: str) -> str:
    """The visit page a `branch_year_scores` ref names (its own view checks who may open it)."""
    kind, _, pk = ref.partition(":")
    return reverse("inspections:inspection", args=[int(pk)]) if kind == "inspection" and pk.isdigit() else ""


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """The ReportSource compute: visits started, findings opened and closed in [start, end] (three queries)."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end, dt.time.max))
    for path, n in (
        Inspection.objects.filter(org_path__in=paths, started_at__range=(lo, hi))
        .values("org_path")
        .annotate(n=Count("id"))
        .values_list("org_path", "n")
    ):
        out[path]["inspections"] = n
    for key, field_name in (("findings_opened", "raised_at"), ("findings_closed", "closed_at")):
        for path, n in (
            Finding.objects.filter(org_path__in=paths, **{f"{field_name}__range": (lo, hi)})
            .values("org_path")
            .annotate(n=Count("id"))
            .values_list("org_path", "n")
        ):
            out[path][key] = n
    return dict(out)


# ---------------------------------------------------------------- home


@dataclass
class Home:
    committees: list[Organization]
    plans: list[Plan]
    visits: list[Inspection]
    findings: list[Finding]


def home(user: Any) -> Home:
    committees = list(
        Organization.objects.filter(scope_q(user, Action.MANAGE, "path"))
        .exclude(kind__in=[OrgKind.BRANCH, OrgKind.GROUP])
        .order_by("path")[:50]
    )
    plans = list(
        plans_visible_to(user).exclude(status=PlanStatus.CANCELLED).select_related("org").order_by("-starts_on")[:50]
    )
    visits = list(
        inspections_visible_to(user)
        .filter(plan__status__in=[PlanStatus.DRAWN])
        .select_related("org", "plan")
        .order_by("org_path")[:100]
    )
    findings = list(
        Finding.objects.filter(scope_q(user, Action.VIEW))
        .exclude(status=FindingStatus.CLOSED)
        .select_related("org")
        .order_by("deadline")[:100]
    )
    return Home(committees, plans, visits, findings)


def open_findings_owned(user: Any) -> list[tuple[int, str, dt.date]]:
    """The user's own open findings (one query), for the home page's 待办."""
    uid = _uid(user)
    if uid is None:
        return []
    return list(
        Finding.objects.filter(owner_id=uid, status=FindingStatus.OPEN)
        .order_by("deadline")
        .values_list("pk", "problem", "deadline")[:20]
    )


def checklist_token(row: Checklist | None) -> str:
    """What the item editor's page was based on: the version's id and a digest of its items (an
    unused version is edited in place, so its number alone would not reveal a concurrent edit)."""
    if row is None:
        return "default"
    digest = hashlib.sha256(json.dumps(row.data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{row.pk}:{digest[:16]}"


def checklist_in_use(row: Checklist) -> bool:
    """Does a plan score by this version? (Then an edit makes a new version.)"""
    return Plan.objects.filter(checklist=row).exists()
