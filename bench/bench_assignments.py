"""Assignments at city scale: publish to ≈10,000 branches, the reminder/督办 sweep (first and second
run), the supervision board (time + query count), the board's Excel export and the committee's
monthly summary xlsx.

    python bench/bench_assignments.py [--database-url URL] [--branches 10000 --members 200000]

Default database: $BENCH_ASSIGN_DATABASE_URL, else sqlite:///var/bench_assign.sqlite3 (its own copy,
so other benchmarks are not disturbed). For PostgreSQL pass e.g.
--database-url postgres://postgres@127.0.0.1:5432/bench_assign (created if missing).

Set-up done once per database (bulk, outside the timings): every branch gets a secretary and a
liaison login, every 党委/党总支 a secretary; every branch gets this month's party-day record with
its members' attendance. Each run publishes a fresh assignment (the previous bench assignment and
its notifications are deleted first).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, city_arg_parser, ensure_city, measure_get, peak_rss_mb, print_table, setup_django

BENCH_TITLE = "基准任务：主题党日活动"


def ensure_roles(city: Any, log: Any) -> None:
    """A secretary and a liaison for every branch, a secretary for every 党委/党总支 (bulk, once)."""
    from django.contrib.auth.hashers import make_password

    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.core.paths import subtree_q
    from dangjian.orgs.models import Organization

    orgs = list(
        Organization.objects.filter(subtree_q("path", city.root.path)).exclude(kind="group").values_list("pk", "kind")
    )
    have = set(RoleAssignment.objects.filter(user__phone__startswith="166").values_list("org_id", "role"))
    wanted = []
    for pk, kind in orgs:
        wanted.append((pk, "secretary"))
        if kind == "branch":
            wanted.append((pk, "liaison"))
    missing = [w for w in wanted if w not in have]
    if not missing:
        return
    t0 = time.perf_counter()
    unusable = make_password(None)
    base = User.objects.filter(phone__startswith="166").count()
    users = [
        User(
            phone=f"166{base + i:08d}",
            name=f"基准{'书记' if role == 'secretary' else '联络员'}{base + i}",
            password=unusable,
        )
        for i, (_, role) in enumerate(missing)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    ids = dict(User.objects.filter(phone__in=[u.phone for u in users]).values_list("phone", "pk"))
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user_id=ids[u.phone], org_id=org_id, role=role)
            for u, (org_id, role) in zip(users, missing, strict=True)
        ],
        batch_size=5000,
    )
    log(f"set-up: {len(missing):,} role assignments in {time.perf_counter() - t0:.1f} s")


def ensure_party_days(city: Any, day: dt.date, log: Any) -> None:
    """This month's party-day record for every branch, with attendance from its roster (bulk, once)."""
    from django.utils import timezone

    from dangjian.core.paths import subtree_q
    from dangjian.members.models import Member
    from dangjian.orglife.models import Attendance, Meeting, Resolution

    month = day.year * 100 + day.month
    branches = list(
        city.root.__class__.objects.filter(subtree_q("path", city.root.path), kind="branch").values_list("pk", "path")
    )
    done = set(Meeting.objects.filter(month=month, is_party_day=True).values_list("branch_path", flat=True))
    todo = [(pk, path) for pk, path in branches if path not in done]
    if not todo:
        return
    t0 = time.perf_counter()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    meetings = [
        Meeting(
            org_id=pk,
            org_path=path,
            branch_path=path,
            meeting_date=day,
            month=month,
            is_party_day=True,
            theme="学习贯彻全国“两会”精神主题党日",
            started_at=start,
            ended_at=start + dt.timedelta(hours=4),
            place="党员活动室",
            study_items="全国“两会”精神\n二十届二中全会精神",
            required_actions=["佩戴党徽", "交纳党费", "重温入党誓词", "诵读党章"],
            status="filed",
        )
        for pk, path in todo
    ]
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    by_path = dict(Meeting.objects.filter(month=month, is_party_day=True).values_list("branch_path", "pk"))
    rows = []
    for i, (mid, org_path) in enumerate(
        Member.objects.filter(org__path__in=[p for _, p in todo], is_active=True)
        .values_list("pk", "org_path")
        .iterator(chunk_size=5000)
    ):
        status = "present" if i % 10 < 8 else ("leave" if i % 10 == 8 else "absent")
        rows.append(
            Attendance(meeting_id=by_path[org_path], member_id=mid, org_path=org_path, meeting_date=day, status=status)
        )
        if len(rows) >= 20000:
            Attendance.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Attendance.objects.bulk_create(rows, batch_size=5000)
    Resolution.objects.bulk_create(
        [Resolution(meeting_id=by_path[p], org_path=p, title="每名在职党员领办一件实事") for _, p in todo],
        batch_size=5000,
    )
    log(f"set-up: {len(todo):,} party-day records with attendance in {time.perf_counter() - t0:.1f} s")


def drop_previous(log: Any) -> None:
    from django.db import transaction

    from dangjian.assignments.models import Assignment
    from dangjian.core.models import Notification

    for a in Assignment.objects.filter(title=BENCH_TITLE):
        pk = a.pk
        with transaction.atomic():
            Notification.objects.filter(key__startswith=f"asg{a.pk}.").delete()
            a.delete()
        log(f"dropped previous bench assignment {pk}")


