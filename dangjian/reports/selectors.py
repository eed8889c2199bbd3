"""Reads for upward reports: the period and due date in force, the figures computed from every
registered ReportSource, the committee roll-up from the branches' snapshots, dashboards and gaps.

Everything a page shows is scoped to the acting user; the figure computations themselves take
paths (their callers check scope first)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from dangjian.accounts.selectors import role_paths_by_action
from dangjian.core import calendar as cal
from dangjian.core.paths import ancestor_paths, parent_path, subtree_q
from dangjian.core.registry import ReportSource, report_sources
from dangjian.core.scoping import Action, can, get_for_user, scope_prefixes, scope_q
from dangjian.orgs.config import effective_for_paths_keys
from dangjian.orgs.models import Organization, OrgKind

from . import rules
from .models import (
    DutyRater,
    DutyReport,
    Indicator,
    IndicatorExclusion,
    QuarterScore,
    RatingChoice,
    Report,
    ReportKind,
    ReportVersion,
)

SETTING_KEYS = [
    "reports.due_day",
    "reports.period_mode",
    "reports.non_working_due",
    "reports.missing_days",
]


@dataclass(frozen=True)
class LineSettings:
    due_day: int
    mode: str
    policy: str
    missing_days: int


def settings_for_paths(paths: list[str]) -> dict[str, LineSettings]:
    """The reporting settings in force for each org (nearest ancestor wins): one query."""
    cfg = effective_for_paths_keys(paths, SETTING_KEYS)
    return {
        p: LineSettings(
            int(cfg["reports.due_day"][p]),
            str(cfg["reports.period_mode"][p]),
            str(cfg["reports.non_working_due"][p]),
            int(cfg["reports.missing_days"][p]),
        )
        for p in paths
    }


def period_and_due(s: LineSettings, year: int, month: int) -> tuple[rules.Period, rules.Due]:
    period = rules.period_for(year, month, s.mode, s.due_day)
    return period, rules.due_for(period, s.due_day, s.policy, cal.is_working_day, cal.previous_working_day)


def latest_ended(s: LineSettings, today: dt.date) -> tuple[int, int]:
    """The month of the latest period that has ended by `today` (the one to report now)."""
    y, m = today.year, today.month
    if rules.period_for(y, m, s.mode, s.due_day).end < today:
        return y, m
    return rules.prev_month(y, m)


def receiver_of(org: Organization) -> Organization | None:
    """Whom `org` reports to: the nearest ancestor that is not a 党小组 and does not skip its level
    (`reports.skip_level`); None for a root. Two queries."""
    paths = ancestor_paths(org.path, include_self=False)
    if not paths:
        return None
    skip = effective_for_paths_keys(paths, ["reports.skip_level"])["reports.skip_level"]
    ancestors = list(Organization.objects.filter(path__in=paths).exclude(kind=OrgKind.GROUP).order_by("-path"))
    for a in ancestors:
        if not skip.get(a.path) or a.depth == 1:
            return a
    return None


def skips_level(org: Organization) -> bool:
    """Does `org` skip its level (`reports.skip_level`, 本级不汇总)? Then it receives no reports and
    submits no roll-up of its own: its branches report straight to the level above, whose roll-up
    (a sum over its whole subtree) already includes them. A root never skips. One query."""
    if org.depth <= 1 or not is_rollup_org(org):
        return False
    return bool(effective_for_paths_keys([org.path], ["reports.skip_level"])["reports.skip_level"].get(org.path))


def signs_for(user: Any, org: Organization) -> bool:
    """Does `user` hold a role granting APPROVE at `org` itself (not only above it)? A report is
    signed by its own org's secretary; a committee above reads it but never changes it. One query."""
    if org.kind == OrgKind.GROUP or not getattr(user, "pk", None):
        return False
    return org.path in role_paths_by_action(user).get(Action.APPROVE, [])


def is_rollup_org(org: Organization) -> bool:
    return org.kind in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)


# ---------------------------------------------------------------------------------------------
# Figures


def sources() -> list[ReportSource]:
    return report_sources()


def source_versions() -> dict[str, str]:
    """Each source's version: a digest of its figure keys, labels and summable keys, so a snapshot
    says which definition its numbers follow."""
    out = {}
    for s in sources():
        spec = json.dumps([s.key, list(s.figures), list(s.summable)], ensure_ascii=False)
        out[s.key] = hashlib.sha256(spec.encode()).hexdigest()[:12]
    return out


