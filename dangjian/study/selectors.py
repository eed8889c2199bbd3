"""Reads on study, scoped to the acting user. No ranking anywhere: members are listed by name,
branches in tree order; no figure counts time spent on the platform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.core.findings import Finding
from dangjian.core.paths import ancestor_paths, subtree_q
from dangjian.core.registry import record_url
from dangjian.core.scoping import Action, can, get_for_user, is_own, scope_q
from dangjian.members.models import Member
from dangjian.members.selectors import own_member
from dangjian.orglife.models import Attendance, AttendanceStatus, Meeting
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind, OrgPost, Post
from dangjian.orgs.selectors import get_org_for_user

from . import rules as R
from .ledger import Line, collect, settings_for, year_values
from .models import (
    CollectiveStudy,
    DueKind,
    HomeVisit,
    ItemMode,
    Lecture,
    Lecturer,
    ListSource,
    MemberStudyYear,
    MobileContact,
    Reflection,
    SelfStudy,
    StudyDue,
    StudyItem,
    StudyList,
    TrainingRecord,
)

__all__ = ["own_member"]


def this_year() -> int:
    return timezone.localdate().year


def year_param(raw: str) -> int:
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else this_year()


# ---------------------------------------------------------------------------------------------
# Access


def get_branch(user: Any, pk: int | str, action: str = Action.MANAGE) -> Organization:
    org = get_org_for_user(user, pk, action)
    if org.kind != OrgKind.BRANCH:
        raise Http404("请选择党支部")
    return org


def get_member_for_study(user: Any, pk: int | str) -> Member:
    """A member's hours: the member themself or the branch's managers; 404 for anyone else."""
    return get_for_user(
        Member.objects.select_related("org"),
        pk,
        user,
        Action.MANAGE,
        not_found="党员不存在",
        own=lambda m: is_own(user, m),
    )


def get_item_for_user(user: Any, pk: int | str) -> StudyItem:
    """A study item the user may act on: their branch's lists (and the committee's above it)."""
    mine = own_member(user)
    return get_for_user(
        StudyItem.objects.select_related("study_list"),
        pk,
        user,
        Action.VIEW,
        not_found="学习内容不存在",
        also_visible=lambda i: mine is not None and i.org_path in ancestor_paths(mine.org_path),
    )


def get_reflection_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Reflection:
    """A 心得: its author, the branch's managers, and — once featured — the branch's members."""

    def visible(r: Reflection) -> bool:
        return r.featured and can(user, Action.VIEW, r.org_path)

    qs = Reflection.objects.select_related("member", "lecture")
    if action == Action.VIEW:
        return get_for_user(
            qs,
            pk,
            user,
            Action.MANAGE,
            not_found="学习心得不存在",
            own=lambda r: is_own(user, r.member) or visible(r),
        )
    return get_for_user(qs, pk, user, action, not_found="学习心得不存在")


def get_lecture_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> Lecture:
    return get_for_user(
        Lecture.objects.select_related("lecturer", "audience"),
        pk,
        user,
        action,
        not_found="专题宣讲不存在",
        path_field="audience_path",
    )


def get_lecturer_for_user(user: Any, pk: int | str) -> Lecturer:
    return get_for_user(Lecturer.objects.all(), pk, user, Action.MANAGE, not_found="讲师不存在")


def managed_branches(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_q(user, Action.MANAGE, "path"), kind=OrgKind.BRANCH).order_by("path")


def managed_committees(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(
        scope_q(user, Action.MANAGE, "path"), kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH]
    ).order_by("path")


# ---------------------------------------------------------------------------------------------
# A member's progress


@dataclass
class Progress:
    member: Member
    year: int
    values: dict[str, Any]
    lines: list[Line]
    standing: R.Standing
    items: list[tuple[StudyItem, bool]] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)
    featured: list[Reflection] = field(default_factory=list)


def _cadre(member: Member, year: int) -> bool:
    on = min(dt.date(year, 12, 31), timezone.localdate())
    return (
        OrgPost.objects.filter(member=member)
        .exclude(post=Post.GROUP_LEADER)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=on), Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .exists()
    )


def lists_in_force(month: dt.date, prefix: str = "") -> Q:
    """The study lists for `month` (a list may span several months, `StudyList.until_month`)."""
    first = month.replace(day=1)
    return Q(**{f"{prefix}month__lte": first, f"{prefix}until_month__gte": first})


def study_items_for(member: Member, month: dt.date) -> list[tuple[StudyItem, bool]]:
    """The month's items of the member's branch lists and the committees' above it, each with
    whether the member has done it (self: marked; collective: present at the meeting)."""
    items = list(
        StudyItem.objects.filter(
            lists_in_force(month, "study_list__"), org_path__in=ancestor_paths(member.org_path)
        ).select_related("study_list")
    )
    ids = [i.pk for i in items]
    own = set(SelfStudy.objects.filter(member=member, item_id__in=ids).values_list("item_id", flat=True))
    present = set(
        CollectiveStudy.objects.filter(
            item_id__in=ids,
            meeting__in=Attendance.objects.filter(member=member, status=AttendanceStatus.PRESENT).values("meeting_id"),
        ).values_list("item_id", flat=True)
    )
    return [(i, i.pk in (own if i.mode == ItemMode.SELF else present)) for i in items]


def member_progress(member: Member, year: int, *, with_study: bool = False) -> Progress:
    """The member's hours of `year`, line by line, computed live from the records."""
    settings = settings_for([member.org_path])
    tallies, lines = collect([member], year, settings, lines=True)
    cadre = _cadre(member, year)
    values = year_values(member, tallies[member.pk], cadre, settings[member.org_path])
    st = R.standing(
        values["total"],
        values["concentrated"],
        cadre=cadre,
        exempt=member.exempt,
        targets=settings[member.org_path].targets,
    )
    p = Progress(member, year, values, lines.get(member.pk, []), st)
    if with_study:
        p.items = study_items_for(member, timezone.localdate())
        p.reflections = list(Reflection.objects.filter(member=member)[:20])
        p.featured = list(
            Reflection.objects.filter(org_path=member.org_path, featured=True).select_related("member")[:10]
        )
    return p


