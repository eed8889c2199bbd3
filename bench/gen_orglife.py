"""Extend the benchmark city with 12 months of organizational-life records (bulk inserts, no services).

    .venv/bin/python bench/gen_orglife.py                                   # SQLite var/bench_orglife.sqlite3
    .venv/bin/python bench/gen_orglife.py --database-url postgres://postgres@127.0.0.1:5432/bench_orglife
    .venv/bin/python bench/gen_orglife.py --months 1 --database-url …/bench_province   # a slice: 1 month

The SQLite file starts as a copy of var/bench_city.sqlite3 and the PostgreSQL database as a copy of
bench_city (CREATE DATABASE … TEMPLATE), when those exist; otherwise the city is generated first.
Per branch and month: one 主题党日 (≈3 % missing, some late or left in draft), a separate 支委会
sitting where the branch has a committee, one 党小组会 per group; per quarter one 党员大会 + 党课
sitting; in December one 组织生活会 + 民主评议 sitting. Attendance rows for every expected member.
Idempotent: skipped when the city already has meetings (use --force to add another year).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import secrets
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import ROOT, peak_rss_mb
from dangjian.core.paths import parent_path

DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'bench_orglife.sqlite3'}"
CITY_SQLITE = ROOT / "var" / "bench_city.sqlite3"
ACTIONS = json.dumps(["佩戴党徽", "交纳党费", "重温入党誓词", "诵读党章", "研学党规党情"], ensure_ascii=False)
FEWER = json.dumps(["佩戴党徽", "交纳党费", "诵读党章"], ensure_ascii=False)


def prepare_database(url: str) -> None:
    """Start from a copy of the city when one exists (so the city is generated once per engine)."""
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        if not target.exists() and CITY_SQLITE.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            src = sqlite3.connect(str(CITY_SQLITE))
            dst = sqlite3.connect(str(target))
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            print(f"copied {CITY_SQLITE.name} → {target.name}")
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url.replace("postgresql://", "postgres://", 1))
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        has_city = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_city'").fetchone()
        if not exists and has_city:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE bench_city").format(sql.Identifier(name)))
                print(f"created {name} from template bench_city")
            except psycopg.Error as exc:  # bench_city in use: fall back to generating the city
                print(f"template copy failed ({exc.__class__.__name__}); the city will be generated")


def setup(url: str) -> None:
    from bench._common import setup_django

    setup_django(url)


def months_back(today: dt.date, n: int = 12) -> list[int]:
    from dangjian.orglife import rules

    current = rules.month_key(today)
    return rules.month_range(rules.add_months(current, -n), n)


def generate(
    force: bool = False, seed: int = 3, n_months: int = 12, chunk: int = 10_000, first_child_only: bool = False
) -> dict[str, int]:
    """Meetings and attendance for the last `n_months` complete months, `chunk` branches at a time
    (the roster of one chunk in memory, so a province fits as well as a city). `first_child_only`:
    only under the root's first child (a province's first city; see `synthesize_rollup`)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.generate_city import ensure_city
    from dangjian.core.paths import subtree_q
    from dangjian.orglife.models import Meeting
    from dangjian.orgs.models import Organization

    city = ensure_city()
    root = city.root
    if Meeting.objects.filter(subtree_q("org_path", root.path)).exists() and not force:
        print("orglife records already present; skipping (use --force to add more)")
        return {}
    rng = random.Random(seed)
    months = months_back(timezone.localdate(), n_months)
    print(f"months: {months[0]}–{months[-1]} ({len(months)})")
    t0 = time.perf_counter()
    scope = city.county if first_child_only else root
    orgs = list(
        Organization.objects.filter(subtree_q("path", scope.path), kind__in=["branch", "group"])
        .order_by("path")
        .values_list("pk", "path", "kind", "has_committee")
    )
    branches = [(pk, path, hc) for pk, path, kind, hc in orgs if kind == "branch"]
    groups_of: dict[str, list[tuple[int, str]]] = {}
    for pk, path, kind, _ in orgs:
        if kind == "group":
            groups_of.setdefault(parent_path(path), []).append((pk, path))
    print(f"loaded {len(branches):,} branches in {time.perf_counter() - t0:.1f} s")
    totals = {"party_days": 0, "meetings": 0, "attendance": 0}
    with transaction.atomic():
        for i in range(0, len(branches), chunk):
            got = _generate_chunk(rng, branches[i : i + chunk], groups_of, months)
            for k, v in got.items():
                totals[k] += v
            print(
                f"  {min(i + chunk, len(branches)):,} branches: {totals['meetings']:,} meetings, "
                f"{totals['attendance']:,} attendance rows, {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE orglife_meeting")
            cur.execute("VACUUM ANALYZE orglife_attendance")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    total = time.perf_counter() - t0
    n_pd, n_meet, n_att = totals["party_days"], totals["meetings"], totals["attendance"]
    print(
        f"orglife generation: {n_pd:,} party days, {n_meet - n_pd:,} other meetings, "
        f"{n_att:,} attendance rows in {total:.1f} s ({n_att / total:,.0f} attendance rows/s); "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    return totals


def _generate_chunk(
    rng: random.Random,
    branches: list[tuple[int, str, bool]],
    groups_of: dict[str, list[tuple[int, str]]],
    months: list[int],
) -> dict[str, int]:
    from django.utils import timezone

    from bench.generate_city import FastInsert
    from dangjian.core.paths import successor
    from dangjian.members.models import Member
    from dangjian.orglife.models import Attendance, Meeting

    tz = timezone.get_current_timezone()
    lo, hi = branches[0][1], successor(branches[-1][1]) or "~"
    roster: dict[int, list[tuple[int, bool, int | None, bool]]] = {}
    for pk, org_id, status, group_id, exempt in (
        Member.objects.filter(org_path__gte=lo, org_path__lt=hi, is_active=True)
        .values_list("pk", "org_id", "status", "group_id", "exempt")
        .iterator(chunk_size=20_000)
    ):
        roster.setdefault(org_id, []).append((pk, status == "full", group_id, exempt))

    meeting_rows: list[dict[str, Any]] = []
    # (key into meeting_rows, org_id for attendance, group_id or None, committee-only)
    plan: list[tuple[int, int, int | None, bool]] = []

    def add(
        org_id: int,
        org_path: str,
        branch_path: str,
        start: dt.datetime,
        kinds: set[str],
        *,
        quality: float,
        who: tuple[int, int | None, bool],
    ) -> None:
        end = start + dt.timedelta(hours=2)
        r = rng.random()
        if r < quality:
            status, late, level, filed = "filed", False, 2, end + dt.timedelta(hours=20)
        elif r < quality + 0.06:
            status, late, level, filed = "filed", True, 1, end + dt.timedelta(days=rng.randint(5, 15))
        else:
            status, late, level, filed = "draft", False, 1, None
        meeting_rows.append(
            {
                "org_id": org_id,
                "org_path": org_path,
                "branch_path": branch_path,
                "meeting_date": start.date(),
                "month": start.year * 100 + start.month,
                "is_party_day": "party_day" in kinds,
                "is_general_meeting": "general_meeting" in kinds,
                "is_committee_meeting": "committee_meeting" in kinds,
                "is_group_meeting": "group_meeting" in kinds,
                "is_party_lecture": "party_lecture" in kinds,
                "is_org_life_meeting": "org_life_meeting" in kinds,
                "is_member_review": "member_review" in kinds,
                "theme": "主题党日：学习贯彻党的二十大精神" if "party_day" in kinds else "支部组织生活",
                "started_at": start,
                "ended_at": end,
                "place": "党员活动室",
                "minutes": "",
                "study_items": "党章\n重要讲话精神",
                "required_actions": ACTIONS if rng.random() > 0.05 else FEWER,
                "invitees": "[]",
                "status": status,
                "late": late,
                "level": level,
                "filed_at": filed,
                "sign_in_token": secrets.token_urlsafe(18),
                "version": 1,
                "lecturer": "书记" if "party_lecture" in kinds else "",
                "lecture_topic": "党课" if "party_lecture" in kinds else "",
            }
        )
        plan.append((len(meeting_rows) - 1, *who))

    for pk, path, has_committee in branches:
        weak = rng.random() < 0.08
        quality = 0.75 if weak else 0.9
        for month in months:
            y, m = divmod(month, 100)
            day = dt.date(y, m, 1)
            day += dt.timedelta(days=(7 - day.weekday()) % 7)
            start = dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=tz)
            if start + dt.timedelta(hours=3) > timezone.now():
                continue
            if rng.random() < (0.15 if weak else 0.03):
                continue
            add(pk, path, path, start, {"party_day"}, quality=quality, who=(pk, None, False))
            if has_committee:
                add(
                    pk,
                    path,
                    path,
                    start + dt.timedelta(days=2),
                    {"committee_meeting"},
                    quality=quality,
                    who=(pk, None, True),
                )
            for gpk, gpath in groups_of.get(path, []):
                add(
                    gpk,
                    gpath,
                    path,
                    start + dt.timedelta(days=9),
                    {"group_meeting"},
                    quality=quality,
                    who=(pk, gpk, False),
                )
            if m in (3, 6, 9, 12) and rng.random() > 0.05:
                add(
                    pk,
                    path,
                    path,
                    start + dt.timedelta(days=14),
                    {"general_meeting", "party_lecture"},
                    quality=quality,
                    who=(pk, None, False),
                )
            if m == 12 and rng.random() > 0.05:
                add(
                    pk,
                    path,
                    path,
                    start + dt.timedelta(days=20),
                    {"org_life_meeting", "member_review"},
                    quality=quality,
                    who=(pk, None, False),
                )
    if not meeting_rows:
        return {"party_days": 0, "meetings": 0, "attendance": 0}
    ins = FastInsert(Meeting)
    for i in range(0, len(meeting_rows), 20_000):
        ins.insert(meeting_rows[i : i + 20_000])
    # Fetch the new ids in insertion order (ids are increasing within the transaction).
    first_token = meeting_rows[0]["sign_in_token"]
    first_id = Meeting.objects.filter(sign_in_token=first_token).values_list("pk", flat=True).get()
    ids = list(
        Meeting.objects.filter(pk__gte=first_id).order_by("pk").values_list("pk", flat=True)[: len(meeting_rows)]
    )
    assert len(ids) == len(meeting_rows)
    att = FastInsert(Attendance)
    batch: list[dict[str, Any]] = []
    n_att = 0
    for idx, att_branch, att_group, committee_only in plan:
        row = meeting_rows[idx]
        people = roster.get(att_branch, [])
        if att_group is not None:
            people = [p for p in people if p[2] == att_group]
        elif committee_only:
            people = people[:5]
        mid = ids[idx]
        for member_id, voting, _g, exempt in people:
            if exempt:
                status, reason = "exempt", "年老体弱，经批准免于参加"
            else:
                r = rng.random()
                status, reason = ("present", "") if r < 0.86 else ("leave", "出差") if r < 0.95 else ("absent", "")
            batch.append(
                {
                    "meeting_id": mid,
                    "member_id": member_id,
                    "org_path": row["org_path"],
                    "meeting_date": row["meeting_date"],
                    "status": status,
                    "reason": reason,
                    "voting": voting,
                    "signed_in_at": None,
                }
            )
        if len(batch) >= 50_000:
            att.insert(batch)
            n_att += len(batch)
            batch = []
    att.insert(batch)
    n_att += len(batch)
    n_pd = sum(1 for r in meeting_rows if r["is_party_day"])
    return {"party_days": n_pd, "meetings": len(meeting_rows), "attendance": n_att}