def compute_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, rules.Figures]:
    """{branch path: {source key: figures}} from every registered source (each bounded in queries)."""
    out: dict[str, rules.Figures] = {p: {} for p in paths}
    for s in sources():
        for path, figs in s.compute(paths, start, end).items():
            if path in out:
                out[path][s.key] = _jsonable(figs)
    return out


def _jsonable(figs: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, (int, str)) or v is None else str(v)) for k, v in figs.items()}


def summable() -> dict[str, tuple[str, ...]]:
    return {s.key: s.summable for s in sources()}


def tree_version(org: Organization) -> tuple[str, int]:
    """A digest of the subtree's branches (paths and ids) at this moment, and their number: stored
    with a roll-up so a later re-organisation cannot silently change what it summed. One query."""
    rows = list(
        Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.BRANCH)
        .order_by("path")
        .values_list("pk", "path")
    )
    digest = hashlib.sha256(";".join(f"{pk}:{p}" for pk, p in rows).encode()).hexdigest()[:16]
    return digest, len(rows)


@dataclass
class Rollup:
    figures: rules.Figures
    branches: int
    submitted: int
    on_time: int
    late: int
    tree_version: str

    @property
    def missing(self) -> int:
        return self.branches - self.submitted

    @property
    def coverage(self) -> dict[str, int]:
        return {
            "branches": self.branches,
            "submitted": self.submitted,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
        }


def rollup(org: Organization, year: int, month: int) -> Rollup:
    """The committee's figures: the sum of its subtree's latest branch snapshots for the month (the
    summable keys only), with how many branches reported on time. Two queries — the sums are taken
    in the database from the stored snapshots; no figure is recomputed from records and nothing is
    re-entered."""
    version, branches = tree_version(org)
    keys = summable()
    sums: dict[str, Any] = {
        f"s{i}_{j}": Sum(Cast(KeyTextTransform(k, KeyTransform(src, "figures")), IntegerField()))
        for i, (src, ks) in enumerate(keys.items())
        for j, k in enumerate(ks)
    }
    agg = Report.objects.filter(
        subtree_q("org_path", org.path), year=year, month=month, kind=ReportKind.BRANCH, current__gt=0
    ).aggregate(n=Count("id"), late=Count("id", filter=Q(late=True)), **sums)
    total: rules.Figures = {
        src: {k: int(agg[f"s{i}_{j}"] or 0) for j, k in enumerate(ks)} for i, (src, ks) in enumerate(keys.items())
    }
    n, late = int(agg["n"] or 0), int(agg["late"] or 0)
    return Rollup(total, branches, n, n - late, late, version)


# ---------------------------------------------------------------------------------------------
# Reports as the user sees them


def get_report_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Report:
    return get_for_user(Report.objects.select_related("org", "receiver"), pk, user, action, not_found="报告不存在")


def get_version_for_user(user: Any, pk: int | str) -> ReportVersion:
    return get_for_user(
        ReportVersion.objects.select_related("report", "report__org", "signed_by"), pk, user, not_found="报告不存在"
    )


def report_of(org: Organization, year: int, month: int) -> Report | None:
    return Report.objects.filter(org=org, year=year, month=month).select_related("receiver").first()


def versions_of(report: Report) -> QuerySet[ReportVersion]:
    return report.versions.select_related("signed_by").order_by("-number")


def reports_of_org(org: Organization, limit: int = 24) -> list[Report]:
    return list(Report.objects.filter(org=org).order_by("-year", "-month")[:limit])


def manageable_orgs(user: Any) -> list[Organization]:
    """The orgs a user reports for: those where they hold MANAGE on the org itself (a role there),
    branches and committees, not 党小组."""
    prefixes = scope_prefixes(user, Action.MANAGE)
    qs = Organization.objects.exclude(kind=OrgKind.GROUP)
    if prefixes is None:
        return list(qs.filter(depth=1).order_by("path"))
    return list(qs.filter(path__in=prefixes).order_by("path"))


@dataclass
class FigureLine:
    label: str
    value: Any
    key: str


@dataclass
class FigureSection:
    key: str
    label: str
    link: str
    lines: list[FigureLine] = field(default_factory=list)


def sections(figures: rules.Figures, org_pk: int, start: dt.date, end: dt.date, *, rollup: bool) -> list[FigureSection]:
    """The figures laid out per source with labels, and the link to each source's records (a roll-up
    shows the summable keys only; its records are its children's reports)."""
    out = []
    for s in sources():
        part = figures.get(s.key) or {}
        keys = [(k, label) for k, label in s.figures if not rollup or k in s.summable]
        link = s.link(org_pk, start, end) if (s.link is not None and not rollup) else ""
        lines = [FigureLine(label, part.get(k, 0), k) for k, label in keys]
        # A per-kind breakdown (…_due / …_held) shows only the kinds that were due or held.
        lines = [x for x in lines if x.value or not x.key.endswith(("_due", "_held"))]
        out.append(FigureSection(s.key, s.label, link, lines))
    return out


