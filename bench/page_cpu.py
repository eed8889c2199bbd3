"""CPU time per request of the branch pages, in-process, with the production settings (issue 18).

    python bench/page_cpu.py --database-url sqlite:///path/db.sqlite3 [--requests 200] [--profile home]

Runs against a database that already holds the demo (`manage.py demo_data`); DEBUG is off, as
`scripts/run` and `bench/http_bench.sh` serve it. Logs in through the login form (a real session),
then requests each page `--requests` times through Django's test Client (no network) and prints,
per page, the process CPU time per request (robust to other load on the machine), the wall time
and the number of SQL queries. `--profile PAGE` prints the cProfile of that page's requests
(top 40 by `--sort`, cumulative by default); `--show-queries` prints each page's SQL. Old database
connections are closed after every request, as Django does at the
end of each request in a server when it is older than CONN_MAX_AGE (the test Client skips that).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "Dangjian-2026"  # noqa: S105 -- the demo's published password
SECRETARY_PHONE = "13800000002"
ADMIN_PHONE = "13800000001"
BRANCH = "市教育局机关第一党支部"


def _production_env(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ.setdefault("DANGJIAN_AUDIT_KEY", "bench-only-audit-key")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES", "DJANGO_HSTS_SECONDS"):
        os.environ.setdefault(name, "0")
    os.environ.setdefault("DANGJIAN_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")


def main() -> None:
    p = argparse.ArgumentParser(description="CPU ms per request of the branch pages")
    env_url = os.environ.get("DATABASE_URL", "")
    p.add_argument("--database-url", default=env_url, required=not env_url)
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--profile", default="", help="page label to profile (cProfile)")
    p.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime, ...)")
    p.add_argument("--show-queries", action="store_true", help="print the SQL of each page's request")
    p.add_argument("--pages", default="", help="comma-separated labels (default: all)")
    args = p.parse_args()
    _production_env(args.database_url)

    import django

    django.setup()
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    from dangjian.orgs.models import Organization

    branch = Organization.objects.get(name=BRANCH)
    root = Organization.objects.get_root_nodes().first()
    assert root is not None

    def login(phone: str) -> Client:
        c = Client(HTTP_HOST="127.0.0.1")
        r = c.post(reverse("accounts:login"), {"phone": phone, "password": PASSWORD})
        if "sessionid" not in c.cookies:
            raise SystemExit(f"login failed for {phone}: HTTP {r.status_code}")
        return c

    secretary, admin = login(SECRETARY_PHONE), login(ADMIN_PHONE)
    pages = [
        # The floor: the cheapest authenticated page (a three-field form in the layout: session, user,
        # roles for the nav, unread count); what every other page pays before its own work.
        ("floor", secretary, reverse("accounts:password_change")),
        ("secretary_home", secretary, reverse("core:home")),
        ("branch_roster", secretary, reverse("members:roster", args=[branch.pk])),
        ("dues_sheet", secretary, reverse("dues:sheet", args=[branch.pk])),
        ("meeting_list", secretary, reverse("orglife:org_meetings", args=[branch.pk])),
        ("root_matrix", admin, reverse("orglife:matrix", args=[root.pk])),
    ]
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [pg for pg in pages if pg[0] in wanted]

    def get(client: Client, url: str) -> int:
        status = client.get(url).status_code
        close_old_connections()  # as the request_finished signal does in a server
        return status

    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.requests} requests per page")
    print(f"{'page':<16} {'status':>6} {'CPU ms':>8} {'wall ms':>8} {'queries':>8}")
    for label, client, url in pages:
        for _ in range(5):  # warm the per-process caches and the snapshot
            status = get(client, url)
        # Queries of one request, counted apart so the counting does not weigh on the timing.
        connection.force_debug_cursor = True
        reset_queries()
        client.get(url)
        queries = len(connection.queries)
        if args.show_queries:
            for q in connection.queries:
                print(f"    [{label}] {q['sql'][:300]}")
        connection.force_debug_cursor = False
        profiler = None
        if label == args.profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.requests):
            get(client, url)
        cpu = (time.process_time() - cpu0) * 1000 / args.requests
        wall = (time.perf_counter() - wall0) * 1000 / args.requests
        if profiler is not None:
            profiler.disable()
        print(f"{label:<16} {status:>6} {cpu:>8.2f} {wall:>8.2f} {queries:>8}")
        if profiler is not None:
            import pstats

            pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