# ---------------------------------------------------------------------------------------------
# The secretary's branch view


@dataclass
class BranchRow:
    member: Member
    year_row: MemberStudyYear | None


@dataclass
class BranchStudy:
    org: Organization
    year: int
    rows: list[BranchRow]
    on_track: int
    counted: int
    exempt: int
    lists: list[StudyList]
    warnings: list[tuple[str, Finding]]
    featured: list[Reflection]
    drafts: list[Reflection]
    open_dues: dict[str, int]
    # Each list with the page of the record it was derived from ("" for the branch's own lists).
    list_links: list[tuple[StudyList, str]] = field(default_factory=list)


def induction_warnings(paths: list[str], today: dt.date) -> list[tuple[str, Finding]]:
    """Secretaries of the branches at `paths` without induction training 6 months after taking office."""
    posts = list(
        OrgPost.objects.filter(org__path__in=paths, post=Post.SECRETARY, ended_on__isnull=True).select_related("member")
    )
    if not posts:
        return []
    inducted = set(
        TrainingRecord.objects.filter(member_id__in=[p.member_id for p in posts], induction=True).values_list(
            "member_id", flat=True
        )
    )
    months = config.effective_for_paths(sorted(set(paths)), "study.induction_months")
    out = []
    for p in posts:
        f = R.induction_finding(p.started_on, p.member_id in inducted, today, int(months.get(p.member.org_path, 6)))
        if f is not None:
            out.append((p.member.name, f))
    return out


