"""五亮五共 at city scale: ≈120,000 in-service members reported to ≈300 communities.

    python bench/bench_community.py --database-url postgres://postgres@127.0.0.1:5432/bench_community

Uses the benchmark city (`bench/generate_city.py`, generated on first use), then adds — in bulk, once —
a report-in for ≈85 % of the in-service members (to 300 community orgs spread over the city's
streets, so most links cross committees), a needs list per community and a year of deeds: confirmed
activities and tasks, and a queue of reported work per community. Measured (median of 7, with the
query count; never asserted):

1. a community's confirmation queue (selector, target ≤ 50 ms) and its whole desk page (view);
2. a committee's quarterly report-in coverage by child org (selector and page, target ≤ 0.5 s) — for the root
   (the whole city) and one county;
3. a branch's quarter list (view), the report figures for 1,000 branches and the points events
   for 1,000 members.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    city_arg_parser,
    ensure_city,
    measure_get,
    peak_rss_mb,
    print_table,
    setup_django,
)

COMMUNITIES = 300
IN_SERVICE = 120_000
SHARE = 0.85


def timed_fn(fn, *args, repeat: int = 7, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn(*args, **kwargs)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            result = fn(*args, **kwargs)
            times.append((time.perf_counter() - t0) * 1000)
    return result, statistics.median(times), len(ctx.captured_queries)


def generate(log=print) -> None:
    from django.utils import timezone

    from dangjian.community.models import Deed, Need, ServiceLink
    from dangjian.core.bulk import insert_rows
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgKind, Sector

    in_service = Member.objects.filter(category="in_service", is_active=True)
    if ServiceLink.objects.exists() and in_service.count() >= IN_SERVICE:
        log(f"community data present: {ServiceLink.objects.count():,} links, {Deed.objects.count():,} deeds")
        return
    Deed.objects.all().delete()  # start the community data afresh (a run stopped half-way, an older run)
    ServiceLink.objects.all().delete()
    Need.objects.all().delete()
    short = IN_SERVICE - in_service.count()
    if short > 0:  # the city's profiles give ≈75,000 在职; the city has ≈120,000
        ids = list(
            Member.objects.filter(is_active=True, category__in=["retired", "other", "unemployed", "farmer"])
            .order_by("pk")
            .values_list("pk", flat=True)[:short]
        )
        Member.objects.filter(pk__in=ids).update(category="in_service")
        log(f"{len(ids):,} members re-categorised as 在职 to reach the issue's scale")
    rng = random.Random(15)
    t0 = time.perf_counter()
    communities = list(
        Organization.objects.filter(sector=Sector.COMMUNITY, kind=OrgKind.BRANCH)
        .order_by("path")
        .values_list("pk", "path")
    )
    if len(communities) > COMMUNITIES:
        communities = sorted(rng.sample(communities, COMMUNITIES))
    members = list(
        Member.objects.filter(category="in_service", is_active=True).values_list("pk", "org_path").order_by("pk")
    )
    today = timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    now = timezone.now()
    links, deeds, needs = [], [], []
    link_id = 0
    need_ids: dict[int, list[int]] = {}
    next_need = 0
    for cpk, cpath in communities:
        for k in range(10):
            next_need += 1
            needs.append((cpk, cpath, f"实事{k + 1}", "assistance", "", today + dt.timedelta(days=30), 5, "open", now))
            need_ids.setdefault(cpk, []).append(next_need)
    insert_rows(
        Need,
        ["community_id", "org_path", "title", "category", "description", "due_on", "slots", "status", "created_at"],
        needs,
        analyze=True,
    )
    first_need = Need.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    for mpk, mpath in members:
        if rng.random() > SHARE:
            continue
        cpk, cpath = communities[rng.randrange(len(communities))]
        link_id += 1
        reported = year_start - dt.timedelta(days=rng.randint(0, 300)) + dt.timedelta(days=rng.randint(0, 200))
        links.append((mpk, mpath, cpk, cpath, "某小区", "", "", "[]", "online", min(reported, today), now, 1, ""))
        for _ in range(rng.choice((0, 1, 1, 2, 3, 4))):
            on = year_start + dt.timedelta(days=rng.randint(0, (today - year_start).days))
            status = "confirmed" if rng.random() < 0.9 else "reported"
            deeds.append(
                (
                    link_id,
                    mpk,
                    mpath,
                    cpk,
                    cpath,
                    "activity",
                    None,
                    "社区活动",
                    on,
                    2,
                    "volunteer",
                    "",
                    status,
                    now,
                    1,
                    "",
                )
            )
        if rng.random() < 0.5:
            n = first_need - 1 + need_ids[cpk][rng.randrange(10)]
            on = year_start + dt.timedelta(days=rng.randint(0, (today - year_start).days))
            status = rng.choice(("confirmed", "confirmed", "reported", "claimed"))
            deeds.append(
                (link_id, mpk, mpath, cpk, cpath, "task", n, "实事", on, 3, "volunteer", "", status, now, 1, "")
            )
    cols = [
        "member_id",
        "org_path",
        "community_id",
        "community_path",
        "address",
        "compound",
        "skills",
        "categories",
        "channel",
        "reported_on",
        "created_at",
        "version",
        "end_reason",
    ]
    insert_rows(ServiceLink, cols, links, analyze=True)
    base = (ServiceLink.objects.order_by("pk").values_list("pk", flat=True).first() or 1) - 1
    deeds = [(base + d[0], *d[1:]) for d in deeds]  # link numbers → the ids the table gave them
    insert_rows(
        Deed,
        [
            "link_id",
            "member_id",
            "org_path",
            "community_id",
            "community_path",
            "kind",
            "need_id",
            "title",
            "on",
            "hours",
            "role",
            "note",
            "status",
            "entered_at",
            "version",
            "decision_note",
        ],
        deeds,
        analyze=True,
    )
    log(
        f"generated: {len(communities)} communities, {len(needs):,} needs, {len(links):,} links of "
        f"{len(members):,} in-service members, {len(deeds):,} deeds — {time.perf_counter() - t0:.1f} s, "
        f"{len(links) / (time.perf_counter() - t0):,.0f} links/s"
    )


def main() -> None:
    args = city_arg_parser(__doc__ or "").parse_args()
    setup_django(args.database_url)
    ensure_city()
    generate()

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import User
    from dangjian.community import rules as R
    from dangjian.community import selectors as S
    from dangjian.community.models import Deed
    from dangjian.orgs.models import Organization

    today = timezone.localdate()
    year, quarter = today.year, R.quarter_of(today)
    busiest = (
        Deed.objects.filter(status="reported").values("community_id").annotate(n=Count("pk")).order_by("-n").first()
    )
    community = Organization.objects.get(pk=busiest["community_id"])
    root = Organization.objects.get_root_nodes().first()
    county = Organization.objects.filter(depth=2).order_by("path").first()
    branch = (
        Organization.objects.filter(kind="branch", members__category="in_service")
        .annotate(n=Count("members"))
        .order_by("-n")
        .first()
    )
    print(f"database: {args.database_url.split('@')[-1]}; busiest community: {community.name} ({busiest['n']} waiting)")

    rows = []
    queue, ms, q = timed_fn(S.confirmation_queue, community)
    print(f"1. confirmation queue (selector): {len(queue)} rows — {ms:.1f} ms, {q} queries  [target ≤ 50 ms]")
    cov, ms, q = timed_fn(S.committee_coverage, root, year, quarter, repeat=5)
    print(
        f"2. coverage of the whole city (selector): {len(cov):,} child orgs, "
        f"{sum(r.in_service for r in cov):,} in-service, "
        f"{sum(r.reported for r in cov):,} reported, {sum(r.behind for r in cov):,} behind — {ms:.0f} ms, {q} queries"
        "  [target ≤ 500 ms]"
    )
    cov, ms, q = timed_fn(S.committee_coverage, county, year, quarter)
    print(f"   coverage of {county.name} (selector): {len(cov):,} child orgs — {ms:.0f} ms, {q} queries")
    figs, ms, q = timed_fn(
        S.report_figures,
        [p for (p,) in Organization.objects.filter(kind="branch").values_list("path")[:1000]],
        dt.date(year, 1, 1),
        today,
        repeat=5,
    )
    print(f"3. report figures for 1,000 branches: {len(figs)} with figures — {ms:.0f} ms, {q} queries")
    ids = list(Deed.objects.values_list("member_id", flat=True).distinct()[:1000])
    ev, ms, q = timed_fn(S.deed_events, ids, dt.date(year, 1, 1), today)
    print(f"   points events (实事) for 1,000 members: {len(ev)} — {ms:.0f} ms, {q} queries")

    admin = User.objects.get(phone="13700000001")
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    rows.append(
        measure_get(
            client,
            "community desk (view)",
            reverse("community:desk", args=[community.pk]),
            note="queue + linked members + needs",
        )
    )
    rows.append(
        measure_get(client, "coverage page, whole city", reverse("community:employer", args=[root.pk]), repeat=3)
    )
    rows.append(measure_get(client, f"coverage page, {county.name}", reverse("community:employer", args=[county.pk])))
    rows.append(measure_get(client, "branch quarter page", reverse("community:employer", args=[branch.pk])))
    print_table(rows, "Pages (server time through the real views, logged in as the city admin)")
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
