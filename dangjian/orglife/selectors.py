"""Reads on organizational-life records, always scoped to the acting user.

For other apps (assignments' 主题党日活动总结表, dues' party-day link) the stable read is
`party_day_records(user, org_paths=..., year=..., month=...)`; see its docstring.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.core.hotquery import HotQuery
from dangjian.core.paths import ancestor_paths, parent_path, subtree_q, successor
from dangjian.core.scoping import Action, can, get_for_user, scope_prefixes
from dangjian.core.snapshot import snapshot
from dangjian.members.models import Member, MemberTransfer
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import rules
from .config import effective_config
from .models import (
    KIND_FIELDS,
    ActionStatus,
    Attendance,
    AttendanceExclusion,
    AttendanceStatus,
    BranchMonth,
    Level,
    Meeting,
    MeetingAttachment,
    MeetingPhoto,
    MeetingStatus,
    ResolutionAction,
)

T = TypeVar("T")

# ---------------------------------------------------------------- meetings


def meeting_labels(ids: Sequence[int]) -> dict[int, str]:
    """ "2026-03-02 学习贯彻全国两会精神（草稿）" per meeting id, for links that name the meeting."""
    out: dict[int, str] = {}
    for pk, day, theme, status in Meeting.objects.filter(pk__in=set(ids)).values_list(
        "pk", "meeting_date", "theme", "status"
    ):
        out[pk] = f"{day:%Y-%m-%d} {theme}" + ("" if status == MeetingStatus.FILED else "（草稿）")
    return out


def groups_of(branch: Organization) -> QuerySet[Organization]:
    """The 党小组 of a branch, by name."""
    return Organization.objects.filter(subtree_q("path", branch.path), kind=OrgKind.GROUP).order_by("name")


def branch_of(org: Organization) -> Organization:
    """The branch a 党小组 belongs to (the org itself otherwise)."""
    if org.kind == OrgKind.GROUP:
        return Organization.objects.get(path=parent_path(org.path))
    return org


def meetings_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user, action)


def get_meeting_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Meeting:
    return get_for_user(
        Meeting.objects.select_related("org", "host", "recorder", "filed_by", "created_by"),
        pk,
        user,
        action,
        not_found="记录不存在",
    )


def meetings_of_org(user: Any, org: Organization, *, month: int | None = None, kind: str = "") -> QuerySet[Meeting]:
    """The meetings held by `org` and its 党小组 (a branch list), newest first."""
    qs = meetings_visible_to(user).filter(subtree_q("org_path", org.path))
    if month:
        qs = qs.filter(month=month)
    if kind in KIND_FIELDS:
        qs = qs.filter(**{KIND_FIELDS[kind]: True})
    return qs.select_related("org").order_by("-started_at", "-id")


# What the meeting list and calendar show, as values: the long texts (minutes, study items, …) stay
# unread and no model instance is built per row.
LIST_VALUES = (
    "pk",
    "org_id",
    "org__name",
    "meeting_date",
    "month",
    "theme",
    "level",
    "status",
    "late",
    "started_at",
    *KIND_FIELDS.values(),
)


def meeting_list(user: Any, org: Organization, *, kind: str = "") -> QuerySet[Any]:
    """`meetings_of_org` as the list shows it: one dict of `LIST_VALUES` per meeting, newest first."""
    return meetings_of_org(user, org, kind=kind).values(*LIST_VALUES)


LIST_FIRST = 31  # a page of 30 and one row more (core/paging.BoundedPaginator.get_page)
# The list's first page, compiled once per process (core/hotquery.py), over a subtree given as its path
# range [lo, hi) (`subtree_q`'s bounds). No scope condition: see `list_first_rows`.
_LIST_FIRST = HotQuery(
    Meeting,
    lambda lo, hi: (
        Meeting.objects.filter(org_path__gte=lo, org_path__lt=hi)
        .order_by("-started_at", "-id")
        .values(*LIST_VALUES)[:LIST_FIRST]
    ),
    str,
    str,
)


def list_first_rows(user: Any, org: Organization) -> list[dict[str, Any]] | None:
    """The first `LIST_FIRST` rows of `meeting_list(user, org)` without a kind; None when they must
    come from `meeting_list` (the user may not VIEW `org`, or its subtree has no upper bound).

    No scope condition is needed: `meetings_visible_to` is the user's VIEW subtrees (or everything),
    and a user who may VIEW `org` holds a prefix of `org.path`, whose subtree contains `org`'s.
    """
    upper = successor(org.path)
    if upper is None or not can(user, Action.VIEW, org.path):
        return None
    return _LIST_FIRST.dicts(org.path, upper)


def meeting_calendar(
    user: Any, org: Organization, month: int, listed: Sequence[dict[str, Any]] | None = None
) -> list[list[tuple[dt.date | None, list[dict[str, Any]]]]]:
    """Weeks (Mon–Sun) of `month` with the meetings on each day (`LIST_VALUES` dicts, oldest first).

    `listed`: rows of `meeting_list` (newest first) known to hold every meeting of the month — then
    no query; otherwise one.
    """
    if listed is None:
        meetings = list(meetings_of_org(user, org, month=month).order_by("started_at", "id").values(*LIST_VALUES))
    else:
        meetings = [m for m in reversed(listed) if m["month"] == month]
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for m in meetings:
        by_day.setdefault(m["meeting_date"], []).append(m)
    weeks: list[list[tuple[dt.date | None, list[dict[str, Any]]]]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month // 100, month % 100):
        weeks.append([(d if d.month == month % 100 else None, by_day.get(d, [])) for d in week])
    return weeks


def list_holds_month(listed: Sequence[dict[str, Any]], *, first_page: bool, complete: bool, month: int) -> bool:
    """Do these rows of the unfiltered `meeting_list` hold every meeting of `month`?

    The first page does when it holds every meeting, or when its oldest row is of an earlier month:
    `month` is that of the local date of `started_at`, so it never decreases along the list's
    order and no meeting of `month` can come after an earlier month's row.
    """
    if not first_page:
        return False
    return complete or (bool(listed) and listed[-1]["month"] < month)


@dataclass
class PhotoView:
    photo: MeetingPhoto
    time_reason: str
    duplicate_text: str
    duplicate_link: str


@dataclass
class MeetingDetail:
    meeting: Meeting
    attendance: list[Attendance]
    counts: rules.AttendanceCounts
    quorum: rules.Check | None
    votes: list[tuple[Any, rules.Check]]
    resolutions: list[Any]
    carried_actions: list[ResolutionAction]  # open actions of earlier meetings, to report on
    photos: list[PhotoView]
    attachments: list[Any]
    amendments: list[Any]
    findings: list[Any]
    checklist: list[tuple[str, bool]]
    invitees: list[dict[str, str]]
    can_manage: bool
    can_approve: bool
    deadline: dt.date
    extra: dict[str, Any] = field(default_factory=dict)


def open_actions_before(org: Organization, before: dt.datetime) -> QuerySet[ResolutionAction]:
    """Open measures of the org's (branch's) earlier meetings: what the next meeting must report on."""
    branch_path = org.path if org.kind != OrgKind.GROUP else parent_path(org.path)
    return (
        ResolutionAction.objects.filter(subtree_q("org_path", branch_path), status=ActionStatus.OPEN)
        .filter(resolution__meeting__started_at__lt=before)
        .select_related("resolution__meeting", "owner")
        .order_by("deadline", "id")
    )


def meeting_detail(user: Any, meeting: Meeting) -> MeetingDetail:
    """Everything the detail page, the print view and the PDF show (a fixed number of queries)."""
    today = timezone.localdate()
    attendance = list(meeting.attendance.select_related("member").order_by("member__name", "pk"))
    counts = rules.count_attendance((a.status if a.status else "", a.voting) for a in attendance)
    quorum = rules.quorum_check(counts.expected_voting, counts.present_voting) if meeting.is_general_meeting else None
    votes = [
        (v, rules.vote_check(v.yes, v.no, v.abstain, counts.expected_voting, counts.present_voting))
        for v in meeting.votes.all()
    ]
    resolutions = list(meeting.resolutions.prefetch_related("actions__owner", "actions__closed_by"))
    for res in resolutions:
        for act in res.actions.all():
            act.overdue = rules.is_action_overdue(act.deadline, today, act.status == ActionStatus.OPEN)  # type: ignore[attr-defined]
    carried = list(open_actions_before(meeting.org, meeting.started_at))
    for act in carried:
        act.overdue = rules.is_action_overdue(act.deadline, today, True)  # type: ignore[attr-defined]
    photos: list[PhotoView] = []
    raw_photos = list(meeting.photos.select_related("duplicate_of__meeting__org", "reviewed_by"))
    for p in raw_photos:
        reason = "" if p.time_check == "ok" else p.get_time_check_display()
        if p.time_check == "outside" and p.taken_at:
            reason += f"（拍摄于 {timezone.localtime(p.taken_at):%Y-%m-%d %H:%M}）"
        dup_text = dup_link = ""
        if p.duplicate_of is not None:
            other = p.duplicate_of.meeting
            if can(user, Action.VIEW, other.org_path):
                dup_text = f"与“{other.org.name} {other.meeting_date:%Y-%m-%d} {other.theme}”中的照片相同或近似"
            else:
                dup_text = "已在其他支部的会议中使用"
            dup_link = f"/orglife/{other.pk}/"
        photos.append(PhotoView(p, reason, dup_text, dup_link))
    path = meeting.org_path
    cfg = effective_config(path)
    checklist_items = cfg["checklist"]
    done = set(meeting.required_actions)
    checklist = [(item, item in done) for item in checklist_items] + [
        (item, True) for item in meeting.required_actions if item not in checklist_items
    ]
    deadline_days = cfg["deadline_days"]
    photo_req = cfg["photos"]
    ended_on = timezone.localtime(meeting.ended_at).date()
    deadline = rules.entry_deadline(ended_on, deadline_days)
    findings = rules.completeness_findings(
        filed=meeting.is_filed,
        late=meeting.late,
        missing=rules.missing_actions(meeting.kinds, meeting.required_actions, checklist_items),
        photos_short_count=rules.photos_short(meeting.kinds, len(raw_photos), photo_req),
        deadline=deadline,
    )
    return MeetingDetail(
        meeting=meeting,
        attendance=attendance,
        counts=counts,
        quorum=quorum,
        votes=votes,
        resolutions=resolutions,
        carried_actions=carried,
        photos=photos,
        attachments=list(meeting.attachments.all()),
        amendments=list(meeting.amendments.select_related("changed_by")),
        findings=findings,
        checklist=checklist,
        invitees=list(meeting.invitees or []),
        can_manage=can(user, Action.MANAGE, path),
        can_approve=can(user, Action.APPROVE, path),
        deadline=deadline,
    )


def get_action_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> ResolutionAction:
    return get_for_user(
        ResolutionAction.objects.select_related("resolution__meeting"), pk, user, action, not_found="措施不存在"
    )


def get_photo_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> MeetingPhoto:
    return get_for_user(MeetingPhoto.objects.select_related("meeting"), pk, user, action, not_found="照片不存在")


def get_attachment_for_user(user: Any, pk: int | str) -> MeetingAttachment:
    return get_for_user(MeetingAttachment.objects.all(), pk, user, not_found="附件不存在")


def exclusions_of(user: Any, org: Organization) -> QuerySet[AttendanceExclusion]:
    return (
        AttendanceExclusion.objects.visible_to(user)
        .filter(subtree_q("org_path", org.path))
        .select_related("member")
        .order_by("-starts_on", "-id")
    )


def meeting_for_sign_in(token: str) -> Meeting:
    meeting = Meeting.objects.select_related("org").filter(sign_in_token=token).first()
    if meeting is None:
        raise Http404("签到二维码无效")
    return meeting


def flagged_photos(user: Any) -> QuerySet[MeetingPhoto]:
    """Photos awaiting a reviewer's check (capture time missing/outside, or a near-duplicate)."""
    return (
        MeetingPhoto.objects.visible_to(user, Action.APPROVE)
        .filter(reviewed_at__isnull=True)
        .filter(~Q(time_check="ok") | Q(duplicate_of__isnull=False))
        .select_related("meeting__org")
        .order_by("-id")
    )