def branch_study(org: Organization, year: int) -> BranchStudy:
    """One branch: every member's hours in name order (the stored yearly figures), this month's
    lists, induction warnings, 心得 and open 待办."""
    members = list(Member.objects.filter(org=org, is_active=True).order_by("name", "pk").only("pk", "name", "exempt"))
    years = {y.member_id: y for y in MemberStudyYear.objects.filter(org_path=org.path, year=year)}
    rows = [BranchRow(m, years.get(m.pk)) for m in members]
    counted = sum(1 for r in rows if not r.member.exempt)
    on_track = sum(1 for r in rows if not r.member.exempt and r.year_row is not None and r.year_row.on_track)
    lists = list(
        StudyList.objects.filter(lists_in_force(timezone.localdate()), org_path__in=ancestor_paths(org.path))
        .select_related("org")
        .prefetch_related("items")
    )
    list_links = [(sl, record_url(sl.source_ref, org) if sl.source == ListSource.ASSIGNED else "") for sl in lists]
    reflections = list(Reflection.objects.filter(org_path=org.path).select_related("member")[:40])
    dues = dict(
        StudyDue.objects.filter(org_path=org.path, closed_on__isnull=True)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return BranchStudy(
        org,
        year,
        rows,
        on_track,
        counted,
        len(rows) - counted,
        lists,
        induction_warnings([org.path], timezone.localdate()),
        [r for r in reflections if r.featured],
        [r for r in reflections if not r.featured],
        dues,
        list_links,
    )


def recent_meetings(org: Organization) -> list[Meeting]:
    """The branch's meetings of the last three months (to link collective study items)."""
    since = timezone.localdate() - dt.timedelta(days=92)
    return list(Meeting.objects.filter(branch_path=org.path, meeting_date__gte=since).order_by("-meeting_date")[:30])


# ---------------------------------------------------------------------------------------------
# The committee's on-track share


@dataclass(frozen=True)
class Share:
    org: Organization
    year: int
    members: int
    exempt: int
    counted: int
    on_track: int

    @property
    def percent(self) -> Decimal:
        if not self.counted:
            return Decimal(0)
        return (Decimal(self.on_track) * 100 / self.counted).quantize(Decimal("0.1"))


def on_track_share(org: Organization, year: int) -> Share:
    """The share of the subtree's members on track (exempt members apart) — one aggregate query."""
    agg = MemberStudyYear.objects.filter(subtree_q("org_path", org.path), year=year).aggregate(
        n_members=Count("pk"),
        n_exempt=Count("pk", filter=Q(exempt=True)),
        n_on_track=Count("pk", filter=Q(on_track=True, exempt=False)),
    )
    counted = agg["n_members"] - agg["n_exempt"]
    return Share(org, year, agg["n_members"], agg["n_exempt"], counted, agg["n_on_track"])


# ---------------------------------------------------------------------------------------------
# 流动党员 and home service


@dataclass
class MobileRow:
    member: Member
    due: dt.date
    overdue: bool
    contacts: list[MobileContact]


def mobile_members(org: Organization, today: dt.date) -> list[MobileRow]:
    members = list(Member.objects.filter(org=org, is_active=True, is_mobile=True).order_by("name", "pk"))
    logs: dict[int, list[MobileContact]] = {m.pk: [] for m in members}
    for c in MobileContact.objects.filter(member_id__in=list(logs)).order_by("-on", "-id")[:500]:
        if len(logs[c.member_id]) < 3:
            logs[c.member_id].append(c)
    return [
        MobileRow(
            m,
            R.contact_due(m.mobile_last_contact, today),
            R.contact_overdue(m.mobile_last_contact, today),
            logs[m.pk],
        )
        for m in members
    ]


@dataclass
class VisitRow:
    member: Member
    last: dt.date | None
    due: dt.date
    visits: list[HomeVisit]


def exempt_members(org: Organization, today: dt.date) -> tuple[list[VisitRow], int]:
    members = list(Member.objects.filter(org=org, is_active=True, exempt=True).order_by("name", "pk"))
    cadence = int(config.effective(org.path, "study.visit_cadence_months"))
    visits: dict[int, list[HomeVisit]] = {m.pk: [] for m in members}
    for v in HomeVisit.objects.filter(member_id__in=list(visits)).order_by("-on", "-id")[:500]:
        if len(visits[v.member_id]) < 3:
            visits[v.member_id].append(v)
    last = dict(
        HomeVisit.objects.filter(member_id__in=list(visits))
        .values("member_id")
        .annotate(last=Max("on"))
        .values_list("member_id", "last")
    )
    rows = [VisitRow(m, last.get(m.pk), R.visit_due(last.get(m.pk), cadence, today), visits[m.pk]) for m in members]
    return rows, cadence


# ---------------------------------------------------------------------------------------------
# Lecturers, 心得 collection


def lecturers_of(org: Organization) -> list[Lecturer]:
    return list(Lecturer.objects.filter(org=org).order_by("team", "name", "pk"))


def lectures_of(org: Organization) -> list[Lecture]:
    return list(Lecture.objects.filter(org=org).select_related("lecturer", "audience")[:50])


def audience_branches(org: Organization) -> list[Organization]:
    return list(Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.BRANCH).order_by("path")[:500])


def featured_in(org: Organization, year: int) -> list[Reflection]:
    """Featured 心得 of the subtree in `year`, in tree order then date (for the committee's PDF)."""
    return list(
        Reflection.objects.filter(subtree_q("org_path", org.path), featured=True, written_on__year=year)
        .select_related("member", "member__org")
        .order_by("org_path", "written_on", "pk")[:500]
    )


# ---------------------------------------------------------------------------------------------
# 待办


def open_dues_for(user: Any) -> dict[str, int]:
    """Open 待办 in the user's managed subtrees, by kind — one query (none without a managing role)."""
    return {kind: n for kind, (n, _) in open_dues_by_kind(user).items()}


def open_dues_by_kind(user: Any) -> dict[str, tuple[int, int | None]]:
    """Open 待办 by kind: (count, the branch's id when they are all in one branch) — one query."""
    q = scope_q(user, Action.MANAGE)
    return {
        kind: (n, org if branches == 1 else None)
        for kind, n, org, branches in StudyDue.objects.filter(q, closed_on__isnull=True)
        .values("kind")
        .annotate(n=Count("pk"), org=Min("member__org_id"), branches=Count("member__org_id", distinct=True))
        .order_by()
        .values_list("kind", "n", "org", "branches")
    }


DUE_LABELS = dict(DueKind.choices)
