"""Reads on dues, scoped to the acting user. Query counts are constant per page (no per-row queries)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Finding
from dangjian.core.paths import parent_path, subtree_q
from dangjian.core.prepared import prepared_cursor
from dangjian.core.registry import TalkTriggerEvent
from dangjian.core.scoping import Action, can, get_for_user, is_own, scope_prefixes, scope_q
from dangjian.members.models import Member
from dangjian.members.selectors import own_member as own_member  # the dues pages' "my dues" member
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import get_org_for_user, top_orgs_for

from . import assess as A
from .models import (
    DuesArrearsFlag,
    DuesBase,
    DuesDisclosure,
    DuesExemption,
    DuesExpected,
    DuesPayment,
    DuesPaymentMonth,
    ExemptionStatus,
)
from .rules import (
    ARREARS_FLAG_MONTHS,
    MonthStatus,
    Relief,
    add_months,
    arrears_findings,
    consecutive_unpaid,
    month_start,
)


def current_month() -> dt.date:
    return month_start(timezone.localdate())


def last_closed_month() -> dt.date:
    """Arrears are counted through the previous month: the current one can still be paid."""
    return add_months(current_month(), -1)


# ---------------------------------------------------------------------------------------------
# Access


def get_member_for_dues(user: Any, pk: int | str, action: str = Action.MANAGE) -> Member:
    """A member whose dues the user may see (`VIEW`: self or MANAGE) or handle (`MANAGE`)."""
    return get_for_user(
        Member.objects.select_related("org", "user"),
        pk,
        user,
        Action.MANAGE,
        not_found="党员不存在",
        denied="无权查看该党员的党费",
        own=(lambda m: is_own(user, m)) if action == Action.VIEW else None,
    )


def get_branch_for_user(user: Any, org_pk: int | str, action: str) -> Organization:
    org = get_org_for_user(user, org_pk, action)
    if org.kind != OrgKind.BRANCH:
        raise Http404("请选择党支部")
    return org


def get_branch_for_disclosure(user: Any, org_pk: int | str) -> Organization:
    """A branch's disclosure is published to its members: the member's own branch, or VIEW scope."""
    me = own_member(user)
    if me is not None and str(me.org_id) == str(org_pk):
        return me.org
    return get_branch_for_user(user, org_pk, Action.VIEW)


def member_arrears(member: Member) -> int:
    """Consecutive unpaid months through last month, 0 under an approved exemption (2 queries)."""
    through = last_closed_month()
    if DuesExemption.objects.filter(
        member=member, status=ExemptionStatus.APPROVED, start_month__lte=through, end_month__gte=through
    ).exists():
        return 0
    rows = DuesExpected.objects.filter(
        member=member, month__lte=through, month__gte=add_months(through, -24)
    ).values_list("month", "amount_fen", "is_paid")
    return consecutive_unpaid([MonthStatus(m, a, p) for m, a, p in rows], through)


def get_payment_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> DuesPayment:
    return get_for_user(
        DuesPayment.objects.all(), pk, user, action, not_found="缴费记录不存在", denied="无权处理该缴费记录"
    )


# ---------------------------------------------------------------------------------------------
# A member's ledger ("我的党费")


@dataclass
class LedgerLine:
    month: dt.date
    amount_fen: int
    paid_fen: int
    is_paid: bool
    rate_label: str
    relief: str
    org_name: str
    preview: bool = False  # not on the ledger yet: assessed now from the base in force

    @property
    def outstanding_fen(self) -> int:
        return max(self.amount_fen - self.paid_fen, 0)


@dataclass
class Ledger:
    member: Member
    year: int
    bases: list[DuesBase]
    base_now: DuesBase | None
    due_now: A.Assessed | None
    lines: list[LedgerLine]
    payments: list[DuesPayment]
    exemptions: list[DuesExemption]
    streak: int
    findings: list[Finding]
    unpaid_months: list[dt.date] = field(default_factory=list)

    @property
    def paid_total_fen(self) -> int:
        return sum(line.paid_fen for line in self.lines)

    @property
    def expected_total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def outstanding_fen(self) -> int:
        return sum(line.outstanding_fen for line in self.lines if line.month < current_month())


def member_ledger(member: Member, year: int | None = None) -> Ledger:
    """Bases, the year's ledger lines (and this month's assessed amount), payments, arrears."""
    today = timezone.localdate()
    year = year or today.year
    bases = list(DuesBase.objects.filter(member=member).select_related("created_by").order_by("-effective_from", "-id"))
    base_now = next((b for b in bases if b.effective_from <= current_month()), None)
    assessed, _ = A.assess_members([member], current_month()) if member.is_active else ([], [])
    due_now = assessed[0] if assessed else None
    expected = {
        e.month: e
        for e in DuesExpected.objects.filter(member=member, month__year=year).select_related("org").order_by("month")
    }
    # Months on the ledger, plus this month assessed from the base in force if not on it yet.
    lines: list[LedgerLine] = []
    m = dt.date(year, 1, 1)
    while m <= dt.date(year, 12, 1):
        e = expected.get(m)
        if e is not None:
            lines.append(LedgerLine(m, e.amount_fen, e.paid_fen, e.is_paid, e.rate_label, e.relief, e.org.name))
        elif m == current_month() and member.is_active and due_now is not None:
            lines.append(LedgerLine(m, due_now.amount_fen, 0, False, due_now.rate_label, due_now.relief, "", True))
        m = add_months(m, 1)
    payments = list(
        DuesPayment.objects.filter(member=member).prefetch_related("months").order_by("-paid_on", "-id")[:60]
    )
    recent = DuesExpected.objects.filter(
        member=member, month__gte=add_months(last_closed_month(), -24), month__lte=last_closed_month()
    ).values_list("month", "amount_fen", "is_paid")
    statuses = [MonthStatus(mm, a, p) for mm, a, p in recent]
    streak = consecutive_unpaid(statuses, last_closed_month())
    exemptions = list(DuesExemption.objects.filter(member=member).order_by("-start_month", "-id"))
    exempted = any(
        x.status == ExemptionStatus.APPROVED and x.start_month <= last_closed_month() <= x.end_month for x in exemptions
    )
    unpaid = sorted(s.month for s in statuses if s.due_fen > 0 and not s.paid)
    return Ledger(
        member,
        year,
        bases,
        base_now,
        due_now,
        lines,
        payments,
        exemptions,
        streak,
        arrears_findings(streak, exempted=exempted),
        unpaid,
    )


# ---------------------------------------------------------------------------------------------
# The party-day collection sheet


@dataclass
class SheetRow:
    member_id: int
    name: str
    amount_fen: int
    paid_fen: int
    is_paid: bool
    rate_label: str
    relief: str
    on_ledger: bool
    missing_base: bool = False
    transferred_out: bool = False
    streak: int = 0
    arrears_months: str = ""  # "2026-03,2026-04,2026-05": the unpaid months before this one and this one


@dataclass(frozen=True)
class SheetDisclosure:
    published_at: dt.datetime
    version: int


@dataclass
class Sheet:
    org: Organization
    month: dt.date
    rows: list[SheetRow]
    disclosure: SheetDisclosure | None

    @property
    def due_rows(self) -> list[SheetRow]:
        return [r for r in self.rows if r.amount_fen > 0 or r.is_paid]

    @property
    def due_count(self) -> int:
        return len(self.due_rows)

    @property
    def paid_count(self) -> int:
        return sum(1 for r in self.due_rows if r.is_paid)

    @property
    def unassessed_count(self) -> int:
        """Members on the roll without a base this month (shown as 另有 N 人未核定基数, never hidden)."""
        return sum(1 for r in self.rows if r.missing_base)

    @property
    def expected_total_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows)

    @property
    def paid_total_fen(self) -> int:
        return sum(r.paid_fen for r in self.rows)


class _SheetMember(NamedTuple):
    """A row of `_sheet_members_sql`: the member's facts (as `assess.MemberFacts`), the month's line on
    the branch's ledger (`line_id` None if not on it), the base and the relief in force."""

    id: int
    org_id: int
    org_path: str
    joined_on: dt.date | None
    left_on: dt.date | None
    category: str
    name: str
    line_id: int | None
    amount_fen: int
    paid_fen: int
    is_paid: bool
    rate_label: str
    relief: str
    base_year: int | None
    base_fen: int | None
    base_category: str | None
    relief_kind: str | None
    relief_reduced_fen: int | None


