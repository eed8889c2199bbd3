"""City → province: the same pages and sweeps on both, and their growth factors.

    nice -n 15 .venv/bin/python bench/bench_province.py \\
        --city-url postgres://postgres@127.0.0.1:5432/bench_city_prov \\
        --province-url postgres://postgres@127.0.0.1:5432/bench_province [--repeat 5] [--sweeps]

Both databases are built beforehand by the same generators with the same slice of records (see
bench/README.md, "The province"): one month of meetings and one month of dues; at the province
the records exist under its first city (the other branches have synthesized branch-month rows).
`--trim-city` instead cuts a copy of `bench_city` (12 months) down to that slice.

Each database is measured in its own child process (Django binds one database per process). A page
is requested once to warm up, then `--repeat` times: median server time, queries, and this
process's CPU time per request. Per-branch pages are measured on the benchmark's 50-member branch,
which exists with the same size in both. Growth factor = province median / city median: ≈ 1 for a
page that shows one branch; a roll-up over the root reads 25 × the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import peak_rss_mb


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(client: Any, url: str, repeat: int, cold: bool = False) -> dict[str, Any]:
    """`cold`: the per-process cache (locmem here: the home snapshots) is emptied before each request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resp = client.get(url)  # warm (and fills per-user snapshots, as a second visit would find them)
    times, cpus, sqls = [], [], []
    queries = 0
    for _ in range(repeat):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            c0, t0 = time.process_time(), time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
        queries = len(ctx.captured_queries)
        sqls.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default={"time": "0", "sql": ""})
    return {
        "slowest_ms": float(slowest["time"]) * 1000,
        "slowest_sql": slowest["sql"],
        "sql_ms": statistics.median(sqls),
        "ms": statistics.median(times),
        "min_ms": min(times),
        "cpu_ms": statistics.median(cpus),
        "queries": queries,
        "status": resp.status_code,
    }


HEAVY = {"structure checks, root", "org detail, root", "home (root admin), cold"}


