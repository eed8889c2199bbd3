"""Reads for the party-day schedule. Other apps use `scheduled_party_day(org, year, month)`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from dangjian.core import calendar as cal
from dangjian.core.memo import memoized
from dangjian.core.paths import ancestor_paths, parent_path, subtree_q
from dangjian.core.scoping import DENIED_MESSAGE, PLATFORM, Action, can, get_for_user, scope_prefixes, scope_q
from dangjian.orglife.models import Attendance, AttendanceStatus, Meeting, MeetingStatus
from dangjian.orgs.config import effective
from dangjian.orgs.models import Organization, OrgKind
from dangjian.partyday.rules import plan_due_date

from .models import AnnualPlan, ChangeRequest, ChangeState, FixedDaySetting, PlanItem, PlanState
from .rules import DayRule, FixedDaySpec, MonthSchedule, PlanStatus, TimeOfDay, plan_display_status, schedule_month

DEFAULT_SPEC = FixedDaySpec()


@dataclass(frozen=True)
class RuleInForce:
    """The fixed-day rule an org follows and where it comes from (its own or an ancestor's)."""

    spec: FixedDaySpec
    place: str
    source_path: str | None  # None → platform default
    source_name: str = ""


@dataclass(frozen=True)
class PartyDay:
    """One org's party day for one month, with everything a page, notice or feed needs."""

    org_id: int
    year: int
    month: int
    date: dt.date | None  # None → the month needs a manual choice (apply for a date)
    start_time: dt.time
    min_hours: int
    place: str
    nominal: dt.date
    reason: str
    provisional: bool
    needs_manual: bool
    change_id: int | None = None  # the approved change request that set the date
    theme: str = ""
    content: str = ""

    @property
    def moved(self) -> bool:
        return self.date is not None and self.date != self.nominal

    @property
    def starts_at(self) -> dt.datetime | None:
        if self.date is None:
            return None
        return dt.datetime.combine(self.date, self.start_time)


def _spec_of(s: FixedDaySetting) -> FixedDaySpec:
    return FixedDaySpec(
        rule=DayRule(s.rule),
        day_of_month=s.day_of_month,
        time_of_day=TimeOfDay(s.time_of_day),
        start_time=s.start_time,
        min_hours=s.min_hours,
        allow_makeup_weekend=s.allow_makeup_weekend,
    )


def rules_for_paths(paths: list[str]) -> dict[str, RuleInForce]:
    """The rule in force for many orgs with one query (settings rows are few; orgs may be many)."""
    wanted = {p for path in paths for p in ancestor_paths(path)}
    rows = {s.org_path: s for s in FixedDaySetting.objects.filter(org_path__in=wanted).select_related("org")}
    out: dict[str, RuleInForce] = {}
    for path in paths:
        rif = RuleInForce(DEFAULT_SPEC, "", None)
        for p in ancestor_paths(path):  # root first; the nearest setting wins
            s = rows.get(p)
            if s is not None:
                rif = RuleInForce(_spec_of(s), s.place or rif.place, p, s.org.name)
        out[path] = rif
    return out


def rule_for_org(org: Organization) -> RuleInForce:
    return rules_for_paths([org.path])[org.path]


def own_setting(org: Organization) -> FixedDaySetting | None:
    return FixedDaySetting.objects.filter(org=org).first()


def _apply(base: MonthSchedule, org_id: int, rif: RuleInForce) -> PartyDay:
    return PartyDay(
        org_id=org_id,
        year=base.year,
        month=base.month,
        date=base.date,
        start_time=rif.spec.start_time,
        min_hours=rif.spec.min_hours,
        place=rif.place,
        nominal=base.nominal,
        reason=base.reason,
        provisional=base.provisional,
        needs_manual=base.needs_manual,
    )


def _with_change(pd: PartyDay, cr: ChangeRequest) -> PartyDay:
    return replace(
        pd,
        date=cr.new_date,
        start_time=cr.new_time or pd.start_time,
        place=cr.place or pd.place,
        reason=f"经上级党委同意调整：{cr.reason}",
        needs_manual=False,
        change_id=cr.pk,
        provisional=pd.provisional and cal.is_provisional(cr.new_date),
    )


def _party_days(orgs: list[tuple[int, str]], year: int, months: list[int]) -> dict[tuple[int, int], PartyDay]:
    """Party days keyed (org pk, month) with a constant number of queries (rules, changes, themes)."""
    got = _party_days_months(orgs, [(year, m) for m in months])
    return {(pk, m): pd for (pk, _y, m), pd in got.items()}


def _party_days_months(
    orgs: list[tuple[int, str]], months: list[tuple[int, int]]
) -> dict[tuple[int, int, int], PartyDay]:
    """Party days keyed (org pk, year, month) for (year, month) pairs that may span a year end
    (December and January), still with three queries: rules, approved changes, plan themes."""
    if not orgs or not months:
        return {}
    rules = rules_for_paths([p for _, p in orgs])
    ids = [pk for pk, _ in orgs]
    by_year: dict[int, list[int]] = {}
    for y, m in months:
        by_year.setdefault(y, []).append(m)
    change_q = Q()
    theme_q = Q()
    for y, ms in by_year.items():
        change_q |= Q(year=y, month__in=ms)
        theme_q |= Q(plan__year=y, month__in=ms)
    changes: dict[tuple[int, int, int], ChangeRequest] = {}
    for cr in ChangeRequest.objects.filter(change_q, org_id__in=ids, status=ChangeState.APPROVED).order_by(
        "decided_at", "id"
    ):
        changes[(cr.org_id, cr.year, cr.month)] = cr  # the latest approval wins
    themes = {
        (org_id, y, month): (theme, content)
        for org_id, y, month, theme, content in PlanItem.objects.filter(
            theme_q, plan__org_id__in=ids, is_current=True
        ).values_list("plan__org_id", "plan__year", "month", "theme", "content")
    }
    by_spec: dict[tuple[FixedDaySpec, int, int], MonthSchedule] = {}
    out: dict[tuple[int, int, int], PartyDay] = {}
    for pk, path in orgs:
        rif = rules[path]
        for y, month in months:
            base = by_spec.get((rif.spec, y, month))
            if base is None:
                base = by_spec[(rif.spec, y, month)] = schedule_month(rif.spec, y, month, cal.day_info)
            pd = _apply(base, pk, rif)
            key = (pk, y, month)
            if key in changes:
                pd = _with_change(pd, changes[key])
            if key in themes:
                theme, content = themes[key]
                pd = replace(pd, theme=theme, content=content)
            out[key] = pd
    return out


def party_days_for_orgs(orgs: list[tuple[int, str]], year: int, month: int) -> dict[int, PartyDay]:
    """Party days of many orgs `(pk, path)` for one month with a constant number of queries."""
    return {pk: pd for (pk, _), pd in _party_days(orgs, year, [month]).items()}


def scheduled_party_day(org: Organization, year: int, month: int) -> PartyDay:
    """The org's party day for the month: fixed-day rule, holiday move, approved change, plan theme.

    `date` is None when the month needs a manual choice; `provisional` is True when the year has no
    official calendar data yet. Never raises for a missing calendar year.
    """
    return _party_days([(org.pk, org.path)], year, [month])[(org.pk, month)]


def year_schedule(org: Organization, year: int) -> list[PartyDay]:
    """The twelve party days of `year` (three queries)."""
    days = _party_days([(org.pk, org.path)], year, list(range(1, 13)))
    return [days[(org.pk, m)] for m in range(1, 13)]


def next_party_day(org: Organization, today: dt.date) -> PartyDay | None:
    """The org's next party day on or after `today`: this month's, else next month's."""
    return memoized(("next_party_day", org.pk, today), lambda: _next_party_day(org, today))


def _next_party_day(org: Organization, today: dt.date) -> PartyDay | None:
    first_of_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    this_month, next_month = (today.year, today.month), (first_of_next.year, first_of_next.month)
    # Both months in one read (three queries), December and January included.
    days = _party_days_months([(org.pk, org.path)], [this_month, next_month])
    candidates = [days[(org.pk, *this_month)], days[(org.pk, *next_month)]]
    return next((pd for pd in candidates if pd.date is not None and pd.date >= today), None)


# ---------------------------------------------------------------- access


def parent_of(org: Organization) -> Organization | None:
    if org.depth <= 1:
        return None
    return Organization.objects.filter(path=parent_path(org.path)).first()


def decider_path(org: Organization) -> str:
    """Where plans and change requests of `org` are decided: its parent ("" above a top-level org,
    where nobody but the platform decides). The parent's path, no query."""
    return parent_path(org.path) if org.depth > 1 else PLATFORM


def can_decide_for(user: Any, org: Organization) -> bool:
    """The parent committee (APPROVE on the parent) files plans and decides change requests."""
    if org.depth <= 1:
        return False
    return can(user, Action.APPROVE, decider_path(org))


def orgs_for_user(user: Any) -> QuerySet[Organization]:
    """Orgs the user can see that hold party days (branches, general branches, committees)."""
    return Organization.objects.filter(scope_q(user, Action.VIEW, "path")).exclude(kind=OrgKind.GROUP).order_by("path")


def plans_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[AnnualPlan]:
    return AnnualPlan.objects.visible_to(user, action).select_related("org")


def get_plan(org: Organization, year: int) -> AnnualPlan | None:
    return AnnualPlan.objects.filter(org=org, year=year).first()


def get_plan_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> AnnualPlan:
    deciding = action == Action.APPROVE
    return get_for_user(
        AnnualPlan.objects.select_related("org"),
        pk,
        user,
        action,
        not_found="计划不存在",
        denied="只有上级党组织可以备案或退回计划" if deciding else DENIED_MESSAGE,
        action_path=(lambda plan: decider_path(plan.org)) if deciding else None,
    )


def plan_items_current(plan: AnnualPlan | None) -> dict[int, PlanItem]:
    if plan is None:
        return {}
    return {i.month: i for i in plan.items.filter(is_current=True)}


def plan_item_history(plan: AnnualPlan) -> dict[int, list[PlanItem]]:
    out: dict[int, list[PlanItem]] = {}
    for item in plan.items.select_related("created_by").order_by("month", "-revision"):
        out.setdefault(item.month, []).append(item)
    return {m: items for m, items in out.items() if len(items) > 1}  # only months that were adjusted


def changes_visible_to(user: Any) -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.visible_to(user, Action.VIEW).select_related("org", "requested_by", "decided_by")


def changes_to_decide(user: Any) -> QuerySet[ChangeRequest]:
    """Pending requests the user may decide: orgs strictly below where they hold APPROVE."""
    q = scope_q(user, Action.APPROVE, "org_path")
    return (
        ChangeRequest.objects.filter(q, status=ChangeState.PENDING)
        .select_related("org")
        .order_by("scheduled_date", "id")
    )


def plans_to_decide(user: Any) -> QuerySet[AnnualPlan]:
    """Submitted annual plans of the orgs strictly below where the user holds APPROVE."""
    prefixes = scope_prefixes(user, Action.APPROVE)
    qs = AnnualPlan.objects.filter(scope_q(user, Action.APPROVE, "org_path"), status=PlanState.SUBMITTED)
    if prefixes:
        qs = qs.exclude(org_path__in=prefixes)  # an org's own plan is filed by its parent
    return qs.select_related("org").order_by("submitted_at", "id")


def plans_returned_to(user: Any) -> QuerySet[AnnualPlan]:
    """Annual plans returned for revision to the orgs the user enters records for."""
    return AnnualPlan.objects.filter(org_path__in=scope_prefixes(user, Action.MANAGE) or [], status=PlanState.RETURNED)


def get_change_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> ChangeRequest:
    deciding = action == Action.APPROVE
    return get_for_user(
        ChangeRequest.objects.select_related("org", "requested_by"),
        pk,
        user,
        action,
        not_found="申请不存在",
        denied="只有上级党组织可以审批调整申请" if deciding else DENIED_MESSAGE,
        action_path=(lambda cr: decider_path(cr.org)) if deciding else None,
    )


def change_lead_days(org: Organization) -> int:
    return int(effective(org.path, "partyday.change_lead_days"))


def feed_version(org: Organization) -> int:
    return int(effective(org.path, "partyday.feed_version"))


def notice_lead_days(org: Organization) -> int:
    return int(effective(org.path, "partyday.notice_lead_days"))


# ---------------------------------------------------------------- committee board


@dataclass(frozen=True)
class PlanBoardRow:
    org: dict[str, Any]
    plan_id: int | None
    status: PlanStatus
    submitted_at: dt.datetime | None


def plan_board(
    user: Any, root: Organization, year: int, today: dt.date, status: str = ""
) -> tuple[list[PlanBoardRow], dict[PlanStatus, int]]:
    """Every branch below `root` with its plan status for `year`, and the counts per status.

    Two queries regardless of the number of branches: the branches with their plan (LEFT JOIN via
    a values() over the reverse relation) and the aggregate counts.
    """
    branches = (
        Organization.objects.filter(subtree_q("path", root.path), scope_q(user, Action.VIEW, "path"))
        .filter(kind=OrgKind.BRANCH)
        .order_by("path")
    )
    rows_raw = branches.values("pk", "name", "path").annotate(
        plan_id=_plan_field("id", year),
        plan_status=_plan_field("status", year),
        plan_submitted=_plan_field("submitted_at", year),
    )
    rows = [
        PlanBoardRow(
            {"pk": r["pk"], "name": r["name"], "path": r["path"]},
            r["plan_id"],
            plan_display_status(r["plan_status"], year, today),
            r["plan_submitted"],
        )
        for r in rows_raw
    ]
    counts = _plan_counts(branches, year, today)
    if status:
        rows = [r for r in rows if r.status == status]
    return rows, counts


def _plan_field(field: str, year: int) -> Any:
    return Subquery(AnnualPlan.objects.filter(org_id=OuterRef("pk"), year=year).values(field)[:1])


def _plan_counts(branches: QuerySet[Organization], year: int, today: dt.date) -> dict[PlanStatus, int]:
    """Counts per displayed status computed in the database (one aggregate query)."""
    late = today > plan_due_date(year)
    has = Q(partyday_plans__year=year)
    agg = branches.aggregate(
        total=Count("pk", distinct=True),
        draft=Count("partyday_plans", filter=has & Q(partyday_plans__status=PlanState.DRAFT)),
        submitted=Count("partyday_plans", filter=has & Q(partyday_plans__status=PlanState.SUBMITTED)),
        filed=Count("partyday_plans", filter=has & Q(partyday_plans__status=PlanState.FILED)),
        returned=Count("partyday_plans", filter=has & Q(partyday_plans__status=PlanState.RETURNED)),
    )
    with_plan = agg["draft"] + agg["submitted"] + agg["filed"] + agg["returned"]
    none = agg["total"] - with_plan
    counts = {
        PlanStatus.NOT_STARTED: 0 if late else none,
        PlanStatus.DRAFT: 0 if late else agg["draft"],
        PlanStatus.SUBMITTED: agg["submitted"],
        PlanStatus.FILED: agg["filed"],
        PlanStatus.RETURNED: 0 if late else agg["returned"],
        PlanStatus.LATE: (none + agg["draft"] + agg["returned"]) if late else 0,
    }
    return counts


# ---------------------------------------------------------------------------------------------
# Upward report figures (reports)

REPORT_FIGURES: tuple[tuple[str, str], ...] = (
    ("held", "主题党日（次）"),
    ("dates", "开展日期"),
    ("expected", "应到（人次）"),
    ("present", "实到（人次）"),
    ("rate", "到会率"),
)


def attendance_rate(present: int, expected: int) -> str:
    """Present over expected as a whole percentage ("" with nobody expected)."""
    return f"{round(100 * present / expected)}%" if expected else ""


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Each branch's filed 主题党日 held in [start, end]: how many, the dates, attendance (present
    over the rows of the attendance list) and its rate. Two queries whatever the number of paths."""
    if not paths:
        return {}
    held = Meeting.objects.filter(
        branch_path__in=paths,
        is_party_day=True,
        status=MeetingStatus.FILED,
        meeting_date__gte=start,
        meeting_date__lte=end,
    )
    out: dict[str, dict[str, Any]] = {}
    for path, on in held.order_by("branch_path", "meeting_date").values_list("branch_path", "meeting_date"):
        row = out.setdefault(path, {"held": 0, "dates": "", "expected": 0, "present": 0, "rate": ""})
        row["held"] += 1
        row["dates"] = "、".join(filter(None, [row["dates"], f"{on.month}月{on.day}日"]))
    counts = (
        Attendance.objects.filter(meeting__in=held)
        .values("meeting__branch_path")
        .order_by()
        .annotate(n=Count("id"), present=Count("id", filter=Q(status=AttendanceStatus.PRESENT)))
    )
    for r in counts:
        row = out[r["meeting__branch_path"]]
        row["expected"], row["present"] = r["n"], r["present"]
        row["rate"] = attendance_rate(r["present"], r["n"])
    return out


def report_link(org_pk: int, start: dt.date, end: dt.date) -> str:
    """The branch's 主题党日 records of the period's last month."""
    return reverse("orglife:org_meetings", args=[org_pk]) + f"?month={end:%Y-%m}&kind=party_day"