@functools.cache
def _sheet_sql(vendor: str) -> tuple[str, str, str]:
    """The collection sheet's three queries, written once per process (tables named by the models).

    members: the branch's roll for the month and anyone on its ledger for the month (a member who
    transferred out keeps the line), each with that line if any, the newest base not after the month
    (as `assess.bases_in_force`) and the newest approved relief covering it (as
    `assess.reliefs_in_force`). history: the same members' ledger over a range of months (on
    PostgreSQL the ids the first query returned, elsewhere by the same subquery).
    published: when and which version of the month's collection was disclosed.
    """
    member, line = Member._meta.db_table, DuesExpected._meta.db_table
    base, relief, disclosure = DuesBase._meta.db_table, DuesExemption._meta.db_table, DuesDisclosure._meta.db_table
    # Only the models' table names are interpolated; every value is a bound parameter.
    # One IN over a UNION, not "A OR m.id IN (...)": PostgreSQL plans the OR as a scan of every
    # member (measured: 105 ms at a city's 200,000), the UNION as two index lookups.
    on_sheet = (
        f"m.id IN (SELECT m1.id FROM {member} m1 WHERE m1.org_id = %(org)s"  # noqa: S608
        " AND m1.joined_on <= %(month_end)s AND (m1.is_active OR m1.left_on >= %(month)s)"
        f" UNION SELECT e2.member_id FROM {line} e2 WHERE e2.org_id = %(org)s AND e2.month = %(month)s)"
    )
    members = (
        "SELECT m.id, m.org_id, m.org_path, m.joined_on, m.left_on, m.category, m.name,"  # noqa: S608
        " e.id, e.amount_fen, e.paid_fen, e.is_paid, e.rate_label, e.relief,"
        " b.year, b.monthly_base_fen, b.category, x.kind, x.reduced_fen"
        f" FROM {member} m"
        f" LEFT JOIN {line} e ON e.member_id = m.id AND e.org_id = %(org)s AND e.month = %(month)s"
        f" LEFT JOIN {base} b ON b.id = (SELECT b2.id FROM {base} b2 WHERE b2.member_id = m.id"
        " AND b2.effective_from <= %(month)s ORDER BY b2.effective_from DESC, b2.id DESC LIMIT 1)"
        f" LEFT JOIN {relief} x ON x.id = (SELECT MAX(x2.id) FROM {relief} x2 WHERE x2.member_id = m.id"
        " AND x2.status = %(approved)s AND x2.start_month <= %(month)s AND x2.end_month >= %(month)s)"
        f" WHERE {on_sheet}"
    )
    history = (
        f"SELECT h.member_id, h.month, h.amount_fen, h.is_paid FROM {line} h"  # noqa: S608
        " WHERE h.month >= %(first)s AND h.month <= %(last)s"
        + (
            # The members the first query returned, as an array: PostgreSQL plans it in ~0.05 ms
            # (the sheet's subquery again cost ~0.7 ms of planning per page; issue 18).
            " AND h.member_id = ANY(%(ids)s)"
            if vendor == "postgresql"
            else f" AND h.member_id IN (SELECT m.id FROM {member} m WHERE {on_sheet})"  # noqa: S608
        )
    )
    published = f"SELECT published_at, version FROM {disclosure} WHERE org_id = %(org)s AND month = %(month)s"  # noqa: S608
    return members, history, published


