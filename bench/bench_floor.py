"""Every branch page against its SQL floor, at city scale (issue 18: "≤ 3× its SQL floor").

    python bench/bench_floor.py --database-url postgres://…/bench_city_floor [--repeat 30] [--pages roster,dues]

Runs on a city database with records (`bench/generate_city.py`, then a month of meetings from
`bench/gen_orglife.py` and a month of dues from `bench/bench_dues.py`); it migrates it and, for the
supervision board, publishes one assignment from the city's root to every branch once (bulk
progress is not needed: the board's cost is in its counts and its page of rows). Use a copy of the
database: it writes that assignment.

For each page — the branch secretary's home, the branch roster, the dues collection sheet, the
meeting list, the branch's compliance matrix (all of the 50-member branch, as its secretary) and
the supervision board (the city admin's assignment, page 1 of ≈10,000 branches) — it measures:

- **page**: server time of a GET through Django's test Client with the production settings
  (DEBUG off), warm, median of `--repeat`; the process CPU time per request beside it;
- **floor**: the hand-written SQL that fetches exactly the data the page shows (listed below, one
  statement per kind of data, parameters bound like the page's), executed and fetched through the
  same database connection, warm, median of `--repeat`. Every floor includes what any signed-in
  page must read: the session, the user, the user's roles and the unread-notice badge;
- **ratio** page / floor, and the number of SQL statements of each;
- **prep. floor**: the floor's statements prepared once per connection (a server-binding cursor,
  `core.prepared`), as the pages' fixed-shape reads are on PostgreSQL since issue 18's last round:
  the stricter comparison, printed beside the plain one.

The home page shows a snapshot of derived 待办 (cached, revalidated against the audit log): its
floor computes those figures from the records, so the home may come out below its floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.page_cpu import _production_env

BENCH_TITLE = "基准任务：SQL 下限对照"

Floor = list[tuple[str, list[Any]]]


@dataclass
class Row:
    page: str
    ms: float
    cpu_ms: float
    db_cpu_ms: float
    queries: int
    floor_ms: float
    floor_cpu_ms: float
    floor_queries: int
    status: int
    prepared_floor_cpu_ms: float


def ensure_board(city: Any) -> Any:
    """One assignment from the city's root to every branch (published once per database)."""
    from django.utils import timezone

    from dangjian.assignments import services, tasks
    from dangjian.assignments.models import Assignment, DeliverableKind
    from dangjian.assignments.rules import DeliverableSpec

    a = Assignment.objects.filter(title=BENCH_TITLE).first()
    if a is not None:
        return a
    today = timezone.localdate()
    real = tasks.reminder_sweep
    tasks.reminder_sweep = type("NoSweep", (), {"enqueue": staticmethod(lambda **kw: None)})  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        a = services.assignment_publish(
            actor=city.users["org_admin"],
            publisher_org=city.root,
            title=BENCH_TITLE,
            theme="学习贯彻党的二十届四中全会精神",
            window_start=today - dt.timedelta(days=8),
            window_end=today + dt.timedelta(days=12),
            published_on=today - dt.timedelta(days=10),
            required_actions=["佩戴党徽", "重温誓词"],
            deliverables=[
                DeliverableSpec("承诺书", DeliverableKind.DOCUMENT, today - dt.timedelta(days=2)),
                DeliverableSpec("活动总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=12)),
            ],
        )
        print(f"published the board's assignment to {a.target_count:,} branches in {time.perf_counter() - t0:.1f} s")
    finally:
        tasks.reminder_sweep = real
    return a


def floors(city: Any, board: Any, session_keys: dict[str, str]) -> dict[str, tuple[str, Floor]]:
    """page label -> (user key, the floor's statements)."""
    from django.utils import timezone

    from dangjian.core.paths import successor

    b, root = city.branch50, city.root
    sec = city.users["secretary"].pk
    admin = city.users["org_admin"].pk
    lo, hi = b.path, successor(b.path)
    today = timezone.localdate()
    month = today.replace(day=1)
    yyyymm = today.year * 100 + today.month
    ancestors = [b.path[:i] for i in range(4, len(b.path) + 1, 4)]

    def signed_in(key: str, user_id: int) -> Floor:
        return [
            (
                "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > now()",
                [session_keys[key]],
            ),
            ("SELECT id, name, phone, is_active, is_superuser FROM accounts_user WHERE id = %s", [user_id]),
            (
                "SELECT r.role, o.id, o.path, o.name, o.kind FROM accounts_roleassignment r "
                "JOIN orgs_organization o ON o.id = r.org_id WHERE r.user_id = %s ORDER BY o.path",
                [user_id],
            ),
            ("SELECT count(*) FROM core_notification WHERE user_id = %s AND read_at IS NULL", [user_id]),
        ]

    org_row = ("SELECT id, path, name, kind, depth FROM orgs_organization WHERE id = %s", [b.pk])
    pages: dict[str, tuple[str, Floor]] = {
        "secretary_home": (
            "secretary",
            [
                *signed_in("secretary", sec),
                (
                    "SELECT title, body, link, created_at FROM core_notification "
                    "WHERE user_id = %s AND read_at IS NULL ORDER BY created_at DESC LIMIT 3",
                    [sec],
                ),
                # The party-day card: the fixed-day rule and this month's plan item, and whether it is held.
                (
                    "SELECT rule, day_of_month, time_of_day, start_time FROM partyday_fixeddaysetting "
                    "WHERE org_path = ANY(%s)",
                    [ancestors],
                ),
                (
                    "SELECT i.theme FROM partyday_planitem i JOIN partyday_annualplan p ON p.id = i.plan_id "
                    "WHERE p.org_id = %s AND p.year = %s AND i.month = %s AND i.is_current",
                    [b.pk, today.year, today.month],
                ),
                (
                    "SELECT id FROM orglife_meeting WHERE org_id = %s AND month = %s AND is_party_day LIMIT 1",
                    [b.pk, yyyymm],
                ),
                # 待办: this month's report, unpaid dues, members not yet reported to a community,
                # and the structure check's member count.
                (
                    "SELECT due_on, submitted_at FROM reports_report WHERE org_id = %s AND year = %s AND month = %s",
                    [b.pk, today.year, today.month],
                ),
                (
                    "SELECT count(*) FILTER (WHERE NOT is_paid) FROM dues_duesexpected "
                    "WHERE org_id = %s AND month = %s",
                    [b.pk, month],
                ),
                (
                    "SELECT m.name, count(*) OVER () FROM members_member m WHERE m.org_id = %s AND m.is_active "
                    "AND m.category = 'in_service' AND NOT EXISTS (SELECT 1 FROM community_servicelink s "
                    "WHERE s.member_id = m.id AND s.ended_on IS NULL) ORDER BY m.name LIMIT 3",
                    [b.pk],
                ),
                ("SELECT count(*) FROM members_member WHERE org_id = %s AND is_active", [b.pk]),
            ],
        ),
        "branch_roster": (
            "secretary",
            [
                *signed_in("secretary", sec),
                org_row,
                (
                    "SELECT id, name FROM orgs_organization WHERE path >= %s AND path < %s AND kind = 'group' "
                    "ORDER BY path",
                    [lo, hi],
                ),
                (
                    "SELECT m.id, m.name, m.status, m.category, m.is_mobile, m.exempt, m.lost_contact, g.name, "
                    "count(*) OVER () FROM members_member m LEFT JOIN orgs_organization g ON g.id = m.group_id "
                    "WHERE m.org_path >= %s AND m.org_path < %s AND m.is_active "
                    "ORDER BY m.org_path, m.name, m.id LIMIT 50",
                    [lo, hi],
                ),
            ],
        ),
        "dues_sheet": (
            "secretary",
            [
                *signed_in("secretary", sec),
                org_row,
                (
                    "SELECT e.member_id, m.name, e.rate_label, e.amount_fen, e.paid_fen, e.is_paid, e.relief "
                    "FROM dues_duesexpected e JOIN members_member m ON m.id = e.member_id "
                    "WHERE e.org_id = %s AND e.month = %s ORDER BY e.is_paid, m.name",
                    [b.pk, month],
                ),
                # Earlier unpaid months of the branch's members (the 补交 hints).
                (
                    "SELECT member_id, count(*) FROM dues_duesexpected WHERE org_id = %s AND month >= %s "
                    "AND month < %s AND NOT is_paid GROUP BY member_id",
                    [b.pk, (month - dt.timedelta(days=240)).replace(day=1), month],
                ),
                ("SELECT published_at FROM dues_duesdisclosure WHERE org_id = %s AND month = %s", [b.pk, month]),
            ],
        ),
        "meeting_list": (
            "secretary",
            [
                *signed_in("secretary", sec),
                org_row,
                (
                    "SELECT id, meeting_date, started_at, is_party_day FROM orglife_meeting "
                    "WHERE org_path >= %s AND org_path < %s AND month = %s ORDER BY started_at",
                    [lo, hi, yyyymm],
                ),
                (
                    "SELECT mt.id, mt.meeting_date, mt.theme, mt.is_party_day, mt.is_general_meeting, "
                    "mt.is_committee_meeting, mt.is_group_meeting, mt.is_party_lecture, mt.is_org_life_meeting, "
                    "mt.is_member_review, mt.status, mt.late, o.name, count(*) OVER () FROM orglife_meeting mt "
                    "JOIN orgs_organization o ON o.id = mt.org_id WHERE mt.org_path >= %s AND mt.org_path < %s "
                    "ORDER BY mt.started_at DESC, mt.id DESC LIMIT 8",
                    [lo, hi],
                ),
            ],
        ),
        "branch_matrix": (
            "secretary",
            [
                *signed_in("secretary", sec),
                org_row,
                (
                    "SELECT c.key, c.value FROM orgs_orgconfig c JOIN orgs_organization o ON o.id = c.org_id "
                    "WHERE c.key LIKE 'orglife.%%' AND o.path = ANY(%s)",
                    [ancestors],
                ),
                (
                    "SELECT month, party_day, general_meeting, committee_meeting, group_meeting, party_lecture, "
                    "org_life_meeting, member_review FROM orglife_branchmonth WHERE org_id = %s AND month >= %s "
                    "AND month <= %s",
                    [b.pk, (today.year - 1) * 100 + today.month, yyyymm],
                ),
            ],
        ),
        "supervision_board": (
            "org_admin",
            [
                *signed_in("org_admin", admin),
                (
                    "SELECT a.id, a.title, a.theme, a.window_start, a.window_end, a.target_count, "
                    "array_agg(d.title || ' ' || d.due_on ORDER BY d.position) FROM assignments_assignment a "
                    "JOIN assignments_deliverable d ON d.assignment_id = a.id WHERE a.id = %s GROUP BY a.id",
                    [board.pk],
                ),
                (
                    "SELECT status, count(*) FROM assignments_assignmenttarget WHERE assignment_id = %s "
                    "GROUP BY status",
                    [board.pk],
                ),
                (
                    "SELECT t.id, o.name, o.path, t.status, t.claimed_at, t.submitted_at, t.reviewed_at, t.rounds, "
                    "(SELECT max(r.created_at) FROM assignments_reminder r WHERE r.target_id = t.id) "
                    "FROM assignments_assignmenttarget t JOIN orgs_organization o ON o.id = t.org_id "
                    "WHERE t.assignment_id = %s ORDER BY t.org_path LIMIT 50",
                    [board.pk],
                ),
                (
                    "SELECT id, name, path FROM orgs_organization WHERE path >= %s AND path < %s AND depth = %s "
                    "ORDER BY path",
                    [root.path, successor(root.path) or "~", root.depth + 1],
                ),
            ],
        ),
    }
    return pages


def backend_cpu_s() -> float:
    """CPU seconds used so far by this connection's database server process (PostgreSQL on this
    host, read from /proc; 0 elsewhere). With the client's process time it gives the server time of
    a request in CPU terms, which other load on the machine does not inflate."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_run(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """(median wall ms, CPU ms per run of this process and its database backend, of which the
    backend's) of `repeat` runs."""
    times = []
    db0, cpu0 = backend_cpu_s(), time.process_time()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    app = time.process_time() - cpu0
    db = backend_cpu_s() - db0
    return statistics.median(times), (app + db) * 1000 / repeat, db * 1000 / repeat


def time_floor(statements: Floor, repeat: int, *, prepared: bool = False) -> tuple[float, float, float]:
    """Execute and fetch every statement once per run (warm: twice before timing); `prepared`: on a
    server-binding cursor, each statement planned once per connection as the pages' fixed reads are
    (`core.prepared`)."""
    from django.db import connection

    from dangjian.core.prepared import prepared_cursor

    def once() -> None:
        with prepared_cursor(connection) if prepared else connection.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()

    for _ in range(2):
        once()
    return cpu_per_run(once, repeat)


def time_page(client: Any, url: str, repeat: int) -> tuple[float, float, float, int, int]:
    """(median ms, CPU ms per request, of which the database's, queries, status) of GET url, warm.
    The connection is kept between requests (CONN_MAX_AGE-style), so that its server process can
    be measured."""
    from django.db import connection, reset_queries

    for _ in range(3):
        status = client.get(url).status_code
    connection.force_debug_cursor = True
    reset_queries()
    status = client.get(url).status_code
    queries = len(connection.queries)
    connection.force_debug_cursor = False
    ms, cpu, db = cpu_per_run(lambda: client.get(url), repeat)
    return ms, cpu, db, queries, status


def main() -> None:
    p = argparse.ArgumentParser(description="branch pages against their SQL floor at city scale")
    env_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    p.add_argument("--database-url", default=env_url, required=not env_url)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--pages", default="", help="comma-separated labels (default: all)")
    p.add_argument("--show-sql", action="store_true", help="print each page's SQL (one request) and its floor")
    args = p.parse_args()
    _production_env(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.generate_city import ensure_city

    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    city = ensure_city(log=print)
    board = ensure_board(city)

    clients: dict[str, Client] = {}
    for key in ("secretary", "org_admin"):
        c = Client(HTTP_HOST="127.0.0.1")
        c.force_login(city.users[key], backend="dangjian.accounts.backends.PhoneBackend")
        clients[key] = c
    keys = {k: c.session.session_key or "" for k, c in clients.items()}
    b = city.branch50.pk
    urls: dict[str, str] = {
        "secretary_home": reverse("core:home"),
        "branch_roster": reverse("members:roster", args=[b]),
        "dues_sheet": reverse("dues:sheet", args=[b]),
        "meeting_list": reverse("orglife:org_meetings", args=[b]),
        "branch_matrix": reverse("orglife:matrix", args=[b]),
        "supervision_board": reverse("assignments:board", args=[board.pk]),
    }
    pages = floors(city, board, keys)
    wanted = [x for x in args.pages.split(",") if x] or list(urls)

    load = os.getloadavg()
    print(
        f"{connection.vendor} ({args.database_url.split('@')[-1]}): {city.branches:,} branches, "
        f"{city.members:,} members; "
        f"median of {args.repeat}, warm; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    rows: list[Row] = []
    for label in wanted:
        who, statements = pages[label]
        client = clients[who]
        if args.show_sql:
            with CaptureQueriesContext(connection) as ctx:
                client.get(urls[label])
            print(f"\n--- {label} {urls[label]}: {len(ctx)} page queries")
            for q in ctx.captured_queries:
                print(f"  [{q['time']}] {q['sql'][:300]}")
            print("  floor (rows returned, statement):")
            with connection.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
                    print(f"    {len(cur.fetchall()):>4}  {sql} {params}")
        ms, cpu, db, queries, status = time_page(client, urls[label], args.repeat)
        floor_ms, floor_cpu, _ = time_floor(statements, args.repeat)
        _, prepared_cpu, _ = time_floor(statements, args.repeat, prepared=True)
        rows.append(Row(label, ms, cpu, db, queries, floor_ms, floor_cpu, len(statements), status, prepared_cpu))

    head = (
        f"{'page':<18} {'status':>6} {'ms':>7} {'floor ms':>8} {'ratio':>6} {'CPU ms':>7} {'floor CPU':>9} "
        f"{'ratio':>6} {'DB CPU':>7} {'queries':>7} {'floor q':>7} {'prep. floor CPU':>15} {'ratio':>6}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        ratio = r.ms / r.floor_ms if r.floor_ms else float("nan")
        cpu_ratio = r.cpu_ms / r.floor_cpu_ms if r.floor_cpu_ms else float("nan")
        prepared_ratio = r.cpu_ms / r.prepared_floor_cpu_ms if r.prepared_floor_cpu_ms else float("nan")
        print(
            f"{r.page:<18} {r.status:>6} {r.ms:>7.2f} {r.floor_ms:>8.2f} {ratio:>6.1f} {r.cpu_ms:>7.2f} "
            f"{r.floor_cpu_ms:>9.2f} {cpu_ratio:>6.1f} {r.db_cpu_ms:>7.2f} {r.queries:>7} {r.floor_queries:>7} "
            f"{r.prepared_floor_cpu_ms:>15.2f} {prepared_ratio:>6.1f}"
        )
    print(
        "ms: wall time, median; CPU ms: this process + its PostgreSQL backend per request (robust to load), "
        "DB CPU: the backend's part of the page's; ratio: page / floor; prep. floor: the same statements "
        "prepared once per connection (as the pages' fixed reads are on PostgreSQL), and the page's CPU ratio to it"
    )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
