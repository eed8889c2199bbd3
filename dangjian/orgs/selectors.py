"""Reads on the organization tree, always scoped to the acting user.

Structure facts (member counts, group sizes) for a whole subtree are computed with a constant
number of aggregate queries — one over the orgs, one over members grouped by org, one over
members grouped by 党小组, one per configurable threshold — never one query per organization.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, overload

from django.apps import apps
from django.db import models
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404

from dangjian.core.findings import Finding, Severity
from dangjian.core.hotquery import HotQuery
from dangjian.core.models import AuditEvent
from dangjian.core.paths import STEPLEN, ancestor_paths, parent_path, subtree_q, successor
from dangjian.core.scoping import Action, get_for_user, scope_prefixes, scope_q

from .config import effective_for_paths_keys, get_key, registered
from .models import (
    ALLOWED_CHILDREN,
    Organization,
    OrgConfig,
    OrgKind,
    OrgMemberCount,
    OrgPost,
    Post,
    StructureFinding,
)
from .rules import (
    COUNTED_KINDS,
    DEFAULT_THRESHOLDS,
    FINDING_CITATIONS,
    FINDING_LABELS,
    OrgFacts,
    StructureThresholds,
    check_structure,
)

# COUNT(*) and COUNT(status): every column the count needs is in the (org, is_active, status) index,
# so PostgreSQL answers with an index-only scan (COUNT(id) would read every member row).
FULL_COUNT = Count("status", filter=Q(status="full"))

# Config key → StructureThresholds field (the advisory, local-practice thresholds).
THRESHOLD_KEYS: dict[str, str] = {
    "orgs.groups_required_from": "groups_required_from",
    "orgs.group_max_members": "group_max_members",
    "orgs.term_warning_months": "term_warning_months",
}

ORG_ROW_FIELDS = (
    "id",
    "path",
    "depth",
    "numchild",
    "name",
    "kind",
    "joint",
    "temporary",
    "sector",
    "has_committee",
    "term_started_on",
    "term_years",
)


def orgs_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_q(user, action, "path"))


# Every org page reads its org first: the query is compiled once per process (core/hotquery.py).
_ORG_BY_PK = HotQuery(Organization, lambda pk: Organization.objects.filter(pk=pk), int)


def _org_by_pk(pk: int | str) -> Organization | None:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        return None  # not an id: no such organization (404), as for an unknown id
    found = _ORG_BY_PK.objects(key)
    return found[0] if found else None


def get_org_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Organization:
    """The organization, or 404 if the user cannot see it, or 403 if they may see but not `action`."""
    return get_for_user(
        Organization.objects.all(), pk, user, action, not_found="组织不存在", path_field="path", fetch=_org_by_pk
    )


def branches_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    return orgs_visible_to(user, action).filter(kind=OrgKind.BRANCH)


def groups_of(branch: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(subtree_q("path", branch.path), kind=OrgKind.GROUP).exclude(pk=branch.pk)


def top_orgs_for(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    """The roots of the user's visible forest (the orgs of their assignments, minimal)."""
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return Organization.objects.get_root_nodes()
    if not prefixes:
        return Organization.objects.none()
    return Organization.objects.filter(Q(path__in=prefixes)).order_by("path")


def children_of(org: Organization) -> QuerySet[Organization]:
    """Direct children, by the indexed path range (depth + prefix), in tree order."""
    return Organization.objects.filter(subtree_q("path", org.path), depth=org.depth + 1).order_by("path")


def search_orgs(user: Any, q: str, limit: int = 50) -> list[Organization]:
    q = q.strip()
    if not q:
        return []
    return list(orgs_visible_to(user).filter(name__icontains=q).order_by("path")[:limit])


def ancestors_of(org: Organization) -> list[Organization]:
    """Breadcrumb: ancestors in order (one query)."""
    paths = ancestor_paths(org.path, include_self=False)
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


# --- structure facts -------------------------------------------------------------------------


