"""Party-day schedule at city scale: schedules, plan board, member-notice sweep (and its re-run).

    python bench/partyday.py                                   # SQLite: var/bench_partyday.sqlite3
    python bench/partyday.py --database-url postgres://postgres@127.0.0.1:5432/bench_partyday

Uses the shared city generator (≈10,000 branches). Gives one member per branch a login (once per
database) so the notice sweep has recipients, then prints time, query counts and peak memory.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

from dangjian.core.scoping import SYSTEM

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import city_arg_parser, peak_rss_mb, setup_django  # noqa: E402


def main() -> None:
    p = city_arg_parser("party-day schedule at city scale")
    p.set_defaults(database_url=f"sqlite:///{ROOT / 'var' / 'bench_partyday.sqlite3'}")
    args = p.parse_args()
    setup_django(args.database_url)

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench._common import ensure_city
    from dangjian.accounts.models import User
    from dangjian.core.models import Notification
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization
    from dangjian.partyday import selectors, services

    city = ensure_city(args.branches, args.members)
    branches = list(
        Organization.objects.filter(path__startswith=city.root.path, kind="branch").values_list("pk", "path")
    )
    print(f"branches: {len(branches)}")

    # one login per branch (first member without a user), created once
    if not User.objects.filter(phone__startswith="166").exists():
        t0 = time.perf_counter()
        pw = make_password("Bench-2026")
        firsts = {}
        for mid, org_id in (
            Member.objects.filter(user__isnull=True, org_id__in=[b for b, _ in branches])
            .values_list("pk", "org_id")
            .order_by("org_id", "pk")
        ):
            firsts.setdefault(org_id, mid)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [User(phone=f"166{i:08d}", name=f"通知对象{i}", password=pw) for i in range(len(firsts))],
                batch_size=2000,
            )
            for u, mid in zip(users, firsts.values(), strict=True):
                Member.objects.filter(pk=mid).update(user=u)
        print(f"logins created: {len(firsts)} in {time.perf_counter() - t0:.1f} s")

    today = dt.date(2026, 12, 4)  # three days before Mon 7 Dec 2026, the default party day
    Notification.objects.filter(key__startswith="partyday:notice:").delete()

    def run(label: str, fn: Any) -> Any:
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            result = fn()
            took = time.perf_counter() - t0
        print(f"{label:<48} {took:8.2f} s  {len(q.captured_queries):6d} queries  -> {result}")
        return result

    run("party_days_for_orgs (all branches, 1 month)", lambda: len(selectors.party_days_for_orgs(branches, 2026, 12)))
    run(
        "plan board (root, all branches)",
        lambda: len(selectors.plan_board(city.users["org_admin"], city.root, 2027, today)[0]),
    )
    run("notice sweep, first run", lambda: services.send_party_day_notices(actor=SYSTEM, today=today))
    run("notice sweep, second run (must send 0)", lambda: services.send_party_day_notices(actor=SYSTEM, today=today))
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
