"""Reads on points, scoped to the acting user. No ranking anywhere: lists are ordered by name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.paths import STEPLEN, ancestor_paths, subtree_q
from dangjian.core.registry import SourcedScore, get_branch_score_source, point_event_sources
from dangjian.core.scoping import Action, can, get_for_user, is_own, scope_q
from dangjian.members.models import Member
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import get_org_for_user

from . import rules as R
from .models import (
    BranchRating,
    ManualPoint,
    ManualStatus,
    MemberYear,
    Objection,
    ObjectionStatus,
    PointEntry,
    PublicNotice,
    RatingStatus,
    ScoringManual,
)


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
    """The stored ledger of one member's year, explained item by item (5 queries)."""
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
        notice=PublicNotice.objects.filter(org_id=member.org_id, year=year).first(),
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


# ---------------------------------------------------------------------------------------------
# Derived sources other apps registered


def event_source_labels() -> dict[str, str]:
    """The sources other apps registered (`core.registry.point_event_source`), code → label."""
    return {src.code: src.label for src in point_event_sources()}


def source_choices() -> list[tuple[str, str]]:
    """What a committee may pick as the source of a new manual item: entered by the branch, or a
    record another app derives (never a trace such as a log-in or a check-in)."""
    return [(R.Source.MANUAL, R.Source.LABELS[R.Source.MANUAL]), *event_source_labels().items()]


# ---------------------------------------------------------------------------------------------
# 星级党支部: the committee's ratings and the boards


def get_committee_for_ratings(user: Any, org_pk: int | str, action: str = Action.MANAGE) -> Organization:
    org = get_org_for_user(user, org_pk, action)
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise Http404("星级党支部由党委或党总支评定")
    return org


def get_rating_for_user(user: Any, pk: int | str) -> BranchRating:
    """A branch's rating: seen by whoever sees the branch, decided at the rating committee."""
    return get_for_user(
        BranchRating.objects.select_related("org"),
        pk,
        user,
        Action.MANAGE,
        not_found="评定不存在",
        denied="无权审定该支部的星级",
        action_path=lambda r: r.committee_path,
    )


@dataclass
class RatingRow:
    branch: Organization
    rating: BranchRating | None
    reference: Decimal | None  # mean annual total of the members in the rating
    rated_members: int
    sourced: SourcedScore | None = None  # the year's score from the committee's chosen source, if any
    sourced_url: str = ""  # the record it came from (e.g. the inspection)
    rating_source_url: str = ""  # the record a saved rating's 年终目标 score came from


@dataclass
class Ratings:
    committee: Organization
    year: int
    rows: list[RatingRow]
    thresholds: tuple[R.Threshold, ...]
    weight: int
    quotas: dict[int, int]
    quota_error: str
    branches: int  # all the committee's branches (the quota denominator)
    approved: dict[int, int]  # stars → approved ratings
    target_source: str = ""  # label of the source of the 年终目标考核 score ("" = entered by the committee)

    @property
    def target_weight(self) -> int:
        return 100 - self.weight


RATINGS_PER_PAGE = 50


