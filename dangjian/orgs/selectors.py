"""Reads on the organization tree, always scoped to the acting user.

Structure facts (member counts, group sizes) for a whole subtree are computed with a constant
number of aggregate queries — one over the orgs, one over members grouped by org, one over
members grouped by 党小组, one per configurable threshold — never one query per organization.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from dangjian.core.findings import Finding, Severity
from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, can, scope_prefixes, scope_q

from .config import ancestor_paths, effective_for_paths, get_key, registered
from .models import Organization, OrgConfig, OrgKind, OrgPost
from .rules import DEFAULT_THRESHOLDS, FINDING_LABELS, OrgFacts, StructureThresholds, check_structure

STEPLEN = Organization.steplen

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


def get_org_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Organization:
    """The organization, or 404 if the user cannot see it, or 403 if they may see but not `action`."""
    org = Organization.objects.filter(pk=pk).first()
    if org is None or not can(user, Action.VIEW, org.path):
        raise Http404("组织不存在")
    if action != Action.VIEW and not can(user, action, org.path):
        raise PermissionDenied("无权执行此操作")
    return org


def branches_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    return orgs_visible_to(user, action).filter(kind=OrgKind.BRANCH)


def groups_of(branch: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(subtree_q("path", branch.path), kind=OrgKind.GROUP).exclude(pk=branch.pk)


def top_orgs_for(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    """The roots of the user's visible forest (the orgs of their assignments, minimal)."""
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return Organization.get_root_nodes()
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
    paths = ancestor_paths(org.path, STEPLEN)[:-1]
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


# --- structure facts -------------------------------------------------------------------------


@dataclass
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
    from dangjian.members.models import Member

    return Member


def thresholds_for_paths(paths: list[str]) -> dict[str, StructureThresholds]:
    """The thresholds in force at each path (one query per configurable key)."""
    values = {attr: effective_for_paths(paths, key) for key, attr in THRESHOLD_KEYS.items()}
    cache: dict[tuple[Any, ...], StructureThresholds] = {}
    out: dict[str, StructureThresholds] = {}
    for p in paths:
        combo = tuple(int(values[attr][p]) for attr in THRESHOLD_KEYS.values())
        if combo not in cache:
            cache[combo] = replace(DEFAULT_THRESHOLDS, **dict(zip(THRESHOLD_KEYS.values(), combo, strict=True)))
        out[p] = cache[combo]
    return out


def subtree_structure(root_path: str, today: dt.date) -> list[OrgStructure]:
    """Facts and findings for every organization in the subtree at `root_path`, in tree order.

    Queries: orgs (1) + members by org (1) + members by group (1) + thresholds (1 per key).
    """
    Member = _member_model()
    rows = [
        OrgRow(**r)
        for r in Organization.objects.filter(subtree_q("path", root_path)).order_by("path").values(*ORG_ROW_FIELDS)
    ]
    if not rows:
        return []
    members = Member.objects.filter(subtree_q("org_path", root_path), is_active=True)
    by_org = {
        r["org_id"]: r
        for r in members.values("org_id").annotate(
            total=Count("id"),
            full=Count("id", filter=Q(status="full")),
            ungrouped=Count("id", filter=Q(group__isnull=True)),
        )
    }
    group_size = dict(
        members.filter(group__isnull=False).values("group_id").annotate(n=Count("id")).values_list("group_id", "n")
    )

    # Roll members up to every ancestor inside the subtree (Python over rows, no queries).
    path_of_id = {r.id: r.path for r in rows}
    sub_total: Counter[str] = Counter()
    sub_full: Counter[str] = Counter()
    root_len = len(root_path)
    for org_id, agg in by_org.items():
        path = path_of_id.get(org_id)
        if path is None:
            continue
        for i in range(root_len, len(path) + 1, STEPLEN):
            sub_total[path[:i]] += agg["total"]
            sub_full[path[:i]] += agg["full"]
    groups_by_parent: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r.kind == OrgKind.GROUP:
            groups_by_parent[r.path[:-STEPLEN]].append(group_size.get(r.id, 0))

    thresholds = thresholds_for_paths([r.path for r in rows])
    out: list[OrgStructure] = []
    for r in rows:
        own = by_org.get(r.id)
        facts = OrgFacts(
            kind=r.kind,
            full_members=sub_full[r.path],
            total_members=sub_total[r.path],
            has_committee=r.has_committee,
            group_sizes=groups_by_parent.get(r.path, []),
            members_without_group=own["ungrouped"] if own else 0,
            term_started_on=r.term_started_on if r.kind != OrgKind.GROUP else None,
            term_years=r.term_years,
            joint=r.joint,
            temporary=r.temporary,
        )
        out.append(OrgStructure(r, facts, check_structure(facts, today, thresholds[r.path])))
    return out


