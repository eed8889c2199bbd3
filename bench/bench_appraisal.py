"""谈心谈话 coverage and 民主评议 at city scale (≈10,000 党支部, ≈200,000 党员).

    python bench/bench_appraisal.py                                   # var/bench_city.sqlite3
    python bench/bench_appraisal.py --database-url postgres://postgres@127.0.0.1:5432/bench_city

On first use per database it adds a year of talks (each branch: the committee pairs, the secretary
with about half of the members, some member pairs; a few talks across levels at the first county)
and a signed 民主评议 for every branch, in bulk (no services, no audit events). Then it prints, with
time and query count:

1. one branch's coverage (selector, then the page; target ≤ 50 ms);
2. the committee roll-up: talks per branch -- before (from the talks' participants) and after (from
   the derived per-member `TalkPart` rows), median wall and process CPU time, both results compared,
   EXPLAIN ANALYZE of each query on PostgreSQL -- and the grade distribution over the whole city
   (selectors, then the root's summary page; target ≤ 0.5 s);
3. the 民主评议 tally of one branch (its page and its PDF), the county's cross-level coverage page and
   the county's result summary (PDF);
4. the daily job over the whole city.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import city_arg_parser, ensure_city, measure_get, print_table, setup_django, timed  # noqa: E402


def counted(fn, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def repeated(fn, *args, repeat: int = 5):
    """Warm once, then `repeat` runs: (result, median wall s, median process CPU s, queries, SQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = fn(*args)
    walls, cpus = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn(*args)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
    return result, statistics.median(walls), statistics.median(cpus), len(ctx.captured_queries), ctx.captured_queries


def explain(label: str, queries) -> None:
    """EXPLAIN ANALYZE of each query of a roll-up (PostgreSQL): the scans, and the database's time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for i, q in enumerate(queries, 1):
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + q["sql"])
            plan = [r[0] for r in cur.fetchall()]
            keep = [
                ln.strip() for ln in plan if "Scan" in ln or "Join" in ln or "Heap Fetches" in ln or "Execution" in ln
            ]
            print(f"   EXPLAIN {label} query {i}: {q['sql'][:90]}…")
            for ln in keep:
                print("      ", ln)


def build_year(city, year: int) -> None:
    """Talks and appraisals for every branch of the city, once per database."""
    from django.db import transaction

    from bench.generate_city import FastInsert
    from dangjian.appraisal.models import Appraisal, AppraisalEntry, AppraisalState, Talk
    from dangjian.core.paths import subtree_q
    from dangjian.core.scoping import SYSTEM
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgPost
    from dangjian.orgs.services import post_assign

    if Talk.objects.filter(subtree_q("org_path", city.root.path)).exists():
        print("talks and appraisals already there: reused")
        return
    rng = random.Random(12)
    branches = dict(
        Organization.objects.filter(subtree_q("path", city.root.path), kind="branch").values_list("pk", "path")
    )
    members: dict[int, list[int]] = {}
    for org_id, pk in Member.objects.filter(is_active=True, org_id__in=branches).values_list("org_id", "pk"):
        members.setdefault(org_id, []).append(pk)
    committee: dict[int, list[int]] = {}
    posts = OrgPost.objects.filter(org_id__in=branches, ended_on__isnull=True).exclude(post="group_leader")
    for org_id, member_id in posts.order_by("org_id", "post").values_list("org_id", "member_id"):
        committee.setdefault(org_id, []).append(member_id)
    held = dt.date(year, 3, 1)
    with timed("talks built", rows=None), transaction.atomic():
        talks: list[Talk] = []
        pairs: list[tuple[int, list[int]]] = []  # per talk: its counterparts
        for org_id, path in branches.items():
            ms = members.get(org_id, [])
            comm = [c for c in committee.get(org_id, []) if c in ms]
            if not ms:
                continue
            own = []
            for i, a in enumerate(comm):
                own.extend((a, [b]) for b in comm[i + 1 :])
            if comm:
                own.extend((comm[0], [m]) for m in ms if m not in comm and rng.random() < 0.5)
            plain = [m for m in ms if m not in comm]
            own.extend((plain[i], [plain[i + 1]]) for i in range(0, len(plain) - 1, 3))
            for talker, others in own:
                d = held + dt.timedelta(days=rng.randrange(0, 200))
                talks.append(
                    Talk(org_id=org_id, org_path=path, year=year, held_on=d, talker_id=talker, content="（基准数据）")
                )
                pairs.append((talker, others))
        Talk.objects.bulk_create(talks, batch_size=5000)
        through = Talk.counterparts.through
        FastInsert(through).insert(
            [{"talk_id": t.pk, "member_id": m} for t, (_, others) in zip(talks, pairs, strict=True) for m in others]
        )
        print(f"  {len(talks):,} talks")
    # Talks across levels: the first county's secretary with the secretaries of half its children.
    county = city.county
    children = Organization.objects.filter(path__startswith=county.path, depth=county.depth + 1)
    child_secs = list(
        OrgPost.objects.filter(org__in=children, post="secretary", ended_on__isnull=True).values_list(
            "member_id", flat=True
        )
    )
    if child_secs and not OrgPost.objects.filter(org=county, post="secretary").exists():
        sec = Member.objects.get(pk=child_secs[0])
        post_assign(actor=SYSTEM, org=county, member=sec, post="secretary")
    county_sec = OrgPost.objects.filter(org=county, post="secretary").values_list("member_id", flat=True).first()
    if county_sec:
        for m in child_secs[1::2]:
            t = Talk.objects.create(
                org=county, org_path=county.path, year=year, held_on=held, talker_id=county_sec, content=""
            )
            t.counterparts.add(m)
    with timed("appraisals built"), transaction.atomic():
        grades = ["excellent"] + ["qualified"] * 3 + ["basically_qualified"]
        field = {
            "excellent": "n_excellent",
            "qualified": "n_qualified",
            "basically_qualified": "n_basically_qualified",
            "": "n_not_graded",
        }
        appraisals = []
        for o, p in branches.items():
            if not members.get(o):
                continue
            a = Appraisal(org_id=o, org_path=p, year=year, status=AppraisalState.SIGNED)
            for i in range(len(members[o])):  # the same grades the entries get below
                f = field[grades[i % 5] if i % 25 != 7 else ""]
                setattr(a, f, getattr(a, f) + 1)
            appraisals.append(a)
        Appraisal.objects.bulk_create(appraisals, batch_size=5000)
        rows = []
        for a in appraisals:
            for i, m in enumerate(members[a.org_id]):
                rows.append(
                    {
                        "appraisal_id": a.pk,
                        "member_id": m,
                        "graded": i % 25 != 7,
                        "grade": grades[i % 5] if i % 25 != 7 else "",
                        "votes_qualified": 10,
                    }
                )
        FastInsert(AppraisalEntry).insert(rows)
        print(f"  {len(appraisals):,} appraisals, {len(rows):,} entries")


def main() -> None:
    args = city_arg_parser(__doc__ or "").parse_args()
    setup_django(args.database_url)

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.appraisal import selectors, services
    from dangjian.core.scoping import SYSTEM

    city = ensure_city(args.branches, args.members)
    year = timezone.localdate().year
    build_year(city, year)
    setup_test_environment()
    branch = city.branch50
    print(f"database: {args.database_url.split('@')[-1]}  year {year}  branch {branch.name}")

    cov, s, q = counted(selectors.coverage, branch, year)
    print(
        f"1. branch coverage (selector): {len(cov.members)} members, {len(cov.gaps)} gaps"
        f" — {s * 1000:.1f} ms, {q} queries"
    )
    admin = city.users["org_admin"]
    from django.db import connection

    from dangjian.appraisal.models import TalkPart

    # The derived rows: bulk-loaded talks (above) bypass the services, so derive them as the
    # migration / `appraisal_rebuild_talk_parts` would; the second run must change nothing.
    c0 = time.process_time()
    r, s, q = counted(services.talk_parts_rebuild, actor=SYSTEM, years=[year])
    print(f"2. TalkPart re-derive for {year}: {r} — {s:.2f} s, CPU {time.process_time() - c0:.2f} s, {q} queries")
    c0 = time.process_time()
    r, s, q = counted(services.talk_parts_rebuild, actor=SYSTEM, years=[year])
    print(f"   again (idempotent): {r} — {s:.2f} s, CPU {time.process_time() - c0:.2f} s, {q} queries; {load()}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # as autovacuum does after a bulk load (visibility map)
            cur.execute(f"VACUUM (ANALYZE) {TalkPart._meta.db_table}")
    print(f"   {TalkPart.objects.filter(year=year).count():,} TalkPart rows for {year}")
    before, bs, bc, bq, bsql = repeated(selectors.talk_rollup_from_talks, admin, city.root, year)
    after, as_, ac, aq, asql = repeated(selectors.talk_rollup, admin, city.root, year)
    totals = after[1]
    print(
        f"2a. talk roll-up over {totals['branches']:,} branches / {totals['members']:,} members "
        f"({totals['talks']:,} talks, {totals['without_talk']:,} without a talk), median of 5:"
    )
    print(
        f"    before (from the talks):   {bs * 1000:7.1f} ms, process CPU {bc * 1000:6.1f} ms, {bq} queries; {load()}"
    )
    print(
        f"    after  (TalkPart rows):    {as_ * 1000:7.1f} ms, process CPU {ac * 1000:6.1f} ms, {aq} queries; {load()}"
    )
    print(f"    same rows and totals: {'yes' if before == after else 'NO — ' + str((before[1], after[1]))}")
    explain("before", bsql)
    explain("after", asql)
    result, s, q = counted(selectors.committee_summary, admin, city.root, year)
    print(f"2b. grade distribution over {len(result):,} branches — {s * 1000:.1f} ms, {q} queries")
    children, s, q = counted(selectors.summary_by_child, admin, city.root, year)
    print(f"2b'. grade distribution per child of the root ({len(children)} rows) — {s * 1000:.1f} ms, {q} queries")
    cross, s, q = counted(selectors.cross_coverage, city.county, year)
    print(
        f"2c. cross-level coverage of {city.county.name}: {cross.children} children, {len(cross.gaps)} gaps "
        f"— {s * 1000:.1f} ms, {q} queries"
    )

    secretary = Client(HTTP_HOST="localhost")
    secretary.force_login(city.users["liaison"], backend="dangjian.accounts.backends.PhoneBackend")
    root_admin = Client(HTTP_HOST="localhost")
    root_admin.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    b, r, c = branch.pk, city.root.pk, city.county.pk
    pages = [
        measure_get(secretary, "branch coverage page", reverse("appraisal:coverage", args=[b, year])),
        measure_get(secretary, "branch 民主评议 page (tally)", reverse("appraisal:appraisal", args=[b, year])),
        measure_get(secretary, "branch 民主评议 result (PDF)", reverse("appraisal:appraisal_pdf", args=[b, year]), 3),
        measure_get(root_admin, "root summary page (roll-ups)", reverse("appraisal:summary", args=[r, year]), 5),
        measure_get(root_admin, "root summary (xlsx)", reverse("appraisal:summary_xlsx", args=[r, year]), 3),
        measure_get(root_admin, "county cross-level coverage page", reverse("appraisal:cross", args=[c, year])),
        measure_get(root_admin, "county summary (PDF)", reverse("appraisal:summary_pdf", args=[c, year]), 3),
    ]
    print_table(pages, "3. pages (server time through the views)")

    day = dt.date(year, 11, 30)
    r, s, q = counted(services.sweep, actor=SYSTEM, today=day)
    print(f"4. daily job ({day}): {r} — {s:.2f} s, {q} queries")
    r, s, q = counted(services.sweep, actor=SYSTEM, today=day)
    print(f"   again (idempotent): {r} — {s:.2f} s, {q} queries")


if __name__ == "__main__":
    main()