def run_one(url: str, repeat: int, sweeps: bool, only: list[str] | None = None) -> dict[str, Any]:
    """Measure every page (or those labelled in `only`; and optionally the sweeps) on one database;
    return the figures."""
    from bench._common import setup_django

    os.environ["DANGJIAN_CACHE_URL"] = "locmem://"  # never a shared cache: cold pages clear it
    setup_django(url)
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from bench.generate_city import load_city
    from dangjian.core.paths import subtree_q
    from dangjian.dues.models import DuesExpected
    from dangjian.dues.rules import add_months, month_start
    from dangjian.members.models import Member
    from dangjian.orglife.models import Attendance, Meeting

    setup_test_environment(debug=False)
    from bench.bench_structure import ensure_derived

    ensure_derived()  # a generated database's member counts and findings, derived once (not timed)
    city = load_city()
    # The month the dues slice was built for (the generators' "this month"; the local date may have
    # moved on since): the latest month with payments, the same on both sides.
    from django.db.models import Max

    from dangjian.dues.models import DuesPaymentMonth

    this_month = DuesPaymentMonth.objects.aggregate(m=Max("month"))["m"] or month_start(timezone.localdate())
    sizes = {
        "branches": city.branches,
        "members": city.members,
        "meetings": Meeting.objects.filter(subtree_q("org_path", city.root.path)).count(),
        "attendance": Attendance.objects.filter(subtree_q("org_path", city.root.path)).count(),
        "dues_lines": DuesExpected.objects.filter(month=this_month).count(),
        "branch50": Member.objects.filter(org=city.branch50, is_active=True).count(),
    }
    print(f"  {url.rsplit('/', 1)[-1]}: {sizes}", file=sys.stderr, flush=True)
    clients: dict[str, Client] = {}
    for key in ("org_admin", "county_admin", "secretary", "liaison", "member"):
        c = Client()
        c.force_login(city.users[key], backend="dangjian.accounts.backends.PhoneBackend")
        clients[key] = c
    root, second, b50 = city.root.pk, city.county.pk, city.branch50.pk
    q = f"?month={this_month:%Y-%m}"
    one = Member.objects.filter(org=city.branch50).exclude(user__isnull=False).order_by("pk").first()
    name_q = "?q=" + (one.name if one else "王")
    pages: list[tuple[str, str, str]] = [
        ("home (branch secretary)", "secretary", reverse("core:home")),
        ("home (branch secretary), cold", "secretary", reverse("core:home")),
        ("home (member)", "member", reverse("core:home")),
        ("roster, 50-member branch", "secretary", reverse("members:roster", args=[b50])),
        ("dues collection sheet, 50 members", "liaison", reverse("dues:sheet", args=[b50]) + q),
        ("meeting list, 50-member branch", "liaison", reverse("orglife:org_meetings", args=[b50])),
        ("branch matrix, 50 members", "liaison", reverse("orglife:matrix", args=[b50])),
        ("org detail, 50-member branch", "secretary", reverse("orgs:detail", args=[b50])),
        ("home (second-level admin)", "county_admin", reverse("core:home")),
        ("home (root admin)", "org_admin", reverse("core:home")),
        ("home (root admin), cold", "org_admin", reverse("core:home")),
        ("org tree (root admin)", "org_admin", reverse("orgs:tree")),
        ("org detail, root", "org_admin", reverse("orgs:detail", args=[root])),
        ("roster root, page 1", "org_admin", reverse("members:roster", args=[root])),
        ("roster root, search 王", "org_admin", reverse("members:roster", args=[root]) + "?q=%E7%8E%8B"),
        ("roster root, search one name", "org_admin", reverse("members:roster", args=[root]) + name_q),
        ("compliance matrix, second level", "org_admin", reverse("orglife:matrix", args=[second])),
        ("compliance matrix, root", "org_admin", reverse("orglife:matrix", args=[root])),
        ("dues roll-up, second level", "org_admin", reverse("dues:rollup", args=[second]) + q),
        ("dues roll-up, root", "org_admin", reverse("dues:rollup", args=[root]) + q),
        ("structure checks, root", "org_admin", reverse("orgs:checks") + f"?org={root}"),
    ]
    out: dict[str, Any] = {"sizes": sizes, "pages": {}, "sweeps": {}}
    if only:
        pages = [p for p in pages if p[0] in only]
    for label, who, target in pages:
        # Pages that compute over the whole root: one timed request (after the warm-up) is enough.
        n = 1 if label in HEAVY else repeat
        out["pages"][label] = measure(clients[who], target, n, cold=label.endswith(", cold"))
        print(f"    {label}: {out['pages'][label]['ms']:.1f} ms", file=sys.stderr, flush=True)
    if sweeps:
        out["sweeps"] = run_sweeps(city, this_month, add_months)
    out["load"] = load()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_sweeps(city: Any, this_month: Any, add_months: Any) -> dict[str, Any]:
    """The monthly dues computation (re-run: everything is read and assessed, unchanged lines are not
    written) and the arrears scan, through the real services, over one city: the root of the city,
    the first city of the province (the province's other lines were inserted in SQL). Compare
    per member: `members` is printed with the time."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bench.generate_city import CITY_ROOT_NAME
    from dangjian.core.scoping import SYSTEM
    from dangjian.dues.services import dues_arrears_scan, dues_month_compute

    scope = city.root if city.root.name == CITY_ROOT_NAME else city.county

    def run(fn: Any, **kw: Any) -> dict[str, Any]:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            c0, t0 = time.process_time(), time.perf_counter()
            got = fn(**kw)
            secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = got.get("members", 0) if isinstance(got, dict) else 0
        return {"s": secs, "cpu_s": cpu, "queries": len(ctx.captured_queries), "rss_mb": peak_rss_mb(), "n": n}

    res = {
        "dues month compute, one city": run(dues_month_compute, actor=SYSTEM, org=scope, month=this_month),
        "dues arrears scan, one city": run(dues_arrears_scan, actor=SYSTEM, org=scope, through=this_month),
    }
    for k, v in res.items():
        print(f"    {k} ({scope.name}): {v['s']:.1f} s, {v['n']:,} members", file=sys.stderr, flush=True)
    return res


TRIM_SQL = [
    "DELETE FROM orglife_attendance a USING orglife_meeting m WHERE a.meeting_id = m.id AND m.month <> %(om)s",
    "DELETE FROM orglife_meeting WHERE month <> %(om)s",
    "DELETE FROM orglife_branchmonth WHERE month <> %(om)s",
    "DELETE FROM dues_duesarrearsflag",
    "DELETE FROM dues_duespaymentmonth WHERE month <> %(dm)s",
    "DELETE FROM dues_duespayment p WHERE NOT EXISTS "
    "(SELECT 1 FROM dues_duespaymentmonth pm WHERE pm.payment_id = p.id)",
    "DELETE FROM dues_duesexpected WHERE month <> %(dm)s",
]


def trim_city(url: str) -> None:
    """Cut a copy of the city down to the province's slice of records (idempotent)."""
    from bench._common import setup_django

    setup_django(url)
    from django.db import connection
    from django.utils import timezone

    from bench.gen_orglife import months_back
    from dangjian.dues.rules import month_start

    params = {"om": months_back(timezone.localdate(), 1)[0], "dm": month_start(timezone.localdate())}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for sql in TRIM_SQL:
            cur.execute(sql, params)
            print(f"  {cur.rowcount:,} rows: {sql[:70]}", flush=True)
    connection.set_autocommit(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"trimmed to meetings of {params['om']} and dues of {params['dm']} in {time.perf_counter() - t0:.0f} s")