def branch_ratings(committee: Organization, year: int, page: int = 1) -> tuple[Ratings, Any]:
    """The committee's branches in tree order (never by score), a page at a time, each with its rating
    and the members' mean annual total as a reference for the 积分制管理考核 score (6 queries)."""
    branches_qs = Organization.objects.filter(subtree_q("path", committee.path), kind=OrgKind.BRANCH).order_by("path")
    pager = Paginator(branches_qs, RATINGS_PER_PAGE).get_page(page)
    branches = list(pager.object_list)
    paths = [b.path for b in branches]
    ratings = {r.org_id: r for r in BranchRating.objects.filter(org__in=branches, year=year)}
    means = {
        r["org_path"]: (r["s"], r["n"])
        for r in MemberYear.objects.filter(org_path__in=paths, year=year, exempt=False)
        .values("org_path")
        .annotate(s=Sum("total"), n=Count("pk"))
    }
    keys = ["points.branch_points_weight", "points.branch_quotas", "points.branch_target_source"]
    settings = config.effective_for_paths_keys([committee.path], keys)
    values = {k: v[committee.path] for k, v in settings.items()}
    # The committee's chosen source of the 年终目标考核 score (one more query when one is chosen).
    source = get_branch_score_source(str(values["points.branch_target_source"]))
    sourced = source.scores(paths, year) if source else {}
    rows = []
    for b in branches:
        s_n = means.get(b.path)
        ref = (s_n[0] / s_n[1]).quantize(R.ONE_PLACE, rounding=ROUND_DOWN) if s_n and s_n[1] else None
        row = RatingRow(b, ratings.get(b.pk), ref, s_n[1] if s_n else 0, sourced.get(b.path))
        if source and row.sourced:
            row.sourced_url = source.link(row.sourced.ref)
        saved = get_branch_score_source(row.rating.target_source) if row.rating and row.rating.target_source else None
        if saved and row.rating:
            row.rating_source_url = saved.link(row.rating.target_ref)
        rows.append(row)
    quota_error = ""
    try:
        quotas = R.parse_quotas(values["points.branch_quotas"])
    except ValidationError as exc:
        quotas, quota_error = {}, "；".join(exc.messages)
    approved = dict(
        BranchRating.objects.filter(committee=committee, year=year, status=RatingStatus.APPROVED)
        .values_list("stars")
        .annotate(n=Count("pk"))
        .values_list("stars", "n")
    )
    data = Ratings(
        committee=committee,
        year=year,
        rows=rows,
        thresholds=manual_for(committee.path, year).manual.branch_thresholds,
        weight=int(values["points.branch_points_weight"]),
        quotas=quotas,
        quota_error=quota_error,
        branches=pager.paginator.count,
        approved=approved,
        target_source=source.label if source else "",
    )
    return data, pager


@dataclass
class BoardRow:
    name: str
    star_label: str
    stars: int

    @property
    def star_range(self) -> range:
        return range(self.stars)


@dataclass
class Board:
    title: str
    org: Organization
    year: int
    rows: list[BoardRow]
    period: str
    note: str
    unit_label: str = "姓名"


def branch_board(committee: Organization, year: int) -> Board:
    """The committee's 星级支部 board: approved starred branches in tree order — stars, no scores, no
    ranking (seed 002; 国办函〔2026〕12号)."""
    ratings = list(
        BranchRating.objects.filter(committee=committee, year=year, status=RatingStatus.APPROVED, stars__gt=0)
        .select_related("org")
        .order_by("org_path")
    )
    decided = max((r.decided_at for r in ratings if r.decided_at), default=None)
    return Board(
        title=f"{committee.name} {year}年度星级党支部",
        org=committee,
        year=year,
        rows=[BoardRow(r.org.name, r.star_label, r.stars) for r in ratings],
        period=f"{decided:%Y年%m月%d日}审定" if decided else "",
        note="按组织顺序排列，只列星级，不列分数，不排名。",
        unit_label="党支部",
    )


def member_board(branch: Organization, year: int) -> Board:
    """The branch's 星级党员 board: the 公示 snapshot with any upheld objection's corrected star,
    members holding a star, in name order. Before the 公示 there is nothing to post."""
    notice = PublicNotice.objects.filter(org=branch, year=year).first()
    rows: list[BoardRow] = []
    period = ""
    if notice is not None:
        corrected = dict(
            notice.objections.filter(status=ObjectionStatus.UPHELD)
            .order_by("answered_at", "pk")
            .values_list("member_id", "star_after")
        )
        labels = {t_label: n for n, t_label in _star_numbers(notice)}
        for r in sorted(notice.rows, key=lambda r: (r["name"], r["member_id"])):
            label = corrected.get(r["member_id"], r["star_label"])
            stars = labels.get(label, 0)
            if not r.get("exempt") and stars > 0:
                rows.append(BoardRow(r["name"], label, stars))
        period = f"公示期 {notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}"
    return Board(
        title=f"{branch.name} {year}年度星级党员",
        org=branch,
        year=year,
        rows=rows,
        period=period,
        note="按姓名排列，只列星级，不列分数，不排名。" if notice else "本年度星级尚未公示；公示后本栏按公示结果生成。",
    )