def overdue_actions(user: Any, today: dt.date | None = None) -> QuerySet[ResolutionAction]:
    today = today or timezone.localdate()
    return (
        ResolutionAction.objects.visible_to(user, Action.APPROVE)
        .filter(status=ActionStatus.OPEN, deadline__lt=today)
        .select_related("resolution__meeting", "org")
        .order_by("deadline")
    )


def meetings_to_file(user: Any, today: dt.date | None = None) -> QuerySet[Meeting]:
    """Drafts of meetings already held (date before today) of the orgs the user enters records
    for themselves: their own branch (with its 党小组) or committee, not every branch below a
    committee admin (that is the matrix's job), so it is an exact match on `branch_path`."""
    today = today or timezone.localdate()
    return (
        Meeting.objects.filter(branch_path__in=scope_prefixes(user, Action.MANAGE) or [])
        .filter(status=MeetingStatus.DRAFT, meeting_date__lt=today)
        .select_related("org")
        .order_by("meeting_date", "id")
    )


# ---------------------------------------------------------------- for other apps


@dataclass
class PartyDayRecord:
    """One 主题党日 as other apps read it (assignments' 活动总结表, dues' party-day link)."""

    meeting: Meeting
    expected: int
    present: int
    leave: int
    absent: int
    required_actions_done: list[str]
    study_items: list[str]
    resolutions: list[Any]  # Resolution objects with prefetched `actions`
    photo_count: int


