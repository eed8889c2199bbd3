"""Reads on points, scoped to the acting user. No ranking anywhere: lists are ordered by name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.paths import STEPLEN, ancestor_paths, subtree_q
from dangjian.core.scoping import Action, can, get_for_user, is_own, scope_q
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import get_org_for_user

from . import rules as R
from .models import ManualPoint, ManualStatus, MemberYear, Objection, PointEntry, PublicNotice, ScoringManual


def this_year() -> int:
    return timezone.localdate().year


def year_param(raw: str) -> int:
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else this_year()


# ---------------------------------------------------------------------------------------------
# The manual in force


@dataclass(frozen=True)
class ManualInForce:
    manual: R.Manual
    row: ScoringManual | None  # None: the shipped default

    @property
    def source_label(self) -> str:
        if self.row is None:
            return "平台默认示例细则（地方实践示例）"
        return f"{self.row.org.name} {self.row.year} 年度积分细则"


def manual_for(path: str, year: int) -> ManualInForce:
    """The manual of `year` set by the nearest ancestor of the org at `path` (itself included)."""
    rows = {
        m.org_path: m
        for m in ScoringManual.objects.select_related("org").filter(org_path__in=ancestor_paths(path), year=year)
    }
    for p in reversed(ancestor_paths(path)):
        if p in rows:
            return ManualInForce(R.manual_from_data(year, rows[p].data), rows[p])
    return ManualInForce(R.default_manual(year), None)


class ManualResolver:
    """`manual_for` for many branches with one query (manual rows are few; branches may be thousands)."""

    def __init__(self, year: int) -> None:
        self.year = year
        self.rows = sorted(ScoringManual.objects.filter(year=year), key=lambda m: len(m.org_path), reverse=True)
        self._parsed: dict[int | None, R.Manual] = {}

    def __call__(self, path: str) -> R.Manual:
        row = next((m for m in self.rows if path.startswith(m.org_path)), None)
        key = row.pk if row else None
        if key not in self._parsed:
            self._parsed[key] = R.manual_from_data(self.year, row.data) if row else R.default_manual(self.year)
        return self._parsed[key]


# ---------------------------------------------------------------------------------------------
# Access


def own_member(user: Any) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.select_related("org").filter(user_id=user.pk).first()


def get_member_for_points(user: Any, pk: int | str) -> Member:
    """A member's ledger: the member themself, or whoever manages their branch — never another member."""
    return get_for_user(
        Member.objects.select_related("org"),
        pk,
        user,
        Action.MANAGE,
        not_found="党员不存在",
        denied="无权查看该党员的积分",
        own=lambda m: is_own(user, m),
    )


def get_branch_for_points(user: Any, org_pk: int | str, action: str = Action.MANAGE) -> Organization:
    org = get_org_for_user(user, org_pk, action)
    if org.kind != OrgKind.BRANCH:
        raise Http404("请选择党支部")
    return org


def get_committee_for_manual(user: Any, org_pk: int | str) -> Organization:
    """The org whose 积分细则 the user edits: an org above the branches, where the user is admin."""
    org = get_org_for_user(user, org_pk, Action.ADMIN)
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise Http404("积分细则由党委或党总支制定")
    return org


def get_manual_point_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> ManualPoint:
    return get_for_user(
        ManualPoint.objects.select_related("member"),
        pk,
        user,
        action,
        not_found="积分项不存在",
        denied="无权处理该积分项",
    )


# ---------------------------------------------------------------------------------------------
# A member's explained points


@dataclass
class MemberPoints:
    member: Member
    year: int
    summary: MemberYear | None
    entries: list[PointEntry]
    items: list[R.ItemSummary]
    manual: ManualInForce
    pending: list[ManualPoint] = field(default_factory=list)
    notice: PublicNotice | None = None


def member_points(member: Member, year: int) -> MemberPoints:
    """The stored ledger of one member's year, explained item by item (4 queries)."""
    entries = list(PointEntry.objects.filter(member=member, year=year).order_by("on", "id"))
    mf = manual_for(member.org_path, year)
    lines: list[R.Line] = []
    for e in entries:
        item = mf.manual.item(e.item_code) or R.Item(e.item_code, e.item_label, e.category, e.raw, R.Source.MANUAL)
        lines.append(R.Line(R.Event(e.on, e.item_code, e.ref, e.ref_label), item, e.raw, e.points, e.cap_note))
    return MemberPoints(
        member=member,
        year=year,
        summary=MemberYear.objects.filter(member=member, year=year).first(),
        entries=entries,
        items=R.summarise(lines),
        manual=mf,
        pending=list(ManualPoint.objects.filter(member=member, on__year=year).exclude(status=ManualStatus.APPROVED)),
    )