@dataclass(slots=True)
class OrgRow:
    """An organization as the structure list needs it (plain values, not a model instance)."""

    id: int
    path: str
    depth: int
    numchild: int
    name: str
    kind: str
    joint: bool
    temporary: bool
    sector: str
    has_committee: bool
    term_started_on: dt.date | None
    term_years: int

    @property
    def kind_label(self) -> str:
        label = OrgKind(self.kind).label
        if self.joint and self.kind == OrgKind.BRANCH:
            label = "联合" + label
        if self.temporary:
            label = "临时" + label
        return str(label)


@dataclass
class OrgStructure:
    org: OrgRow
    facts: OrgFacts
    findings: list[Finding] = field(default_factory=list)


def _member_model() -> Any:
    # By app label, like Post.member's "members.Member": members sits above orgs in the layers.
    return apps.get_model("members", "Member")


def thresholds_for_paths(paths: list[str]) -> dict[str, StructureThresholds]:
    """The thresholds in force at each path (one query for every configurable key)."""
    by_key = effective_for_paths_keys(paths, list(THRESHOLD_KEYS))
    values = {attr: by_key[key] for key, attr in THRESHOLD_KEYS.items()}
    cache: dict[tuple[Any, ...], StructureThresholds] = {}
    out: dict[str, StructureThresholds] = {}
    for p in paths:
        combo = tuple(int(values[attr][p]) for attr in THRESHOLD_KEYS.values())
        if combo not in cache:
            cache[combo] = replace(DEFAULT_THRESHOLDS, **dict(zip(THRESHOLD_KEYS.values(), combo, strict=True)))
        out[p] = cache[combo]
    return out


def _facts_and_findings(
    rows: list[OrgRow],
    counts: list[tuple[str, int, int, int]],
    groups: list[tuple[int, str]],
    today: dt.date,
    *,
    counted: set[str] | None = None,
) -> list[OrgStructure]:
    """Facts and findings of `rows` from the derived member counts (`counts`: org_path, total, full,
    grouped of the orgs below them) and their 党小组 (`groups`: id, path). Python over rows, no
    queries but the thresholds'. `counted`: only these paths need subtree totals (None: every row)."""
    wanted = {r.path for r in rows} if counted is None else counted
    sub_total: dict[str, int] = defaultdict(int)
    sub_full: dict[str, int] = defaultdict(int)
    grouped: dict[str, int] = {}
    for path, total, full, in_group in counts:
        if in_group:
            grouped[path] = in_group
        if not total:
            continue
        for i in range(STEPLEN, len(path) + 1, STEPLEN):
            prefix = path[:i]
            if prefix in wanted:
                sub_total[prefix] += total
                sub_full[prefix] += full
    groups_by_parent: dict[str, list[int]] = defaultdict(list)
    for _gid, gpath in groups:
        groups_by_parent[parent_path(gpath)].append(grouped.get(gpath, 0))

    thresholds = thresholds_for_paths([r.path for r in rows])
    out: list[OrgStructure] = []
    for r in rows:
        facts = OrgFacts(
            kind=r.kind,
            full_members=sub_full.get(r.path, 0),
            total_members=sub_total.get(r.path, 0),
            has_committee=r.has_committee,
            group_sizes=groups_by_parent.get(r.path, []),
            term_started_on=r.term_started_on,
            term_years=r.term_years,
            joint=r.joint,
            temporary=r.temporary,
        )
        out.append(OrgStructure(r, facts, check_structure(facts, today, thresholds[r.path])))
    return out


COUNT_FIELDS = ("org_path", "total", "full", "grouped")


def subtree_structure(root_path: str, today: dt.date) -> list[OrgStructure]:
    """Facts and findings for every organization above 党小组 level in the subtree at `root_path`.

    Member counts come from the derived `OrgMemberCount` rows (one range scan), never the members.
    Queries: orgs (1) + 党小组 (1) + member counts (1) + thresholds (1) — the same number for a
    branch and for a 10,000-branch city.
    """
    subtree_orgs = Organization.objects.filter(subtree_q("path", root_path))
    rows = [OrgRow(*r) for r in subtree_orgs.exclude(kind=OrgKind.GROUP).order_by("path").values_list(*ORG_ROW_FIELDS)]
    if not rows:
        return []
    groups = list(subtree_orgs.filter(kind=OrgKind.GROUP).values_list("id", "path"))
    counts = list(OrgMemberCount.objects.filter(subtree_q("org_path", root_path)).values_list(*COUNT_FIELDS))
    return _facts_and_findings(rows, counts, groups, today)


