"""Study at city scale (issue 16): the yearly 学时 recompute of every member, a branch's study page,
the committee's on-track share, the monthly 流动党员 contact check and the report figures.

    python bench/bench_study.py --database-url postgres://postgres@127.0.0.1:5432/bench_study

Point it at a database holding the city and a year of meetings (a copy of the `bench_orglife` /
`bench_points` database: 200,000 members, ≈400,000 meetings, ≈4.9 million attendance rows). On
first run it adds, in bulk (no services, no audit): one concentrated training for every third
member, and a contact 5–60 days ago for most 流动党员. Steps, each printed with time and queries:

1. recompute every member's annual hours from the root (target ≤ 60 s);
2. the same again: nothing written (idempotent);
3. the branch study page through the view (target ≤ 50 ms);
4. the root committee's on-track share through the view (target ≤ 0.5 s);
5. the monthly contact / home-visit check over the city, then again (target ≤ 10 s, idempotent);
6. the report source for every branch of a county for the month (bounded queries).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import city_arg_parser, ensure_city, measure_get, peak_rss_mb, print_table, setup_django  # noqa: E402


def counted(fn, *args, **kwargs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    # On a shared machine the wall time includes waiting for a CPU: the CPU time of this process is
    # printed too (the database's own time is in the wall time only).
    print(f"   [wall {seconds:.2f} s, this process's CPU {cpu:.2f} s, load {os.getloadavg()[0]:.1f}]")
    return result, seconds, len(ctx.captured_queries)


def seed(city, today: dt.date) -> None:
    """Trainings and contacts, once (bulk, no services)."""
    from bench.generate_city import FastInsert
    from dangjian.core.paths import subtree_q
    from dangjian.members.models import Member
    from dangjian.study.models import MobileContact, TrainingRecord

    if TrainingRecord.objects.exists():
        return
    rng = random.Random(16)
    t0 = time.perf_counter()
    members = list(
        Member.objects.filter(subtree_q("org_path", city.root.path), is_active=True).values_list(
            "pk", "org_path", "is_mobile"
        )
    )
    trainings = []
    contacts = []
    for pk, path, mobile in members:
        if pk % 3 == 0:
            end = today - dt.timedelta(days=rng.randint(10, 300))
            trainings.append(
                {
                    "member_id": pk,
                    "org_path": path,
                    "title": "党员集中轮训班",
                    "organiser": "市委党校",
                    "kind": "concentrated",
                    "induction": False,
                    "starts_on": end - dt.timedelta(days=2),
                    "ends_on": end,
                    "hours": 24,
                    "certificate": "",
                }
            )
        if mobile and rng.random() < 0.8:
            contacts.append(
                {
                    "member_id": pk,
                    "org_path": path,
                    "on": today - dt.timedelta(days=rng.randint(5, 60)),
                    "channel": rng.choice(["phone", "wechat", "sms"]),
                    "contacted_by": "组织委员",
                    "topic": "了解近况",
                    "location": "外省",
                }
            )
    FastInsert(TrainingRecord).insert(trainings)
    FastInsert(MobileContact).insert(contacts)
    # The roster's 最近联系日期 follows the log (as contact_log does), in one statement per date.
    last: dict[int, dt.date] = {}
    for c in contacts:
        last[c["member_id"]] = max(last.get(c["member_id"], c["on"]), c["on"])
    by_day: dict[dt.date, list[int]] = {}
    for pk, day in last.items():
        by_day.setdefault(day, []).append(pk)
    for day, pks in by_day.items():
        Member.objects.filter(pk__in=pks).update(mobile_last_contact=day)
    print(
        f"seeded {len(trainings):,} trainings and {len(contacts):,} contacts of {len(members):,} members "
        f"in {time.perf_counter() - t0:.1f} s"
    )


def main() -> None:
    args = city_arg_parser(__doc__ or "").parse_args()
    setup_django(args.database_url)

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.core.registry import report_sources
    from dangjian.core.scoping import SYSTEM
    from dangjian.members.models import Member
    from dangjian.orglife.models import Attendance
    from dangjian.orgs.models import Organization, OrgKind
    from dangjian.study import services
    from dangjian.study.models import MemberStudyYear

    city = ensure_city(args.branches, args.members)
    today = timezone.localdate()
    year = today.year
    seed(city, today)
    members = Member.objects.filter(is_active=True).count()
    marks = Attendance.objects.filter(meeting_date__year=year).count()
    print(f"database: {args.database_url.split('@')[-1]}  year {year}  {members:,} members, {marks:,} attendance rows")

    # Step 1 writes every member's row: start from none (the rows are derived; nothing is lost).
    MemberStudyYear.objects.filter(year=year).delete()
    r, s, q = counted(services.study_recompute, actor=SYSTEM, org=city.root, year=year)
    print(
        f"1. recompute every member's hours: {r['members']:,} members, {r['changed']:,} changed — {s:.2f} s "
        f"({r['members'] / s:,.0f} members/s), {q} queries, peak RSS {peak_rss_mb():.0f} MB"
    )
    r, s, q = counted(services.study_recompute, actor=SYSTEM, org=city.root, year=year)
    print(f"2. again (idempotent): {r['changed']} changed — {s:.2f} s, {q} queries")
    if connection.vendor == "postgresql":
        # The recompute just rewrote the whole table in bulk; production's autovacuum analyses it within
        # a minute. Without fresh statistics the branch page's plan scans the table (≈ 200 ms, not 0.3).
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {MemberStudyYear._meta.db_table}")

    r, s, q = counted(services.study_due_check, actor=SYSTEM, org=city.root, today=today)
    print(
        f"5a. monthly contact / home-visit check: {r['opened']:,} opened, {r['closed']:,} closed — "
        f"{s:.2f} s, {q} queries"
    )
    r, s, q = counted(services.study_due_check, actor=SYSTEM, org=city.root, today=today)
    print(
        f"5b. again (idempotent): {r['opened']} opened, {r['closed']} closed, {r['open']:,} open — "
        f"{s:.2f} s, {q} queries"
    )

    source = next(x for x in report_sources() if x.key == "study")
    paths = list(
        Organization.objects.filter(path__startswith=city.county.path, kind=OrgKind.BRANCH).values_list(
            "path", flat=True
        )
    )
    figures, s, q = counted(source.compute, paths, today.replace(day=1), today)
    on_track = sum(f.get("on_track", 0) for f in figures.values())
    print(
        f"6. report source, {len(paths):,} branches of {city.county.name}: {s * 1000:.0f} ms, {q} queries "
        f"({on_track:,} on track)"
    )

    setup_test_environment()
    client = Client(HTTP_HOST="localhost")
    client.force_login(city.users["org_admin"], backend="dangjian.accounts.backends.PhoneBackend")
    biggest = (
        Member.objects.filter(is_active=True, org__kind=OrgKind.BRANCH)
        .values("org_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    rows = [
        measure_get(client, "3. branch study page (50 members)", reverse("study:branch", args=[city.branch50.pk])),
        measure_get(
            client,
            f"3. branch study page (largest, {biggest['n']} members)",
            reverse("study:branch", args=[biggest["org_id"]]),
        ),
        measure_get(client, "4. root on-track share", reverse("study:overview", args=[city.root.pk])),
        measure_get(client, "   a member's own hours (live ledger)", reverse("study:member", args=[
            Member.objects.filter(org=city.branch50).values_list("pk", flat=True).first()
        ])),
    ]  # fmt: skip
    print_table(rows, "pages (server time through the views)")
    # The same pages' CPU time in this process (rendering, ORM), apart from waiting on a shared machine.
    for label, url in (
        ("branch study page (50 members)", reverse("study:branch", args=[city.branch50.pk])),
        ("root on-track share", reverse("study:overview", args=[city.root.pk])),
    ):
        c0 = time.process_time()
        for _ in range(7):
            client.get(url)
        print(f"   {label}: {(time.process_time() - c0) / 7 * 1000:.1f} ms CPU per request in this process")


if __name__ == "__main__":
    main()