@dataclass
class StructureReport:
    """The committee's list: findings over a subtree, with counts per code and severity."""

    rows: list[tuple[OrgRow, Finding]]
    by_code: list[tuple[str, str, int]]  # (code, label, count), most frequent first
    by_severity: dict[str, int]
    org_count: int


def structure_report(
    root_path: str, today: dt.date, *, severity: str = "", code: str = "", q: str = ""
) -> StructureReport:
    all_rows = [(s.org, f) for s in subtree_structure(root_path, today) for f in s.findings]
    counts = Counter(f.code for _, f in all_rows)
    by_severity = Counter(str(f.severity) for _, f in all_rows)
    rows = all_rows
    if severity:
        rows = [(o, f) for o, f in rows if f.severity == severity]
    if code:
        rows = [(o, f) for o, f in rows if f.code == code]
    if q:
        rows = [(o, f) for o, f in rows if q in o.name]
    by_code = [(c, FINDING_LABELS.get(c, c), n) for c, n in counts.most_common()]
    return StructureReport(rows, by_code, dict(by_severity), len({o.id for o, _ in all_rows}))


@dataclass
class CodeSummary:
    code: str
    label: str
    severity: Severity
    count: int
    first_org: OrgRow


def structure_summary(root_path: str, today: dt.date) -> list[CodeSummary]:
    """Findings in a subtree, one line per code (for the home page)."""
    out: dict[str, CodeSummary] = {}
    for s in subtree_structure(root_path, today):
        for f in s.findings:
            if f.code in out:
                out[f.code].count += 1
            else:
                out[f.code] = CodeSummary(f.code, FINDING_LABELS.get(f.code, f.code), f.severity, 1, s.org)
    return list(out.values())


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


def org_overview(org: Organization, today: dt.date, *, children_limit: int = 200) -> OrgOverview:
    """Everything the org page shows, in a fixed number of queries regardless of subtree size."""
    Member = _member_model()
    members = Member.objects.filter(subtree_q("org_path", org.path), is_active=True)
    totals = members.aggregate(total=Count("id"), full=Count("id", filter=Q(status="full")))
    total, full = totals["total"] or 0, totals["full"] or 0

    groups = list(children_of(org).filter(kind=OrgKind.GROUP)) if org.kind == OrgKind.BRANCH else []
    sizes = (
        dict(
            members.filter(group__in=[g.pk for g in groups])
            .values("group_id")
            .annotate(n=Count("id"))
            .values_list("group_id", "n")
        )
        if groups
        else {}
    )
    group_rows = [(g, sizes.get(g.pk, 0)) for g in groups]

    child_qs = children_of(org).exclude(kind=OrgKind.GROUP)
    children = list(child_qs[:children_limit])
    children_more = max(0, org.numchild - len(groups) - len(children))
    child_counts: dict[str, dict[str, int]] = {}
    if children:
        width = len(org.path) + STEPLEN
        child_counts = {
            r["p"]: r
            for r in members.annotate(p=Substr("org_path", 1, width))
            .values("p")
            .annotate(total=Count("id"), full=Count("id", filter=Q(status="full")))
        }
    child_rows = [
        (c, child_counts.get(c.path, {}).get("full", 0), child_counts.get(c.path, {}).get("total", 0)) for c in children
    ]

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
    posts = list(
        OrgPost.objects.filter(org=org, ended_on__isnull=True).select_related("member").order_by("post", "started_on")
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
    )


def post_history(org: Organization) -> QuerySet[OrgPost]:
    return OrgPost.objects.filter(org=org, ended_on__isnull=False).select_related("member").order_by("-ended_on")


def get_post_for_user(user: Any, pk: int | str, action: str = Action.ADMIN) -> OrgPost:
    post = OrgPost.objects.select_related("org", "member").filter(pk=pk).first()
    if post is None or not can(user, Action.VIEW, post.org.path):
        raise Http404("职务记录不存在")
    if not can(user, action, post.org.path):
        raise PermissionDenied("无权执行此操作")
    return post


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
    from .services import ALLOWED_CHILDREN

    kinds = [k for k, allowed in ALLOWED_CHILDREN.items() if org.kind in allowed]
    qs = orgs_visible_to(user, Action.ADMIN).filter(kind__in=kinds).exclude(subtree_q("path", org.path))
    if org.depth > 1:
        qs = qs.exclude(path=org.path[:-STEPLEN])
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return list(qs.order_by("path")[:limit])


def move_parent_queryset(user: Any, org: Organization) -> QuerySet[Organization]:
    from .services import ALLOWED_CHILDREN

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
    paths = ancestor_paths(org.path, STEPLEN)
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