def party_day_records(
    user: Any, *, org_paths: Sequence[str] | None = None, org: Organization | None = None, year: int, month: int
) -> list[PartyDayRecord]:
    """The 主题党日 records of the given orgs' subtrees for one month, scoped to `user`.

    Pass either `org_paths` (a list of organisation paths; each covers its subtree) or `org`.
    Query count is fixed (4), whatever the number of records. Drafts are included; check
    `record.meeting.status` ("draft" / "filed") and `record.meeting.late` if only filed ones count.
    """
    paths = list(org_paths or []) + ([org.path] if org is not None else [])
    if not paths:
        return []
    q = Q()
    for p in paths:
        q |= subtree_q("org_path", p)
    qs = (
        meetings_visible_to(user)
        .filter(q, is_party_day=True, month=year * 100 + month)
        .select_related("org", "host", "recorder")
        .prefetch_related("resolutions__actions")
        .annotate(
            n_present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            n_leave=Count("attendance", filter=Q(attendance__status=AttendanceStatus.LEAVE)),
            n_absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
        )
        .order_by("org_path", "started_at")
    )
    meetings = list(qs)
    photo_counts = dict(
        MeetingPhoto.objects.filter(meeting__in=[m.pk for m in meetings])
        .order_by()
        .values("meeting")
        .annotate(n=Count("id"))
        .values_list("meeting", "n")
    )
    return [
        PartyDayRecord(
            meeting=m,
            expected=m.n_present + m.n_leave + m.n_absent,
            present=m.n_present,
            leave=m.n_leave,
            absent=m.n_absent,
            required_actions_done=list(m.required_actions),
            study_items=m.study_item_list,
            resolutions=list(m.resolutions.all()),
            photo_count=photo_counts.get(m.pk, 0),
        )
        for m in meetings
    ]