def main() -> None:
    p = city_arg_parser("assignments at city scale")
    p.set_defaults(
        database_url=os.environ.get("BENCH_ASSIGN_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_assign.sqlite3'}")
    )
    args = p.parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dangjian.assignments import selectors, services, summaries
    from dangjian.assignments.models import AssignmentTarget, DeliverableKind, TargetStatus
    from dangjian.assignments.rules import DeliverableSpec
    from dangjian.assignments.sweep import run_sweep
    from dangjian.core.models import Notification

    print(f"database: {connection.vendor} ({args.database_url.split('@')[-1]})")
    city = ensure_city(args.branches, args.members)
    today = timezone.localdate()
    window_start = today - dt.timedelta(days=8)
    window_end = today + dt.timedelta(days=12)
    ensure_roles(city, print)
    ensure_party_days(city, window_start + dt.timedelta(days=2), print)
    drop_previous(print)
    admin = city.users["org_admin"]

    # 1. Publish to the whole city. Publishing enqueues the sweep on commit; with the inline task
    # backend that would run here, so the sweep is held back and timed on its own below.
    from types import SimpleNamespace

    from dangjian.assignments import tasks

    real_task = tasks.reminder_sweep
    tasks.reminder_sweep = SimpleNamespace(enqueue=lambda **kw: None)  # type: ignore[assignment]
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        a = services.assignment_publish(
            actor=admin,
            publisher_org=city.root,
            title=BENCH_TITLE,
            theme="学习贯彻全国“两会”精神",
            window_start=window_start,
            window_end=window_end,
            published_on=today - dt.timedelta(days=10),
            required_actions=["佩戴党徽", "交纳党费", "重温誓词", "诵读党章"],
            deliverables=[
                DeliverableSpec("承诺书", DeliverableKind.DOCUMENT, today - dt.timedelta(days=2)),  # overdue
                DeliverableSpec("会议记录", DeliverableKind.MEETING_RECORD, today + dt.timedelta(days=1)),  # remind
                DeliverableSpec("活动总结表", DeliverableKind.SUMMARY_TABLE, window_end),
            ],
        )
    publish_s = time.perf_counter() - t0
    tasks.reminder_sweep = real_task
    n = a.target_count
    print(f"publish: {n:,} targets in {publish_s:.2f} s ({n / publish_s:,.0f} targets/s), {len(ctx)} queries")

    # A realistic mix of progress: 30 % claimed, 15 % submitted, 10 % approved (bulk, outside timings).
    ids = list(AssignmentTarget.objects.filter(assignment=a).order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    for lo, hi, status in (
        (0.0, 0.30, TargetStatus.CLAIMED),
        (0.30, 0.45, TargetStatus.SUBMITTED),
        (0.45, 0.55, TargetStatus.APPROVED),
    ):
        chunk = ids[int(lo * n) : int(hi * n)]
        for i in range(0, len(chunk), 900):
            AssignmentTarget.objects.filter(pk__in=chunk[i : i + 900]).update(status=status, claimed_at=now)

    # 2. The sweep, twice.
    before = Notification.objects.count()
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        r1 = run_sweep(today=today)
    s1 = time.perf_counter() - t0
    created1 = Notification.objects.count() - before
    print(
        f"sweep 1st run: {s1:.2f} s, {len(ctx)} queries, ledger rows {r1.reminders:,} {r1.as_dict()['by_kind']}, "
        f"notifications created {created1:,}"
    )
    before = Notification.objects.count()
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        r2 = run_sweep(today=today)
    s2 = time.perf_counter() - t0
    print(
        f"sweep 2nd run: {s2:.2f} s, {len(ctx)} queries, ledger rows {r2.reminders}, "
        f"notifications created {Notification.objects.count() - before}"
    )

    # 3. The board and its export, as the city's org admin.
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    measures = [
        measure_get(client, "board (all, page 1)", f"/assignments/{a.pk}/board/"),
        measure_get(client, "board (逾期 filter)", f"/assignments/{a.pk}/board/?status=overdue"),
        measure_get(client, "board (last page)", f"/assignments/{a.pk}/board/?page=200"),
        measure_get(client, "assignment detail (counts)", f"/assignments/{a.pk}/"),
        measure_get(client, "assignments index (admin)", "/assignments/"),
        measure_get(client, "publish form (admin)", "/assignments/new/"),
    ]
    print_table(measures, f"supervision board over {n:,} targets")
    counts = selectors.board_counts(a)
    print(f"board counts: {counts}")
    t0 = time.perf_counter()
    r = client.get(f"/assignments/{a.pk}/board.xlsx")
    print(
        f"board export xlsx: {time.perf_counter() - t0:.2f} s, {len(r.content) / 1024:.0f} KiB, status {r.status_code}"
    )

    # 4. The committee's monthly summary over every branch.
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        content = summaries.committee_summary_xlsx(a)
    dt_s = time.perf_counter() - t0
    print(
        f"committee summary xlsx: {dt_s:.2f} s for {n:,} branches, {len(ctx)} queries, "
        f"{len(content) / 1024 / 1024:.1f} MiB, peak RSS {peak_rss_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
