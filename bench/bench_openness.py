"""党务公开 at city scale: the obligations sweep over ≈10,000 branches, the overdue check behind the
待办 and the compliance view, the public board (target ≤ 50 ms, cacheable) and the members' board.

    python bench/bench_openness.py                                   # SQLite: var/bench_city.sqlite3
    python bench/bench_openness.py --database-url postgres://postgres@127.0.0.1:5432/bench_openness

Builds the city when missing (bench/generate_city.py), then idempotently: the root's catalogue
(monthly dues sheet, yearly appraisal summary, resolutions within 5 working days) in force for six
months; 40 disclosures of the 50-member branch through the gate (half 向社会). Steps, each printed
with time and query count:

1. the obligations sweep from the root (the last 3 periods for every branch), and again (idempotent);
2. the overdue check: one 待办 query for the branch secretary and for the root's admin, the root's
   compliance aggregation, the report source over every branch path;
3. pages through the real views: the public board anonymously (and its 304 revalidation), a public
   item, the members' board, the branch's workspace, the root's compliance page.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import city_arg_parser, ensure_city, measure_get, peak_rss_mb, print_table, setup_django  # noqa: E402


def counted(fn, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def main() -> None:
    args = city_arg_parser(__doc__ or "").parse_args()
    setup_django(args.database_url)
    city = ensure_city(branches=args.branches, members=args.members)

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.core.registry import report_sources
    from dangjian.core.scoping import SYSTEM
    from dangjian.openness import selectors
    from dangjian.openness import services as S
    from dangjian.openness.models import CatalogueItem, Disclosure, DisclosureDue, Scope, Timing

    setup_test_environment()
    today = timezone.localdate()
    root, branch = city.root, city.branch50
    print(f"database: {args.database_url.split('@')[-1]}  root {root.name}  branch {branch.name}")

    if not CatalogueItem.objects.filter(org=root).exists():
        since = (today.replace(day=1) - dt.timedelta(days=180)).replace(day=1)
        basis = "《中国共产党党务公开条例（试行）》"
        for title, kind, timing in (
            ("党费收缴情况", "dues_month", Timing.PERIODIC),
            ("民主评议党员结果", "appraisal_summary", Timing.PERIODIC),
            ("会议决议及落实情况", "orglife_resolution", Timing.TIMELY),
        ):
            S.catalogue_item_save(
                actor=SYSTEM, org=root, title=title, basis=basis, kind=kind, timing=timing, starts_on=since
            )
    if not Disclosure.objects.filter(org=branch).exists():
        t0 = time.perf_counter()
        for i in range(40):
            scope = Scope.PUBLIC if i % 2 else Scope.ORG
            d = S.disclosure_propose(
                actor=SYSTEM, org=branch, title=f"公开事项 {i + 1}", text="党员活动室开放时间与议事规则。" * 5,
                scope=scope,
            )  # fmt: skip
            d = S.disclosure_review(actor=SYSTEM, disclosure=d, passed=True)
            d = S.disclosure_approve(actor=SYSTEM, disclosure=d, approve=True)
            S.disclosure_publish(actor=SYSTEM, disclosure=d)
        print(f"0. 40 disclosures through the gate (4 steps each): {time.perf_counter() - t0:.2f} s")

    r, s, q = counted(S.disclosure_dues_refresh, actor=SYSTEM, org=root, today=today)
    rows = DisclosureDue.objects.count()
    print(
        f"1. obligations sweep: {r['added']:,} added, {r['met']:,} met, {rows:,} in the table — {s:.2f} s, "
        f"{q} queries, {r['added'] / s if s else 0:,.0f} rows/s, peak RSS {peak_rss_mb():.0f} MB"
    )
    r, s, q = counted(S.disclosure_dues_refresh, actor=SYSTEM, org=root, today=today)
    print(f"   again (idempotent): {r['added']} added — {s:.2f} s, {q} queries")

    secretary, admin = city.users["secretary"], city.users["org_admin"]
    for label, user in (("branch secretary", secretary), ("root admin (whole city)", admin)):
        selectors.attention_counts(user, today)  # roles read once per request
        c, s, q = counted(selectors.attention_counts, user, today)
        print(
            f"2. 待办 overdue check, {label}: {c.overdue:,} overdue, {c.soon:,} due soon — {s * 1000:.1f} ms, {q} query"
        )
    rows_c, s, q = counted(selectors.compliance, root, dt.date(today.year, 1, 1), today, today)
    print(f"   root compliance aggregation: {len(rows_c):,} orgs — {s * 1000:.0f} ms, {q} queries")
    paths = list(city.branch_paths())
    source = next(x for x in report_sources() if x.key == "openness")
    figures, s, q = counted(source.compute, paths, today.replace(day=1) - dt.timedelta(days=62), today)
    print(f"   report source over {len(paths):,} branch paths: {len(figures):,} with figures — {s:.2f} s, {q} queries")

    public = Disclosure.objects.filter(org=branch, scope=Scope.PUBLIC).first()
    assert public is not None
    anonymous = Client()
    url = reverse("openness:public", args=[branch.pk])
    etag = anonymous.get(url)["ETag"]
    measures = [
        measure_get(anonymous, "public board (anonymous)", url, note="20 public items"),
        measure_get(anonymous, "public item", reverse("openness:public_item", args=[public.pk])),
    ]
    t0 = time.perf_counter()
    status = anonymous.get(url, HTTP_IF_NONE_MATCH=etag).status_code
    measures.append(
        type(measures[0])("public board revalidated (If-None-Match)", (time.perf_counter() - t0) * 1000, 0, 1, status)
    )
    member = Client()
    member.force_login(city.users["member"], backend="dangjian.accounts.backends.PhoneBackend")
    measures.append(measure_get(member, "members' board (member)", reverse("openness:board", args=[branch.pk])))
    sec = Client()
    sec.force_login(secretary, backend="dangjian.accounts.backends.PhoneBackend")
    measures.append(measure_get(sec, "branch workspace (secretary)", reverse("openness:org", args=[branch.pk])))
    adm = Client()
    adm.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    measures.append(
        measure_get(adm, "root compliance page (admin)", reverse("openness:compliance", args=[root.pk]), repeat=3)
    )
    print_table(measures, "3. pages (server time through the test client)")


if __name__ == "__main__":
    main()