# ---------------------------------------------------------------------------------------------
# The branch: stars (never a ranking) and the approval queue


@dataclass
class BranchRow:
    member: Member
    star_label: str
    stars: int
    exempt: bool
    suggestion: str
    veto_reason: str = ""


@dataclass
class BranchPoints:
    org: Organization
    year: int
    rows: list[BranchRow]
    queue: list[ManualPoint]
    manual: ManualInForce
    distribution: list[tuple[str, int]]
    computed: bool
    notice: PublicNotice | None = None


def branch_points(org: Organization, year: int) -> BranchPoints:
    """Each member's star, in name order (no sort by points, no rank numbers: 国办函〔2026〕12号)."""
    members = list(Member.objects.filter(org=org, is_active=True).order_by("name", "pk"))
    years = {y.member_id: y for y in MemberYear.objects.filter(member__in=members, year=year)}
    rows = []
    for m in members:
        y = years.get(m.pk)
        rows.append(
            BranchRow(
                member=m,
                star_label=("不参与评星" if y.exempt else y.star_label) if y else "尚未计算",
                stars=y.stars if y and not y.exempt else 0,
                exempt=bool(y and y.exempt),
                suggestion=y.suggestion if y else "",
                veto_reason=y.veto_reason if y else "",
            )
        )
    mf = manual_for(org.path, year)
    return BranchPoints(
        org=org,
        year=year,
        rows=rows,
        queue=list(
            ManualPoint.objects.filter(org_path=org.path, status=ManualStatus.PENDING)
            .select_related("member", "entered_by")
            .order_by("on", "pk")
        ),
        manual=mf,
        distribution=distribution(org.path, year, mf.manual),
        computed=bool(years),
        notice=PublicNotice.objects.filter(org=org, year=year).first(),
    )


def distribution(path: str, year: int, manual: R.Manual) -> list[tuple[str, int]]:
    """How many members hold each star in the subtree (one aggregate query); exempted members apart."""
    counts = dict(
        MemberYear.objects.filter(subtree_q("org_path", path), year=year, exempt=False)
        .values_list("stars")
        .annotate(n=Count("pk"))
        .values_list("stars", "n")
    )
    out = [(t.label, counts.get(t.stars, 0)) for t in sorted(manual.thresholds, key=lambda t: -t.stars)]
    out.append((R.NO_STAR, counts.get(0, 0)))
    return out


def manageable_branches(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_q(user, Action.MANAGE, "path"), kind=OrgKind.BRANCH).order_by("path")


def manual_orgs(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(
        scope_q(user, Action.ADMIN, "path"), kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH]
    ).order_by("path")