def structures_of(org_ids: Any, today: dt.date) -> list[OrgStructure]:
    """Facts and findings of these organizations only (党小组 skipped), for the writes that touch
    them. Subtree totals are summed only where a rule reads them (`COUNTED_KINDS`: a 党支部's or
    党总支's small subtree), so the root's findings never sum the whole tree."""
    rows = [
        OrgRow(*r)
        for r in Organization.objects.filter(pk__in=org_ids)
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")
        .values_list(*ORG_ROW_FIELDS)
    ]
    counted = {r.path for r in rows if r.kind in COUNTED_KINDS}
    counts: list[tuple[str, int, int, int]] = []
    groups: list[tuple[int, str]] = []
    if counted:
        counts = list(OrgMemberCount.objects.filter(_covering("org_path", counted)).values_list(*COUNT_FIELDS))
        branches = [p for p in counted if any(r.path == p and r.kind == OrgKind.BRANCH for r in rows)]
        if branches:
            groups = list(
                Organization.objects.filter(kind=OrgKind.GROUP)
                .filter(_covering("path", set(branches)))
                .values_list("id", "path")
            )
    return _facts_and_findings(rows, counts, groups, today, counted=counted)


def _covering(field: str, paths: set[str]) -> Q:
    """Rows in the subtrees at `paths`: one range each for a few; for many (a batch of the daily
    job), the one range from the first to the last of them (rows between are skipped by the roll-up,
    which adds only to the wanted paths) — a long OR of ranges would be a sequential scan."""
    if len(paths) > 20:
        upper = successor(max(paths))
        q = Q(**{f"{field}__gte": min(paths)})
        return q & Q(**{f"{field}__lt": upper}) if upper is not None else q
    out = Q()
    for p in paths:
        out |= subtree_q(field, p)
    return out


def member_counts_actual(org_ids: Any) -> dict[int, tuple[str, int, int, int]]:
    """{org id: (path, total, full, grouped)} counted from the members themselves, for these orgs
    (党支部 through the (org, is_active, status) index; 党小组 by group). The source the derived
    `OrgMemberCount` rows are re-derived from; orgs without members are (path, 0, 0, 0)."""
    Member = _member_model()
    ids = org_ids if isinstance(org_ids, QuerySet) else list(org_ids)
    out = {pk: (path, 0, 0, 0) for pk, path in Organization.objects.filter(pk__in=ids).values_list("id", "path")}
    for org_id, total, full in (
        Member.objects.filter(org_id__in=ids, is_active=True)
        .values("org_id")
        .annotate(total=Count("*"), full=FULL_COUNT)
        .values_list("org_id", "total", "full")
    ):
        if org_id in out:
            out[org_id] = (out[org_id][0], total, full, out[org_id][3])
    for group_id, n in (
        Member.objects.filter(group_id__in=ids, is_active=True)
        .values("group_id")
        .annotate(n=Count("*"))
        .values_list("group_id", "n")
    ):
        if group_id in out:
            out[group_id] = (*out[group_id][:3], n)
    return out


def member_counts_stored(org_ids: Any) -> dict[int, tuple[str, int, int, int]]:
    return {
        pk: (path, total, full, grouped)
        for pk, path, total, full, grouped in OrgMemberCount.objects.filter(org_id__in=org_ids).values_list(
            "org_id", *COUNT_FIELDS
        )
    }


@dataclass
class StructureReport:
    """The committee's list: findings over a subtree, with counts per code and severity.

    `rows` is lazy ((OrgRow, Finding) pairs read a page at a time from the derived findings)."""

    rows: FindingRows
    by_code: list[tuple[str, str, int]]  # (code, label, count), most frequent first
    by_severity: dict[str, int]
    org_count: int


