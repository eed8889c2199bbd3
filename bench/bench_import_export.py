"""Benchmark: roster import (10,000-row workbook) and export (200,000 members), SQLite and PostgreSQL.

    python bench/bench_import_export.py                     # both databases
    python bench/bench_import_export.py --db sqlite --rows 10000 --export-rows 200000

Each phase runs in its own process so that ru_maxrss (the process's peak resident memory) belongs to
that phase alone; tracemalloc peaks are measured in separate runs because tracing slows Python down.
Uses its own databases: var/bench_members.sqlite3 and PostgreSQL database `bench_members`.
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from dangjian.core.scoping import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
SQLITE_URL = f"sqlite:///{ROOT / 'var' / 'bench_members.sqlite3'}"
PG_URL = "postgres://postgres@127.0.0.1:5432/bench_members"
BRANCHES = 100


def maxrss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- child side


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    # Large imports go to the task queue; run them in this process so the phase measures them.
    os.environ["DANGJIAN_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("DANGJIAN_MAX_IMPORT_ROWS", "50000")
    import django

    django.setup()


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


LAST_CPU = {"seconds": 0.0}


def counted(fn: Any) -> tuple[Any, int, float]:
    """Run `fn`, counting queries; returns wall seconds (CPU seconds of this process in LAST_CPU:
    on a shared machine the wall time includes waiting for other processes)."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        c0 = time.process_time()
        result = fn()
        elapsed = time.perf_counter() - t0
        LAST_CPU["seconds"] = time.process_time() - c0
    return result, counter.count, elapsed


def admin_user() -> Any:
    from dangjian.accounts.models import User

    return User.objects.get(phone="13900009999")


def root_org() -> Any:
    from dangjian.orgs.models import Organization

    return Organization.get_root_nodes().get(name="基准测试市委")


def phase_setup(args: Any) -> dict[str, Any]:
    from django.core.management import call_command

    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.orgs.services import org_create

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    t0 = time.perf_counter()
    root = org_create(actor=SYSTEM, parent=None, name="基准测试市委", kind="committee")
    units = [org_create(actor=SYSTEM, parent=root, name=f"第{u}党委", kind="committee") for u in range(5)]
    for i in range(BRANCHES):
        b = org_create(actor=SYSTEM, parent=units[i % 5], name=f"基准第{i:03d}党支部", kind="branch")
        for g in range(2):
            org_create(actor=SYSTEM, parent=b, name=f"第{g + 1}党小组", kind="group")
    user = User.objects.create_user("13900009999", "基准管理员", "Bench-2026-pass")
    RoleAssignment.objects.create(user=user, org=root, role="org_admin")
    return {"orgs_seconds": round(time.perf_counter() - t0, 2)}


