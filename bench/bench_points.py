"""Points over whatever records the database holds: full and incremental recompute, the branch's
annual sheet and the committee's star distribution.

    python bench/bench_points.py --database-url sqlite:///var/db.sqlite3        # the demo (≈800 members)
    python bench/bench_points.py --database-url postgres://postgres@127.0.0.1:5432/bench_dues

Point it at a database that already has meetings and dues (the demo, or the city after
`bench/bench_orglife.py` and `bench/bench_dues.py` built their year). Steps, each printed with time
and query count:

1. full recomputation of every member's year from the root (target ≤ 60 s at city scale); on a
   database never swept before this writes every member's whole ledger (≈30 lines a member);
2. the same again: nothing changes, nothing is written (idempotence) — the nightly sweep's case;
3. the incremental path as orglife's hook runs it after a meeting is filed or corrected
   (`points_follow_now`, target ≤ 50 ms): one attendance mark of the branch's latest meeting is
   flipped, the meeting's members recomputed, the mark put back and recomputed again; and the
   whole branch recomputed with nothing changed;
4. a member's explained ledger, the branch's star page, its annual sheet (xlsx, target ≤ 50 ms),
   the root committee's star distribution (target ≤ 0.5 s), the 星级党支部 ratings page and both
   boards, server time and queries through the real views;
5. the appraisal hand-off (`appraisal_suggestions`) for a branch and the report figures for every
   branch of the city (query counts bounded whatever the number of paths).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import city_arg_parser, measure_get, peak_rss_mb, print_table, setup_django  # noqa: E402


def counted(fn, *args, **kwargs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def main() -> None:
    parser = city_arg_parser(__doc__ or "")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for step 7 (1: skip it)")
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from dangjian.accounts.models import RoleAssignment
    from dangjian.core.paths import parent_path
    from dangjian.core.scoping import SYSTEM
    from dangjian.members.models import Member
    from dangjian.orglife.models import Attendance, Meeting
    from dangjian.orgs.models import Organization, OrgKind
    from dangjian.points import services
    from dangjian.points.models import PointEntry
    from dangjian.points.selectors import appraisal_suggestions, report_figures

    year = timezone.localdate().year
    root = Organization.objects.get_root_nodes().first()
    if root is None:
        sys.exit("empty database: load the demo (manage.py demo_data) or the city first")
    print(f"database: {args.database_url.split('@')[-1]}  year {year}  root {root.name}")

    def load() -> str:
        return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())

    entries_before = PointEntry.objects.filter(year=year).count()
    c0 = time.process_time()
    r, s, q = counted(services.points_recompute, actor=SYSTEM, org=root, year=year)
    cpu = time.process_time() - c0
    written = PointEntry.objects.filter(year=year).count()
    print(
        f"1. full recompute: {r['members']:,} members, {r['changed']:,} changed, ledger lines "
        f"{entries_before:,} → {written:,} — {s:.2f} s wall, {q} queries, peak RSS {peak_rss_mb():.0f} MB, "
        f"{r['members'] / s:,.0f} members/s; process CPU {cpu:.1f} s (the rest is the database and "
        f"waiting), {load()}"
    )
    c0 = time.process_time()
    r, s, q = counted(services.points_recompute, actor=SYSTEM, org=root, year=year)
    cpu = time.process_time() - c0
    print(
        f"2. again (idempotent): {r['changed']} changed — {s:.2f} s wall, {q} queries, "
        f"process CPU {cpu:.1f} s, {load()}"
    )

    busiest = (
        Meeting.objects.filter(meeting_date__year=year, status="filed", org__kind=OrgKind.BRANCH)
        .values("org_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    branch = Organization.objects.get(pk=busiest["org_id"]) if busiest else root
    meeting = (
        Meeting.objects.filter(org=branch, meeting_date__year=year, status="filed").order_by("-meeting_date").first()
    )
    mark = (
        Attendance.objects.filter(meeting=meeting, status__in=["present", "absent"]).order_by("pk").first()
        if meeting
        else None
    )
    if meeting is not None and mark is not None:
        flipped = "absent" if mark.status == "present" else "present"
        for status, what in ((flipped, "a mark corrected"), (mark.status, "the mark put back")):
            Attendance.objects.filter(pk=mark.pk).update(status=status)
            c0 = time.process_time()
            r, s, q = counted(services.points_follow_now, (), meeting.pk, [year])
            cpu = time.process_time() - c0
            print(
                f"3. incremental after {what} (meeting {meeting.pk}, {r['members']} members on its list, "
                f"{r['changed']} changed): {s * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU, {q} queries, {load()}"
            )
    r, s, q = counted(services.points_recompute, actor=SYSTEM, org=branch, year=year)
    print(
        f"3. the whole branch, nothing changed ({branch.name}, {r['members']} members): {s * 1000:.1f} ms, {q} queries"
    )

    admin = RoleAssignment.objects.filter(org=root, role="org_admin").select_related("user").first()
    if admin is None:
        print("no org_admin at the root: page timings skipped")
        return
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin.user, backend="dangjian.accounts.backends.PhoneBackend")
    member = Member.objects.filter(org=branch, is_active=True).order_by("pk").first()
    committee = Organization.objects.get(path=parent_path(branch.path))
    rows = [
        measure_get(client, "branch star page (ledger, queue)", reverse("points:branch", args=[branch.pk])),
        measure_get(client, "annual sheet (xlsx)", reverse("points:annual_xlsx", args=[branch.pk])),
        measure_get(client, "root star distribution", reverse("points:overview", args=[root.pk])),
        measure_get(client, "branch ratings page (root, 50/page)", reverse("points:ratings", args=[root.pk])),
        measure_get(client, "星级支部 board (branch's committee)", reverse("points:branch_board", args=[committee.pk])),
        measure_get(client, "星级党员 board (branch)", reverse("points:member_board", args=[branch.pk])),
    ]
    if member is not None:
        rows.insert(0, measure_get(client, "member's explained ledger", reverse("points:member", args=[member.pk])))
    print_table(rows, "4. pages (server time through the views)")

    ids = list(Member.objects.filter(org=branch).values_list("pk", flat=True))
    _, s, q = counted(appraisal_suggestions, ids, year)
    print(f"5. appraisal suggestions for the branch's {len(ids)} members: {s * 1000:.1f} ms, {q} queries")
    paths = list(
        Organization.objects.filter(path__startswith=root.path, kind=OrgKind.BRANCH).values_list("path", flat=True)
    )
    _, s, q = counted(report_figures, paths, dt.date(year, 1, 1), dt.date(year, 12, 31))
    print(f"6. report figures for {len(paths):,} branches: {s * 1000:.1f} ms, {q} queries")

    if args.jobs > 1:
        sliced_sweep(root, year, args.jobs, load)


def _slice_job(job: tuple[str, int, int, int]) -> tuple[int, int, float]:
    """One queue job of the sliced sweep, in its own process with its own connection."""
    from dangjian.core.scoping import SYSTEM
    from dangjian.orgs.models import Organization
    from dangjian.points import services

    path, year, first, last = job
    c0 = time.process_time()
    r = services.points_recompute(
        actor=SYSTEM, org=Organization.objects.get(path=path), year=year, member_ids=(first, last)
    )
    return r["members"], r["changed"], time.process_time() - c0


def sliced_sweep(root, year: int, jobs: int, load) -> None:
    """7. The first sweep again, written from nothing, as `DANGJIAN_POINTS_SWEEP_JOBS=jobs` runs it:
    the tree's member ids in `jobs` slices, each slice a process standing for one queue worker."""
    import multiprocessing

    from django.db import connection, connections

    from dangjian.points.selectors import points_sweep_slices

    with connection.cursor() as cur:  # bench only: start from an empty ledger, as on the first night
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE points_pointentry, points_memberyear")
        else:
            cur.execute("DELETE FROM points_pointentry")
            cur.execute("DELETE FROM points_memberyear")
    slices = points_sweep_slices(root, jobs)
    connections.close_all()
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        done = pool.map(_slice_job, [(root.path, year, a, b) for a, b in slices])
    s = time.perf_counter() - t0
    members = sum(d[0] for d in done)
    print(
        f"7. the first sweep in {len(slices)} slices on {jobs} worker processes: {members:,} members, "
        f"{sum(d[1] for d in done):,} changed — {s:.2f} s wall; CPU per worker "
        + ", ".join(f"{d[2]:.1f} s" for d in done)
        + f"; {load()}"
    )


if __name__ == "__main__":
    main()
