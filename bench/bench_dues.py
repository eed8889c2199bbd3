"""Party dues at city scale (≈200,000 members, 12 months): ledger computation, roll-ups, collection sheet.

    python bench/bench_dues.py                                                  # SQLite: var/bench_dues.sqlite3
    python bench/bench_dues.py --database-url postgres://postgres@127.0.0.1:5432/bench_dues
    python bench/bench_dues.py --database-url …/bench_province --months 1 --sql-bulk   # a province

Uses the shared city (`bench/generate_city.py`). Steps, each printed with time and query count:

1. yearly bases for every member — a sample branch county through the real batch service
   (`dues_bases_set`, audited), the rest bulk-inserted (benchmark data, like the city generator);
2. a month's expected amounts for everyone through the real service (`dues_month_compute`, target ≤ 60 s);
3. the other 11 months, then 12 months of payments: a 50-member branch's party day through the real
   batch service (`dues_payments_record`), the rest bulk-inserted with a realistic mix (most pay on
   the party day, some quarterly, a few fall behind, some long arrears);
4. the root committee's monthly roll-up (target ≤ 0.5 s), a county's, and the branch collection sheet
   (target ≤ 50 ms) — server time and query counts through the real views;
5. the city-wide 6-month arrears scan.

The dues data is built once per database and reused (pass --rebuild to start over).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

from dangjian.core.scoping import SYSTEM

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    Measure,
    city_arg_parser,
    ensure_city,
    measure_get,
    peak_rss_mb,
    print_table,
    setup_django,
)

DEFAULT_DB = f"sqlite:///{ROOT / 'var' / 'bench_dues.sqlite3'}"


def log(msg: str) -> None:
    print(msg, flush=True)


def counted(fn, *args, **kwargs):
    """Run `fn`, return (result, seconds, query count)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the capture counts from the log's length, which is capped at 9000 entries
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def wipe() -> None:
    from django.db import connection

    tables = [
        "dues_duesarrearsflag",
        "dues_duesdisclosure",
        "dues_duespaymentmonth",
        "dues_duespayment",
        "dues_duesexpected",
        "dues_duesexemption",
        "dues_duesbase",
    ]
    with connection.cursor() as cur:
        for t in tables:
            cur.execute(f"DELETE FROM {t}")  # noqa: S608 - fixed table names


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for t in ("dues_duesexpected", "dues_duespaymentmonth", "dues_duespayment", "dues_duesbase"):
                cur.execute(f"VACUUM ANALYZE {t}")  # index-only scans need the visibility map
        else:
            cur.execute("ANALYZE")


def base_for(rng: random.Random, category: str) -> tuple[str, int]:
    from dangjian.dues.rules import FROM_MEMBER_CATEGORY, DuesCategory

    cat = FROM_MEMBER_CATEGORY.get(category, DuesCategory.IN_SERVICE)
    if cat == DuesCategory.IN_SERVICE:
        return cat, rng.randint(200_000, 2_000_000)
    if cat == DuesCategory.RETIRED:
        return cat, rng.randint(250_000, 800_000)
    return cat, 0


