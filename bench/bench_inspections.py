"""Inspections at city scale: the random draw over ≈10,000 branches, the 系统核验 prefill of the drawn
branches and the committee's findings board.

    python bench/bench_inspections.py                                   # var/bench_city.sqlite3
    python bench/bench_inspections.py --database-url postgres://postgres@127.0.0.1:5432/bench_city

Generates the city on first use (`generate_city.py`). Steps, each printed with time and queries:

1. the draw algorithm alone (pure function) over every branch split into 20 strata (target ≤ 1 s);
2. `plan_draw` through the service: pool snapshot, strata by sector, 1 % per stratum (≥ 1), seal,
   visits and the prefill of every drawn branch, in one transaction;
3. the prefill again for those branches (`inspection_prefill`, target ≤ 2 s for 100 branches);
4. re-deriving the stored draw (`inspections_verify_draws`);
5. the findings board of the root with 2,000 open findings (target ≤ 0.5 s), through the real view.

Each run adds a plan (and its visits) to the database; it is benchmark data, not a demo.
"""

from __future__ import annotations

import datetime as dt
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
    ensure_city()

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.core.scoping import SYSTEM
    from dangjian.inspections import rules as R
    from dangjian.inspections import services
    from dangjian.inspections.models import Finding, Inspection
    from dangjian.inspections.selectors import pool_of
    from dangjian.inspections.verify import verify_draws
    from dangjian.orgs.models import Organization, OrgKind

    reverse("inspections:home")  # a running server has its URLconf loaded: do not time the import
    root = Organization.objects.get_root_nodes().first()
    admin = User.objects.get(phone="13700000001")
    today = timezone.localdate()
    print(f"database: {args.database_url.split('@')[-1]}  root {root.name}")

    ids = sorted(Organization.objects.filter(kind=OrgKind.BRANCH).values_list("pk", flat=True))
    strata = {f"s{i:02d}": ids[i::20] for i in range(20)}
    sizes = {k: max(1, len(v) // 100) for k, v in strata.items()}
    t0 = time.perf_counter()
    picked = R.derive("bench-seed", strata, sizes, [])
    digest = R.seal(algorithm=R.ALGORITHM, seed="bench-seed", strata=strata, sizes=sizes, fixed=[], picked=picked)
    s = time.perf_counter() - t0
    print(f"1. draw algorithm: {len(ids):,} branches in 20 strata, {len(picked)} drawn, sealed — {s * 1000:.0f} ms")

    plan = services.plan_create(
        actor=admin,
        org=root,
        name=f"基准抽查 {time.strftime('%H:%M:%S')}",
        document="bench",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        strata_by="sector",
        sizes={"*": {"share": "0.01", "min": 1}},
        inspector_ids=[admin.pk],
    )
    (pool_strata, _excluded), s, q = counted(pool_of, plan, today)
    print(
        f"2a. pool snapshot by sector: {sum(len(v) for v in pool_strata.values()):,} branches in"
        f" {len(pool_strata)} strata — {s * 1000:.0f} ms, {q} queries"
    )
    draw, s, q = counted(services.plan_draw, actor=admin, plan=plan)
    n = len(draw.picked)
    pool = sum(len(v) for v in draw.strata.values())
    print(
        f"2b. plan_draw (service): pool {pool:,} in {len(draw.strata)} strata, {n} drawn, visits and prefill"
        f" — {s:.2f} s, {q} queries, peak RSS {peak_rss_mb():.0f} MB"
    )
    count, s, q = counted(services.inspection_prefill, actor=admin, plan=plan)
    print(f"3. prefill again: {count} branches × {len(R.default_checklist().items())} items — {s:.2f} s, {q} queries")
    _, s, q = counted(verify_draws, plan_id=plan.pk)
    print(f"4. re-derive the stored draw: {s * 1000:.0f} ms, {q} queries ({digest[:8]}…)")

    visits = list(Inspection.objects.filter(plan=plan).values_list("pk", "org_id", "org_path"))
    Inspection.objects.filter(plan=plan).update(started_at=timezone.now(), status="started")
    rows = []
    for i in range(2000):
        pk, org_id, path = visits[i % len(visits)]
        rows.append(
            Finding(
                inspection_id=pk,
                org_id=org_id,
                org_path=path,
                problem=f"基准问题{i}",
                measure="整改",
                owner=admin,
                deadline=today + dt.timedelta(days=(i % 60) - 20),
            )
        )
    Finding.objects.bulk_create(rows, batch_size=1000)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    print_table(
        [
            measure_get(client, "findings board (root, 2,000 open)", reverse("inspections:findings", args=[root.pk])),
            measure_get(client, "committee overview (root)", reverse("inspections:overview", args=[root.pk])),
            measure_get(client, "plan page (drawn list)", reverse("inspections:plan", args=[plan.pk])),
        ],
        "5. pages (server time through the test client)",
    )
    Finding.objects.filter(inspection__plan=plan).delete()
    _ = SYSTEM


if __name__ == "__main__":
    main()