def collection_sheet(org: Organization, month: dt.date) -> Sheet:
    """Who is due this month in the branch, who paid, who did not: three queries whatever the size
    (four while a member not on the month's ledger yet has a base to be assessed from)."""
    month = month_start(month)
    members_sql, history_sql, published_sql = _sheet_sql(connection.vendor)
    adapt = connection.ops.adapt_datefield_value
    through = add_months(month, -1)
    params = {
        "org": org.pk,
        "month": adapt(month),
        "month_end": adapt(add_months(month, 1) - dt.timedelta(days=1)),
        "approved": ExemptionStatus.APPROVED,
        "first": adapt(add_months(through, -ARREARS_FLAG_MONTHS - 1)),  # the arrears look-back
        "last": adapt(through),
    }
    with prepared_cursor(connection) as cur:  # planned once per connection on PostgreSQL
        cur.execute(members_sql, params)
        members = [_SheetMember._make(m) for m in cur.fetchall()]
        cur.execute(history_sql, {**params, "ids": [m.id for m in members]} if "%(ids)s" in history_sql else params)
        months = cur.fetchall()
        cur.execute(published_sql, params)
        published = cur.fetchone()
    rows = [
        SheetRow(
            m.id,
            m.name,
            m.amount_fen,
            m.paid_fen,
            bool(m.is_paid),
            m.rate_label,
            m.relief,
            True,
            transferred_out=m.org_id != org.pk,
        )
        for m in members
        if m.line_id is not None
    ]
    pending = [m for m in members if m.line_id is None]  # not on the month's ledger yet: assess now
    if pending:
        facts = [A.MemberFacts(*m[:6]) for m in pending]
        assessed, missing = A.assess(
            facts,
            month,
            bases={m.id: (m.base_year, m.base_fen, m.base_category) for m in pending if m.base_year is not None},
            reliefs={m.id: Relief(m.relief_kind, m.relief_reduced_fen or 0) for m in pending if m.relief_kind},
            settings=A.LazySettings(f.org_path for f in facts),
        )
        by_id = {a.member_id: a for a in assessed}
        for m in pending:
            a = by_id.get(m.id)
            if a is not None:
                rows.append(SheetRow(m.id, m.name, a.amount_fen, 0, False, a.rate_label, a.relief, False))
            elif m.id in missing:
                rows.append(SheetRow(m.id, m.name, 0, 0, False, "未核定基数", "", False, missing_base=True))
    # Arrears: consecutive unpaid months before this one.
    history: dict[int, list[MonthStatus]] = {}
    for member_id, mm, amount, paid in months:
        history.setdefault(member_id, []).append(MonthStatus(mm, amount, bool(paid)))
    for r in rows:
        r.streak = consecutive_unpaid(history.get(r.member_id, []), through)
        if r.streak and not r.is_paid:
            r.arrears_months = ",".join(f"{add_months(month, -i):%Y-%m}" for i in range(r.streak, -1, -1))
    rows.sort(key=lambda r: (r.is_paid, r.name, r.member_id))
    disclosure = None
    if published is not None:
        at, version = published
        if timezone.is_naive(at):  # SQLite keeps UTC without an offset; the ORM reads it back the same way
            at = timezone.make_aware(at, connection.timezone)
        disclosure = SheetDisclosure(at, version)
    return Sheet(org, month, rows, disclosure)