# ---------------------------------------------------------------- member's own history


def my_attendance(user: Any) -> QuerySet[Attendance]:
    """The signed-in person's own attendance rows (any branch they belonged to), newest first.

    Only filed records count: a planned or draft meeting has not been held as far as the record
    goes (its list starts as 出席 by default), so it never shows as attended."""
    if not getattr(user, "is_authenticated", False):
        return Attendance.objects.none()
    return (
        Attendance.objects.filter(member__user_id=user.pk, meeting__status=MeetingStatus.FILED)
        .select_related("meeting__org")
        .order_by("-meeting_date", "-id")
    )


# The attendance at a branch's latest `last_n` filed 主题党日 of the members absent at least once
# there, oldest party day first. Only table names are interpolated; values are bound parameters.
_STREAK_SQL = (
    "WITH recent AS ("  # noqa: S608
    f" SELECT id, started_at FROM {Meeting._meta.db_table}"
    "  WHERE org_path = %s AND is_party_day AND status = %s ORDER BY started_at DESC LIMIT %s)"
    f" SELECT a.member_id, a.status FROM {Attendance._meta.db_table} a JOIN recent r ON r.id = a.meeting_id"
    f" WHERE a.member_id IN (SELECT b.member_id FROM {Attendance._meta.db_table} b"
    "  JOIN recent rb ON rb.id = b.meeting_id WHERE b.status = %s)"
    " ORDER BY r.started_at, r.id"
)


def absence_streak_members(org: Organization, threshold: int | None = None, last_n: int = 12) -> list[tuple[Any, int]]:
    """Members of a branch absent from the latest `threshold`+ consecutive 主题党日.

    One query when nobody was absent from the last party days in a row (the usual case); the
    threshold setting and the flagged members' rows are read only when someone could reach it.
    """
    # One hand-written query (built once, not compiled by the ORM on every page view). Only members
    # absent at least once can have a streak: the others' rows (most of them) stay unread.
    statuses: dict[int, list[str]] = {}
    with connection.cursor() as cur:
        cur.execute(_STREAK_SQL, [org.path, MeetingStatus.FILED, last_n, AttendanceStatus.ABSENT])
        for member_id, status in cur.fetchall():  # oldest party day first
            statuses.setdefault(member_id, []).append(status)
    if not threshold:
        # Below the lowest threshold a committee may set, no setting flags anyone: it is not read.
        lowest = config.get_key("orglife.absence_streak").min_value or 1
        if not rules.absence_streaks(statuses, lowest):
            return []
        threshold = int(effective_config(org.path)["absence_streak"])
    streaks = rules.absence_streaks(statuses, threshold)
    if not streaks:
        return []

    members = {m.pk: m for m in Member.objects.filter(pk__in=streaks)}
    return sorted(((members[k], v) for k, v in streaks.items() if k in members), key=lambda t: -t[1])


# ---------------------------------------------------------------- compliance


def _settings_for(path: str) -> tuple[int, int]:
    cfg = effective_config(path)
    return cfg["lecture_every"], cfg["annual_month"]


def branch_compliance(org: Organization, months: Sequence[int], today: dt.date | None = None) -> list[rules.Cell]:
    """Exact compliance of one branch (rules.evaluate_branch over its meetings): three queries."""
    today = today or timezone.localdate()
    lecture_every, annual_month = _settings_for(org.path)
    groups = list(
        Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.GROUP).values_list("pk", "name")
    )
    first = min(months)
    lo = rules.add_months(first, -11)  # periods reaching back (a year) before the first month
    rows = Meeting.objects.filter(subtree_q("org_path", org.path), month__gte=lo, month__lte=max(months)).values(
        "pk", "org_id", "month", "level", *KIND_FIELDS.values()
    )
    held = [
        rules.HeldMeeting(
            r["pk"], r["org_id"], r["month"], tuple(k for k, f in KIND_FIELDS.items() if r[f]), r["level"]
        )
        for r in rows
    ]
    req = rules.OrgRequirements(
        has_committee=org.has_committee,
        group_ids=tuple(g for g, _ in groups),
        lecture_every=lecture_every,
        annual_month=annual_month,
    )
    return rules.evaluate_branch(req, held, months, today, branch_id=org.pk, group_names=dict(groups))