def ensure_rollup() -> int:
    """Fill BranchMonth (what the services maintain row by row) for generated meetings, in one statement."""
    from django.db import connection, transaction

    from bench.generate_city import load_city
    from dangjian.core.paths import subtree_q, successor
    from dangjian.orglife.models import BranchMonth

    root = load_city().root
    if BranchMonth.objects.filter(subtree_q("org_path", root.path)).exists():
        return 0
    t0 = time.perf_counter()
    kinds = [
        "party_day",
        "general_meeting",
        "committee_meeting",
        "group_meeting",
        "party_lecture",
        "org_life_meeting",
        "member_review",
    ]
    cols = ", ".join(kinds)
    best = ", ".join(f"MAX(CASE WHEN m.is_{k} THEN m.level ELSE 0 END)" for k in kinds)
    sql = (
        f"INSERT INTO orglife_branchmonth (org_id, org_path, month, {cols}) "  # noqa: S608
        f"SELECT o.id, m.branch_path, m.month, {best} FROM orglife_meeting m "
        f"JOIN orgs_organization o ON o.path = m.branch_path "
        f"WHERE m.branch_path >= %s AND m.branch_path < %s GROUP BY o.id, m.branch_path, m.month"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [root.path, successor(root.path) or "~"])
        n = cur.rowcount
    with connection.cursor() as cur:
        cur.execute("ANALYZE orglife_branchmonth" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"branch-month roll-up rows: {n:,} in {time.perf_counter() - t0:.1f} s")
    return n