def party_day_counts(org: Organization, month: dt.date) -> tuple[int, int, int]:
    """(due, paid, without a base) head counts for the org's subtree in `month`, for the party-day
    record (3 queries). Everyone on the roll is counted: members whose base is not yet set are
    reported as such, not left out."""
    month = month_start(month)
    agg = DuesExpected.objects.filter(subtree_q("org_path", org.path), month=month).aggregate(
        due=Count("month", filter=Q(amount_fen__gt=0) | Q(is_paid=True)),
        paid=Count("month", filter=Q(is_paid=True)),
        rows=Count("month"),
    )
    due, paid = agg["due"] or 0, agg["paid"] or 0
    month_last = add_months(month, 1) - dt.timedelta(days=1)
    roll = Member.objects.filter(subtree_q("org_path", org.path), is_active=True, joined_on__lte=month_last)
    if not agg["rows"]:
        # Month not materialised yet: everyone on the roll who was admitted by the month's end is due.
        return roll.count(), paid, 0
    on_ledger = DuesExpected.objects.filter(subtree_q("org_path", org.path), month=month).values("member_id")
    return due, paid, roll.exclude(pk__in=on_ledger).count()


# ---------------------------------------------------------------------------------------------
# Disclosure


def disclosure_for(org: Organization, month: dt.date) -> DuesDisclosure | None:
    return DuesDisclosure.objects.filter(org=org, month=month_start(month)).select_related("published_by").first()