def pending_for(user: Any) -> int:
    """Manual items the user may approve: in their MANAGE scope, entered by someone else, not their own."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return (
        ManualPoint.objects.filter(scope_q(user, Action.MANAGE), status=ManualStatus.PENDING)
        .exclude(entered_by_id=user.pk)
        .exclude(member__user_id=user.pk)
        .count()
    )


def may_manage(user: Any, member: Member) -> bool:
    return can(user, Action.MANAGE, member.org_path)


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# ---------------------------------------------------------------------------------------------
# 公示 and objections


def get_notice_for_user(user: Any, pk: int | str) -> PublicNotice:
    """A 公示 is published to its branch: whoever may VIEW the branch (its members included)."""
    return get_for_user(PublicNotice.objects.select_related("org"), pk, user, Action.VIEW, not_found="公示不存在")


def get_objection_for_user(user: Any, pk: int | str) -> Objection:
    return get_for_user(
        Objection.objects.select_related("notice"),
        pk,
        user,
        Action.MANAGE,
        not_found="异议不存在",
        denied="无权答复该异议",
    )


@dataclass
class NoticePage:
    notice: PublicNotice
    rows: list[dict[str, Any]]  # name and star only: the board shows stars, not scores
    mine: dict[str, Any] | None
    open: bool
    can_manage: bool
    objections: list[Objection]


def notice_page(user: Any, notice: PublicNotice) -> NoticePage:
    me = own_member(user)
    mine = next((r for r in notice.rows if me is not None and r["member_id"] == me.pk), None)
    manage = can(user, Action.MANAGE, notice.org_path)
    qs = notice.objections.select_related("member", "answered_by").order_by("raised_at", "pk")
    if not manage:
        qs = qs.filter(member_id=me.pk) if me is not None else qs.none()
    return NoticePage(
        notice=notice,
        rows=[{"name": r["name"], "star_label": r["star_label"]} for r in notice.rows],
        mine=mine,
        open=notice.starts_on <= timezone.localdate() <= notice.ends_on,
        can_manage=manage,
        objections=list(qs),
    )


# ---------------------------------------------------------------------------------------------
# The annual sheet (年度积分汇总表)


@dataclass
class SheetRow:
    name: str
    by_category: dict[str, Decimal]
    total: Decimal | None
    star_label: str
    exempt: bool


def annual_sheet(org: Organization, year: int) -> tuple[list[str], list[SheetRow], PublicNotice | None]:
    """One row per member of the branch, in name order, with category subtotals (3 queries)."""
    members = list(Member.objects.filter(org=org, is_active=True).order_by("name", "pk"))
    sums: dict[tuple[int, str], Decimal] = {
        (r["member_id"], r["category"]): r["s"]
        for r in PointEntry.objects.filter(member__in=members, year=year)
        .values("member_id", "category")
        .annotate(s=Sum("points"))
    }
    years = {y.member_id: y for y in MemberYear.objects.filter(member__in=members, year=year)}
    categories = list(R.CATEGORY_LABELS)
    rows = []
    for m in members:
        y = years.get(m.pk)
        rows.append(
            SheetRow(
                name=m.name,
                by_category={c: sums.get((m.pk, c), R.ZERO) for c in categories},
                total=y.total if y else None,
                star_label=(y.star_label if y else "尚未计算"),
                exempt=bool(y and y.exempt),
            )
        )
    return categories, rows, PublicNotice.objects.filter(org=org, year=year).first()


# ---------------------------------------------------------------------------------------------
# A committee's overview: star distribution per sub-organization (stars, never scores or ranks)

STAR_COLOURS = ["#c62828", "#ef6c00", "#f9a825", "#7cb342", "#43a047", "#00897b"]  # most stars first
NO_STAR_COLOUR = "#b0bec5"


@dataclass
class OverviewRow:
    org: Organization | None  # None: members directly at the organization itself
    label: str
    counts: list[int]  # per star label, in `Overview.labels` order

    @property
    def members(self) -> int:
        return sum(self.counts)


@dataclass
class Overview:
    org: Organization
    year: int
    labels: list[str]
    rows: list[OverviewRow]
    total: list[int]
    exempt: int

    @property
    def summary(self) -> list[tuple[str, int]]:
        return list(zip(self.labels, self.total, strict=True))

    @property
    def chart(self) -> dict[str, Any]:
        """The spec for static/js/charts.js: stacked horizontal bars, one per sub-organization."""
        colours = [*STAR_COLOURS[: len(self.labels) - 1], NO_STAR_COLOUR]
        return {
            "horizontal": True,
            "stacked": True,
            "unit": "人",
            "categories": [r.label for r in self.rows],
            "series": [
                {"name": label, "color": colours[i], "data": [r.counts[i] for r in self.rows]}
                for i, label in enumerate(self.labels)
            ],
        }


def overview(org: Organization, year: int) -> Overview:
    """Star counts per direct sub-organization, in tree order (3 queries whatever the subtree's size)."""
    manual = manual_for(org.path, year).manual
    levels = sorted(manual.thresholds, key=lambda t: -t.stars)
    labels = [t.label for t in levels] + [R.NO_STAR]
    index = {t.stars: i for i, t in enumerate(levels)}
    width = len(org.path) + STEPLEN
    base = MemberYear.objects.filter(subtree_q("org_path", org.path), year=year)
    grouped = (
        base.filter(exempt=False)
        .annotate(child=Substr("org_path", 1, width))
        .values("child", "stars")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, list[int]] = {}
    for g in grouped:
        row = counts.setdefault(g["child"], [0] * len(labels))
        row[index.get(g["stars"], len(labels) - 1)] += g["n"]
    rows = [
        OverviewRow(child, child.name, counts.get(child.path, [0] * len(labels)))
        for child in Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")
    ]
    if org.path in counts:
        rows.insert(0, OverviewRow(None, f"{org.name}（本级）", counts[org.path]))
    total = [sum(r.counts[i] for r in rows) for i in range(len(labels))]
    return Overview(org, year, labels, rows, total, base.filter(exempt=True).count())


def overview_orgs(user: Any) -> QuerySet[Organization]:
    """Organizations above the branches that the user manages (their overview pages)."""
    return Organization.objects.filter(
        scope_q(user, Action.MANAGE, "path"), kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH]
    ).order_by("path")