def build_bases(city, year: int, rng: random.Random) -> None:
    from django.db import connection, transaction

    from dangjian.core.paths import subtree_q
    from dangjian.dues.models import DuesBase
    from dangjian.dues.services import BaseRow, dues_bases_set
    from dangjian.members.models import Member

    admin = city.users["org_admin"]
    sample = list(Member.objects.filter(org=city.branch50, is_active=True))
    rows = [BaseRow(m, year, *base_for(rng, m.category)) for m in sample]
    _, secs, queries = counted(dues_bases_set, actor=admin, rows=rows)
    log(f"bases via batch service (branch of {len(rows)}): {secs * 1000:.0f} ms, {queries} queries")
    county_ids = list(
        Member.objects.filter(subtree_q("org_path", city.county.path), is_active=True)
        .exclude(org=city.branch50)
        .values_list("pk", flat=True)[:5000]
    )
    county = list(Member.objects.filter(pk__in=county_ids))
    rows = [BaseRow(m, year, *base_for(rng, m.category)) for m in county]
    _, secs, queries = counted(dues_bases_set, actor=admin, rows=rows)
    log(
        f"bases via batch service ({len(rows):,} members of a county): {secs:.1f} s, "
        f"{len(rows) / secs:,.0f} rows/s, {queries} queries"
    )
    done = set(DuesBase.objects.filter(year=year).values_list("member_id", flat=True))
    t0 = time.perf_counter()
    batch: list[DuesBase] = []
    n = 0
    with transaction.atomic():
        for pk, org_path, category in (
            Member.objects.filter(subtree_q("org_path", city.root.path), is_active=True)
            .values_list("pk", "org_path", "category")
            .iterator(chunk_size=20_000)
        ):
            if pk in done:
                continue
            cat, fen = base_for(rng, category)
            batch.append(
                DuesBase(
                    member_id=pk,
                    org_path=org_path,
                    year=year,
                    effective_from=dt.date(year, 1, 1),
                    monthly_base_fen=fen,
                    category=cat,
                )
            )
            if len(batch) >= 10_000:
                DuesBase.objects.bulk_create(batch)
                n += len(batch)
                batch = []
        DuesBase.objects.bulk_create(batch)
        n += len(batch)
    log(f"bases bulk-inserted for the rest: {n:,} rows in {time.perf_counter() - t0:.1f} s ({connection.vendor})")


def build_bases_sql(city, year: int, path: str = "") -> None:
    """Every member's yearly base in one INSERT … SELECT (PostgreSQL; a province's 5 M members in
    seconds instead of minutes). The same category mix as `base_for`, drawn by the database."""
    from django.db import connection, transaction

    from dangjian.core.paths import successor

    t0 = time.perf_counter()
    sql = """
        INSERT INTO dues_duesbase (member_id, org_path, year, effective_from, monthly_base_fen, category,
                                   items, reason, created_at)
        SELECT m.id, m.org_path, %s, %s,
               CASE WHEN m.category IN ('in_service', 'other') THEN 200000 + floor(random() * 1800000)::bigint
                    WHEN m.category = 'retired' THEN 250000 + floor(random() * 550000)::bigint ELSE 0 END,
               CASE WHEN m.category = 'other' THEN 'in_service'
                    WHEN m.category IN ('in_service', 'retired', 'student', 'farmer', 'unemployed') THEN m.category
                    ELSE 'in_service' END,
               '{}'::jsonb, '', now()
        FROM members_member m
        WHERE m.org_path >= %s AND m.org_path < %s AND m.is_active
    """  # only called on an empty table: no anti-join (unanalyzed, it may plan a nested loop: O(n²))
    with transaction.atomic(), connection.cursor() as cur:
        path = path or city.root.path
        cur.execute(sql, [year, dt.date(year, 1, 1), path, successor(path) or "~"])
        n = cur.rowcount
    log(f"bases inserted in SQL: {n:,} rows in {time.perf_counter() - t0:.1f} s")