def disclosures_for_member(member: Member) -> QuerySet[DuesDisclosure]:
    return DuesDisclosure.objects.filter(org_id=member.org_id).order_by("-month")[:12]


# ---------------------------------------------------------------------------------------------
# Committee roll-ups


@dataclass
class RollupRow:
    org: Organization | None
    label: str
    expected_fen: int
    received_fen: int
    outstanding_fen: int
    members: int
    paid_members: int
    member_id: int | None = None

    @property
    def rate_pct(self) -> int:
        return round(100 * self.paid_members / self.members) if self.members else 0


def _sums() -> dict[str, Any]:
    # Only columns of the (month, org_path, amount_fen, paid_fen, is_paid) index are read (COUNT(month),
    # not COUNT(id)), so PostgreSQL answers a month's roll-up with an index-only scan.
    return {
        "expected": Sum("amount_fen"),
        "received": Sum("paid_fen"),
        "outstanding": Sum(
            Case(
                When(amount_fen__gt=F("paid_fen"), then=F("amount_fen") - F("paid_fen")),
                default=Value(0),
                output_field=IntegerField(),
            )
        ),
        "members": Count("month", filter=Q(amount_fen__gt=0) | Q(is_paid=True)),
        "paid_members": Count("month", filter=Q(is_paid=True)),
    }


def _row(org: Organization | None, label: str, agg: dict[str, Any], member_id: int | None = None) -> RollupRow:
    return RollupRow(
        org,
        label,
        agg.get("expected") or 0,
        agg.get("received") or 0,
        agg.get("outstanding") or 0,
        agg.get("members") or 0,
        agg.get("paid_members") or 0,
        member_id,
    )


@dataclass
class Rollup:
    org: Organization
    month: dt.date
    total: RollupRow
    children: list[RollupRow]
    by_member: bool  # a branch drills down to its members


def rollup(org: Organization, month: dt.date) -> Rollup:
    """Expected, received and outstanding over `org`'s subtree for a month, per direct child.

    Aggregated in the database by the children's path prefix (GROUP BY substr(org_path, 1, n)): two
    queries whatever the size of the subtree (one scan of the month, one for the children's names).
    """
    month = month_start(month)
    base = DuesExpected.objects.filter(subtree_q("org_path", org.path), month=month)
    if org.kind == OrgKind.BRANCH:
        per = base.values("member_id", "member__name").annotate(**_sums()).order_by("member__name", "member_id")
        children = [_row(None, r["member__name"], r, r["member_id"]) for r in per]
        return Rollup(org, month, _total(org, children), children, True)
    child_len = len(org.path) + Organization.steplen
    per_prefix = {
        r["prefix"]: r
        for r in base.annotate(prefix=Substr("org_path", 1, child_len)).values("prefix").annotate(**_sums())
    }
    kids = list(
        Organization.objects.filter(subtree_q("path", org.path), depth=org.depth + 1)
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")
    )
    rows = [_row(k, k.name, per_prefix.get(k.path, {})) for k in kids]
    own = per_prefix.get(org.path)  # members held directly by this org (none in a well-formed tree)
    if own:
        rows.insert(0, _row(org, f"{org.name}（本级）", own))
    return Rollup(org, month, _total(org, rows), rows, False)


def _total(org: Organization, rows: list[RollupRow]) -> RollupRow:
    """The subtree's total is the sum of its parts: no second scan of the month."""
    return RollupRow(
        org,
        org.name,
        sum(r.expected_fen for r in rows),
        sum(r.received_fen for r in rows),
        sum(r.outstanding_fen for r in rows),
        sum(r.members for r in rows),
        sum(r.paid_members for r in rows),
    )


# ---------------------------------------------------------------------------------------------
# The 党费收缴登记表 (a branch's year, one row per member, one column per month)


