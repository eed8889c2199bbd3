"""Reads of 五亮五共 and 三个一, scoped to the acting user.

The two-tree rule: a member's branch (employer) sees the link's community NAME and the confirmed work;
the community sees, through the link row only, the member's name, phone and skills and the residence
address; neither sees anything else of the other tree (members.selectors still 404s for the community).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.masking import mask_phone, may_see_identity
from dangjian.core.paths import STEPLEN, subtree_q
from dangjian.core.registry import Figures, MemberEvent
from dangjian.core.scoping import Action, can, get_for_user, is_own, scope_prefixes, scope_q
from dangjian.members.models import Member, MemberCategory
from dangjian.members.selectors import own_member
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind, Sector
from dangjian.orgs.selectors import get_org_for_user, orgs_visible_to, top_orgs_for

from . import rules as R
from .models import (
    PENDING,
    ContactVisit,
    Deed,
    DeedKind,
    DeedStatus,
    Need,
    NeedStatus,
    Pledge,
    SecretaryPledge,
    ServiceLink,
)

__all__ = ["own_member"]


def obligations_for(path: str) -> R.Obligations:
    return R.Obligations(
        deeds_per_year=int(config.effective(path, "community.deeds_per_year")),
        activities_per_quarter=int(config.effective(path, "community.activities_per_quarter")),
        midquarter_owes=bool(config.effective(path, "community.midquarter_owes")),
    )


def active_link_of(member: Member) -> ServiceLink | None:
    return ServiceLink.objects.select_related("community").filter(member=member, ended_on__isnull=True).first()


def _linked_to(user: Any, community_id: int) -> bool:
    """Is the signed-in user's own member row linked to this community right now?"""
    if not getattr(user, "is_authenticated", False):
        return False
    return ServiceLink.objects.filter(
        member__user_id=user.pk, community_id=community_id, ended_on__isnull=True
    ).exists()


# ---------------------------------------------------------------------------------------------
# get_<obj>_for_user: the one fetch, with the link's second tree as a hook


def get_link_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> ServiceLink:
    """A report-in: the member's own; visible to the employer tree (org_path) and to the community
    (community_path); any action beyond VIEW is the community's (checked at community_path)."""
    return get_for_user(
        ServiceLink.objects.select_related("member", "member__org", "community"),
        pk,
        user,
        action,
        not_found="报到记录不存在",
        denied="只有报到社区的党组织可以办理",
        own=(lambda link: is_own(user, link.member)) if action == Action.VIEW else None,
        also_visible=lambda link: can(user, Action.VIEW, link.community_path),
        action_path=lambda link: link.community_path,
    )


def get_deed_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Deed:
    return get_for_user(
        Deed.objects.select_related("member", "community", "link"),
        pk,
        user,
        action,
        not_found="记录不存在",
        denied="只有报到社区的党组织可以确认",
        own=(lambda d: is_own(user, d.member)) if action == Action.VIEW else None,
        also_visible=lambda d: can(user, Action.VIEW, d.community_path),
        action_path=lambda d: d.community_path,
    )


def get_need_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Need:
    """A community's need: its own org's roles, and (to claim it) the members linked to it."""
    return get_for_user(
        Need.objects.select_related("community"),
        pk,
        user,
        action,
        not_found="需求不存在",
        denied="只有该社区党组织可以办理",
        own=(lambda n: _linked_to(user, n.community_id)) if action == Action.VIEW else None,
    )


def get_community_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> Organization:
    org = get_for_user(Organization.objects.all(), pk, user, action, not_found="组织不存在", path_field="path")
    if org.sector != Sector.COMMUNITY:
        raise Http404("该组织不是城市社区党组织")
    return org


def get_three_ones_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> SecretaryPledge:
    """A committee's 三个一, for the committee's own roles (and those above). Its 公示 reaches the
    members and the public through the disclosure boards (`disclosable_three_ones`, wired by openness)."""
    return get_for_user(
        SecretaryPledge.objects.select_related("org", "contact_org"),
        pk,
        user,
        action,
        not_found="“三个一”记录不存在",
        denied="无权办理该组织的“三个一”",
    )