class MatrixOrg(NamedTuple):
    """An organization as the matrix shows it: a row's head, a breadcrumb (no model instance)."""

    pk: int
    name: str
    path: str = ""


@dataclass
class MatrixRow:
    org: MatrixOrg
    is_branch: bool
    branches: int
    cells: list[tuple[int, str, str]]  # (month, colour, summary text)
    shares: dict[int, str] = field(default_factory=dict)  # month -> "12/14" branches compliant


@dataclass
class Matrix:
    org: Organization
    months: list[int]
    rows: list[MatrixRow]
    total_rows: int
    page: int
    pages: int
    ancestors: list[MatrixOrg] = field(default_factory=list)  # the breadcrumb: those the user may see


def _child_len(org: Organization) -> int:
    return len(org.path) + org.steplen


def _count(kind: str, required: int, data: list[tuple[int, int]] | None, idx: int) -> rules.RollupCount:
    g, y = data[idx] if data else (0, 0)
    g = min(g, required)
    return rules.RollupCount(kind, required, g, min(y, required - g))


def _sums(cols: Sequence[str]) -> str:
    return ", ".join(
        f"SUM(CASE WHEN {c} = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN {c} = 1 THEN 1 ELSE 0 END)" for c in cols
    )


def _rollup_child(
    org: Organization, clen: int, kinds: Sequence[str], every: int, lo: int, hi: int
) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """{(child path, period): [(green branches, yellow branches) per kind]} over the subtree — one query.

    Reads BranchMonth (one narrow row per branch and month). Monthly kinds are counted directly;
    for a longer period the branch's best level over the period is taken first, so a branch that
    held two 党员大会 in one quarter still counts once.
    """
    if not kinds:
        return {}
    table = BranchMonth._meta.db_table
    where = "org_path >= %s AND org_path < %s AND month >= %s AND month <= %s"
    # Only code-made identifiers and integers are interpolated; every value is a bound parameter.
    if every == 1:
        sql = (
            f"SELECT substr(org_path, 1, {clen}), month, {_sums(kinds)} FROM {table}"  # noqa: S608
            f" WHERE {where} GROUP BY substr(org_path, 1, {clen}), month"
        )
    else:
        period = f"(month / 100) * 100 + ((month - (month / 100) * 100) - 1) / {every}"
        best = ", ".join(f"MAX({k}) AS {k}" for k in kinds)
        held = " OR ".join(f"{k} > 0" for k in kinds)
        sql = (
            f"SELECT substr(org_path, 1, {clen}), period, {_sums(kinds)} FROM ("  # noqa: S608
            f" SELECT org_path, {period} AS period, {best} FROM {table}"
            f" WHERE {where} AND ({held}) GROUP BY org_path, {period}"
            f") t GROUP BY substr(org_path, 1, {clen}), period"
        )
    upper = successor(org.path) or "~"
    out: dict[tuple[str, int], list[tuple[int, int]]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, [org.path, upper, lo, hi])
        for child, period, *nums in cur.fetchall():
            out[(child, int(period))] = [(int(nums[2 * i] or 0), int(nums[2 * i + 1] or 0)) for i in range(len(kinds))]
    return out


MATRIX_PAGE = 30