# ---------------------------------------------------------------------------------------------
# Dashboards


@dataclass
class DashRow:
    org: Organization
    branches: int
    submitted: int = 0
    on_time: int = 0
    party_day: int = 0  # branches that held a 主题党日 (of those reporting)
    orglife_met: int = 0
    orglife_required: int = 0
    dues_paid: int = 0
    dues_members: int = 0
    tasks_submitted: int = 0
    tasks_received: int = 0
    findings_opened: int = 0  # inspection findings raised in the month (when inspections are in use)
    findings_closed: int = 0

    def pct(self, part: int, whole: int) -> int | None:
        return rules.share(part, whole)

    @property
    def shares(self) -> dict[str, int | None]:
        return {
            "reported": rules.share(self.submitted, self.branches),
            "on_time": rules.share(self.on_time, self.branches),
            "party_day": rules.share(self.party_day, self.submitted),
            "orglife": rules.share(self.orglife_met, self.orglife_required),
            "dues": rules.share(self.dues_paid, self.dues_members),
            "tasks": rules.share(self.tasks_submitted, self.tasks_received),
            "findings": rules.share(self.findings_closed, self.findings_opened),
        }


SHARE_LABELS = {
    "reported": "已报送",
    "on_time": "按时报送",
    "party_day": "开展主题党日",
    "orglife": "组织生活按时完整",
    "dues": "党费已缴人数",
    "tasks": "任务已报送",
    "findings": "检查问题整改销号",
}


@dataclass
class Dashboard:
    org: Organization
    year: int
    month: int
    rows: list[DashRow]
    total: DashRow


def dashboard(user: Any, org: Organization, year: int, month: int) -> Dashboard:
    """Per direct child (sub-committee or branch) of `org`: shares computed from the month's branch
    snapshots — reported, on time, party day held, meetings met, dues paid, tasks submitted.
    Three queries whatever the size of the subtree; no worst-case lists."""
    clen = len(org.path) + org.steplen
    children = list(
        Organization.objects.filter(subtree_q("path", org.path), depth=org.depth + 1)
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")
    )
    if org.kind == OrgKind.BRANCH:
        children, clen = [org], len(org.path)
    counts = dict(
        Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.BRANCH)
        .annotate(child=Substr("path", 1, clen))
        .order_by()
        .values("child")
        .annotate(n=Count("id"))
        .values_list("child", "n")
    )
    rows = {c.path[:clen]: DashRow(c, counts.get(c.path[:clen], 0)) for c in children}
    total = DashRow(org, sum(counts.values()))
    # Only the figures a dashboard shows are read, extracted in the database (no JSON blob per branch).
    keys = [
        "figures__partyday__held",
        "figures__orglife__met",
        "figures__orglife__required",
        "figures__dues__paid_members",
        "figures__dues__members",
        "figures__assignments__submitted",
        "figures__assignments__received",
        "figures__inspections__findings_opened",
        "figures__inspections__findings_closed",
    ]
    for path, late, *vals in Report.objects.filter(
        subtree_q("org_path", org.path), year=year, month=month, kind=ReportKind.BRANCH, current__gt=0
    ).values_list("org_path", "late", *keys):
        held, met, required, paid, members, submitted, received, opened, closed = (
            v if isinstance(v, int) else 0 for v in vals
        )
        for r in (rows.get(path[:clen]), total):
            if r is None:
                continue
            r.submitted += 1
            r.on_time += 0 if late else 1
            r.party_day += 1 if held else 0
            r.orglife_met += met
            r.orglife_required += required
            r.dues_paid += paid
            r.dues_members += members
            r.tasks_submitted += submitted
            r.tasks_received += received
            r.findings_opened += opened
            r.findings_closed += closed
    return Dashboard(org, year, month, list(rows.values()), total)


def branch_reports(org: Organization, year: int, month: int) -> QuerySet[Report]:
    """The month's reports of the branches directly under `org` (the records a dashboard row drills to)."""
    return (
        Report.objects.filter(subtree_q("org_path", org.path), year=year, month=month, kind=ReportKind.BRANCH)
        .select_related("org")
        .order_by("org_path")
    )


def branches_under(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.BRANCH).order_by("path")