def get_committee_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> Organization:
    org = get_for_user(Organization.objects.all(), pk, user, action, not_found="组织不存在", path_field="path")
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise Http404("“三个一”由分党委（党委、党总支）落实")
    return org


def get_for_employer(user: Any, pk: int | str) -> Organization:
    """The employer side's org (a branch or a committee above branches) the user manages."""
    org = get_org_for_user(user, pk, Action.MANAGE)
    if org.kind == OrgKind.GROUP:
        raise Http404("请选择党支部或党委")
    return org


def link_phone(user: Any, link: ServiceLink) -> str:
    """The member's phone as the viewer may see it: in full for the member and for the community's
    roles holding VIEW_SENSITIVE there (the service link's purpose: contacting the member), masked
    (core.masking) for everyone else."""
    full = may_see_identity(user, link.community_path, link.member.user_id)
    return link.member.phone if full else mask_phone(link.member.phone)


def links_of_branch(org: Organization) -> list[Any]:
    """The branch's members' current report-ins as the employer sees them: the community's name and
    the date — never the residence address."""
    return list(
        ServiceLink.objects.filter(org_path=org.path, ended_on__isnull=True)
        .order_by("member__name")
        .values("pk", "member__name", "community__name", "reported_on", "channel")[:500]
    )


def communities_managed(user: Any) -> QuerySet[Organization]:
    return orgs_visible_to(user, Action.MANAGE).filter(sector=Sector.COMMUNITY).order_by("path")


def committees_managed(user: Any) -> QuerySet[Organization]:
    """The top orgs of the user's MANAGE scope that keep "三个一" (党委, 党总支); deeper ones are
    reached from the committee's pages of the year."""
    return top_orgs_for(user, Action.MANAGE).filter(kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH])


def employer_orgs(user: Any) -> QuerySet[Organization]:
    """Where the user reads the quarterly report-in standing: the top orgs of their MANAGE scope."""
    return top_orgs_for(user, Action.MANAGE).exclude(kind=OrgKind.GROUP).exclude(sector=Sector.COMMUNITY)


