"""Assessment: feed the pure rules with what the database knows (bases, reliefs, committee settings).

Read-only and bulk: a constant number of queries for any number of members. Used by the services
(to materialise the ledger) and by selectors (to preview a month that has not been materialised yet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Q

from dangjian.orgs.config import effective_for_paths_keys

from .models import DuesBase, DuesExemption, ExemptionStatus
from .rules import (
    FLAT_LOW,
    FROM_MEMBER_CATEGORY,
    SALARIED,
    DuesCategory,
    Relief,
    is_month_due,
    monthly_due,
)


@dataclass(frozen=True)
class Settings:
    rounding: str
    cap_fen: int
    farmer_fen: int


@dataclass(frozen=True)
class MemberFacts:
    """The few member fields assessment needs (so callers can pass values() rows)."""

    id: int
    org_id: int
    org_path: str
    joined_on: dt.date | None
    left_on: dt.date | None
    roster_category: str


@dataclass(frozen=True)
class Assessed:
    member_id: int
    org_id: int
    org_path: str
    month: dt.date
    category: str
    base_fen: int
    rate_label: str
    unrounded: str
    amount_fen: int
    relief: str
    capped: bool
    base_year: int | None  # None: no base on record (flat category taken from the roster)


MEMBER_FACT_FIELDS = ("id", "org_id", "org_path", "joined_on", "left_on", "category")


def facts_from_values(row: dict[str, Any]) -> MemberFacts:
    return MemberFacts(row["id"], row["org_id"], row["org_path"], row["joined_on"], row["left_on"], row["category"])


def facts_of(member: Any) -> MemberFacts:
    return MemberFacts(member.pk, member.org_id, member.org_path, member.joined_on, member.left_on, member.category)


def settings_for(paths: Iterable[str]) -> dict[str, Settings]:
    """Committee settings per org path: one query whatever the number of orgs."""
    unique = sorted(set(paths))
    values = effective_for_paths_keys(unique, ["dues.rounding", "dues.monthly_cap_fen", "dues.farmer_monthly_fen"])
    rounding, cap, farmer = values["dues.rounding"], values["dues.monthly_cap_fen"], values["dues.farmer_monthly_fen"]
    return {p: Settings(str(rounding[p]), int(cap[p]), int(farmer[p])) for p in unique}


class LazySettings(dict[str, Settings]):
    """`settings_for(paths)`, read on first use: a sheet whose unassessed members all lack a base
    (nothing to compute) needs no settings and makes no query."""

    def __init__(self, paths: Iterable[str]) -> None:
        super().__init__()
        self._paths = list(paths)
        self._loaded = False

    def __missing__(self, path: str) -> Settings:
        if self._loaded:
            raise KeyError(path)
        self._loaded = True
        self.update(settings_for(self._paths))
        return self[path]


def bases_in_force(member_ids: list[int] | None, month: dt.date, path_q: Q | None = None) -> dict[int, tuple]:
    """member id → (year, base_fen, category) of the newest base not after `month`.

    A base from an earlier year carries forward until the new year's base is set (shown as such).
    Pass `member_ids` for a few members, or `path_q` (on member__org_path) for a whole subtree.
    """
    qs = DuesBase.objects.filter(effective_from__lte=month)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    if path_q is not None:
        qs = qs.filter(path_q)
    out: dict[int, tuple] = {}
    rows = qs.order_by("member_id", "effective_from", "id").values_list(
        "member_id", "year", "monthly_base_fen", "category"
    )
    for member_id, year, base_fen, category in rows.iterator(chunk_size=10_000):
        out[member_id] = (year, base_fen, category)  # later rows overwrite earlier ones
    return out


def reliefs_in_force(member_ids: list[int] | None, month: dt.date, path_q: Q | None = None) -> dict[int, Relief]:
    qs = DuesExemption.objects.filter(status=ExemptionStatus.APPROVED, start_month__lte=month, end_month__gte=month)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    if path_q is not None:
        qs = qs.filter(path_q)
    out: dict[int, Relief] = {}
    for member_id, kind, reduced in qs.order_by("id").values_list("member_id", "kind", "reduced_fen"):
        out[member_id] = Relief(kind, reduced)
    return out


@lru_cache(maxsize=4096)
def _due_cached(category: str, base_fen: int, rounding: str, cap: int, farmer: int, relief: Relief | None) -> tuple:
    due = monthly_due(
        category=category, base_fen=base_fen, rounding=rounding, cap_fen=cap, farmer_fen=farmer, relief=relief
    )
    return due.amount_fen, str(due.unrounded_fen), due.rate.label, due.relief, due.capped


def assess(
    members: Iterable[MemberFacts],
    month: dt.date,
    *,
    bases: dict[int, tuple],
    reliefs: dict[int, Relief],
    settings: dict[str, Settings],
) -> tuple[list[Assessed], list[int]]:
    """Expected dues for `month` for each member who owes it; also the ids that lack a base."""
    out: list[Assessed] = []
    missing: list[int] = []
    for m in members:
        if not is_month_due(month, m.joined_on, m.left_on):
            continue
        base = bases.get(m.id)
        if base is None:
            category = FROM_MEMBER_CATEGORY.get(m.roster_category, DuesCategory.IN_SERVICE)
            if category not in FLAT_LOW and category != DuesCategory.FARMER:
                missing.append(m.id)
                continue
            base_year, base_fen = None, 0
        else:
            base_year, base_fen, category = base
        s = settings[m.org_path]
        amount, unrounded, label, relief, capped = _due_cached(
            category, base_fen, s.rounding, s.cap_fen, s.farmer_fen, reliefs.get(m.id)
        )
        out.append(
            Assessed(
                m.id,
                m.org_id,
                m.org_path,
                month,
                category,
                base_fen if category in SALARIED or category == DuesCategory.RETIRED else 0,
                label,
                unrounded,
                amount,
                relief,
                capped,
                base_year,
            )
        )
    return out, missing


def assess_members(members: list[Any], month: dt.date) -> tuple[list[Assessed], list[int]]:
    """`assess` for a handful of Member instances (a branch, one member): five queries."""
    facts = [facts_of(m) for m in members]
    ids = [f.id for f in facts]
    return assess(
        facts,
        month,
        bases=bases_in_force(ids, month),
        reliefs=reliefs_in_force(ids, month),
        settings=settings_for(f.org_path for f in facts),
    )
