"""Upward reports at city scale: a branch's monthly report, the root roll-up over every branch's
snapshot, quarter-end scoring of every branch, and the committee dashboards.

    python bench/bench_reports.py                                   # SQLite city (var/bench_city.sqlite3)
    python bench/bench_reports.py --database-url postgres://postgres@127.0.0.1:5432/bench_reports

Steps, each printed with time and query count (targets from issue #17):

1. one branch's figures computed from its records, and its secretary's sign-off (target ≤ 100 ms);
2. last month's snapshot of every branch (bench data: figures computed per chunk of 2,000 branches
   through the same sources, rows bulk-inserted; skipped when present);
3. the root committee's roll-up over ~10,000 snapshots, and its sign-off (target ≤ 1 s);
4. quarter-end scoring of every branch on three indicators (target ≤ 60 s);
5. the dashboards of the root and a county (target ≤ 0.5 s, bounded queries), server time through
   the real views, and the xlsx export.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    city_arg_parser,
    ensure_city,
    measure_get,
    peak_rss_mb,
    print_table,
    setup_django,
)


def counted(fn, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def main() -> None:
    args = city_arg_parser(__doc__ or "").parse_args()
    setup_django(args.database_url)
    city = ensure_city()

    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.core.bulk import insert_rows
    from dangjian.core.paths import subtree_q
    from dangjian.core.scoping import SYSTEM
    from dangjian.reports import rules, selectors, services
    from dangjian.reports.models import Indicator, QuarterScore, Report, ReportKind, ReportVersion

    today = timezone.localdate()
    y, m = rules.prev_month(today.year, today.month)
    root, branch = city.root, city.branch50
    print(f"database: {args.database_url.split('@')[-1]}  month {y}-{m:02d}  root {root.name}")

    period = rules.period_for(y, m, rules.PeriodMode.MONTH)
    selectors.compute_figures([branch.path], period.start, period.end)  # warm the calendar and settings caches
    runs = [counted(selectors.compute_figures, [branch.path], period.start, period.end) for _ in range(5)]
    s, q = sorted(r[1] for r in runs)[2], runs[-1][2]
    print(f"1a. one branch's figures from its records (median of 5): {s * 1000:.1f} ms, {q} queries")
    with transaction.atomic():
        v, s, q = counted(
            services.report_submit, actor=SYSTEM, org=branch, year=y, month=m, highlights="亮点", reason="bench"
        )
        print(f"1b. branch sign-off (snapshot v{v.number}): {s * 1000:.1f} ms, {q} queries")
        transaction.set_rollback(True)

    branches = list(selectors.branches_under(root).values_list("pk", "path"))
    have = Report.objects.filter(subtree_q("org_path", root.path), year=y, month=m, kind=ReportKind.BRANCH).count()
    if have < len(branches) // 2:
        Report.objects.filter(subtree_q("org_path", root.path), year=y, month=m).delete()
        s_ = selectors.settings_for_paths([root.path])[root.path]
        _, due = selectors.period_and_due(s_, y, m)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        t0 = time.perf_counter()
        for i in range(0, len(branches), 2000):
            chunk = branches[i : i + 2000]
            figs = selectors.compute_figures([p for _, p in chunk], period.start, period.end)
            rows = [
                (pk, p, "branch", y, m, period.start, period.end, "month", due.on, due.note, json.dumps(figs[p]),
                 1, now, now, (pk % 10 == 0), 1, now)
                for pk, p in chunk
            ]  # fmt: skip
            insert_rows(
                Report,
                ["org_id", "org_path", "kind", "year", "month", "period_start", "period_end", "period_mode", "due_on",
                 "due_note", "figures", "current", "submitted_at", "first_submitted_at", "late", "version",
                 "created_at"],
                rows,
                analyze=True,
            )  # fmt: skip
        print(f"2. {len(branches):,} branch snapshots computed and stored: {time.perf_counter() - t0:.1f} s")
    else:
        print(f"2. {have:,} branch snapshots already present")

    r, s, q = counted(selectors.rollup, root, y, m)
    print(f"3a. root roll-up over {r.submitted:,} snapshots ({r.branches:,} branches): {s * 1000:.0f} ms, {q} queries")
    with transaction.atomic():
        v, s, q = counted(services.report_submit, actor=SYSTEM, org=root, year=y, month=m, reason="bench")
        print(f"3b. root sign-off (roll-up frozen, tree {v.tree_version}): {s * 1000:.0f} ms, {q} queries")
        transaction.set_rollback(True)

    qy, qq = (today.year, rules.quarter_of(today) - 1) if rules.quarter_of(today) > 1 else (today.year - 1, 4)
    with transaction.atomic():
        Indicator.objects.filter(org=root, year=qy, quarter=qq).delete()
        for label, fig in (("主题党日", "partyday:held"), ("三会一课", "orglife:met"), ("党费", "dues:paid_members")):
            services.indicator_add(
                actor=SYSTEM, org=root, year=qy, quarter=qq, label=label, figure=fig, target=3, weight=10
            )
        n, s, q = counted(services.quarter_score, actor=SYSTEM, org=root, year=qy, quarter=qq)
        print(
            f"4. quarter-end scoring {qy}Q{qq}: {n:,} branches × 3 indicators — {s:.1f} s, {q} queries, "
            f"{n / s:,.0f} branches/s, peak RSS {peak_rss_mb():.0f} MB"
        )
        assert QuarterScore.objects.filter(committee=root, year=qy, quarter=qq).count() == n
        transaction.set_rollback(True)

    client = Client(HTTP_HOST="localhost")
    client.force_login(city.users["org_admin"], backend="dangjian.accounts.backends.PhoneBackend")
    month = f"?month={y}-{m:02d}"
    rows = [
        measure_get(client, "root dashboard", reverse("reports:dashboard", args=[root.pk]) + month),
        measure_get(client, "county dashboard", reverse("reports:dashboard", args=[city.county.pk]) + month),
        measure_get(client, "root dashboard xlsx", reverse("reports:dashboard_xlsx", args=[root.pk]) + month),
        measure_get(client, "root monthly roll-up page", reverse("reports:month", args=[root.pk, y, m])),
        measure_get(client, "branch monthly report page", reverse("reports:month", args=[branch.pk, y, m])),
    ]
    print_table(rows, "5. pages (server time through the views)")
    print(f"versions stored: {ReportVersion.objects.count()} (bench snapshots carry none)")


if __name__ == "__main__":
    main()