def community_search(query: str, limit: int = 20) -> list[Organization]:
    """Community organizations any in-service member may report to, by name (names only: a member
    must be able to find the community where they live, whichever committee it belongs to)."""
    q = query.strip()
    if len(q) < 2:
        return []
    return list(
        Organization.objects.filter(sector=Sector.COMMUNITY, name__contains=q)
        .exclude(kind=OrgKind.GROUP)
        .order_by("name")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# The member's page


@dataclass
class MyCommunity:
    member: Member
    link: ServiceLink | None
    needs: list[Need] = field(default_factory=list)
    claimed_need_ids: set[int] = field(default_factory=set)
    deeds: list[Deed] = field(default_factory=list)
    pledge: Pledge | None = None
    standing: R.Standing | None = None
    quarter: tuple[int, int] = (0, 0)


def my_community(member: Member, today: dt.date) -> MyCommunity:
    link = active_link_of(member)
    data = MyCommunity(member, link, quarter=(today.year, R.quarter_of(today)))
    data.deeds = list(Deed.objects.filter(member=member).select_related("community").order_by("-on", "-id")[:50])
    data.pledge = Pledge.objects.filter(member=member, year=today.year).first()
    if link is not None:
        data.needs = list(
            Need.objects.filter(community_id=link.community_id, status=NeedStatus.OPEN, due_on__gte=today)[:30]
        )
        data.claimed_need_ids = {d.need_id for d in data.deeds if d.need_id and d.status != DeedStatus.EXPIRED}
    year, q = data.quarter
    start, end = R.quarter_bounds(year, q)
    data.standing = R.standing(
        reported_on=link.reported_on if link else None,
        activities=sum(
            1 for d in data.deeds
            if d.kind == DeedKind.ACTIVITY and d.status == DeedStatus.CONFIRMED and start <= d.on <= end
        ),
        deeds_year=sum(
            1 for d in data.deeds if d.kind == DeedKind.TASK and d.status == DeedStatus.CONFIRMED and d.on.year == year
        ),
        year=year, quarter=q, today=today, ob=obligations_for(member.org_path),
    )  # fmt: skip
    return data


# ---------------------------------------------------------------------------------------------
# The community's desk: the confirmation queue and the reported members


@dataclass(frozen=True)
class LinkedMember:
    """What the community reads of a linked member: name, phone, skills — nothing else of the
    employer tree (no 身份证号, no birth date, no branch records)."""

    link: ServiceLink
    name: str
    phone: str
    skills: str
    address: str
    employer: str


def confirmation_queue(community: Organization, limit: int = 100) -> list[Deed]:
    """Reported tasks and activities waiting for the community, oldest first (one indexed query)."""
    return list(
        Deed.objects.filter(community_path=community.path, status=DeedStatus.REPORTED)
        .select_related("member")
        .only("pk", "title", "kind", "on", "hours", "role", "note", "status", "version", "member__name", "entered_at")
        .order_by("entered_at", "pk")[:limit]
    )


def linked_members(user: Any, community: Organization, limit: int = 300) -> list[LinkedMember]:
    full = may_see_identity(user, community.path)
    rows = (
        ServiceLink.objects.filter(community=community, ended_on__isnull=True)
        .select_related("member", "member__org")
        .order_by("member__name")[:limit]
    )
    return [
        LinkedMember(
            link=link,
            name=link.member.name,
            phone=link.member.phone if full else mask_phone(link.member.phone),
            skills=link.skills,
            address=link.address,
            employer=link.member.org.name,
        )
        for link in rows
    ]


def linked_count(community: Organization) -> int:
    return ServiceLink.objects.filter(community=community, ended_on__isnull=True).count()


def open_needs(community: Organization) -> list[Need]:
    return list(
        Need.objects.filter(community=community, status=NeedStatus.OPEN)
        .annotate(taken=Count("deeds", filter=Q(deeds__status__in=[*PENDING, DeedStatus.CONFIRMED])))
        .order_by("due_on", "pk")[:100]
    )


def claimed_in_progress(community: Organization) -> list[Deed]:
    return list(
        Deed.objects.filter(community_path=community.path, status=DeedStatus.CLAIMED)
        .select_related("member")
        .order_by("entered_at")[:50]
    )


def community_pledges(community: Organization, year: int) -> list[Pledge]:
    """The linked members' 承诺书 of the year, as the community reads them (its own side of the link)."""
    return list(
        Pledge.objects.filter(community_path=community.path, year=year, link__ended_on__isnull=True)
        .select_related("member")
        .order_by("member__name")[:300]
    )


def public_pledges(paths: list[str], year: int) -> QuerySet[Pledge]:
    """For `openness` (the merger wires it): the 承诺书 members chose to publish (公示) at the
    communities at or under `paths` — name and pledge text only are meant to be shown."""
    within = Q(pk__in=[])
    for p in paths:
        within |= subtree_q("community_path", p)
    return (
        Pledge.objects.filter(within, year=year, public=True, link__ended_on__isnull=True)
        .select_related("member")
        .order_by("member__name")
    )


def pending_count(user: Any) -> int:
    """Reported work waiting for a community the user manages (the 待办; one query, none without MANAGE)."""
    return Deed.objects.from_side(user, Action.MANAGE, "community_path").filter(status=DeedStatus.REPORTED).count()


# ---------------------------------------------------------------------------------------------
# The employer's view: which in-service members are unreported or behind, per quarter


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    community: str
    reported_on: dt.date | None
    standing: R.Standing


def _links_in_quarter(start: dt.date, end: dt.date) -> Q:
    return Q(reported_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=start))


