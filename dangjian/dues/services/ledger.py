"""The ledger (expected amounts): one month assessed for a whole subtree and upserted in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, require
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .. import assess as A
from ..models import DuesExpected
from ..rules import add_months, month_label, month_start
from ._common import EXPECTED_UPDATE_FIELDS, _announce

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

    Lines a relief (少交/免交) newly applies to are announced to the registry (`records_changed`): an
    approved 免交 is scored by points once its month is on the ledger. A new line without relief is
    not: nothing is derived from an unpaid month (its payment announces itself), and a first run of
    the month would otherwise recompute every member of the subtree. An approved relief is final
    (dues has no write withdrawing one); such a write would reassess its lines with `_reassess`,
    which announces them.
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
    relieved = {a.member_id: (a.amount_fen, a.relief) for a in assessed if a.relief}
    with transaction.atomic():
        # Only members with a relief in force can see a line change its relief (an approved relief is
        # final); their lines are read by the unique (member, month) key, never the month's ledger.
        had = (
            {
                r[0]: r[1:]
                for r in DuesExpected.objects.filter(member_id__in=list(relieved), month=month).values_list(
                    "member_id", "amount_fen", "relief"
                )
            }
            if relieved
            else {}
        )
        _upsert_lines(assessed, only_missing=only_missing, batch_size=batch_size)
        # With `only_missing` existing lines stay as they were: only new lines count.
        _announce(
            {(m, month) for m, owed in relieved.items() if had.get(m) != owed and not (only_missing and m in had)}
        )
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