def build_ledger_sql(city, month: dt.date, skip_path: str) -> None:
    """A month's ledger lines for every member outside `skip_path`, in one INSERT … SELECT
    (PostgreSQL): the published rates over the yearly base (students, farmers, the unemployed
    0.20 元). The subtree at `skip_path` is left to the real monthly service, which is timed."""
    from django.db import connection, transaction

    from dangjian.core.paths import successor

    t0 = time.perf_counter()
    rate = """CASE WHEN b.category = 'in_service' THEN CASE WHEN b.monthly_base_fen <= 300000 THEN 0.005
                   WHEN b.monthly_base_fen <= 500000 THEN 0.01 WHEN b.monthly_base_fen <= 1000000 THEN 0.015
                   ELSE 0.02 END
              WHEN b.category = 'retired' THEN CASE WHEN b.monthly_base_fen <= 500000 THEN 0.005 ELSE 0.01 END
              ELSE 0 END"""
    sql = f"""
        INSERT INTO dues_duesexpected (member_id, org_id, org_path, month, category, base_fen, rate_label,
                                       unrounded, amount_fen, paid_fen, is_paid, relief, capped, computed_at)
        SELECT m.id, m.org_id, m.org_path, %s, b.category, b.monthly_base_fen,
               CASE WHEN {rate} > 0 THEN ({rate} * 100)::text || '%%' ELSE '0.2元' END, '',
               CASE WHEN {rate} > 0 THEN round(b.monthly_base_fen * {rate})::int ELSE 20 END,
               0, false, '', false, now()
        FROM members_member m JOIN dues_duesbase b ON b.member_id = m.id AND b.year = %s
        WHERE m.org_path >= %s AND m.org_path < %s AND m.is_active
          AND NOT (m.org_path >= %s AND m.org_path < %s)
        ON CONFLICT (member_id, month) DO NOTHING
    """  # noqa: S608 - fixed SQL, values as parameters
    lo, hi = city.root.path, successor(city.root.path) or "~"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [month, month.year, lo, hi, skip_path, successor(skip_path) or "~"])
        n = cur.rowcount
    log(
        f"ledger of {month:%Y-%m} inserted in SQL outside the timed subtree: {n:,} lines "
        f"in {time.perf_counter() - t0:.1f} s"
    )


def build_payments_sql(city, months: list[dt.date], path: str = "") -> None:
    """Payments for ~80 % of each month's due lines, one INSERT … SELECT per month (PostgreSQL):
    a payment and its month per line, then the ledger's paid columns synced, as `build_payments`."""
    from django.db import connection, transaction

    from dangjian.core.paths import successor

    t0 = time.perf_counter()
    n = 0
    path = path or city.root.path
    lo, hi = path, successor(path) or "~"
    with transaction.atomic(), connection.cursor() as cur:
        for month in months:
            cur.execute(
                """
                WITH p AS (
                    INSERT INTO dues_duespayment (member_id, org_id, org_path, paid_on, amount_fen, expected_fen,
                        method, collector_name, by_proxy, proxy_name, proxy_reason, note, mismatch, void_reason,
                        created_at)
                    SELECT e.member_id, e.org_id, e.org_path, %s, e.amount_fen, e.amount_fen,
                           (ARRAY['cash', 'transfer', 'online'])[1 + e.member_id %% 3], '组织委员',
                           false, '', '', '', false, '', now()
                    FROM dues_duesexpected e
                    WHERE e.month = %s AND e.org_path >= %s AND e.org_path < %s AND e.amount_fen > 0
                      AND NOT e.is_paid AND (e.member_id * 7919) %% 100 < 80
                    RETURNING id, member_id, org_path, amount_fen
                )
                INSERT INTO dues_duespaymentmonth (payment_id, member_id, month, org_path, amount_fen)
                SELECT id, member_id, %s, org_path, amount_fen FROM p
                """,
                [month.replace(day=5), month, lo, hi, month],
            )
            n += cur.rowcount
            cur.execute("ANALYZE dues_duespaymentmonth")  # a fresh table: plan the join on real figures
            cur.execute(
                "UPDATE dues_duesexpected SET paid_fen = pm.amount_fen, is_paid = true "
                "FROM dues_duespaymentmonth pm WHERE pm.member_id = dues_duesexpected.member_id "
                "AND pm.month = dues_duesexpected.month AND pm.month = %s AND NOT dues_duesexpected.is_paid",
                [month],
            )
    log(f"payments inserted in SQL: {n:,} (one month each) in {time.perf_counter() - t0:.1f} s")