def branch_quarter(org: Organization, year: int, quarter: int, today: dt.date) -> list[MemberRow]:
    """Every in-service member of the branch with their quarter standing (4 queries)."""
    start, end = R.quarter_bounds(year, quarter)
    members = list(
        Member.objects.filter(org=org, is_active=True, category=MemberCategory.IN_SERVICE)
        .order_by("name")
        .values_list("pk", "name")
    )
    ids = [pk for pk, _ in members]
    links: dict[int, tuple[dt.date, str]] = {}
    for member_id, on, name in (
        ServiceLink.objects.filter(_links_in_quarter(start, end), member_id__in=ids)
        .order_by("reported_on")
        .values_list("member_id", "reported_on", "community__name")
    ):
        links[member_id] = (on, name)
    confirmed = Deed.objects.filter(member_id__in=ids, status=DeedStatus.CONFIRMED, on__year=year, on__lte=end)
    acts: dict[int, int] = {}
    deeds: dict[int, int] = {}
    for member_id, kind, on in confirmed.values_list("member_id", "kind", "on"):
        if kind == DeedKind.ACTIVITY and on >= start:
            acts[member_id] = acts.get(member_id, 0) + 1
        elif kind == DeedKind.TASK:
            deeds[member_id] = deeds.get(member_id, 0) + 1
    ob = obligations_for(org.path)
    rows = []
    for pk, name in members:
        hit = links.get(pk)
        reported_on = hit[0] if hit else None
        community = hit[1] if hit else ""
        st = R.standing(
            reported_on=reported_on, activities=acts.get(pk, 0), deeds_year=deeds.get(pk, 0),
            year=year, quarter=quarter, today=today, ob=ob,
        )  # fmt: skip
        rows.append(MemberRow(pk, name, community, reported_on, st))
    return rows


@dataclass(frozen=True)
class CoverageRow:
    path: str
    name: str
    in_service: int
    reported: int
    owing: int
    active: int
    pk: int | None = None  # the child org, for drilling down

    @property
    def unreported(self) -> int:
        return max(self.in_service - self.reported, 0)

    @property
    def behind(self) -> int:
        return max(self.owing - self.active, 0)


def committee_coverage(org: Organization, year: int, quarter: int) -> list[CoverageRow]:
    """Per child org of `org` (a county's towns, a town's branches), summed over each child's subtree:
    in-service members, reported, owing the quarter, with a confirmed activity in it — aggregated in the
    database by path prefix (4 queries and a handful of rows whatever the subtree's size)."""
    start, end = R.quarter_bounds(year, quarter)
    within = subtree_q("org_path", org.path)
    child = Substr("org_path", 1, len(org.path) + STEPLEN)
    in_service = dict(
        Member.objects.filter(within, is_active=True, category=MemberCategory.IN_SERVICE)
        .annotate(k=child)
        .values("k")
        .annotate(n=Count("pk"))
        .values_list("k", "n")
    )
    owes_from = end if bool(config.effective(org.path, "community.midquarter_owes")) else start
    # One link per member at a time (a unique constraint), so links are counted, not distinct members:
    # a member who moved house within the quarter counts once per community (rare, and visible on the
    # branch's own list).
    counted = (
        ServiceLink.objects.filter(within, _links_in_quarter(start, end))
        .annotate(k=child)
        .values("k")
        .annotate(reported=Count("pk"), owing=Count("pk", filter=Q(reported_on__lte=owes_from)))
    )
    # Members who owe the quarter and have a confirmed activity in it (the deed's link says since when).
    # With the default (owes from the report-in's quarter) every activity in the quarter counts: no join.
    since = Q(link__reported_on__lte=owes_from) if owes_from < end else Q()
    acted = dict(
        Deed.objects.filter(since, within, kind=DeedKind.ACTIVITY, status=DeedStatus.CONFIRMED, on__range=(start, end))
        .annotate(k=child)
        .values("k")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("k", "n")
    )
    by_path = {r["k"]: r for r in counted}
    orgs = {
        o.path: o for o in Organization.objects.filter(path__in=list(in_service)).only("pk", "path", "name", "kind")
    }
    return [
        CoverageRow(
            p,
            orgs[p].name if p in orgs else p,
            n,
            by_path.get(p, {}).get("reported", 0),
            by_path.get(p, {}).get("owing", 0),
            acted.get(p, 0),
            orgs[p].pk if p in orgs else None,
        )
        for p, n in sorted(in_service.items())
    ]