@dataclass
class RegisterRow:
    member_id: int
    name: str
    base_fen: int
    rate_label: str
    amounts: dict[int, int]  # month number → expected fen
    paid: dict[int, int]  # month number → paid fen
    paid_on: dict[int, dt.date]


def register_rows(org: Organization, year: int) -> list[RegisterRow]:
    out: dict[int, RegisterRow] = {}
    lines = (
        DuesExpected.objects.filter(org=org, month__year=year)
        .order_by("member__name", "member_id", "month")
        .values_list("member_id", "member__name", "month", "base_fen", "rate_label", "amount_fen", "paid_fen")
    )
    for member_id, name, month, base_fen, rate_label, amount, paid in lines:
        r = out.setdefault(member_id, RegisterRow(member_id, name, base_fen, rate_label, {}, {}, {}))
        r.base_fen, r.rate_label = base_fen, rate_label
        r.amounts[month.month] = amount
        r.paid[month.month] = paid

    for member_id, month, paid_on in DuesPaymentMonth.objects.filter(
        member_id__in=list(out), month__year=year, org_path=org.path
    ).values_list("member_id", "month", "payment__paid_on"):
        out[member_id].paid_on[month.month] = paid_on
    return list(out.values())


# ---------------------------------------------------------------------------------------------
# Home page and index


def arrears_talk_events(since: dt.date, until: dt.date) -> list[TalkTriggerEvent]:
    """Members flagged for 6+ consecutive unpaid months in [since, until] whose flag is still open:
    a talk is due (第十三条: 党支部应及时对其进行批评教育). One query, every branch."""
    rows = (
        DuesArrearsFlag.objects.filter(
            resolved_at__isnull=True,
            flagged_at__date__gte=since,
            flagged_at__date__lte=until,
            member__is_active=True,
        )
        .values_list("member_id", "org_id", "org_path", "flagged_at")
        .order_by("pk")
    )
    return [TalkTriggerEvent(member_id, org_id, path, timezone.localdate(at)) for member_id, org_id, path, at in rows]


def open_flags_for(user: Any) -> QuerySet[DuesArrearsFlag]:
    return DuesArrearsFlag.objects.filter(resolved_at__isnull=True).filter(scope_q(user, Action.MANAGE))


def unpaid_this_month(user: Any) -> list[tuple[Organization, int]]:
    """(branch, members who owe this month and have not paid) for the branches the user runs
    themselves (a committee-wide admin has the roll-up instead), one query each way."""
    prefixes = scope_prefixes(user, Action.MANAGE) or []
    branches = {o.path: o for o in Organization.objects.filter(path__in=prefixes, kind=OrgKind.BRANCH)}
    if not branches:
        return []
    counts = (
        DuesExpected.objects.filter(org_path__in=list(branches), month=current_month(), is_paid=False, amount_fen__gt=0)
        .values_list("org_path")
        .annotate(n=Count("id"))
        .order_by("org_path")
    )
    return [(branches[path], n) for path, n in counts]


def own_month_line(member: Member) -> DuesExpected | None:
    """The member's dues line for this month (None until the month's dues are computed)."""
    return DuesExpected.objects.filter(member=member, month=current_month()).first()


def pending_exemptions_for(user: Any) -> list[DuesExemption]:
    """Pending applications the user may decide (APPROVE on the parent of the member's branch), leaving
    out those they applied for or that concern themself (four eyes)."""
    qs = (
        DuesExemption.objects.filter(status=ExemptionStatus.PENDING)
        .filter(scope_q(user, Action.APPROVE))
        .exclude(applied_by_id=user.pk)
        .exclude(member__user_id=user.pk)
        .select_related("member")[:200]
    )
    return [x for x in qs if can(user, Action.APPROVE, approver_path(x.org_path))]


def approver_path(org_path: str) -> str:
    """The next-level 党委 approves (第七条): the parent of the member's branch."""
    return parent_path(org_path) or org_path


def get_exemption_for_decision(user: Any, pk: int | str) -> DuesExemption:
    """An application the user may decide (APPROVE where the next-level 党委 decides): 404 if out of
    sight, 403 if seen but not theirs to decide."""
    return get_for_user(
        DuesExemption.objects.select_related("member"),
        pk,
        user,
        Action.APPROVE,
        not_found="申请不存在",
        denied="党费减免须由上一级党委批准",
        action_path=lambda ex: approver_path(ex.org_path),
    )


