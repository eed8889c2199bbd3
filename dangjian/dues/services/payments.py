"""Payments: recording dues handed over (one or a batch, in steps) and voiding a mistaken record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.registry import records_changed
from dangjian.core.scoping import Action, require, user_or_none
from dangjian.members.models import Member

from ..models import DuesArrearsFlag, DuesExpected, DuesPayment, DuesPaymentMonth, PaymentMethod
from ..rules import (
    ARREARS_FLAG_MONTHS,
    MAX_BASE_FEN,
    Allocation,
    MonthStatus,
    add_months,
    advance_months_error,
    allocate_payment,
    consecutive_unpaid,
    fen_to_yuan,
    is_month_due,
    month_start,
    months_label,
    payment_findings,
    proxy_error,
)
from ._common import _ensure_lines, _Errors


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
            records_changed("dues", {m.year for ms in months_of for m in ms}, member_ids=[r.member.pk for r in rows])
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
        records_changed("dues", {m.year for m, _ in months}, member_ids=[p.member_id])
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