# ---------------------------------------------------------------------------------------------
# 三个一


@dataclass
class ThreeOnesReport:
    record: SecretaryPledge
    visits: list[ContactVisit]
    target: int
    findings: list[Any]


def three_ones_report(record: SecretaryPledge, today: dt.date) -> ThreeOnesReport:
    """The year-end 践诺 report: generated from the record and the visit log."""
    visits = list(record.visits.order_by("on", "pk"))
    target = int(config.effective(record.org_path, "community.contact_visits_per_year"))
    findings = R.three_ones_findings(
        pledge=record.pledge, project=record.project, goals=record.goals, has_contact=record.contact_org_id is not None,
        published=record.published, visits=len(visits), target=target, year=record.year, today=today,
    )  # fmt: skip
    return ThreeOnesReport(record, visits, target, findings)


def three_ones_of(org: Organization) -> list[SecretaryPledge]:
    return list(SecretaryPledge.objects.filter(org=org).select_related("contact_org").order_by("-year")[:10])


def disclosable_three_ones(paths: list[str], today: dt.date | None = None) -> QuerySet[SecretaryPledge]:
    """For `openness` (the merger wires it to the disclosure catalogue): the 三个一 公示 of the orgs at
    or under `paths` whose 公示 has started — the frozen content the public board may show (org,
    secretary, pledge, project and goals, contact point, period; no personal data beyond the
    secretary's name, which the seed's template publishes)."""
    day = today or timezone.localdate()
    within = Q(pk__in=[])
    for p in paths:
        within |= subtree_q("org_path", p)
    return (
        SecretaryPledge.objects.filter(within, notice_from__isnull=False, notice_from__lte=day)
        .select_related("org", "contact_org")
        .order_by("-year", "org_path")
    )


# ---------------------------------------------------------------------------------------------
# Registry sources: upward report figures and points events


REPORT_FIGURES = (
    ("in_service", "在职党员"),
    ("reported", "已到社区报到"),
    ("deeds", "社区确认实事（件）"),
    ("activities", "社区确认活动（人次）"),
    ("hours", "服务时长（小时）"),
)


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> Figures:
    """Per branch path: in-service members, reported (link active at `end`), confirmed deeds and
    activities dated in [start, end] and their hours (3 queries)."""
    out: Figures = {}
    for p, n in (
        Member.objects.filter(org_path__in=paths, is_active=True, category=MemberCategory.IN_SERVICE)
        .values("org_path")
        .annotate(n=Count("pk"))
        .values_list("org_path", "n")
    ):
        out.setdefault(p, {})["in_service"] = n
    for p, n in (
        ServiceLink.objects.filter(org_path__in=paths)
        .filter(_links_in_quarter(end, end))
        .values("org_path")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("org_path", "n")
    ):
        out.setdefault(p, {})["reported"] = n
    for row in (
        Deed.objects.filter(org_path__in=paths, status=DeedStatus.CONFIRMED, on__range=(start, end))
        .values("org_path")
        .annotate(
            deeds=Count("pk", filter=Q(kind=DeedKind.TASK)),
            activities=Count("pk", filter=Q(kind=DeedKind.ACTIVITY)),
            hours=Sum("hours"),
        )
    ):
        fig = out.setdefault(row["org_path"], {})
        fig.update(deeds=row["deeds"], activities=row["activities"], hours=row["hours"] or 0)
    for fig in out.values():
        for key, _ in REPORT_FIGURES:
            fig.setdefault(key, 0)
    return out


def _events(kind: str, prefix: str, label: str) -> Any:
    def events(member_ids: list[int], start: dt.date, end: dt.date) -> list[MemberEvent]:
        """Confirmed deeds of the members dated in [start, end] (one query)."""
        rows = Deed.objects.filter(
            member_id__in=member_ids, kind=kind, status=DeedStatus.CONFIRMED, on__range=(start, end)
        ).values_list("pk", "member_id", "on", "title", "community__name")
        return [MemberEvent(m, on, f"{prefix}:{pk}", f"{label}：{title}（{c}确认）") for pk, m, on, title, c in rows]

    return events