# ---------------------------------------------------------------------------------------------
# Quarterly indicators


def indicators_for(org: Organization, year: int, quarter: int) -> list[Indicator]:
    """The indicators in force for `org`: set by it or any ancestor for the quarter."""
    return list(
        Indicator.objects.filter(org_path__in=ancestor_paths(org.path), year=year, quarter=quarter).order_by(
            "org_path", "id"
        )
    )


def own_indicators(org: Organization, year: int, quarter: int) -> list[Indicator]:
    return list(Indicator.objects.filter(org=org, year=year, quarter=quarter).order_by("id"))


def exclusions_in(org: Organization, year: int, quarter: int) -> QuerySet[IndicatorExclusion]:
    return IndicatorExclusion.objects.filter(
        subtree_q("org_path", org.path), year=year, quarter=quarter
    ).select_related("org")


def scores_of(user: Any, org: Organization, year: int, quarter: int) -> QuerySet[QuarterScore]:
    return (
        QuarterScore.objects.filter(committee=org, year=year, quarter=quarter)
        .filter(scope_q(user, Action.VIEW))
        .select_related("org")
        .order_by("org_path")
    )


@dataclass
class Gap:
    indicator: Indicator
    value: int | None
    gap: str


def gaps(org: Organization, today: dt.date) -> tuple[int, int, list[Gap]]:
    """考漏补缺: the branch's own standing on this quarter's indicators so far (computed live from its
    records up to today)."""
    year, quarter = today.year, rules.quarter_of(today)
    start, _ = rules.quarter_span(year, quarter)
    inds = indicators_for(org, year, quarter)
    figs = compute_figures([org.path], start, today)[org.path] if inds else {}
    out = []
    for ind in inds:
        v = (figs.get(ind.source) or {}).get(ind.figure)
        value = v if isinstance(v, int) else None
        out.append(Gap(ind, value, rules.gap_text(ind.label, value, ind.target, ind.rule)))
    return year, quarter, out


def figure_choices() -> list[tuple[str, str]]:
    """Every summable figure a quarterly indicator may read, as ("source:figure", label)."""
    return [(f"{s.key}:{k}", f"{s.label} · {label}") for s in sources() for k, label in s.figures if k in s.summable]


def now_local() -> dt.date:
    return timezone.localdate()


def year_sections(org: Organization, year: int, end: dt.date) -> list[FigureSection]:
    """The 重点指标完成情况统计表 for the secretary's 述职: the year's figures computed from the records
    of every branch in the org's subtree (summable keys added up; a branch shows all its figures)."""
    start = dt.date(year, 1, 1)
    if org.kind == OrgKind.BRANCH:
        figs = compute_figures([org.path], start, end)[org.path]
        return sections(figs, org.pk, start, end, rollup=False)
    paths = list(branches_under(org).values_list("path", flat=True))
    total = rules.add_up(compute_figures(paths, start, end).values(), summable())
    return sections(total, org.pk, start, end, rollup=True)


# ---------------------------------------------------------------------------------------------
# 书记述职


def duty_of(org: Organization, year: int) -> DutyReport | None:
    return DutyReport.objects.filter(org=org, year=year).select_related("submitted_by", "graded_by").first()


def get_duty_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> DutyReport:
    return get_for_user(DutyReport.objects.select_related("org"), pk, user, action, not_found="述职不存在")


def reviewing_path(path: str) -> str:
    """The org that reviews a 述职 of the org at `path`: the one above it (itself for a root)."""
    return parent_path(path) or path


def get_duty_for_reviewer(user: Any, pk: int | str, action: str) -> DutyReport:
    """A 述职 as its reviewing committee acts on it (rating: VIEW there; the grade: ADMIN there)."""
    duty = get_duty_for_user(user, pk)
    if not can(user, action, reviewing_path(duty.org_path)):
        raise PermissionDenied("只有上级党组织参加评议的人员可以测评、登记等次")
    return duty


def rating_counts(duty: DutyReport) -> list[tuple[str, int]]:
    """How many rated each level (never who): one query."""
    counts = dict(duty.ratings.values("rating").order_by().annotate(n=Count("id")).values_list("rating", "n"))
    return [(label, counts.get(value, 0)) for value, label in RatingChoice.choices]


def rating_comments(duty: DutyReport) -> list[str]:
    return [c for c in duty.ratings.exclude(comment="").values_list("comment", flat=True).order_by("?")]


def has_rated(user: Any, duty: DutyReport) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and DutyRater.objects.filter(duty=duty, user_id=pk).exists()