def finding_of(row: StructureFinding) -> Finding:
    """The stored row as the rule gave it (same code, severity, message, citation and data)."""
    data: dict[str, object] = dict(row.data or {})
    if "ends_on" in data:
        data["ends_on"] = dt.date.fromisoformat(str(data["ends_on"]))
    return Finding(row.code, Severity(row.severity), row.message, FINDING_CITATIONS.get(row.code, ""), data)


def org_row_of(org: Organization) -> OrgRow:
    return OrgRow(*(getattr(org, f) for f in ORG_ROW_FIELDS))


class FindingRows(Sequence[tuple[OrgRow, Finding]]):
    """A page-able sequence over a findings queryset: len() is one COUNT, a slice one query."""

    def __init__(self, qs: QuerySet[StructureFinding]) -> None:
        self.qs = qs
        self._len: int | None = None

    def __len__(self) -> int:
        if self._len is None:
            self._len = self.qs.count()
        return self._len

    @overload
    def __getitem__(self, i: int) -> tuple[OrgRow, Finding]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[OrgRow, Finding]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [(org_row_of(f.org), finding_of(f)) for f in self.qs[i]]
        return self[i : i + 1][0]

    def __iter__(self) -> Iterator[tuple[OrgRow, Finding]]:
        return iter(self[:])

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


def findings_in(root_path: str) -> QuerySet[StructureFinding]:
    return StructureFinding.objects.filter(subtree_q("org_path", root_path))


def structure_report(
    root_path: str, today: dt.date, *, severity: str = "", code: str = "", q: str = ""
) -> StructureReport:
    """The list over the derived findings (kept by the structure writes and the daily job; `today`
    is the day the rows were computed for). Counts by code and severity are grouped in SQL; the
    rows are paged in SQL, in tree order."""
    del today
    found = findings_in(root_path)
    by_code_sev = list(found.values("code", "severity").annotate(n=Count("*")).values_list("code", "severity", "n"))
    counts: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    for c, sev, n in by_code_sev:
        counts[c] += n
        by_severity[sev] += n
    org_count = found.values("org_id").distinct().count() if by_code_sev else 0
    rows = found
    if severity:
        rows = rows.filter(severity=severity)
    if code:
        rows = rows.filter(code=code)
    if q:
        rows = rows.filter(org__name__contains=q)
    rows = rows.select_related("org").only(
        "org_id", "code", "severity", "message", "data", *(f"org__{f}" for f in ORG_ROW_FIELDS)
    )
    rows = rows.order_by("org_path", "position")
    by_code = [(c, FINDING_LABELS.get(c, c), n) for c, n in counts.most_common()]
    return StructureReport(FindingRows(rows), by_code, dict(by_severity), org_count)


@dataclass
class CodeSummary:
    code: str
    label: str
    severity: Severity
    count: int
    first_org: OrgRow


def summarize_structures(structures: list[OrgStructure]) -> list[CodeSummary]:
    """Findings in a subtree's structures, one line per code (for the home page)."""
    out: dict[str, CodeSummary] = {}
    for s in structures:
        for f in s.findings:
            if f.code in out:
                out[f.code].count += 1
            else:
                out[f.code] = CodeSummary(f.code, FINDING_LABELS.get(f.code, f.code), f.severity, 1, s.org)
    return list(out.values())


def structure_summary(root_path: str) -> list[CodeSummary]:
    """`summarize_structures` of a subtree, read from the derived findings: one grouped query (count
    and first path per code) and one for the first orgs — never the members."""
    grouped = list(
        findings_in(root_path)
        .values("code", "severity")
        .annotate(n=Count("*"), first=Min("org_path"))
        .values_list("code", "severity", "n", "first")
    )
    if not grouped:
        return []
    firsts = {
        o.path: org_row_of(o)
        for o in Organization.objects.filter(path__in={first for *_, first in grouped}).only(*ORG_ROW_FIELDS)
    }
    out: list[CodeSummary] = []
    for c, sev, n, first in sorted(grouped, key=lambda g: (g[3], CODE_ORDER.get(g[0], 99))):
        out.append(CodeSummary(c, FINDING_LABELS.get(c, c), Severity(sev), n, firsts[first]))
    return out


