"""Writes on dues. Each checks scope, validates, writes and audits inside one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by
from dangjian.core import audit, notify
from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, is_own, require, require_four_eyes, user_or_none
from dangjian.core.versioning import bump, lock
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgKind

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
    PaymentMethod,
)
from .rules import (
    ARREARS_FLAG_MONTHS,
    BASE_ITEMS_BY_CODE,
    MAX_BASE_FEN,
    Allocation,
    DuesCategory,
    MonthStatus,
    ReliefKind,
    add_months,
    advance_months_error,
    allocate_payment,
    base_change_needs_reason,
    base_error,
    compute_base,
    consecutive_unpaid,
    fen_to_yuan,
    is_month_due,
    month_label,
    month_start,
    months_label,
    payment_findings,
    proxy_error,
)
from .selectors import approver_path

EXPECTED_UPDATE_FIELDS = ["category", "base_fen", "rate_label", "unrounded", "amount_fen", "relief", "capped"]


# ---------------------------------------------------------------------------------------------
# Bases


@dataclass(frozen=True)
class BaseRow:
    """One member's declared base, as the form or a year-start batch gives it."""

    member: Member
    year: int
    category: str
    monthly_base_fen: int | None = None
    items: dict[str, int] | None = None
    effective_from: dt.date | None = None
    reason: str = ""


class _Errors:
    """Collects problems; one row → errors keyed by field, several rows → messages naming the row."""

    def __init__(self, many: bool) -> None:
        self.many = many
        self.by_field: dict[str, list[str]] = {}
        self.lines: list[str] = []

    def add(self, index: int, name: str, field: str, message: str) -> None:
        if self.many:
            self.lines.append(f"第{index + 1}行（{name}）：{message}")
        else:
            self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.lines:
            raise ValidationError(self.lines)
        if self.by_field:
            raise ValidationError(self.by_field)


def dues_base_set(
    *,
    actor: Any,
    member: Member,
    year: int,
    category: str,
    monthly_base_fen: int | None = None,
    items: dict[str, int] | None = None,
    effective_from: dt.date | None = None,
    reason: str = "",
) -> DuesBase:
    """Declare a member's monthly base for `year` (from January unless `effective_from` says otherwise).

    Either `monthly_base_fen` is given, or `items` (fen per item code) from which the base is computed
    (counted income minus tax and personal contributions; excluded items are kept for the record).
    A change inside the year needs a reason; earlier rows stay as history.
    """
    row = BaseRow(member, year, category, monthly_base_fen, items, effective_from, reason)
    return dues_bases_set(actor=actor, rows=[row])[0]