def _compliant_counts(
    org: Organization, clen: int, months: Sequence[int], current: int, lecture_every: int, annual_month: int
) -> dict[tuple[str, int], int]:
    """{(child path, month): branches fully compliant that month} over the subtree — one query.

    A branch is compliant in a month when every requirement due then is green in its BranchMonth
    rows: the party day, the 支委会 (if it has a committee), the 党小组会 (if it has groups), and at
    a period's end the quarterly/annual meetings held on time and complete within the period.

    One pass over the subtree's BranchMonth rows: the inner GROUP BY gives each branch one flag per
    (kind, months) requirement, the outer one counts, per child and month, the branches whose flags
    are all set. (Correlated EXISTS per branch, month and kind took 22 s at the root of a city.)
    """
    due = [m for m in months if m <= current]
    if not due:
        return {}
    flags: dict[tuple[str, int, int], str] = {}

    def flag(kind: str, lo: int, hi: int) -> str:
        return flags.setdefault((kind, lo, hi), f"f{len(flags)}")

    conditions: list[str] = []
    for m in due:
        need = [
            f"{flag(rules.PARTY_DAY, m, m)} = 1",
            f"(hc = 0 OR {flag(rules.COMMITTEE_MEETING, m, m)} = 1)",
            f"(hg = 0 OR {flag(rules.GROUP_MEETING, m, m)} = 1)",
        ]
        for kind, every in ((rules.GENERAL_MEETING, 3), (rules.PARTY_LECTURE, lecture_every)):
            if rules.period_last_month(rules.period_of(m, every), every) == m:
                need.append(f"{flag(kind, rules.add_months(m, -(every - 1)), m)} = 1")
        if m % 100 == annual_month:
            for kind in (rules.ORG_LIFE_MEETING, rules.MEMBER_REVIEW):
                need.append(f"{flag(kind, rules.add_months(m, -(m % 100 - 1)), m)} = 1")
        conditions.append(" AND ".join(need))
    params: list[Any] = []
    inner: list[str] = []
    for (kind, lo, hi), alias in flags.items():
        held = f"bm.month >= %s AND bm.month <= %s AND bm.{kind} = %s"
        inner.append(f"MAX(CASE WHEN {held} THEN 1 ELSE 0 END) AS {alias}")
        params += [lo, hi, Level.COMPLETE]
    counts = ", ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conditions)
    orgs_table, bm_table = Organization._meta.db_table, BranchMonth._meta.db_table
    # Only code-made identifiers and integers are interpolated; every value is a bound parameter.
    sql = (
        f"SELECT child, {counts} FROM ("  # noqa: S608
        f" SELECT substr(o.path, 1, {clen}) AS child,"
        f" CASE WHEN o.has_committee THEN 1 ELSE 0 END AS hc, CASE WHEN o.numchild > 0 THEN 1 ELSE 0 END AS hg,"
        f" {', '.join(inner)}"
        # bm.org_path repeats the subtree bound (it is the branch's path, kept by org_move): without it
        # a city's matrix inside a province scans the whole province's branch-month rows.
        f" FROM {orgs_table} o LEFT JOIN {bm_table} bm ON bm.org_id = o.id"
        f" AND bm.org_path >= %s AND bm.org_path < %s AND bm.month >= %s AND bm.month <= %s"
        f" WHERE o.path >= %s AND o.path < %s AND o.kind = %s"
        f" GROUP BY o.id, o.path, o.has_committee, o.numchild"
        f") t GROUP BY child"
    )
    upper = successor(org.path) or "~"
    params += [org.path, upper, min(lo for _, lo, _ in flags), max(due), org.path, upper, OrgKind.BRANCH]
    out: dict[tuple[str, int], int] = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for child, *ns in cur.fetchall():
            for m, n in zip(due, ns, strict=True):
                if n:
                    out[(child, m)] = int(n)
    return out


def compliance_matrix(
    user: Any, org: Organization, months: Sequence[int], *, page: int = 1, today: dt.date | None = None
) -> Matrix:
    """The committee's matrix: its direct sub-organisations (rolled up) × months.

    A fixed number of queries whatever the size of the subtree: one for the children, one for the
    branch counts per child, and one GROUP BY per meeting frequency (monthly, quarterly, 党课's, yearly).
    Each cell counts, per requirement due that month, the branches that are green / yellow, and the
    rest as missing (red once the period is over).

    The rows do not depend on who asks, only on the subtree's records, its ancestors' settings and
    the date: they are kept in the cache until a write could change them (`core.snapshot.snapshot`),
    so a matrix opened again costs one indexed query on the audit log.
    """
    if not can(user, Action.VIEW, org.path):
        raise Http404("组织不存在")
    today = today or timezone.localdate()
    months = list(months)
    key = f"orglife.matrix:{org.pk}:{org.path}:{today.isoformat()}:{page}:{','.join(map(str, months))}"
    rows, total, page, pages, ancestors = snapshot(key, [org.path], lambda: _matrix_rows(org, months, page, today))
    visible = [a for a in ancestors if can(user, Action.VIEW, a.path)]
    return Matrix(org, months, rows, total, page, pages, visible)


def _children_with_counts(org: Organization, clen: int) -> list[tuple[int, str, str, str, int, int, int]]:
    """The matrix's rows in path order -- `org`'s children but 党小组 (a branch: itself) -- each with
    its branches, those with a 支委会 and those with 党小组: one query, the counts one aggregate over
    the subtree's branches joined to the children."""
    table = Organization._meta.db_table
    depth = org.depth if org.kind == OrgKind.BRANCH else org.depth + 1
    # Only code-made identifiers and integers are interpolated; every value is a bound parameter.
    sql = (
        f"SELECT c.id, c.path, c.name, c.kind, COALESCE(b.n, 0), COALESCE(b.nc, 0), COALESCE(b.ng, 0)"  # noqa: S608
        f" FROM {table} c LEFT JOIN ("
        f" SELECT substr(path, 1, {clen}) AS child, COUNT(*) AS n,"
        f" SUM(CASE WHEN has_committee THEN 1 ELSE 0 END) AS nc, SUM(CASE WHEN numchild > 0 THEN 1 ELSE 0 END) AS ng"
        f" FROM {table} WHERE path >= %s AND path < %s AND kind = %s GROUP BY substr(path, 1, {clen})"
        f") b ON b.child = c.path"
        f" WHERE c.path >= %s AND c.path < %s AND c.depth = %s AND c.kind <> %s ORDER BY c.path"
    )
    upper = successor(org.path) or "~"
    with connections[router.db_for_read(Organization) or DEFAULT_DB_ALIAS].cursor() as cur:
        cur.execute(sql, [org.path, upper, OrgKind.BRANCH, org.path, upper, depth, OrgKind.GROUP])
        return [(pk, path, name, kind, int(n), int(nc), int(ng)) for pk, path, name, kind, n, nc, ng in cur.fetchall()]