deed_events = _events(DeedKind.TASK, "deed", "社区实事")
activity_events = _events(DeedKind.ACTIVITY, "activity", "社区活动")


# ---------------------------------------------------------------------------------------------
# The quarter's list as a spreadsheet, and the employer's 待办


@dataclass(frozen=True)
class SheetRow:
    """One in-service member of the branch in the quarter's spreadsheet: the phone as the viewer may
    see it (core.masking) — never the residence address or the 身份证号."""

    name: str
    phone: str
    community: str
    reported_on: dt.date | None
    activities: int
    deeds_year: int
    label: str
    findings: str


def quarter_sheet(user: Any, org: Organization, year: int, quarter: int, today: dt.date) -> list[SheetRow]:
    """The branch's quarter standing (`branch_quarter`) with each member's phone under the one masking
    policy (one query more)."""
    rows = branch_quarter(org, year, quarter, today)
    phones = dict(Member.objects.filter(pk__in=[r.member_id for r in rows]).values_list("pk", "phone"))
    full = may_see_identity(user, org.path)
    return [
        SheetRow(
            name=r.name,
            phone=(phones.get(r.member_id) or "") if full else mask_phone(phones.get(r.member_id)),
            community=r.community,
            reported_on=r.reported_on,
            activities=r.standing.activities,
            deeds_year=r.standing.deeds_year,
            label=r.standing.label,
            findings="；".join(f.message_zh for f in r.standing.findings),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Unreported:
    """In-service members under the user's MANAGE scope with no report-in in the quarter."""

    total: int
    names: list[str]
    org_pk: int | None  # the one employer org to open, when the scope has exactly one
    year: int
    quarter: int
    quarter_end: dt.date
    more: bool = False  # more than `total` (= UNREPORTED_CAP): the count stopped there


UNREPORTED_CAP = 10_000


def unreported_this_quarter(user: Any, today: dt.date, show: int = 3) -> Unreported | None:
    """For the home 待办 of a branch (or committee) admin: how many in-service members of their MANAGE
    scope have not reported in to a community this quarter, the first names and the org to open (one
    query; none for a user without MANAGE). Community organizations' own scopes are left out: their roles confirm work,
    they are not the members' employer."""
    prefixes = scope_prefixes(user, Action.MANAGE)
    if prefixes is not None and not prefixes:
        return None
    year, quarter = today.year, R.quarter_of(today)
    start, end = R.quarter_bounds(year, quarter)
    linked = ServiceLink.objects.filter(_links_in_quarter(start, end), member_id=OuterRef("pk"))
    # The one org to open when the scope has a single root: looked up in the same query.
    root = Organization.objects.none()
    if prefixes is not None and len(prefixes) == 1:
        root = Organization.objects.filter(path=prefixes[0]).exclude(kind=OrgKind.GROUP)
    # Bounded (issue 18, a province): the first UNREPORTED_CAP + 1 in roster order -- an index walk
    # that stops there -- are counted and named, not every member of a province's root.
    first = (
        Member.objects.filter(scope_q(user, Action.MANAGE), is_active=True, category=MemberCategory.IN_SERVICE)
        .exclude(org__sector=Sector.COMMUNITY)
        .filter(~Exists(linked))
        .order_by("org_path", "name", "pk")
        .values("pk")[: UNREPORTED_CAP + 1]
    )
    rows = list(
        Member.objects.filter(pk__in=first)
        .annotate(total=Window(Count("pk")), root=Subquery(root.values("pk")[:1]))
        .order_by("org_path", "name", "pk")
        .values_list("name", "total", "root")[:show]
    )
    if not rows:
        return None
    total = int(rows[0][1])
    return Unreported(
        min(total, UNREPORTED_CAP), [r[0] for r in rows], rows[0][2], year, quarter, end, more=total > UNREPORTED_CAP
    )