def build_workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    from dangjian.members.excel import COLUMNS, DATA_SHEET
    from dangjian.site.testing.factories import make_id_number

    # A normal (not write-only) workbook, like one saved by Excel or WPS: it declares its dimension.
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    ws.append([c.header for c in COLUMNS])
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    for i in range(rows):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 17000)
        male = i % 2 == 0
        full = i % 5 != 0
        joined = dt.date(birth.year + 22, 7, 1)
        ws.append(
            [
                f"基准第{i % BRANCHES:03d}党支部",
                surnames[i % 20] + given[(i // 20) % len(given)] + given[(i // 480) % len(given)],
                "男" if male else "女",
                "汉族",
                birth,
                make_id_number(birth, 100000 + i, male),
                f"139{i:08d}",
                "大学本科",
                "某某单位",
                "职员",
                joined,
                dt.date(birth.year + 23, 7, 1) if full else None,
                "正式党员" if full else "预备党员",
                "在职" if i % 3 else "离退休",
                f"第{i % 2 + 1}党小组" if i % 4 else None,
                "是" if i % 50 == 0 else "否",
                "深圳" if i % 50 == 0 else None,
                None,
                None,
                "否",
                None,
                None,
                None,
                None,
                "否",
                None,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_import(content: bytes) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.members.models import ImportJob
    from dangjian.members.services import import_job_create

    user = admin_user()
    org = root_org()
    upload = SimpleUploadedFile("bench.xlsx", content)
    job, queries, elapsed = counted(lambda: import_job_create(actor=user, org=org, upload=upload))
    job = ImportJob.objects.get(pk=job.pk)
    return {
        "status": job.status,
        "rows": job.total,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "error_rows": job.error_rows,
        "first_errors": job.errors[:3],
        "seconds": round(elapsed, 2),
        "rows_per_s": round(job.total / elapsed) if elapsed else None,
        "cpu_seconds": round(LAST_CPU["seconds"], 2),
        "rows_per_cpu_s": round(job.total / LAST_CPU["seconds"]) if LAST_CPU["seconds"] else None,
        "queries": queries,
    }


def clear_members() -> None:
    from django.db import connection

    from dangjian.core.models import AuditEvent, AuditHead
    from dangjian.members.models import ImportJob, Member, MemberTransfer

    # Raw deletes: the ORM's delete() would load 200,000 members into memory first and spoil
    # the next phase's ru_maxrss (each phase is its own process, but this runs inside it).
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("TRUNCATE members_membertransfer, members_importjob, members_member, core_auditevent CASCADE")
    else:
        for model in (MemberTransfer, ImportJob, Member, AuditEvent):
            model.objects.all()._raw_delete(connection.alias)
    AuditHead.objects.all().delete()


def workbook_path(args: Any) -> Path:
    return ROOT / "var" / f"bench_import_{args.rows}.xlsx"


def phase_workbook(args: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    content = build_workbook(args.rows)
    workbook_path(args).write_bytes(content)
    return {"rows": args.rows, "kb": len(content) // 1024, "seconds": round(time.perf_counter() - t0, 1)}


def phase_import(args: Any, traced: bool = False, keep: bool = False) -> dict[str, Any]:
    if not keep:
        clear_members()
    content = workbook_path(args).read_bytes()
    base = maxrss_mb()
    if traced:
        tracemalloc.start()
    result = run_import(content)
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["tracemalloc_peak_mb"] = round(peak / 1024 / 1024, 1)
    result["file_kb"] = len(content) // 1024
    result["maxrss_mb_before"] = round(base, 1)
    result["maxrss_mb_after"] = round(maxrss_mb(), 1)
    return result


def phase_generate(args: Any) -> dict[str, Any]:
    """Top the roster up to `export_rows` members with bulk_create (benchmark data, not audited)."""
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgKind
    from dangjian.site.testing.factories import make_id_number

    branches = list(Organization.objects.filter(kind=OrgKind.BRANCH).order_by("path"))
    have = Member.objects.count()
    need = max(args.export_rows - have, 0)
    t0 = time.perf_counter()
    batch: list[Member] = []
    for i in range(need):
        n = 1_000_000 + have + i  # past every number used by an earlier top-up
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % 17000)
        b = branches[i % len(branches)]
        batch.append(
            Member(
                org=b,
                org_path=b.path,
                name=f"成员{n}",
                sex="M",
                ethnicity="汉族",
                birth_date=birth,
                id_number=make_id_number(birth, n % 1000, True, region=f"{110000 + n // 1000:06d}"),
                phone=f"13{n:09d}"[:11],
                education="bachelor",
                unit="=可能的公式" if i % 1000 == 0 else "某某单位",
                job_title="职员",
                joined_on=dt.date(birth.year + 22, 7, 1),
                converted_on=dt.date(birth.year + 23, 7, 1),
                status="full",
                category="in_service",
            )
        )
        if len(batch) == 5000:
            Member.objects.bulk_create(batch)
            batch = []
    if batch:
        Member.objects.bulk_create(batch)
    return {"generated": need, "total_members": Member.objects.count(), "seconds": round(time.perf_counter() - t0, 1)}


def phase_export(args: Any, traced: bool = False) -> dict[str, Any]:
    from dangjian.members.services import member_export

    user = admin_user()
    org = root_org()
    base = maxrss_mb()
    if traced:
        tracemalloc.start()
    result, queries, elapsed = counted(lambda: member_export(actor=user, org=org))
    out: dict[str, Any] = {}
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["tracemalloc_peak_mb"] = round(peak / 1024 / 1024, 1)
    size = os.path.getsize(result.path)
    os.unlink(result.path)
    out.update(
        {
            "rows": result.rows,
            "masked": result.masked,
            "seconds": round(elapsed, 1),
            "rows_per_s": round(result.rows / elapsed) if elapsed else None,
            "cpu_seconds": round(LAST_CPU["seconds"], 1),
            "queries": queries,
            "file_mb": round(size / 1024 / 1024, 1),
            "maxrss_mb_before": round(base, 1),
            "maxrss_mb_after": round(maxrss_mb(), 1),
        }
    )
    return out


PHASES = {
    "setup": phase_setup,
    "workbook": phase_workbook,
    "import": lambda a: phase_import(a),
    "reimport": lambda a: phase_import(a, keep=True),
    "import_traced": lambda a: phase_import(a, traced=True),
    "generate": phase_generate,
    "export": lambda a: phase_export(a),
    "export_traced": lambda a: phase_export(a, traced=True),
}


def child(args: Any) -> None:
    setup_django()
    result = PHASES[args.phase](args)
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))


# ---------------------------------------------------------------- parent side


def ensure_pg_database() -> bool:
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as c:
            exists = c.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_members'").fetchone()
            if not exists:
                c.execute("CREATE DATABASE bench_members")
        return True
    except Exception as exc:
        print(f"PostgreSQL unavailable, skipped: {exc}")
        return False


def run_phase(url: str, phase: str, args: Any) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url}
    cmd = [
        sys.executable,
        __file__,
        "--child",
        phase,
        "--rows",
        str(args.rows),
        "--export-rows",
        str(args.export_rows),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    sys.stderr.write(proc.stdout + proc.stderr)
    raise SystemExit(f"phase {phase} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=200_000)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc re-runs")
    parser.add_argument("--phases", help="comma-separated subset of: " + ",".join(PHASES))
    parser.add_argument("--child", dest="phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    (ROOT / "var").mkdir(exist_ok=True)
    targets = []
    if args.db in ("sqlite", "both"):
        targets.append(("SQLite", SQLITE_URL))
    if args.db in ("postgres", "both") and ensure_pg_database():
        targets.append(("PostgreSQL", PG_URL))
    phases = ["setup", "workbook", "import", "reimport", "import_traced", "generate", "export", "export_traced"]
    if args.no_trace:
        phases = [p for p in phases if not p.endswith("_traced")]
    if args.phases:
        phases = [p for p in args.phases.split(",") if p in PHASES]
    for label, url in targets:
        print(f"== {label}")
        for phase in phases:
            result = run_phase(url, phase, args)
            print(f"  {phase:14s} {json.dumps(result, ensure_ascii=False)}", flush=True)


if __name__ == "__main__":
    main()