def build_payments(city, months: list[dt.date], rng: random.Random) -> None:
    """Bulk-insert a year of payments with a realistic mix; then sync the ledger's paid columns in SQL."""
    from django.db import connection, transaction

    from dangjian.core.paths import subtree_q
    from dangjian.dues.models import DuesExpected, DuesPayment, DuesPaymentMonth

    t0 = time.perf_counter()
    lines: dict[int, list[tuple[dt.date, int, int, str]]] = {}
    for member_id, month, amount, org_id, org_path in (
        DuesExpected.objects.filter(subtree_q("org_path", city.root.path), month__gte=months[0], month__lte=months[-1])
        .exclude(org=city.branch50)
        .order_by("member_id", "month")
        .values_list("member_id", "month", "amount_fen", "org_id", "org_path")
        .iterator(chunk_size=50_000)
    ):
        lines.setdefault(member_id, []).append((month, amount, org_id, org_path))
    log(f"  loaded {sum(len(v) for v in lines.values()):,} ledger lines in {time.perf_counter() - t0:.1f} s")
    pay_rows: list[DuesPayment] = []
    month_rows: list[tuple[int, dt.date, str, int]] = []  # (payment index, month, org_path, amount)
    for member_id, ls in lines.items():
        r = rng.random()
        if r < 0.03:
            ls = ls[:-7]  # long arrears: flagged to the branch
        elif r < 0.13:
            ls = ls[: -rng.randint(1, 4)]  # fell behind
        elif r < 0.35:
            ls = ls[:-1]  # this month not paid yet
        quarterly = rng.random() < 0.3
        chunks = [ls[i : i + 3] for i in range(0, len(ls), 3)] if quarterly else [[x] for x in ls]
        for chunk in chunks:
            if not chunk:
                continue
            amount = sum(x[1] for x in chunk)
            if amount <= 0:
                continue
            first = chunk[0]
            pay_rows.append(
                DuesPayment(
                    member_id=member_id,
                    org_id=chunk[-1][2],
                    org_path=chunk[-1][3],
                    paid_on=first[0].replace(day=5),
                    amount_fen=amount,
                    expected_fen=amount,
                    method=rng.choice(("cash", "transfer", "online")),
                    collector_name="组织委员",
                )
            )
            for x in chunk:
                month_rows.append((len(pay_rows) - 1, x[0], x[3], x[1]))
    t1 = time.perf_counter()
    with transaction.atomic():
        for i in range(0, len(pay_rows), 20_000):
            DuesPayment.objects.bulk_create(pay_rows[i : i + 20_000])
        pms = [
            DuesPaymentMonth(
                payment_id=pay_rows[idx].pk, member_id=pay_rows[idx].member_id, month=m, org_path=p, amount_fen=a
            )
            for idx, m, p, a in month_rows
        ]
        for i in range(0, len(pms), 20_000):
            DuesPaymentMonth.objects.bulk_create(pms[i : i + 20_000])
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE dues_duesexpected SET paid_fen = pm.amount_fen, is_paid = %s "
                "FROM dues_duespaymentmonth pm "
                "WHERE pm.member_id = dues_duesexpected.member_id AND pm.month = dues_duesexpected.month",
                [True],
            )
    t2 = time.perf_counter()
    rows = len(pay_rows) + len(pms)
    log(
        f"payments bulk-inserted: {len(pay_rows):,} payments covering {len(pms):,} months "
        f"in {t2 - t1:.1f} s ({rows / (t2 - t1):,.0f} rows/s)"
    )


def branch_history(city, month: dt.date) -> None:
    """The 50-member branch's past months, paid through the real batch service (kept)."""
    from dangjian.dues.models import DuesExpected, DuesPaymentMonth
    from dangjian.dues.services import PaymentRow, dues_payments_record
    from dangjian.members.models import Member

    members = {m.pk: m for m in Member.objects.filter(org=city.branch50, is_active=True)}
    paid = set(DuesPaymentMonth.objects.filter(member_id__in=members).values_list("member_id", "month"))
    lines = DuesExpected.objects.filter(member_id__in=members, month__lt=month).order_by("month")
    rows = [
        PaymentRow(members[e.member_id], [e.month], e.amount_fen, e.month.replace(day=5))
        for e in lines
        if (e.member_id, e.month) not in paid and e.amount_fen > 0
    ]
    _, secs, queries = counted(dues_payments_record, actor=city.users["liaison"], rows=rows)
    log(f"branch50: {len(rows)} past payments through the batch service in {secs:.2f} s, {queries} queries")


