"""Bulk INSERT of many rows without the ORM's per-value compilation.

`bulk_create` compiles every value of every row in Python, which dominates at tens of thousands
of rows (imports, the audit chain, reminder sweeps). `insert_rows` sends rows that are already in
database form:

- SQLite: one prepared statement reused by `executemany` (the fastest path there);
- PostgreSQL: `COPY … FROM STDIN`, one streamed command instead of a statement per row; with
  `ignore_conflicts` the rows are copied into a scratch table and moved over with one
  `INSERT … SELECT … ON CONFLICT DO NOTHING`.

Identifiers come from model metadata and are quoted; every value is a query parameter (or a COPY
field), so nothing from a file is ever spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models

# Below this many rows a plain executemany beats COPY's set-up (audit events of a single write).
COPY_MIN_ROWS = 100
# Rows per executemany call, so one call's parameters stay modest in memory.
BATCH = 2000
# After loading this many rows, refresh PostgreSQL's planner statistics (see `refresh_statistics`).
ANALYZE_AFTER_ROWS = 5000


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    using: str | None = None,
    analyze: bool = False,
) -> int:
    """INSERT `rows` (tuples of database-ready values, in `columns` order) into `model`'s table.

    With `ignore_conflicts`, rows that would violate a unique constraint are skipped and the
    return value is the number actually inserted; otherwise it is `len(rows)`. With `analyze`,
    a large load refreshes the planner's statistics right away.
    """
    if not rows:
        return 0
    conn = connections[using or model._default_manager.db]
    qn = conn.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    inserted = 0
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql" and len(rows) > COPY_MIN_ROWS:
            target = table
            if ignore_conflicts:
                target = qn(f"tmp_{model._meta.db_table}")
                cursor.execute(f"DROP TABLE IF EXISTS {target}")
                cursor.execute(f"CREATE TEMP TABLE {target} AS SELECT {cols} FROM {table} WITH NO DATA")  # noqa: S608
            with cursor.cursor.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            inserted = len(rows)
            if ignore_conflicts:
                cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {target}{conflict}")  # noqa: S608
                inserted = max(cursor.rowcount, 0)
                cursor.execute(f"DROP TABLE {target}")
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}){conflict}"  # noqa: S608
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start : start + BATCH])
                inserted += max(cursor.rowcount, 0) if ignore_conflicts else len(rows[start : start + BATCH])
    if analyze and inserted >= ANALYZE_AFTER_ROWS:
        refresh_statistics(model, using=using)
    return inserted


def refresh_statistics(model: type[models.Model], *, using: str | None = None) -> None:
    """After a bulk load, refresh PostgreSQL's planner statistics for the table right away.

    Without it the planner keeps believing the table is tiny until autovacuum comes round, and
    the next query's NOT EXISTS turns into a nested loop over every row (seconds instead of
    milliseconds at city scale). SQLite plans by its indexes and needs nothing.
    """
    conn = connections[using or model._default_manager.db]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(f"ANALYZE {conn.ops.quote_name(model._meta.db_table)}")