# Codes in the order `check_structure` emits them (FINDING_LABELS is written in that order).
CODE_ORDER = {c: i for i, c in enumerate(FINDING_LABELS)}


# --- one organization's page -----------------------------------------------------------------


@dataclass
class OrgOverview:
    org: Organization
    full: int
    probationary: int
    total: int
    findings: list[Finding]
    groups: list[tuple[Organization, int]]
    posts: list[OrgPost]
    children: list[tuple[Organization, int, int]]  # child, full, total in its subtree
    children_more: int
    ancestors: list[Organization]
    group_members: list[Any] = field(default_factory=list)  # a 党小组's members (they belong to its branch)


def org_overview(org: Organization, today: dt.date, *, children_limit: int = 200) -> OrgOverview:
    """Everything the org page shows, in a fixed number of queries regardless of subtree size.

    Counts come from the derived `OrgMemberCount` rows, summed per child by `org_path` prefix in
    one grouped query (a 党小组's few members are counted live)."""
    Member = _member_model()
    group_active = Member.objects.filter(group_id=org.pk, is_active=True) if org.kind == OrgKind.GROUP else None

    groups = list(children_of(org).filter(kind=OrgKind.GROUP)) if org.kind == OrgKind.BRANCH else []
    sizes: dict[int, int] = (
        dict(OrgMemberCount.objects.filter(org_id__in=[g.pk for g in groups]).values_list("org_id", "grouped"))
        if groups
        else {}
    )
    group_rows = [(g, sizes.get(g.pk, 0)) for g in groups]

    children = list(children_of(org).exclude(kind=OrgKind.GROUP)[:children_limit])
    children_more = max(0, org.numchild - len(groups) - len(children))
    child_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # child path -> [full, total]
    if group_active is not None:
        # Members belong to the branch; a 党小组 is a grouping inside it.
        totals = group_active.aggregate(total=Count("*"), full=FULL_COUNT)
        total, full = totals["total"] or 0, totals["full"] or 0
    else:
        # One grouped query over the derived counts: the org's own row keys on its own path.
        width = len(org.path) + STEPLEN
        full = total = 0
        for key, n_total, n_full in (
            OrgMemberCount.objects.filter(subtree_q("org_path", org.path), total__gt=0)  # not the 党小组 rows
            .annotate(child=Substr("org_path", 1, width))
            .values("child")
            .annotate(t=Sum("total"), f=Sum("full"))
            .values_list("child", "t", "f")
        ):
            full += n_full or 0
            total += n_total or 0
            child_counts[key][0] += n_full or 0
            child_counts[key][1] += n_total or 0
    child_rows = [(c, child_counts[c.path][0], child_counts[c.path][1]) for c in children]

    thresholds = thresholds_for_paths([org.path])[org.path]
    facts = OrgFacts(
        kind=org.kind,
        full_members=full,
        total_members=total,
        has_committee=org.has_committee,
        group_sizes=[n for _, n in group_rows],
        term_started_on=org.term_started_on if org.kind != OrgKind.GROUP else None,
        term_years=org.term_years,
        joint=org.joint,
        temporary=org.temporary,
    )
    rank = {value: i for i, value in enumerate(Post.values)}  # 书记, 副书记, 组织委员 … in the order of the enum
    posts = sorted(
        OrgPost.objects.filter(org=org, ended_on__isnull=True).select_related("member"),
        key=lambda p: (rank.get(p.post, 99), p.started_on or dt.date.min, p.pk),
    )
    return OrgOverview(
        org=org,
        full=full,
        probationary=total - full,
        total=total,
        findings=check_structure(facts, today, thresholds),
        groups=group_rows,
        posts=posts,
        children=child_rows,
        children_more=children_more,
        ancestors=ancestors_of(org),
        group_members=list(group_active.order_by("name", "pk")[:200]) if group_active is not None else [],
    )