def party_day(city, month: dt.date) -> None:
    """This month's party day in the 50-member branch, rolled back afterwards so it can be re-run:
    one tap on the collection sheet, then the rest of the branch in one batch."""
    from django.db import transaction
    from django.utils import timezone

    from dangjian.dues.models import DuesExpected
    from dangjian.dues.services import PaymentRow, dues_payment_record, dues_payments_record
    from dangjian.members.models import Member

    liaison = city.users["liaison"]
    members = {m.pk: m for m in Member.objects.filter(org=city.branch50, is_active=True)}
    todo = list(DuesExpected.objects.filter(member_id__in=members, month=month, is_paid=False, amount_fen__gt=0))
    if len(todo) < 2:
        log("branch50: this month already paid; party-day timing skipped")
        return
    # The party day is the 5th, or today early in a month (a payment cannot be dated ahead).
    paid_on = min(month.replace(day=5), timezone.localdate())
    with transaction.atomic():
        one = todo.pop()
        _, secs, queries = counted(
            dues_payment_record,
            actor=liaison,
            member=members[one.member_id],
            months=[month],
            amount_fen=one.amount_fen,
            paid_on=paid_on,
        )
        log(f"one tap on the collection sheet (dues_payment_record): {secs * 1000:.1f} ms, {queries} queries")
        rows = [PaymentRow(members[e.member_id], [month], e.amount_fen, paid_on) for e in todo]
        _, secs, queries = counted(dues_payments_record, actor=liaison, rows=rows)
        log(f"the rest of the party day ({len(rows)} members) in one batch: {secs * 1000:.0f} ms, {queries} queries")
        transaction.set_rollback(True)