def synthesize_rollup(n_months: int, seed: int = 5) -> int:
    """Branch-month roll-up rows (what the compliance matrix reads) for every branch that has none
    for the slice's months: the levels drawn in SQL with the generator's mix (≈ 88 % green 主题党日,
    committees and groups likewise). For a province whose meetings exist under one city only."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.generate_city import load_city
    from dangjian.core.paths import successor

    root = load_city().root
    t0 = time.perf_counter()
    lvl = "CASE WHEN random() < 0.88 THEN 2 WHEN random() < 0.6 THEN 1 ELSE 0 END"
    n = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed / 100])
        for month in months_back(timezone.localdate(), n_months):
            quarter = month % 100 in (3, 6, 9, 12)
            cur.execute(
                f"""
                INSERT INTO orglife_branchmonth (org_id, org_path, month, party_day, general_meeting,
                    committee_meeting, group_meeting, party_lecture, org_life_meeting, member_review)
                SELECT o.id, o.path, %s, {lvl}, {lvl if quarter else "0"},
                       CASE WHEN o.has_committee THEN {lvl} ELSE 0 END,
                       CASE WHEN o.numchild > 0 THEN {lvl} ELSE 0 END, {lvl if quarter else "0"}, 0, 0
                FROM orgs_organization o
                WHERE o.kind = 'branch' AND o.path >= %s AND o.path < %s
                  AND NOT EXISTS (SELECT 1 FROM orglife_branchmonth b WHERE b.org_id = o.id AND b.month = %s)
                """,  # noqa: S608 - fixed SQL, values as parameters
                [month, root.path, successor(root.path) or "~", month],
            )
            n += cur.rowcount
    with connection.cursor() as cur:
        cur.execute("ANALYZE orglife_branchmonth")
    print(f"branch-month rows synthesized for branches without meetings: {n:,} in {time.perf_counter() - t0:.1f} s")
    return n


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description="12 months of orglife records on the benchmark city")
    p.add_argument("--database-url", default=os.environ.get("BENCH_ORGLIFE_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--force", action="store_true")
    p.add_argument("--months", type=int, default=12, help="the last N complete months (a province: 1–3)")
    p.add_argument("--chunk", type=int, default=10_000, help="branches per batch (bounds memory)")
    p.add_argument(
        "--first-child-only",
        action="store_true",
        help="meetings and attendance under the root's first child only (a province's first city); "
        "the other branches get synthesized branch-month roll-up rows",
    )
    args = p.parse_args()
    prepare_database(args.database_url)
    setup(args.database_url)
    from bench.generate_city import renice_backend

    renice_backend()
    generate(force=args.force, n_months=args.months, chunk=args.chunk, first_child_only=args.first_child_only)
    ensure_rollup()
    if args.first_child_only:
        synthesize_rollup(args.months)


if __name__ == "__main__":
    main()