def _star_numbers(notice: PublicNotice) -> list[tuple[int, str]]:
    """Star label → number of stars, from the frozen rows and the manual of the year."""
    pairs = {(r.get("stars", 0), r["star_label"]) for r in notice.rows}
    pairs |= {(t.stars, t.label) for t in manual_for(notice.org_path, notice.year).manual.thresholds}
    return sorted(pairs)


# ---------------------------------------------------------------------------------------------
# Hand-off to 民主评议 (appraisal): a suggestion beside each member, never a grade


def appraisal_suggestions(member_ids: list[int], year: int) -> dict[int, str]:
    """member id → a short line for the appraisal page ("积分 85，二星（仅供评议参考）"; below the
    lowest star: a suggestion to put the member on the 民主评议 agenda). One query whatever the
    number of members; members not yet computed are absent. The appraisal app shows it through
    `core.registry` (registered by whoever wires the slot), never importing points."""
    if not member_ids:
        return {}
    out: dict[int, str] = {}
    for member_id, total, star, exempt, veto, suggestion in MemberYear.objects.filter(
        member_id__in=member_ids, year=year
    ).values_list("member_id", "total", "star_label", "exempt", "veto_reason", "suggestion"):
        out[member_id] = R.appraisal_hint(total, star, exempt=exempt, veto=veto, suggestion=suggestion)
    return out


# ---------------------------------------------------------------------------------------------
# Figures for the upward reports ("report once": a view over the records)

REPORT_FIGURES = (
    ("notices", "星级公示（次）"),
    ("objections", "党员提出异议（件）"),
    ("objections_open", "异议待答复（件）"),
    ("branch_star", "星级党支部评定"),
)


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Per branch path: 公示 started in the period, objections raised in it and still open, and the
    branch's 星级党支部 rating approved in it (3 queries whatever the number of paths). No scores."""
    out: dict[str, dict[str, Any]] = {}
    if not paths:
        return out
    for path, n in (
        PublicNotice.objects.filter(org_path__in=paths, starts_on__range=(start, end))
        .values_list("org_path")
        .annotate(n=Count("pk"))
        .values_list("org_path", "n")
    ):
        out.setdefault(path, {})["notices"] = n
    for row in (
        Objection.objects.filter(org_path__in=paths, raised_at__date__range=(start, end))
        .values("org_path")
        .annotate(n=Count("pk"), open=Count("pk", filter=models.Q(status=ObjectionStatus.OPEN)))
    ):
        figures = out.setdefault(row["org_path"], {})
        figures["objections"] = row["n"]
        figures["objections_open"] = row["open"]
    for path, label in BranchRating.objects.filter(
        org_path__in=paths, status=RatingStatus.APPROVED, decided_at__date__range=(start, end)
    ).values_list("org_path", "star_label"):
        out.setdefault(path, {})["branch_star"] = label
    return out


def points_sweep_slices(org: Organization, parts: int) -> list[tuple[int, int]]:
    """The subtree's member ids cut into `parts` contiguous slices of about equal size (a count and
    one pass over the id index, keeping only the boundaries): each slice is a queue job, so N
    workers share one tree's sweep. The last slice is open-ended (members added meanwhile)."""
    ids = Member.objects.filter(subtree_q("org_path", org.path)).order_by("pk").values_list("pk", flat=True)
    total = ids.count()
    if total == 0:
        return []
    size = -(-total // max(parts, 1))
    slices: list[tuple[int, int]] = []
    first = 0
    for n, pk in enumerate(ids.iterator(chunk_size=20_000), start=1):
        if n % size == 0 and n < total:
            slices.append((first, pk))
            first = pk + 1
    slices.append((first, 2**62))
    return slices