@dataclass
class DuesIndex:
    branches: list[Organization]
    tops: list[Organization]
    flags: list[DuesArrearsFlag]
    exemptions: list[DuesExemption]
    member: Member | None


def dues_index(user: Any) -> DuesIndex:
    branches = list(
        Organization.objects.filter(scope_q(user, Action.MANAGE, "path"), kind=OrgKind.BRANCH).order_by("path")[:100]
    )
    tops = [o for o in top_orgs_for(user, Action.MANAGE) if o.kind != OrgKind.BRANCH]
    flags = list(open_flags_for(user).select_related("member", "org")[:100])
    return DuesIndex(branches, tops, flags, pending_exemptions_for(user), own_member(user))


# ---------------------------------------------------------------------------------------------
# Upward report figures (reports)

REPORT_FIGURES: tuple[tuple[str, str], ...] = (
    ("members", "应缴人数"),
    ("paid_members", "已缴人数"),
    ("expected_fen", "应缴金额"),
    ("paid_fen", "实缴金额"),
    ("arrears_members", "截至期末仍有欠缴的人数"),
    ("arrears_fen", "截至期末欠缴金额"),
    ("disclosed", "已公开收缴情况（月）"),
)


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Each branch's dues for the months whose first day lies in [start, end] (at least the month of
    `end`) from the ledger (DuesExpected), the arrears still open at the period's end over every
    earlier month, and the months whose collection was publicly disclosed (党费收缴情况公开). Four
    queries whatever the number of paths; amounts in fen."""
    if not paths:
        return {}
    last = month_start(end)
    first = min(month_start(start) if start.day == 1 else add_months(month_start(start), 1), last)
    due = Q(amount_fen__gt=0) | Q(is_paid=True)
    # By the branches' ids: the (org, month) index serves one branch or ten thousand alike.
    ids = dict(Organization.objects.filter(path__in=paths).values_list("pk", "path"))
    out: dict[str, dict[str, Any]] = {}
    for r in (
        DuesExpected.objects.filter(org_id__in=list(ids), month__gte=first, month__lte=last)
        .values("org_id")
        .order_by()
        .annotate(
            members=Count("member_id", filter=due, distinct=True),
            paid_members=Count("member_id", filter=Q(is_paid=True), distinct=True),
            expected_fen=Sum("amount_fen"),
            paid_fen=Sum("paid_fen"),
        )
    ):
        out[ids[r["org_id"]]] = {
            "members": r["members"],
            "paid_members": r["paid_members"],
            "expected_fen": int(r["expected_fen"] or 0),
            "paid_fen": int(r["paid_fen"] or 0),
            "arrears_members": 0,
            "arrears_fen": 0,
        }
    for r in (
        DuesExpected.objects.filter(org_id__in=list(ids), month__lte=last, is_paid=False, amount_fen__gt=0)
        .values("org_id")
        .order_by()
        .annotate(n=Count("member_id", distinct=True), fen=Sum("amount_fen"))
    ):
        row = out.setdefault(ids[r["org_id"]], {"members": 0, "paid_members": 0, "expected_fen": 0, "paid_fen": 0})
        row["arrears_members"], row["arrears_fen"] = r["n"], int(r["fen"] or 0)
    empty = {"members": 0, "paid_members": 0, "expected_fen": 0, "paid_fen": 0, "arrears_members": 0, "arrears_fen": 0}
    for path, n in (
        DuesDisclosure.objects.filter(org_id__in=list(ids), month__gte=first, month__lte=last)
        .values("org_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    ):
        out.setdefault(ids[path], dict(empty))["disclosed"] = n
    for row in out.values():
        row.setdefault("disclosed", 0)
    return out


def report_link(org_pk: int, start: dt.date, end: dt.date) -> str:
    """The branch's collection sheet of the period's last month (every member's line)."""
    return reverse("dues:sheet", args=[org_pk]) + f"?month={end:%Y-%m}"
