"""Organizational-life benchmarks on the city: the root committee's 12-month compliance matrix, a
branch's meeting list, and the same roll-up as one hand-written SQL query (for the ratio).

    .venv/bin/python bench/bench_orglife.py                      # SQLite var/bench_orglife.sqlite3
    .venv/bin/python bench/bench_orglife.py --database-url postgres://postgres@127.0.0.1:5432/bench_orglife

Generates the data first when missing (bench/gen_orglife.py).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Measure, measure_get, print_table
from bench.gen_orglife import DEFAULT_URL, ensure_rollup, generate, months_back, prepare_database, setup


def hand_sql(root_path: str, upper: str, child_len: int, lo: int, hi: int) -> str:
    """The monthly part of the roll-up, written by hand as one statement: for every child of the
    root and month, how many branches held a green / yellow 主题党日, 支委会 and 党小组会."""
    return f"""
        SELECT substr(branch_path, 1, {child_len}) AS child, month,
               COUNT(DISTINCT CASE WHEN is_party_day AND level = 2 THEN branch_path END),
               COUNT(DISTINCT CASE WHEN is_party_day THEN branch_path END),
               COUNT(DISTINCT CASE WHEN is_committee_meeting AND level = 2 THEN branch_path END),
               COUNT(DISTINCT CASE WHEN is_committee_meeting THEN branch_path END),
               COUNT(DISTINCT CASE WHEN is_group_meeting AND level = 2 THEN branch_path END),
               COUNT(DISTINCT CASE WHEN is_group_meeting THEN branch_path END)
        FROM orglife_meeting
        WHERE branch_path >= '{root_path}' AND branch_path < '{upper}' AND month >= {lo} AND month <= {hi}
        GROUP BY substr(branch_path, 1, {child_len}), month
    """  # noqa: S608 - benchmark-only, values come from the database itself


def hand_sql_rollup(root_path: str, upper: str, child_len: int, lo: int, hi: int) -> str:
    """The same monthly counts by hand over the branch-month roll-up table (what the selector reads)."""
    return f"""
        SELECT substr(org_path, 1, {child_len}), month,
               SUM(CASE WHEN party_day = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN party_day = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN committee_meeting = 2 THEN 1 ELSE 0 END),
               SUM(CASE WHEN committee_meeting = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN group_meeting = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN group_meeting = 1 THEN 1 ELSE 0 END)
        FROM orglife_branchmonth
        WHERE org_path >= '{root_path}' AND org_path < '{upper}' AND month >= {lo} AND month <= {hi}
        GROUP BY substr(org_path, 1, {child_len}), month
    """  # noqa: S608 - benchmark-only, values come from the database itself


def timeit(fn: Callable[[], None], repeat: int = 7) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--database-url", default=os.environ.get("BENCH_ORGLIFE_DATABASE_URL", DEFAULT_URL))
    args = p.parse_args()
    prepare_database(args.database_url)
    setup(args.database_url)
    generate()
    ensure_rollup()

    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from bench.generate_city import load_city
    from dangjian.core.paths import subtree_q, successor
    from dangjian.orglife import selectors
    from dangjian.orglife.models import Attendance, Meeting

    setup_test_environment()
    city = load_city()
    root = city.root
    n_meet = Meeting.objects.filter(subtree_q("org_path", root.path)).count()
    n_pd = Meeting.objects.filter(subtree_q("org_path", root.path), is_party_day=True).count()
    n_att = Attendance.objects.count()
    print(
        f"\n{connection.vendor}: {city.branches:,} branches, {n_pd:,} party days, {n_meet - n_pd:,} other meetings, "
        f"{n_att:,} attendance rows"
    )

    admin = Client()
    admin.force_login(city.users["org_admin"], backend="dangjian.accounts.backends.PhoneBackend")
    liaison = Client()
    liaison.force_login(city.users["liaison"], backend="dangjian.accounts.backends.PhoneBackend")
    rows: list[Measure] = [
        measure_get(admin, "root matrix, 12 months (page)", f"/orglife/matrix/{root.pk}/"),
        measure_get(admin, "county matrix, 12 months (page)", f"/orglife/matrix/{city.county.pk}/"),
        measure_get(liaison, "branch meeting list (50 members)", f"/orglife/org/{city.branch50.pk}/"),
        measure_get(liaison, "branch matrix (50 members)", f"/orglife/matrix/{city.branch50.pk}/"),
    ]
    first = Meeting.objects.filter(org=city.branch50).order_by("-started_at").first()
    if first is not None:
        rows.append(measure_get(liaison, "meeting detail (50 members)", f"/orglife/{first.pk}/"))
    print_table(rows, f"pages on {connection.vendor} (server time, warm)")

    months = months_back(timezone.localdate())
    user = city.users["org_admin"]

    # From here the roll-up itself, not the rows kept until the next write (the pages above reuse those).
    override_settings(DANGJIAN_SNAPSHOT_SECONDS=0).enable()

    def selector() -> None:
        selectors.compliance_matrix(user, root, months)

    with CaptureQueriesContext(connection) as q:
        selector()
    sel_med, sel_min = timeit(selector)
    child_len = len(root.path) + 4
    sql = hand_sql(root.path, successor(root.path) or "~", child_len, min(months), max(months))

    def raw() -> None:
        with connection.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()

    raw_med, raw_min = timeit(raw)
    sql2 = hand_sql_rollup(root.path, successor(root.path) or "~", child_len, min(months), max(months))

    def raw2() -> None:
        with connection.cursor() as cur:
            cur.execute(sql2)
            cur.fetchall()

    raw2_med, raw2_min = timeit(raw2)
    print(f"\nroot roll-up selector: median {sel_med:.1f} ms (min {sel_min:.1f}), {len(q.captured_queries)} queries")
    print(f"hand-written SQL over meetings (monthly kinds only): median {raw_med:.1f} ms (min {raw_min:.1f})")
    print(
        f"hand-written SQL over the branch-month table (monthly kinds): median {raw2_med:.1f} ms (min {raw2_min:.1f})"
    )
    print(
        f"ratio selector / hand SQL over meetings: {sel_med / raw_med:.2f}; "
        f"selector (all kinds, 4 queries) / hand SQL over branch-month (monthly only): {sel_med / raw2_med:.2f}"
    )
    explain_rollups(q.captured_queries)


def explain_rollups(queries: list[dict[str, str]]) -> None:
    """EXPLAIN of the matrix's roll-up queries over the branch-month table (PostgreSQL): the
    quarterly and yearly ones must use their partial indexes (index-only scans once the table is
    vacuumed -- autovacuum does it in production; the generator's COPY leaves it to this call)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        print("\n(EXPLAIN of the roll-ups: PostgreSQL only)")
        return
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) orglife_branchmonth")
        for query in queries:
            sql = query["sql"]
            if "orglife_branchmonth" not in sql or "GROUP BY" not in sql:
                continue
            kind = "quarterly/yearly" if "MAX(" in sql else "monthly"
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            plan = [r[0] for r in cur.fetchall()]
            scans = [line.strip() for line in plan if "Scan" in line or "Heap Fetches" in line or "Execution" in line]
            print(f"\nEXPLAIN {kind} roll-up:")
            for line in scans:
                print("   ", line)


if __name__ == "__main__":
    main()