def _matrix_rows(
    org: Organization, months: list[int], page: int, today: dt.date
) -> tuple[list[MatrixRow], int, int, int, list[MatrixOrg]]:
    """The matrix's rows of `page`, the number of rows and pages, and the ancestors of `org`."""
    current = rules.month_key(today)
    lecture_every, annual_month = _settings_for(org.path)
    clen = len(org.path) if org.kind == OrgKind.BRANCH else _child_len(org)
    children = _children_with_counts(org, clen)
    above = ancestor_paths(org.path, include_self=False)
    breadcrumb = Organization.objects.filter(path__in=above).order_by("path").values_list("pk", "name", "path")
    ancestors = [MatrixOrg(*r) for r in breadcrumb] if above else []
    total = len(children)
    pages = max((total + MATRIX_PAGE - 1) // MATRIX_PAGE, 1)
    page = min(max(page, 1), pages)
    children = children[(page - 1) * MATRIX_PAGE : page * MATRIX_PAGE]
    lo, hi = min(months), max(months)
    year_lo = rules.add_months(lo, -11)
    monthly = _rollup_child(org, clen, [rules.PARTY_DAY, rules.COMMITTEE_MEETING, rules.GROUP_MEETING], 1, lo, hi)
    quarterly_kinds = [rules.GENERAL_MEETING] + ([rules.PARTY_LECTURE] if lecture_every == 3 else [])
    quarterly = _rollup_child(org, clen, quarterly_kinds, 3, rules.add_months(lo, -2), hi)
    lecture = _rollup_child(org, clen, [rules.PARTY_LECTURE], lecture_every, year_lo, hi) if lecture_every != 3 else {}
    yearly = _rollup_child(org, clen, [rules.ORG_LIFE_MEETING, rules.MEMBER_REVIEW], 12, year_lo, hi)
    compliant = (
        _compliant_counts(org, clen, months, current, lecture_every, annual_month) if org.kind != OrgKind.BRANCH else {}
    )

    rows: list[MatrixRow] = []
    for child_pk, key, child_name, child_kind, n, n_committee, n_groups in children:
        cells: list[tuple[int, str, str]] = []
        shares: dict[int, str] = {}
        for month in months:
            if month > current or n == 0:
                cells.append((month, "none", ""))
                continue
            overdue = month < current
            counts: list[rules.RollupCount] = []
            add = counts.append

            m = monthly.get((key, month))
            add(_count(rules.PARTY_DAY, n, m, 0))
            add(_count(rules.COMMITTEE_MEETING, n_committee, m, 1))
            add(_count(rules.GROUP_MEETING, n_groups, m, 2))
            if month % 100 in (3, 6, 9, 12):
                q = quarterly.get((key, rules.period_of(month, 3)))
                add(_count(rules.GENERAL_MEETING, n, q, 0))
                if lecture_every == 3:
                    add(_count(rules.PARTY_LECTURE, n, q, 1))
            if (
                lecture_every != 3
                and rules.period_last_month(rules.period_of(month, lecture_every), lecture_every) == month
            ):
                add(_count(rules.PARTY_LECTURE, n, lecture.get((key, rules.period_of(month, lecture_every))), 0))
            if month % 100 == annual_month:
                yv = yearly.get((key, rules.period_of(month, 12)))
                add(_count(rules.ORG_LIFE_MEETING, n, yv, 0))
                add(_count(rules.MEMBER_REVIEW, n, yv, 1))
            colour = rules.rollup_colour(counts, overdue)
            if child_kind != OrgKind.BRANCH:
                n_ok = compliant.get((key, month), 0)
                shares[month] = f"{n_ok}/{n}"
                colour = rules.share_colour(n_ok, n, overdue)
            text = f"{shares[month]} 个支部全部按时完整；" if month in shares else ""
            text += "；".join(
                f"{rules.KIND_LABELS[c.kind]} {c.green}/{c.required}" + (f"（{c.yellow}不完整）" if c.yellow else "")
                for c in counts
                if c.required
            )
            cells.append((month, colour, text))
        is_branch = child_kind == OrgKind.BRANCH
        rows.append(MatrixRow(MatrixOrg(child_pk, child_name, key), is_branch, n, cells, shares))
    return rows, total, page, pages, ancestors


def expected_members(org: Organization, on: dt.date) -> list[Member]:
    """The roster of `org` (a branch, or a 党小组's members) as it stood on `on`."""
    branch = branch_of(org)
    in_branch = Q(org_id=branch.pk)
    if org.kind == OrgKind.GROUP:
        in_branch &= Q(group_id=org.pk)
    arrived_later = MemberTransfer.objects.filter(to_org_id=branch.pk, status="completed", in_on__gt=on).values(
        "member_id"
    )
    left_later = MemberTransfer.objects.filter(from_org_id=branch.pk, status="completed", out_on__gt=on).values(
        "member_id"
    )
    qs = Member.objects.filter(
        (in_branch & (Q(is_active=True) | Q(left_on__gt=on)) & ~Q(pk__in=arrived_later))
        | (Q(pk__in=left_later) if org.kind != OrgKind.GROUP else Q(pk__in=[]))
    ).filter(joined_on__lte=on)
    return list(qs.order_by("name", "pk"))


def sign_in_error(meeting: Meeting, row: Attendance | None, now: dt.datetime) -> str | None:
    err = rules.sign_in_error(
        now=now,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        grace_minutes=effective_config(meeting.org_path)["grace"],
        on_list=row is not None,
        filed=meeting.status == MeetingStatus.FILED,
    )
    if err is None and row is not None and row.status in (AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED):
        err = "您已按规定免于参加本次活动，无需签到"
    return err


def sign_in_refusal(*, user: Any, meeting: Meeting, now: dt.datetime | None = None) -> tuple[bool, str | None]:
    """Before showing the sign-in button: (is the user on the list, why they may not sign in now)."""
    row = Attendance.objects.filter(meeting=meeting, member__user_id=getattr(user, "pk", 0)).first()
    return row is not None, sign_in_error(meeting, row, now or timezone.now())


# ---------------------------------------------------------------- upward report figures

REPORT_KINDS = (
    rules.PARTY_DAY,
    rules.COMMITTEE_MEETING,
    rules.GROUP_MEETING,
    rules.GENERAL_MEETING,
    rules.PARTY_LECTURE,
    rules.ORG_LIFE_MEETING,
    rules.MEMBER_REVIEW,
)
REPORT_FIGURES: tuple[tuple[str, str], ...] = (
    ("required", "应开会议（项）"),
    ("met", "按时完整召开（项）"),
    ("incomplete", "已开但不完整或逾期归档（项）"),
    ("missing", "未召开（项）"),
    *((f"{k}_due", f"{rules.KIND_LABELS[k]}应开") for k in REPORT_KINDS),
    *((f"{k}_held", f"{rules.KIND_LABELS[k]}已开") for k in REPORT_KINDS),
)


def report_months(start: dt.date, end: dt.date) -> list[int]:
    """The months a report period covers: every month whose first day lies in it (a 26th–25th window
    covers the month it ends in), at least the month of `end`."""
    first = rules.month_key(start) if start.day == 1 else rules.add_months(rules.month_key(start), 1)
    last = rules.month_key(end)
    first = min(first, last)
    return rules.month_range(first, (last // 100 - first // 100) * 12 + last % 100 - first % 100 + 1)


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Meetings held by kind against what was required (the compliance engine over BranchMonth) for
    each branch path, over the months of [start, end]: three queries whatever the number of paths.

    A branch with 党小组 counts one 党小组会 requirement a month (as in the committee matrix)."""
    if not paths:
        return {}
    months = report_months(start, end)
    lo = rules.add_months(min(months), -11)
    orgs = list(
        Organization.objects.filter(path__in=paths, kind=OrgKind.BRANCH).values_list(
            "pk", "path", "has_committee", "numchild"
        )
    )
    held: dict[int, list[rules.HeldMeeting]] = {}
    for row in BranchMonth.objects.filter(org_path__in=paths, month__gte=lo, month__lte=max(months)).values(
        "org_id", "month", *REPORT_KINDS
    ):
        for k in REPORT_KINDS:
            if row[k]:
                held.setdefault(row["org_id"], []).append(
                    rules.HeldMeeting(0, row["org_id"], row["month"], (k,), row[k])
                )
    cfg = config.effective_for_paths_keys(paths, ["orglife.lecture_frequency", "orglife.annual_month"])
    today = end + dt.timedelta(days=1)  # the period is over: what is not held by its end is missing
    out: dict[str, dict[str, Any]] = {}
    for pk, path, has_committee, numchild in orgs:
        req = rules.OrgRequirements(
            has_committee=has_committee,
            group_ids=(pk,) if numchild else (),
            lecture_every=rules.FREQUENCY_MONTHS.get(str(cfg["orglife.lecture_frequency"][path]), 3),
            annual_month=int(cfg["orglife.annual_month"][path]),
        )
        figures: dict[str, Any] = dict.fromkeys((k for k, _ in REPORT_FIGURES), 0)
        for cell in rules.evaluate_branch(req, held.get(pk, []), months, today, branch_id=pk):
            for r in cell.requirements:
                figures["required"] += 1
                figures[f"{r.kind}_due"] += 1
                if r.state in ("ok", "incomplete"):
                    figures[f"{r.kind}_held"] += 1
                if r.state == "ok":
                    figures["met"] += 1
                elif r.state == "incomplete":
                    figures["incomplete"] += 1
                else:
                    figures["missing"] += 1
        out[path] = figures
    return out


def report_link(org_pk: int, start: dt.date, end: dt.date) -> str:
    """The branch's compliance cell for the period's last month: each requirement with its meetings."""
    return reverse("orglife:branch_month", args=[org_pk, rules.month_key(end)])