def post_history(org: Organization) -> QuerySet[OrgPost]:
    return OrgPost.objects.filter(org=org, ended_on__isnull=False).select_related("member").order_by("-ended_on")


def get_post_for_user(user: Any, pk: int | str, action: str = Action.ADMIN) -> OrgPost:
    return get_for_user(
        OrgPost.objects.select_related("org", "member"),
        pk,
        user,
        action,
        not_found="职务记录不存在",
        path_field="org__path",
    )


def post_candidates(org: Organization, q: str = "", limit: int = 100) -> QuerySet[Any]:
    """Members of the org's subtree who may take a post (searchable: the subtree may be large)."""
    Member = _member_model()
    qs = Member.objects.filter(subtree_q("org_path", org.path), is_active=True)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs.order_by("name", "pk")[:limit]


def post_member_queryset(org: Organization) -> QuerySet[Any]:
    Member = _member_model()
    return Member.objects.filter(subtree_q("org_path", org.path), is_active=True)


def move_candidates(user: Any, org: Organization, q: str = "", limit: int = 30) -> list[Organization]:
    """Possible new parents: orgs the user administers, of a kind that may hold `org`, outside its subtree."""
    kinds = [k for k, allowed in ALLOWED_CHILDREN.items() if org.kind in allowed]
    qs = orgs_visible_to(user, Action.ADMIN).filter(kind__in=kinds).exclude(subtree_q("path", org.path))
    if org.depth > 1:
        qs = qs.exclude(path=parent_path(org.path))
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return list(qs.order_by("path")[:limit])


def move_parent_queryset(user: Any, org: Organization) -> QuerySet[Organization]:
    kinds = [k for k, allowed in ALLOWED_CHILDREN.items() if org.kind in allowed]
    return orgs_visible_to(user, Action.ADMIN).filter(kind__in=kinds).exclude(subtree_q("path", org.path))


# --- configuration ---------------------------------------------------------------------------


@dataclass
class ConfigLine:
    key: str
    label: str
    help: str
    kind: str
    value: Any
    display: str
    default_display: str
    source: str  # "default" | "inherited" | "here"
    source_org: str
    choices: tuple[tuple[str, str], ...] = ()


def config_overview(org: Organization) -> list[ConfigLine]:
    """Every registered key with its value in force at `org` and where that value comes from (1 query)."""
    paths = ancestor_paths(org.path)
    rows = OrgConfig.objects.filter(org__path__in=paths).values_list("key", "org__path", "org__name", "value")
    found: dict[str, tuple[int, str, Any]] = {}
    for key, path, name, value in rows:
        if key not in found or len(path) > found[key][0]:
            found[key] = (len(path), name, value)
    out: list[ConfigLine] = []
    for ck in registered():
        if ck.key in found:
            depth, name, value = found[ck.key]
            source = "here" if depth == len(org.path) else "inherited"
        else:
            value, name, source = ck.default, "", "default"
        out.append(
            ConfigLine(
                ck.key,
                ck.label,
                ck.help,
                ck.kind,
                value,
                ck.display(value),
                ck.display(ck.default),
                source,
                name,
                ck.choices,
            )
        )
    return out


def config_key_or_404(key: str) -> Any:
    try:
        return get_key(key)
    except KeyError as exc:
        raise Http404("配置项不存在") from exc


def org_path_columns() -> list[tuple[type[models.Model], str]]:
    """Every (model, column) that copies an org's tree path.

    House convention: a CharField named `*_path` (`org_path`, `from_org_path`, `branch_path` …) on
    any model holds a copied Organization.path. The audit log is excluded on purpose: its events
    keep the path as it was (and are hash-chained).
    """
    out: list[tuple[type[models.Model], str]] = []
    for m in apps.get_models():
        if m is Organization or m is AuditEvent:
            continue
        for f in m._meta.concrete_fields:
            if isinstance(f, models.CharField) and f.name.endswith("_path"):
                out.append((m, f.name))
    return out