def dues_bases_set(*, actor: Any, rows: list[BaseRow]) -> list[DuesBase]:
    """Declare many bases at once (the year-start assessment of a branch): the same checks per row,
    all or nothing, bulk writes, one audit event per base."""
    for r in rows:
        require(actor, Action.MANAGE, r.member.org_path, f"无权核定{r.member.name}的党费基数")
    errors = _Errors(many=len(rows) > 1)
    prepared: list[tuple[BaseRow, dt.date, int, dict[str, int]]] = []
    for i, r in enumerate(rows):
        name = r.member.name
        if not r.member.is_active:
            errors.add(i, name, "member", "该党员已离册，不能核定党费基数")
        if r.category not in DuesCategory.values:
            errors.add(i, name, "category", "请选择党费类别")
        eff = month_start(r.effective_from or dt.date(r.year, 1, 1))
        if eff.year != r.year:
            errors.add(i, name, "effective_from", "起始月份应在所核定的年度内")
        fen = r.monthly_base_fen
        breakdown: dict[str, int] = {}
        if r.items:
            try:
                fen = compute_base(r.items).base_fen
            except ValueError as exc:
                errors.add(i, name, "items", str(exc))
            breakdown = {code: v for code, v in r.items.items() if code in BASE_ITEMS_BY_CODE}
        fen = fen or 0
        if err := base_error(fen):
            errors.add(i, name, "monthly_base_fen", err)
        prepared.append((r, eff, fen, breakdown))
    errors.raise_if_any()
    ids = [r.member.pk for r in rows]
    with transaction.atomic():
        list(Member.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        earlier = set(
            DuesBase.objects.filter(member_id__in=ids, year__in={r.year for r in rows}).values_list("member_id", "year")
        )
        objs: list[DuesBase] = []
        for i, (r, eff, fen, breakdown) in enumerate(prepared):
            key = (r.member.pk, r.year)
            needs = base_change_needs_reason(effective_from=eff, has_earlier_base_this_year=key in earlier)
            if needs and not r.reason.strip():
                errors.add(
                    i, r.member.name, "reason", "年度内调整党费基数须填写调整原因（党费基数年初核定，年度内一般不变）"
                )
            earlier.add(key)
            obj = DuesBase(
                member=r.member,
                org_path=r.member.org_path,
                year=r.year,
                effective_from=eff,
                monthly_base_fen=fen,
                category=r.category,
                items=breakdown,
                reason=r.reason.strip(),
                created_by=user_or_none(actor),
            )
            # FKs are instances already and the range is checked above (and by the DB constraint).
            obj.full_clean(exclude=["member", "created_by"], validate_constraints=False)
            objs.append(obj)
        errors.raise_if_any()
        DuesBase.objects.bulk_create(objs, batch_size=2000)
        audit.record_many(actor, [audit.Change("dues.base_set", obj, after=audit.snapshot(obj)) for obj in objs])
        # Months already on the ledger from the new base on are re-assessed (what was paid stays).
        start = {(o.member_id, o.year): o.effective_from for o in objs}
        affected = [
            line
            for line in DuesExpected.objects.filter(member_id__in=ids, month__year__in={o.year for o in objs})
            if (line.member_id, line.month.year) in start and line.month >= start[(line.member_id, line.month.year)]
        ]
        _reassess(affected)
    return objs


# ---------------------------------------------------------------------------------------------
# The ledger (expected amounts)


def _rows_from(assessed: list[A.Assessed]) -> list[DuesExpected]:
    return [
        DuesExpected(
            member_id=a.member_id,
            org_id=a.org_id,
            org_path=a.org_path,
            month=a.month,
            category=a.category,
            base_fen=a.base_fen,
            rate_label=a.rate_label,
            unrounded=a.unrounded,
            amount_fen=a.amount_fen,
            relief=a.relief,
            capped=a.capped,
        )
        for a in assessed
    ]


def _assess_pairs(pairs: set[tuple[int, dt.date]]) -> tuple[dict[tuple[int, dt.date], A.Assessed], set]:
    """Assess (member id, month) pairs in bulk: a few queries per distinct month."""
    by_month: dict[dt.date, list[int]] = {}
    for member_id, month in pairs:
        by_month.setdefault(month, []).append(member_id)
    facts = {
        r["id"]: A.facts_from_values(r)
        for r in Member.objects.filter(pk__in={mid for mid, _ in pairs}).values(*A.MEMBER_FACT_FIELDS)
    }
    settings = A.settings_for(f.org_path for f in facts.values())
    out: dict[tuple[int, dt.date], A.Assessed] = {}
    missing: set[tuple[int, dt.date]] = set()
    for month, ids in by_month.items():
        assessed, lacking = A.assess(
            [facts[i] for i in ids],
            month,
            bases=A.bases_in_force(ids, month),
            reliefs=A.reliefs_in_force(ids, month),
            settings=settings,
        )
        out.update({(a.member_id, month): a for a in assessed})
        missing.update((i, month) for i in lacking)
    return out, missing


def _reassess(lines: list[DuesExpected]) -> None:
    """Refresh existing ledger lines from the bases and reliefs now in force (org and paid unchanged)."""
    if not lines:
        return
    assessed, _ = _assess_pairs({(line.member_id, line.month) for line in lines})
    changed = []
    for line in lines:
        a = assessed.get((line.member_id, line.month))
        if a is not None:
            for f in EXPECTED_UPDATE_FIELDS:
                setattr(line, f, getattr(a, f))
            changed.append(line)
    DuesExpected.objects.bulk_update(changed, EXPECTED_UPDATE_FIELDS, batch_size=2000)


def _ensure_lines(pairs: set[tuple[int, dt.date]]) -> tuple[dict[tuple[int, dt.date], DuesExpected], set]:
    """The ledger lines for these (member id, month) pairs, creating missing ones (advance payment, or a
    month not computed yet). Also returns the pairs that cannot be assessed (no base on record)."""
    ids = {mid for mid, _ in pairs}
    months = {m for _, m in pairs}
    lines = {
        (e.member_id, e.month): e
        for e in DuesExpected.objects.filter(member_id__in=ids, month__in=months)
        if (e.member_id, e.month) in pairs
    }
    todo = pairs - set(lines)
    if not todo:
        return lines, set()
    assessed, missing = _assess_pairs(todo)
    new = _rows_from(list(assessed.values()))
    DuesExpected.objects.bulk_create(new, batch_size=2000)
    lines.update({(e.member_id, e.month): e for e in new})
    return lines, missing


_INSERT_COLUMNS = ("member_id", "org_id", "org_path", "month", *EXPECTED_UPDATE_FIELDS, "computed_at")


def _upsert_lines(assessed: list[A.Assessed], *, only_missing: bool, batch_size: int) -> None:
    """Write ledger lines with one prepared INSERT … ON CONFLICT run over all rows (executemany).

    At city scale this is several times faster than bulk_create, which on SQLite splits 200,000 rows
    into thousands of statements of ~70 rows and builds a model instance per row. The org of an
    existing line is never changed (history stays where the month was due); `paid_fen`/`is_paid` too.
    """
    if not assessed:
        return
    table = DuesExpected._meta.db_table
    ops = connection.ops
    cols = ", ".join(ops.quote_name(c) for c in _INSERT_COLUMNS)
    marks = ", ".join(["%s"] * len(_INSERT_COLUMNS))
    if only_missing:
        action = "NOTHING"
    else:
        # Only rows whose assessment changed are rewritten: a monthly re-run touches nothing else
        # (no write amplification, and PostgreSQL's index-only scans keep their visibility map).
        action = (
            "UPDATE SET "
            + ", ".join(
                f"{ops.quote_name(c)} = excluded.{ops.quote_name(c)}" for c in (*EXPECTED_UPDATE_FIELDS, "computed_at")
            )
            + " WHERE "
            + " OR ".join(
                f"{ops.quote_name(table)}.{ops.quote_name(c)} <> excluded.{ops.quote_name(c)}"
                for c in EXPECTED_UPDATE_FIELDS
            )
        )
    sql = (
        f"INSERT INTO {ops.quote_name(table)} ({cols}, paid_fen, is_paid) VALUES ({marks}, 0, %s) "  # noqa: S608
        f"ON CONFLICT (member_id, month) DO {action}"
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    params = [
        (
            a.member_id,
            a.org_id,
            a.org_path,
            ops.adapt_datefield_value(a.month),
            a.category,
            a.base_fen,
            a.rate_label,
            a.unrounded,
            a.amount_fen,
            a.relief,
            a.capped,
            now,
            False,
        )
        for a in assessed
    ]
    with connection.cursor() as cur:
        for i in range(0, len(params), batch_size):
            cur.executemany(sql, params[i : i + batch_size])


def dues_month_compute(
    *, actor: Any, org: Organization, month: dt.date, only_missing: bool = False, batch_size: int = 5000
) -> dict[str, int]:
    """Assess one month for every member in `org`'s subtree and upsert the ledger in bulk.

    Existing lines keep their organization (history stays where the month was due); amounts are
    refreshed unless `only_missing`. Members without a base are counted, not guessed.
    """
    require(actor, Action.MANAGE, org.path, "无权计算该组织的应缴党费")
    month = month_start(month)
    path_q = subtree_q("org_path", org.path)
    members = (
        Member.objects.filter(path_q)
        .filter(Q(is_active=True) | Q(left_on__gte=month))
        .filter(joined_on__lte=add_months(month, 1) - dt.timedelta(days=1))
        .values(*A.MEMBER_FACT_FIELDS)
    )
    facts = [A.facts_from_values(r) for r in members.iterator(chunk_size=10_000)]
    member_q = subtree_q("member__org_path", org.path)
    assessed, missing = A.assess(
        facts,
        month,
        bases=A.bases_in_force(None, month, member_q),
        reliefs=A.reliefs_in_force(None, month, member_q),
        settings=A.settings_for(f.org_path for f in facts),
    )
    with transaction.atomic():
        _upsert_lines(assessed, only_missing=only_missing, batch_size=batch_size)
        summary = {
            "members": len(assessed),
            "missing_base": len(missing),
            "expected_total_fen": sum(a.amount_fen for a in assessed),
        }
        audit.record(
            actor,
            "dues.month_compute",
            object_type="dues.DuesExpected",
            object_id=month.isoformat(),
            object_label=f"{org.name} {month_label(month)}",
            org_path=org.path,
            after=summary,
        )
    return summary


# ---------------------------------------------------------------------------------------------
# Payments


@dataclass(frozen=True)
class PaymentRow:
    """Dues handed over by (or for) one member: one line of the collection sheet or of an import."""

    member: Member
    months: list[dt.date]
    amount_fen: int
    paid_on: dt.date
    method: str = PaymentMethod.CASH
    collector_name: str = ""
    by_proxy: bool = False
    proxy_name: str = ""
    proxy_reason: str = ""
    proxy_consent: bool = False
    note: str = ""


def dues_payment_record(
    *,
    actor: Any,
    member: Member,
    months: list[dt.date],
    amount_fen: int,
    paid_on: dt.date,
    method: str = PaymentMethod.CASH,
    collector_name: str = "",
    by_proxy: bool = False,
    proxy_name: str = "",
    proxy_reason: str = "",
    proxy_consent: bool = False,
    note: str = "",
) -> DuesPayment:
    """Record dues handed to the branch's collector for one or more months (advance, quarterly allowed).

    Never records a month twice; an amount other than the expected total is accepted only with a note
    and is flagged for the branch.
    """
    row = PaymentRow(
        member,
        months,
        amount_fen,
        paid_on,
        method,
        collector_name,
        by_proxy,
        proxy_name,
        proxy_reason,
        proxy_consent,
        note,
    )
    return dues_payments_record(actor=actor, rows=[row])[0]


def _check_payment_input(r: PaymentRow, today: dt.date) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    months = sorted({month_start(m) for m in r.months})
    if not months:
        return [("months", "请选择缴纳的月份")]
    if not r.member.is_active:
        left = f"（{r.member.left_on:%Y-%m-%d}）" if r.member.left_on else ""
        problems.append(("member", f"{r.member.name}已离册{left}，不能再登记党费"))
    if r.method not in PaymentMethod.values:
        problems.append(("method", "请选择缴纳方式"))
    if r.paid_on > today:
        problems.append(("paid_on", "缴纳日期不能晚于今天"))
    advance = advance_months_error(months, r.paid_on)
    if advance:
        problems.append(("months", advance))
    not_due = [m for m in months if not is_month_due(m, r.member.joined_on, r.member.left_on)]
    if not_due:
        problems.append(("months", f"{months_label(not_due)}在{r.member.name}入党（支部大会通过）之前，无需交纳党费"))
    if r.amount_fen <= 0:
        problems.append(("amount", "实缴金额应大于0"))
    elif r.amount_fen > MAX_BASE_FEN:
        problems.append(("amount", "实缴金额明显有误，请核对"))
    proxy = proxy_error(
        by_proxy=r.by_proxy, proxy_name=r.proxy_name, proxy_reason=r.proxy_reason, consent=r.proxy_consent
    )
    if proxy:
        problems.append(("proxy", proxy))
    return problems


def dues_payments_record(*, actor: Any, rows: list[PaymentRow]) -> list[DuesPayment]:
    """Record many payments at once (a party day's sheet, an online-payment statement): the same checks
    per row, all or nothing, bulk writes, one audit event per payment.

    Steps: validate the input → lock the members and refuse months already paid → split each amount
    across its months (`rules.allocate_payment`, pure) → write payments, months, ledger and audit."""
    for r in rows:
        require(actor, Action.MANAGE, r.member.org_path, f"无权登记{r.member.name}的党费")
    today = timezone.localdate()
    errors = _Errors(many=len(rows) > 1)
    months_of = _validate_payments(rows, today, errors)
    try:
        with transaction.atomic():
            lines = _lock_unpaid_lines(rows, months_of, errors)
            allocations = _allocate(rows, months_of, lines, errors)
            payments = _write_payments(actor, rows, allocations, lines)
            _resolve_flags_if_cleared({r.member.pk for r in rows}, today)
    except IntegrityError as exc:  # a concurrent collector recorded the same month first
        raise ValidationError({"months": "所选月份刚刚已被他人登记，请刷新后核对"}) from exc
    return payments


def _validate_payments(rows: list[PaymentRow], today: dt.date, errors: _Errors) -> list[list[dt.date]]:
    """Each row's input on its own, and no month twice in the batch; returns each row's months."""
    months_of: list[list[dt.date]] = []
    seen: set[tuple[int, dt.date]] = set()
    for i, r in enumerate(rows):
        for field_name, message in _check_payment_input(r, today):
            errors.add(i, r.member.name, field_name, message)
        months = sorted({month_start(m) for m in r.months})
        months_of.append(months)
        twice = [m for m in months if (r.member.pk, m) in seen]
        if twice:
            errors.add(i, r.member.name, "months", f"{months_label(twice)}在本批中重复登记")
        seen.update((r.member.pk, m) for m in months)
    errors.raise_if_any()
    return months_of


def _lock_unpaid_lines(
    rows: list[PaymentRow], months_of: list[list[dt.date]], errors: _Errors
) -> dict[tuple[int, dt.date], DuesExpected]:
    """Lock the members (concurrent collectors queue here), refuse months already paid, report months
    without an assessed base; returns the ledger line of every (member, month) that has one."""
    ids = {r.member.pk for r in rows}
    wanted = {(r.member.pk, m) for i, r in enumerate(rows) for m in months_of[i]}
    list(Member.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    paid = set(
        DuesPaymentMonth.objects.filter(member_id__in=ids, month__in={m for _, m in wanted}).values_list(
            "member_id", "month"
        )
    )
    for i, r in enumerate(rows):
        already = [m for m in months_of[i] if (r.member.pk, m) in paid]
        if already:
            errors.add(i, r.member.name, "months", f"{r.member.name}的{months_label(already)}党费已缴纳，不能重复登记")
    errors.raise_if_any()
    lines, missing = _ensure_lines(wanted)
    for i, r in enumerate(rows):
        lacking = [m for m in months_of[i] if (r.member.pk, m) in missing]
        if lacking:
            errors.add(
                i,
                r.member.name,
                "months",
                f"{r.member.name}尚未核定党费基数，无法计算{months_label(lacking)}应缴金额，请先核定基数",
            )
    return lines  # rows lacking a base are reported together with the allocation's findings


def _allocate(
    rows: list[PaymentRow],
    months_of: list[list[dt.date]],
    lines: dict[tuple[int, dt.date], DuesExpected],
    errors: _Errors,
) -> list[Allocation]:
    """Each row's split across its months; an amount other than the expected total needs a note."""
    out: list[Allocation] = []
    for i, r in enumerate(rows):
        if any((r.member.pk, m) not in lines for m in months_of[i]):
            out.append(Allocation(0, ()))  # already reported as lacking a base; never written
            continue
        alloc = allocate_payment(r.amount_fen, [(m, lines[(r.member.pk, m)].amount_fen) for m in months_of[i]])
        if alloc.mismatch and not r.note.strip():
            diff = f"实缴{fen_to_yuan(r.amount_fen)}元与应缴{fen_to_yuan(alloc.expected_fen)}元不一致"
            errors.add(i, r.member.name, "note", f"{diff}，请在备注中说明原因")
        out.append(alloc)
    errors.raise_if_any()
    return out


def _write_payments(
    actor: Any,
    rows: list[PaymentRow],
    allocations: list[Allocation],
    lines: dict[tuple[int, dt.date], DuesExpected],
) -> list[DuesPayment]:
    """Payments, their months and ledger totals, and one audit event per payment, in bulk."""
    payments: list[DuesPayment] = []
    for r, alloc in zip(rows, allocations, strict=True):
        p = DuesPayment(
            member=r.member,
            org_id=r.member.org_id,
            org_path=r.member.org_path,
            paid_on=r.paid_on,
            amount_fen=r.amount_fen,
            expected_fen=alloc.expected_fen,
            method=r.method,
            collector=user_or_none(actor),
            collector_name=(r.collector_name.strip() or getattr(actor, "name", "") or "系统")[:50],
            by_proxy=r.by_proxy,
            proxy_name=r.proxy_name.strip() if r.by_proxy else "",
            proxy_reason=r.proxy_reason.strip() if r.by_proxy else "",
            note=r.note.strip(),
            mismatch=alloc.mismatch,
            recorded_by=user_or_none(actor),
        )
        p.full_clean(exclude=["member", "org", "collector", "recorded_by"])
        payments.append(p)
    DuesPayment.objects.bulk_create(payments, batch_size=2000)
    months_rows = [
        DuesPaymentMonth(
            payment=p, member_id=p.member_id, month=m, org_path=lines[(p.member_id, m)].org_path, amount_fen=share
        )
        for p, alloc in zip(payments, allocations, strict=True)
        for m, share in alloc.shares
    ]
    DuesPaymentMonth.objects.bulk_create(months_rows, batch_size=2000)
    _sync_paid([lines[(mr.member_id, mr.month)].pk for mr in months_rows])
    audit.record_many(
        actor,
        [
            audit.Change(
                "dues.payment_record",
                p,
                after={
                    **audit.snapshot(p),
                    "months": [m.isoformat() for m, _ in alloc.shares],
                    "findings": [
                        f.message_zh for f in payment_findings(expected_fen=alloc.expected_fen, amount_fen=r.amount_fen)
                    ],
                },
            )
            for r, p, alloc in zip(rows, payments, allocations, strict=True)
        ],
    )
    return payments


def _sync_paid(line_ids: list[int]) -> None:
    """Set the ledger lines' paid amount and flag from the payment months (the source of truth)."""
    months = DuesPaymentMonth.objects.filter(member_id=OuterRef("member_id"), month=OuterRef("month"))
    paid = months.values("member_id").annotate(total=Sum("amount_fen")).values("total")
    for i in range(0, len(line_ids), 2000):
        DuesExpected.objects.filter(pk__in=line_ids[i : i + 2000]).update(
            paid_fen=Coalesce(Subquery(paid), Value(0)), is_paid=Exists(months)
        )


def dues_payment_void(*, actor: Any, payment: DuesPayment, reason: str) -> DuesPayment:
    """Cancel a payment recorded by mistake: its months become unpaid again; the record stays, marked."""
    require(actor, Action.MANAGE, payment.org_path, "无权撤销该缴费记录")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    with transaction.atomic():
        p = DuesPayment.objects.select_for_update().get(pk=payment.pk)
        if p.voided_at is not None:
            raise ValidationError("该缴费记录已撤销")
        months = list(DuesPaymentMonth.objects.filter(payment=p).values_list("month", "amount_fen"))
        before = {**audit.snapshot(p), "months": [(m.isoformat(), a) for m, a in months]}
        DuesPaymentMonth.objects.filter(payment=p).delete()
        _sync_paid(
            list(
                DuesExpected.objects.filter(member_id=p.member_id, month__in=[m for m, _ in months]).values_list(
                    "pk", flat=True
                )
            )
        )
        p.voided_at = timezone.now()
        p.voided_by = user_or_none(actor)
        p.void_reason = reason.strip()[:300]
        p.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit.record(actor, "dues.payment_void", p, before=before, after=audit.snapshot(p))
    return p


def _streak(member_id: int, through: dt.date) -> int:
    rows = DuesExpected.objects.filter(
        member_id=member_id, month__lte=through, month__gte=add_months(through, -ARREARS_FLAG_MONTHS - 1)
    ).values_list("month", "amount_fen", "is_paid")
    return consecutive_unpaid([MonthStatus(m, a, p) for m, a, p in rows], through)


def _resolve_flags_if_cleared(member_ids: set[int], today: dt.date) -> None:
    through = add_months(month_start(today), -1)
    for flag in DuesArrearsFlag.objects.filter(member_id__in=member_ids, resolved_at__isnull=True):
        if _streak(flag.member_id, through) < ARREARS_FLAG_MONTHS:
            flag.resolved_at = timezone.now()
            flag.save(update_fields=["resolved_at"])


# ---------------------------------------------------------------------------------------------
# Reliefs (少交/免交)


def dues_exemption_apply(
    *,
    actor: Any,
    member: Member,
    kind: str,
    start_month: dt.date,
    end_month: dt.date,
    reason: str,
    application: str,
    reduced_fen: int = 0,
    branch_discussed_on: dt.date | None = None,
) -> DuesExemption:
    """A written application to pay less or nothing; by the member or entered by the branch."""
    own = is_own(actor, member)  # a member applies for themself
    if not own:
        require(actor, Action.MANAGE, member.org_path, "无权为该党员提交党费减免申请")
    if kind not in ReliefKind.values:
        raise ValidationError({"kind": "请选择少交或免交"})
    if kind == ReliefKind.REDUCE and reduced_fen <= 0:
        raise ValidationError({"reduced_fen": "少交的，请填写减免后每月交纳的金额"})
    start_month, end_month = month_start(start_month), month_start(end_month)
    if end_month < start_month:
        raise ValidationError({"end_month": "截止月份不能早于起始月份"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写困难情况"})
    if not application.strip():
        raise ValidationError({"application": "减免须有本人书面申请，请填写申请编号或说明"})
    with transaction.atomic():
        ex = DuesExemption(
            member=member,
            org_path=member.org_path,
            kind=kind,
            reduced_fen=reduced_fen if kind == ReliefKind.REDUCE else 0,
            start_month=start_month,
            end_month=end_month,
            reason=reason.strip(),
            application=application.strip(),
            branch_discussed_on=branch_discussed_on,
            applied_by=user_or_none(actor),
        )
        ex.full_clean()
        ex.save()
        audit.record(actor, "dues.exemption_apply", ex, after=audit.snapshot(ex))
    return ex


def dues_exemption_decide(
    *, actor: Any, exemption: DuesExemption, approve: bool, version: int, note: str = ""
) -> DuesExemption:
    """The next-level 党委 approves or rejects. Four eyes: never the applicant or the member concerned."""
    require(actor, Action.APPROVE, approver_path(exemption.org_path), "党费减免须由上一级党委批准")
    with transaction.atomic():
        ex = lock(DuesExemption.objects, exemption.pk, version)
        concerned = Member.objects.filter(pk=ex.member_id).values_list("user_id", flat=True).first()
        require_four_eyes(actor, ex.applied_by_id, concerned)
        if ex.status != ExemptionStatus.PENDING:
            raise ValidationError("该申请已处理")
        before = audit.snapshot(ex)
        ex.status = ExemptionStatus.APPROVED if approve else ExemptionStatus.REJECTED
        ex.decided_by = user_or_none(actor)
        ex.decided_at = timezone.now()
        ex.decision_note = note.strip()[:300]
        bump(ex)
        ex.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
        audit.record(actor, "dues.exemption_decide", ex, before=before, after=audit.snapshot(ex))
        if approve:
            _reassess(
                list(
                    DuesExpected.objects.filter(
                        member_id=ex.member_id, month__gte=ex.start_month, month__lte=ex.end_month
                    )
                )
            )
    return ex


# ---------------------------------------------------------------------------------------------
# Disclosure (公开)


def dues_disclosure_publish(*, actor: Any, org: Organization, month: dt.date) -> DuesDisclosure:
    """Freeze the branch's month (who paid, who did not, totals) and publish it to its members."""
    require(actor, Action.MANAGE, org.path, "无权公开该支部的党费收缴情况")
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("党费收缴情况按党支部公开")
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": "不能公开未来月份的党费收缴情况"})
    with transaction.atomic():
        dues_month_compute(actor=actor, org=org, month=month, only_missing=True)
        lines = list(
            DuesExpected.objects.filter(org=org, month=month)
            .select_related("member")
            .order_by("member__name", "member_id")
        )
        rows = [
            {
                "member_id": e.member_id,
                "name": e.member.name,
                "expected_fen": e.amount_fen,
                "paid_fen": e.paid_fen,
                "paid": e.is_paid,
                "relief": e.relief,
            }
            for e in lines
        ]
        # Everyone on the roll is listed: members still without a base are shown as such.
        month_last = add_months(month, 1) - dt.timedelta(days=1)
        on_ledger = {e.member_id for e in lines}
        for mid, name in (
            Member.objects.filter(org=org, joined_on__lte=month_last)
            .filter(Q(is_active=True) | Q(left_on__gte=month))
            .exclude(pk__in=on_ledger)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ):
            rows.append(
                {
                    "member_id": mid,
                    "name": name,
                    "expected_fen": 0,
                    "paid_fen": 0,
                    "paid": False,
                    "relief": "",
                    "unassessed": True,
                }
            )
        due_lines = [e for e in lines if e.amount_fen > 0 or e.is_paid]
        values = {
            "rows": rows,
            "member_count": len(due_lines),
            "paid_count": sum(1 for e in due_lines if e.is_paid),
            "expected_total_fen": sum(e.amount_fen for e in lines),
            "paid_total_fen": sum(e.paid_fen for e in lines),
            "published_at": timezone.now(),
            "published_by": user_or_none(actor),
        }
        existing = DuesDisclosure.objects.select_for_update().filter(org=org, month=month).first()
        before = audit.snapshot(existing, ["member_count", "paid_count", "paid_total_fen"]) if existing else None
        if existing is None:
            disclosure = DuesDisclosure(org=org, org_path=org.path, month=month, **values)
        else:
            disclosure = existing
            for k, v in values.items():
                setattr(disclosure, k, v)
            bump(disclosure)
        disclosure.full_clean()
        disclosure.save()
        audit.record(
            actor,
            "dues.disclosure_publish",
            disclosure,
            before=before,
            after=audit.snapshot(disclosure, ["member_count", "paid_count", "expected_total_fen", "paid_total_fen"]),
        )
        notify.send(
            Member.objects.filter(org=org, is_active=True, user__isnull=False, user__is_active=True).values_list(
                "user_id", flat=True
            ),
            key=f"dues-disclosure-{org.pk}-{month:%Y%m}",
            title=f"{org.name}公开了{month_label(month)}党费收缴情况",
            link=reverse("dues:disclosure", args=[org.pk, month.year, month.month]),
        )
    return disclosure


# ---------------------------------------------------------------------------------------------
# Arrears scan (6 consecutive months → flag the branch)


def dues_arrears_scan(*, actor: Any, org: Organization, through: dt.date) -> dict[str, int]:
    """Flag members of the subtree with 6+ consecutive unpaid months through `through`, notify each
    branch's secretaries, and close flags that no longer hold. Idempotent; never changes a status."""
    require(actor, Action.MANAGE, org.path, "无权检查该组织的党费欠缴")
    through = month_start(through)
    window_start = add_months(through, -ARREARS_FLAG_MONTHS - 1)
    rows = (
        DuesExpected.objects.filter(subtree_q("org_path", org.path), month__gte=window_start, month__lte=through)
        .order_by("member_id", "month")
        .values_list("member_id", "month", "amount_fen", "is_paid")
    )
    exempt_now = set(
        DuesExemption.objects.filter(
            subtree_q("org_path", org.path),
            status=ExemptionStatus.APPROVED,
            start_month__lte=through,
            end_month__gte=through,
        ).values_list("member_id", flat=True)
    )
    # Rows arrive ordered by member: keep one member's months at a time (memory stays flat at scale).
    flagged: dict[int, int] = {}
    current: int | None = None
    statuses: list[MonthStatus] = []

    def close() -> None:
        if current is not None and current not in exempt_now:
            n = consecutive_unpaid(statuses, through)
            if n >= ARREARS_FLAG_MONTHS:
                flagged[current] = n

    for member_id, month, amount, paid in rows.iterator(chunk_size=20_000):
        if member_id != current:
            close()
            current, statuses = member_id, []
        statuses.append(MonthStatus(month, amount, paid))
    close()
    created = 0
    with transaction.atomic():
        open_flags = {
            f.member_id: f
            for f in DuesArrearsFlag.objects.filter(subtree_q("org_path", org.path), resolved_at__isnull=True)
        }
        now = timezone.now()
        DuesArrearsFlag.objects.filter(pk__in=[f.pk for mid, f in open_flags.items() if mid not in flagged]).update(
            resolved_at=now
        )
        members: list[Member] = []
        ids = list(flagged)
        for i in range(0, len(ids), 5000):
            members.extend(
                Member.objects.filter(pk__in=ids[i : i + 5000], is_active=True).only("id", "name", "org_id", "org_path")
            )
        secretaries = holder_ids_by(Role.SECRETARY, org_ids={m.org_id for m in members})
        new_flags: list[DuesArrearsFlag] = []
        kept: list[DuesArrearsFlag] = []
        notes: list[notify.Message] = []
        for m in members:
            n = flagged[m.pk]
            flag = open_flags.get(m.pk)
            if flag is None:
                new_flags.append(
                    DuesArrearsFlag(member=m, org_id=m.org_id, org_path=m.org_path, through_month=through, months=n)
                )
            else:
                flag.through_month, flag.months = through, n
                kept.append(flag)
            link = reverse("dues:member", args=[m.pk])
            notes.extend(
                notify.Message(
                    user_id,
                    f"dues-arrears-{m.pk}-{through:%Y%m}",
                    f"{m.name}已连续{n}个月未交纳党费",
                    "请支部了解情况、批评教育并限期改正；系统不会自动变更党员身份。",
                    link,
                )
                for user_id in secretaries.get(m.org_id, [])
            )
        DuesArrearsFlag.objects.bulk_create(new_flags, batch_size=2000)
        DuesArrearsFlag.objects.bulk_update(kept, ["through_month", "months"], batch_size=2000)
        notify.send_many(notes)
        created = len(new_flags)
        if flagged or open_flags:
            audit.record(
                actor,
                "dues.arrears_scan",
                object_type="dues.DuesArrearsFlag",
                object_id=through.isoformat(),
                object_label=f"{org.name} 截至{month_label(through)}",
                org_path=org.path,
                after={"flagged": len(flagged), "created": created},
            )
    return {"flagged": len(flagged), "created": created}
