"""Bases: a member's declared monthly base for the year, one at a time or a branch's year-start batch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from dangjian.core import audit
from dangjian.core.scoping import Action, require, user_or_none
from dangjian.members.models import Member

from ..models import DuesBase, DuesExpected
from ..rules import BASE_ITEMS_BY_CODE, DuesCategory, base_change_needs_reason, base_error, compute_base, month_start
from ._common import _Errors, _reassess


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
