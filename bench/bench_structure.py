"""Org pages at city scale: structure list, tree, org detail, home page — server time and query count.

    python bench/bench_structure.py                                   # SQLite: var/bench_orgs.sqlite3
    python bench/bench_structure.py --database-url postgres://postgres@127.0.0.1:5432/bench_orgs

Uses `bench/generate_city.py` (the shared city generator) when it exists; otherwise builds its own
city with bulk_create (≈10,000 branches under 12 districts, ≈200,000 members, 党小组 in large
branches, terms spread over five years so some are expiring or expired). The data is built once
per database and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import Measure, measure_get, peak_rss_mb, print_table, setup_django  # noqa: E402

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def seg(i: int) -> str:
    """The i-th (1-based) treebeard path step of width 4."""
    out = ""
    for _ in range(4):
        i, r = divmod(i, 36)
        out = ALPHABET[r] + out
    return out


def build_own_city(branches: int, members: int, log=print) -> None:
    """A quick city written with bulk_create (paths computed here, as treebeard would)."""
    from django.db import transaction

    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    rng = random.Random(20261122)
    today = dt.date.today()
    t0 = time.perf_counter()
    districts = 12
    units_per_district = 30
    per_unit = max(1, branches // (districts * units_per_district))
    orgs: list[Organization] = []

    def org(path: str, name: str, kind: str, numchild: int, sector: str = "agency") -> Organization:
        start = today - dt.timedelta(days=rng.randint(0, 5 * 365))
        o = Organization(
            path=path,
            depth=len(path) // 4,
            numchild=numchild,
            name=name,
            kind=kind,
            sector=sector,
            term_started_on=start,
            term_years=5 if kind == "committee" or sector in {"village", "community"} else 3,
            has_committee=False,
        )
        orgs.append(o)
        return o

    org(seg(1), "基准市委", "committee", districts)
    branch_paths: list[str] = []
    for d in range(1, districts + 1):
        dpath = seg(1) + seg(d)
        org(dpath, f"第{d}区委", "committee", units_per_district)
        for u in range(1, units_per_district + 1):
            upath = dpath + seg(u)
            sector = rng.choice(["agency", "soe", "village", "community", "university", "private"])
            org(upath, f"第{d}区第{u}单位党委", "committee", per_unit, sector)
            for b in range(1, per_unit + 1):
                bpath = upath + seg(b)
                branch_paths.append(bpath)
                org(bpath, f"第{d}区第{u}单位第{b}党支部", "branch", 0, sector)
    avg = members / len(branch_paths)
    sizes = [max(1, int(rng.gauss(avg, avg / 2))) for _ in branch_paths]
    by_path = {o.path: o for o in orgs}
    group_paths: dict[str, list[str]] = {}
    for bpath, size in zip(branch_paths, sizes, strict=True):
        b = by_path[bpath]
        b.has_committee = size >= 9 and rng.random() < 0.9
        if size >= 20 and rng.random() < 0.8:
            n_groups = max(2, size // 10)
            b.numchild = n_groups
            group_paths[bpath] = []
            for g in range(1, n_groups + 1):
                gpath = bpath + seg(g)
                group_paths[bpath].append(gpath)
                o = org(gpath, f"{b.name}第{g}党小组", "group", 0, b.sector)
                o.term_started_on = None
    with transaction.atomic():
        Organization.objects.bulk_create(orgs, batch_size=2000)
    ids = dict(Organization.objects.values_list("path", "id"))
    log(f"  orgs: {len(orgs):,} ({len(branch_paths):,} branches) in {time.perf_counter() - t0:.1f} s")
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志伟海燕"
    batch: list[Member] = []
    n = 0
    t1 = time.perf_counter()
    for bpath, size in zip(branch_paths, sizes, strict=True):
        groups = group_paths.get(bpath, [])
        for i in range(size):
            n += 1
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 50 * 365))
            full = rng.random() < 0.92
            batch.append(
                Member(
                    org_id=ids[bpath],
                    org_path=bpath,
                    group_id=ids[groups[i % len(groups)]] if groups else None,
                    name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                    sex=rng.choice("MF"),
                    birth_date=birth,
                    id_number=f"9{n:016d}X",
                    phone=f"15{n:09d}",
                    joined_on=birth + dt.timedelta(days=25 * 365),
                    converted_on=birth + dt.timedelta(days=26 * 365) if full else None,
                    status="full" if full else "probationary",
                    category="in_service",
                )
            )
            if len(batch) >= 5000:
                Member.objects.bulk_create(batch)
                batch = []
    if batch:
        Member.objects.bulk_create(batch)
    log(f"  members: {n:,} in {time.perf_counter() - t1:.1f} s")


def ensure_derived() -> None:
    """The derived member counts and structure findings: bulk-loaded members bypass the services
    that keep them, so they are derived once here (as `manage.py orgs_rebuild_structure` does)."""
    from dangjian.core.scoping import SYSTEM
    from dangjian.orgs.models import OrgMemberCount, StructureFinding
    from dangjian.orgs.services import structure_rebuild

    if OrgMemberCount.objects.exists() or StructureFinding.objects.exists():
        return
    t0 = time.perf_counter()
    got = structure_rebuild(actor=SYSTEM)
    print(f"derived member counts and structure findings in {time.perf_counter() - t0:.1f} s: {got}", file=sys.stderr)


def ensure_data(branches: int, members: int) -> None:
    from dangjian.orgs.models import Organization

    if Organization.objects.exists():
        ensure_derived()
        return
    if (ROOT / "bench" / "generate_city.py").exists():
        from bench._common import ensure_city

        print("generating the city with bench/generate_city.py …")
        ensure_city(branches=branches, members=members)
    else:
        print("bench/generate_city.py not found: building a city with bulk_create …")
        build_own_city(branches, members)
    ensure_derived()


def root_admin():
    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.orgs.models import Organization

    root = Organization.objects.get_root_nodes().first()
    user = User.objects.filter(phone="19900000001").first()
    if user is None:
        user = User.objects.create_user("19900000001", "基准管理员", "Bench-Pass-2026")
    RoleAssignment.objects.get_or_create(user=user, org=root, role="org_admin")
    return root, user


def measure_cold_home(client, repeat: int) -> Measure:
    """The home page with the structure summary recomputed (cache cleared before every request)."""
    import statistics

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    times, queries, status = [], 0, 0
    for _ in range(repeat):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            resp = client.get(reverse("core:home"))
            times.append((time.perf_counter() - t0) * 1000)
        queries, status = len(ctx.captured_queries), resp.status_code
    return Measure("home page, root admin (cold)", statistics.median(times), min(times), queries, status)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_orgs.sqlite3'}"),
    )
    p.add_argument("--branches", type=int, default=10_000)
    p.add_argument("--members", type=int, default=200_000)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    setup_django(args.database_url)
    t0 = time.perf_counter()
    ensure_data(args.branches, args.members)
    print(f"data ready in {time.perf_counter() - t0:.1f} s")

    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    root, admin = root_admin()
    n_orgs = Organization.objects.count()
    n_branches = Organization.objects.filter(kind="branch").count()
    n_members = Member.objects.count()
    big = (
        Organization.objects.filter(kind="committee")
        .annotate(n=Count("role_assignments"))
        .order_by("-numchild", "path")
        .first()
    )
    branch = Organization.objects.filter(kind="branch", numchild__gt=0).order_by("path").first() or (
        Organization.objects.filter(kind="branch").order_by("path").first()
    )
    assert branch is not None and big is not None
    c = Client()
    c.force_login(admin, backend="dangjian.accounts.backends.PhoneBackend")
    r = args.repeat
    rows: list[Measure] = [
        measure_get(c, "structure list, root (page 1)", reverse("orgs:checks") + f"?org={root.pk}", r),
        measure_get(
            c, "structure list, root, code filter", reverse("orgs:checks") + f"?org={root.pk}&code=term_expired", r
        ),
        measure_get(c, "org tree, root page", reverse("orgs:tree"), r),
        measure_get(c, "org tree, htmx children of root", reverse("orgs:children", args=[root.pk]), r),
        measure_get(c, f"org tree, children of {big.name[:10]}", reverse("orgs:children", args=[big.pk]), r),
        measure_get(c, "org tree, search by name", reverse("orgs:tree") + "?q=第3区第7单位", r),
        measure_get(c, "org detail, root", reverse("orgs:detail", args=[root.pk]), r),
        measure_get(c, "org detail, a branch with groups", reverse("orgs:detail", args=[branch.pk]), r),
        measure_cold_home(c, r),
        measure_get(c, "home page, root admin (warm)", reverse("core:home"), r, note="structure summary cached 120 s"),
    ]
    from django.db import connection

    print(
        f"\n{connection.vendor}: {n_orgs:,} orgs, {n_branches:,} branches, {n_members:,} members; "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    print_table(rows, "server time per request (Django test client, median of repeats)")


if __name__ == "__main__":
    main()