def child(url: str, repeat: int, sweeps: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", url, "--repeat", str(repeat)] + (["--sweeps"] if sweeps else [])
    c0 = os.times()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    c1 = os.times()
    sys.stderr.write(done.stderr)
    res = json.loads(done.stdout.strip().splitlines()[-1])
    res["child_cpu_s"] = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    return res


def report(city: dict[str, Any], prov: dict[str, Any]) -> None:
    cs, ps = city["sizes"], prov["sizes"]
    print("\nsizes            city        province     factor")
    for k in cs:
        f = ps[k] / cs[k] if cs[k] else 0
        print(f"  {k:<12} {cs[k]:>11,} {ps[k]:>14,} {f:>9.1f}×")
    head = (
        f"\n{'page':<36} {'city ms':>8} {'sql':>6} {'q':>3} {'cpu':>6}  {'prov ms':>8} {'sql':>6} {'q':>3} {'cpu':>6}"
        f"  {'growth':>7} {'sql':>6}  {'status':>7}"
    )
    print(head)
    print("-" * (len(head) - 1))
    for label, c in city["pages"].items():
        p = prov["pages"][label]
        print(
            f"{label:<36} {c['ms']:>8.1f} {c['sql_ms']:>6.1f} {c['queries']:>3} {c['cpu_ms']:>6.1f}  "
            f"{p['ms']:>8.1f} {p['sql_ms']:>6.1f} {p['queries']:>3} {p['cpu_ms']:>6.1f}  "
            f"{p['ms'] / c['ms']:>6.2f}× {p['sql_ms'] / max(c['sql_ms'], 0.01):>5.2f}×  {c['status']}/{p['status']}"
        )
    grown = [(label, p) for label, p in prov["pages"].items() if p["sql_ms"] > 2 * city["pages"][label]["sql_ms"] + 5]
    for label, p in grown:
        print(f"\n{label}: SQL grew; slowest query at province {p['slowest_ms']:.1f} ms:\n  {p['slowest_sql'][:600]}")
    if city.get("sweeps") and prov.get("sweeps"):
        cols = f"{'city s':>8} {'cpu s':>6} {'q':>4}  {'prov s':>8} {'cpu s':>6} {'q':>4}"
        print(f"\n{'sweep':<36} {cols}  growth  per member  RSS MB")
        for label, c in city["sweeps"].items():
            p = prov["sweeps"][label]
            per = (p["s"] / p["n"]) / (c["s"] / c["n"]) if p["n"] and c["n"] else 0
            print(
                f"{label:<36} {c['s']:>8.1f} {c['cpu_s']:>6.1f} {c['queries']:>4}  {p['s']:>8.1f} {p['cpu_s']:>6.1f} "
                f"{p['queries']:>4}  {p['s'] / c['s']:>5.1f}×  {per:>8.2f}×  {c['rss_mb']:.0f}/{p['rss_mb']:.0f}"
                f"  ({c['n']:,} / {p['n']:,} members)"
            )
    print(
        f"\nprocess CPU: city {city['child_cpu_s']:.1f} s, province {prov['child_cpu_s']:.1f} s; "
        f"load average after city {city['load']}, after province {prov['load']}, now {load()}"
    )
    print(
        "ms = median server time (Django test client, warm); sql = median time inside the database calls; "
        "q = queries; cpu = this process's CPU ms per request (the PostgreSQL backend's CPU is not in it)"
    )


def main() -> None:
    p = argparse.ArgumentParser(description="city → province growth factors of pages and sweeps")
    p.add_argument("--city-url", default="postgres://postgres@127.0.0.1:5432/bench_city_prov")
    p.add_argument("--province-url", default="postgres://postgres@127.0.0.1:5432/bench_province")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--sweeps", action="store_true", help="also run the dues sweeps over each root (minutes)")
    p.add_argument("--trim-city", action="store_true", help="cut --city-url to the province's slice, then stop")
    p.add_argument(
        "--side",
        choices=("both", "city", "province"),
        default="both",
        help="measure one side only (its figures are kept in var/bench_province_<side>.json and "
        "the table is printed once both exist)",
    )
    p.add_argument(
        "--page",
        action="append",
        default=[],
        help="with --one: measure only the page with this label (repeatable), e.g. 'org detail, root'",
    )
    p.add_argument("--one", help="measure this database only and print its figures as JSON")
    args = p.parse_args()
    if args.one:
        res = run_one(args.one, args.repeat, args.sweeps, args.page)
        print(json.dumps(res))
        return
    if args.trim_city:
        trim_city(args.city_url)
        return
    print(f"load average at start: {load()}")
    kept = Path(__file__).resolve().parents[1] / "var"
    kept.mkdir(exist_ok=True)
    for side, url in (("city", args.city_url), ("province", args.province_url)):
        if args.side in ("both", side):
            (kept / f"bench_province_{side}.json").write_text(json.dumps(child(url, args.repeat, args.sweeps)))
    if all((kept / f"bench_province_{side}.json").exists() for side in ("city", "province")):
        city, prov = (json.loads((kept / f"bench_province_{side}.json").read_text()) for side in ("city", "province"))
        report(city, prov)


if __name__ == "__main__":
    main()