def main() -> None:
    p = city_arg_parser("党费：城市规模的应缴计算、汇总与收缴表")
    p.set_defaults(database_url=DEFAULT_DB)
    p.add_argument("--rebuild", action="store_true", help="delete the dues data and build it again")
    p.add_argument("--months", type=int, default=12, help="months of ledger and payments (a province: 1)")
    p.add_argument(
        "--sql-bulk",
        action="store_true",
        help="PostgreSQL: bases and payments by INSERT … SELECT (for a province; the ledger still goes "
        "through the real monthly service)",
    )
    p.add_argument(
        "--first-child-only",
        action="store_true",
        help="with --sql-bulk: dues for the root's first child only (a province's first city)",
    )
    args = p.parse_args()
    setup_django(args.database_url)
    from bench.generate_city import renice_backend

    renice_backend()
    from django.test.utils import setup_test_environment

    # The test Client may call the server; DEBUG off so bulk loads are not kept in the query log.
    setup_test_environment(debug=False)

    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.dues import selectors
    from dangjian.dues.models import DuesBase, DuesExpected, DuesPayment
    from dangjian.dues.rules import add_months, month_start
    from dangjian.dues.services import dues_arrears_scan, dues_month_compute

    city = ensure_city(args.branches, args.members, log=log)
    log(f"database: {connection.vendor}; city: {city.branches:,} branches, {city.members:,} members")
    rng = random.Random(20261122)
    this_month = month_start(timezone.localdate())
    months = [add_months(this_month, -i) for i in range(args.months - 1, -1, -1)]
    year = this_month.year
    if args.rebuild:
        wipe()

    if not DuesBase.objects.exists():
        for y in sorted({m.year for m in months}):
            if args.sql_bulk:
                build_bases_sql(city, y, city.county.path if args.first_child_only else "")
            else:
                build_bases(city, y, rng)
        analyze()
    else:
        log(f"bases: reusing {DuesBase.objects.count():,} rows")

    # A month's expected amounts for everyone, through the real service (the monthly job). With
    # --sql-bulk (a province) the rest is inserted in SQL and the service computes the first
    # second-level subtree (a city of the province), timed.
    scope = city.root
    if args.first_child_only:
        scope = city.county
    elif args.sql_bulk:
        build_ledger_sql(city, this_month, city.county.path)
        scope = city.county
    summary, secs, queries = counted(dues_month_compute, actor=SYSTEM, org=scope, month=this_month)
    log(
        f"\n== compute {this_month:%Y-%m} expected for {scope.name}: {secs:.1f} s (target ≤ 60 s), {queries} queries, "
        f"{summary['members']:,} members ({summary['members'] / secs:,.0f}/s), "
        f"missing base {summary['missing_base']:,}, peak RSS {peak_rss_mb():.0f} MB"
    )
    if DuesExpected.objects.filter(month=months[0]).exists():
        log("other months: reusing the ledger")
    else:
        t0 = time.perf_counter()
        for m in months[:-1]:
            dues_month_compute(actor=SYSTEM, org=city.root, month=m)
        log(f"other {len(months) - 1} months computed in {time.perf_counter() - t0:.1f} s")
    if not DuesPayment.objects.exists():
        if args.sql_bulk:
            build_payments_sql(city, months, city.county.path if args.first_child_only else "")
        else:
            build_payments(city, months, rng)
        branch_history(city, this_month)
        analyze()
    else:
        log(f"payments: reusing {DuesPayment.objects.count():,} rows")
    log(f"ledger lines: {DuesExpected.objects.count():,}; payments: {DuesPayment.objects.count():,}")
    party_day(city, this_month)

    # Selector timings (no HTTP), then the real pages.
    r, secs, queries = counted(selectors.rollup, city.root, this_month)
    log(
        f"\n== root roll-up selector: {secs * 1000:.0f} ms (target ≤ 500 ms), {queries} queries; "
        f"{len(r.children)} children, expected {r.total.expected_fen / 100:,.2f} 元, "
        f"received {r.total.received_fen / 100:,.2f} 元, outstanding {r.total.outstanding_fen / 100:,.2f} 元"
    )
    sheet, secs, queries = counted(selectors.collection_sheet, city.branch50, this_month)
    log(
        f"== collection sheet selector (branch of {len(sheet.rows)}): {secs * 1000:.1f} ms (target ≤ 50 ms), "
        f"{queries} queries; due {sheet.due_count}, paid {sheet.paid_count}"
    )

    admin, county_admin, liaison, member = (city.users[k] for k in ("org_admin", "county_admin", "liaison", "member"))
    q = f"?month={this_month:%Y-%m}"
    results: list[Measure] = []
    c = Client()
    c.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    reset_queries()
    results.append(measure_get(c, "root roll-up page (≤ 500 ms)", reverse("dues:rollup", args=[city.root.pk]) + q))
    reset_queries()
    results.append(
        measure_get(c, "root roll-up Excel export", reverse("dues:rollup_xlsx", args=[city.root.pk]) + q, repeat=3)
    )
    c = Client()
    c.force_login(county_admin, backend="dangjian.accounts.backends.PhoneBackend")
    reset_queries()
    results.append(measure_get(c, "county roll-up page", reverse("dues:rollup", args=[city.county.pk]) + q))
    c = Client()
    c.force_login(liaison, backend="dangjian.accounts.backends.PhoneBackend")
    reset_queries()
    results.append(
        measure_get(c, "branch collection sheet (≤ 50 ms)", reverse("dues:sheet", args=[city.branch50.pk]) + q)
    )
    reset_queries()
    results.append(
        measure_get(c, "branch roll-up (drill-down to members)", reverse("dues:rollup", args=[city.branch50.pk]) + q)
    )
    reset_queries()
    results.append(
        measure_get(
            c,
            "党费收缴登记表 xlsx (50 members, 12 months)",
            reverse("dues:register_xlsx", args=[city.branch50.pk]) + f"?year={year}",
            repeat=3,
        )
    )
    c = Client()
    c.force_login(member, backend="dangjian.accounts.backends.PhoneBackend")
    reset_queries()
    results.append(measure_get(c, "我的党费 (member)", reverse("dues:my")))
    reset_queries()
    results.append(measure_get(c, "home page with dues attention (member)", reverse("core:home")))
    print_table(results, f"Pages ({connection.vendor}, server time through the Django test client)")

    res, secs, queries = counted(dues_arrears_scan, actor=SYSTEM, org=city.root, through=add_months(this_month, -1))
    log(
        f"\n== city-wide 6-month arrears scan: {secs:.1f} s, {queries} queries, flagged {res['flagged']:,} "
        f"(new {res['created']:,}); peak RSS {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
