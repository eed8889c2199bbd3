"""Shared by the dues services: the error collector, and ledger lines (re)assessed in bulk from the
bases and reliefs in force — used when a base is set, a payment needs a line, or a relief is approved.

Whatever changes what a member owes tells the apps deriving figures from the ledger (registry
`records_changed("dues", ...)`: points scores an approved 免交 month like one paid on time).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from dangjian.core.registry import records_changed
from dangjian.members.models import Member

from .. import assess as A
from ..models import DuesExpected

EXPECTED_UPDATE_FIELDS = ["category", "base_fen", "rate_label", "unrounded", "amount_fen", "relief", "capped"]


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
    """Refresh existing ledger lines from the bases and reliefs now in force (org and paid unchanged).

    The members whose amount or relief changed are announced (`records_changed`), inside the caller's
    transaction: listeners act on commit, so a refused or rolled-back write announces nothing."""
    if not lines:
        return
    assessed, _ = _assess_pairs({(line.member_id, line.month) for line in lines})
    changed = []
    owed_differs: set[tuple[int, dt.date]] = set()
    for line in lines:
        a = assessed.get((line.member_id, line.month))
        if a is not None:
            if (line.amount_fen, line.relief) != (a.amount_fen, a.relief):
                owed_differs.add((line.member_id, line.month))
            for f in EXPECTED_UPDATE_FIELDS:
                setattr(line, f, getattr(a, f))
            changed.append(line)
    DuesExpected.objects.bulk_update(changed, EXPECTED_UPDATE_FIELDS, batch_size=2000)
    _announce(owed_differs)


def _announce(pairs: set[tuple[int, dt.date]]) -> None:
    """Tell the registry's listeners that these (member id, month) obligations changed."""
    if pairs:
        records_changed("dues", {m.year for _, m in pairs}, member_ids=sorted({mid for mid, _ in pairs}))


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
