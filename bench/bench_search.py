"""Name search over a subtree at city (or province) scale: the roster's `q`, with the query plans.

    python bench/bench_search.py [--database-url URL] [--repeat 5] [--explain]

For a rare 3-character name, a common surname (1 character), a common and a rare 2-character
fragment and a name nobody has, requests the roster of the root, of the first county and of the
50-member branch with `?q=…` as the root's org admin (Django test Client, warm, median of
`repeat`) and prints server time and query count. With `--explain` it prints PostgreSQL's
`EXPLAIN (ANALYZE, BUFFERS)` of the two queries the roster issues (the page and the bounded count)
for every term at the root: with members 0004 each is a Bitmap Index Scan on
`member_name_chars_idx` (1 character) or `member_name_bigrams_idx` (2 or more; the trigram index
may join from 3), except a common surname's page, which the (org_path, name) index fills in order.
Without 0004 every term that is not common reads the whole subtree.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import Measure, city_arg_parser, ensure_city, measure_get, print_table, setup_django


def pick_terms() -> list[tuple[str, str]]:
    """Search terms taken from the data, so they exist (or not) whatever the generator's seed."""
    from django.db.models import Count
    from django.db.models.functions import Length, Substr

    from dangjian.members.models import Member

    names = Member.objects.filter(is_active=True).annotate(n=Length("name"))
    rare3 = names.filter(n=3).values("name").annotate(c=Count("id")).order_by("c", "name").first()
    given = names.filter(n=3).annotate(g=Substr("name", 2, 2)).values("g").annotate(c=Count("id")).order_by("-c", "g")
    common2 = given.first()
    rare2 = given.order_by("c", "g").first()
    surname = names.annotate(s=Substr("name", 1, 1)).values("s").annotate(c=Count("id")).order_by("-c", "s").first()
    terms = []
    if rare3:
        terms.append(("rare 3-char name", rare3["name"]))
    if surname:
        terms.append(("common surname", surname["s"]))
    if common2:
        terms.append(("common 2-char given name", common2["g"]))
    if rare2:
        terms.append(("rare 2-char given name", rare2["g"]))
    terms.append(("nobody (3 chars)", "查无此"))
    terms.append(("nobody (2 chars)", "查无"))
    return terms


def main() -> None:
    p = city_arg_parser("roster name search over a subtree")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) at the root (PostgreSQL)")
    args = p.parse_args()
    setup_django(args.database_url)

    from urllib.parse import quote

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from dangjian.core.paths import subtree_q
    from dangjian.members.models import Member

    setup_test_environment()
    city = ensure_city(args.branches, args.members)
    admin = Client()
    admin.force_login(city.users["org_admin"], backend="dangjian.accounts.backends.PhoneBackend")
    terms = pick_terms()
    scopes = [("root", city.root), ("county", city.county), ("branch", city.branch50)]
    sizes = {k: Member.objects.filter(subtree_q("org_path", o.path), is_active=True).count() for k, o in scopes}
    rows: list[Measure] = []
    for label, term in terms:
        hits = Member.objects.filter(
            subtree_q("org_path", city.root.path), is_active=True, name__icontains=term
        ).count()
        for scope, org in scopes:
            url = reverse("members:roster", args=[org.pk]) + "?q=" + quote(term)
            rows.append(
                measure_get(admin, f"{scope}: {label}", url, repeat=args.repeat, note=f"{term} ({hits:,} under root)")
            )
    print_table(
        rows,
        title=f"{connection.vendor}: roster ?q= as the root admin; members root {sizes['root']:,}, "
        f"county {sizes['county']:,}, branch {sizes['branch']:,} (median of {args.repeat}, warm)",
    )
    if args.explain and connection.vendor == "postgresql":
        for label, term in terms:
            url = reverse("members:roster", args=[city.root.pk]) + "?q=" + quote(term)
            with CaptureQueriesContext(connection) as ctx:
                admin.get(url)
            for q in ctx.captured_queries:
                sql = q["sql"]
                if "members_member" not in sql or ("LIKE" not in sql and "@>" not in sql):
                    continue
                print(f"\n--- {label} {term!r}: {sql[:160]}…")
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    for (line,) in cur.fetchall():
                        print("   ", line)


if __name__ == "__main__":
    main()
