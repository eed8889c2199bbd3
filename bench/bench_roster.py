"""Roster, tree and home pages at city scale: server time and query count.

    python bench/bench_roster.py [--database-url URL] [--repeat 7]

Generates the city first if the database does not have it (see bench/generate_city.py). Each page
is requested once to warm up, then `repeat` times through Django's test Client (no network):
median and minimum server time, and the number of SQL queries (which must not grow with the tree).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Measure, city_arg_parser, ensure_city, measure_get, print_table, setup_django


def main() -> None:
    p = city_arg_parser("roster/tree/home pages at city scale")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    setup_django(args.database_url)

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import NoReverseMatch, reverse

    from dangjian.core.paths import subtree_q
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    setup_test_environment()  # lets the test Client through ALLOWED_HOSTS
    city = ensure_city(args.branches, args.members)
    root_members = Member.objects.filter(subtree_q("org_path", city.root.path), is_active=True).count()
    b50_members = Member.objects.filter(org=city.branch50, is_active=True).count()
    last_page = max(1, (root_members + 49) // 50)
    small_branch = (
        Organization.objects.filter(subtree_q("path", city.root.path), kind="branch", numchild=0)
        .exclude(pk=city.branch50.pk)
        .order_by("path")
        .first()
    )

    def client_for(key: str) -> Client:
        c = Client()
        c.force_login(city.users[key], backend="dangjian.accounts.backends.PhoneBackend")
        return c

    admin, secretary, county = client_for("org_admin"), client_for("secretary"), client_for("county_admin")
    member = client_for("member")

    def url(name: str, *a: object, query: str = "") -> str | None:
        try:
            return reverse(name, args=a) + query
        except NoReverseMatch:
            return None

    root, b50 = city.root.pk, city.branch50.pk
    pages: list[tuple[object, str, str | None, str]] = [
        (
            secretary,
            "roster 50-member branch (secretary)",
            url("members:roster", city.branch50.pk),
            f"{b50_members} rows",
        ),
        (admin, "roster 50-member branch (root admin)", url("members:roster", b50), ""),
        (admin, "roster root, page 1 (root admin)", url("members:roster", root), f"{root_members:,} rows"),
        (admin, "roster root, page 2 (root admin)", url("members:roster", root, query="?page=2"), ""),
        (
            admin,
            f"roster root, page {last_page // 2} (middle)",
            url("members:roster", root, query=f"?page={last_page // 2}"),
            "",
        ),
        (
            admin,
            f"roster root, page {last_page} (last)",
            url("members:roster", root, query=f"?page={last_page}"),
            "",
        ),
        (admin, "roster root, search 王 (root admin)", url("members:roster", root, query="?q=%E7%8E%8B"), ""),
        (admin, "org tree (root admin)", url("orgs:tree"), ""),
        (admin, "org detail: root (root admin)", url("orgs:detail", city.root.pk), ""),
        (admin, "org detail: county (root admin)", url("orgs:detail", city.county.pk), ""),
        (secretary, "org detail: 50-member branch (secretary)", url("orgs:detail", city.branch50.pk), ""),
        (admin, "structure checks: root (root admin)", url("orgs:checks", query=f"?org={city.root.pk}"), ""),
        (admin, "structure checks: county (root admin)", url("orgs:checks", query=f"?org={city.county.pk}"), ""),
        (admin, "home (root admin)", url("core:home"), ""),
        (county, "home (county admin)", url("core:home"), ""),
        (secretary, "home (branch secretary)", url("core:home"), ""),
        (member, "home (member)", url("core:home"), ""),
    ]
    if small_branch is not None:
        pages.insert(
            2, (admin, "roster small branch (root admin)", url("members:roster", small_branch.pk), small_branch.name)
        )

    from django.db import connection

    rows: list[Measure] = []
    for client, label, target, note in pages:
        if target is None:
            rows.append(Measure(label, 0.0, 0.0, 0, 0, "URL not defined yet"))
            continue
        rows.append(measure_get(client, label, target, repeat=args.repeat, note=note))
    print_table(
        rows,
        title=f"{connection.vendor}: {city.branches:,} branches, {city.members:,} members "
        f"(median of {args.repeat}, warm, Django test Client)",
    )


if __name__ == "__main__":
    main()
