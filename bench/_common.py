"""Shared helpers for benchmark scripts: Django set-up on a chosen database, timing, tables.

Use from any `bench/<name>.py`:

    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # repo root, so `bench.` imports work
    from bench._common import city_arg_parser, ensure_city, setup_django

    args = city_arg_parser("what this bench measures").parse_args()
    setup_django(args.database_url)      # before importing any model
    city = ensure_city()                 # generates the city once per database, then reuses it
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE = f"sqlite:///{ROOT / 'var' / 'bench_city.sqlite3'}"


def default_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SQLITE


def city_arg_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database-url",
        default=default_database_url(),
        help="default: $BENCH_DATABASE_URL, $DATABASE_URL, else var/bench_city.sqlite3",
    )
    p.add_argument("--branches", type=int, default=10_000)
    p.add_argument("--members", type=int, default=200_000)
    return p


def setup_django(database_url: str) -> None:
    """Point the settings at `database_url`, run django.setup() and migrate (quietly)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    # Benchmarks time the application, not the task worker or e-mail.
    os.environ.setdefault("DANGJIAN_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    else:
        _ensure_pg_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _ensure_pg_database(database_url: str) -> None:
    """Create the PostgreSQL database named in the URL if it does not exist yet."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    url = urlsplit(database_url.replace("postgresql://", "postgres://", 1))
    name = url.path.lstrip("/")
    admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure_city(branches: int = 10_000, members: int = 200_000, log: Callable[[str], None] = print) -> Any:
    """The benchmark city (`bench.generate_city.City`), generated on first use for this database."""
    from bench.generate_city import ensure_city as _ensure

    return _ensure(branches=branches, members=members, log=log)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str, rows: int | None = None, log: Callable[[str], None] = print) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    dt = time.perf_counter() - t0
    rate = f", {rows / dt:,.0f} rows/s" if rows else ""
    log(f"{label}: {dt:.2f} s{rate}, peak RSS {peak_rss_mb():.0f} MB")


@dataclass
class Measure:
    label: str
    median_ms: float
    min_ms: float
    queries: int
    status: int
    note: str = ""


def measure_get(client: Any, label: str, url: str, repeat: int = 7, note: str = "") -> Measure:
    """GET `url` once to warm up, then `repeat` times: median/min server time and the query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    resp = client.get(url)
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        queries = len(ctx.captured_queries)
    return Measure(label, statistics.median(times), min(times), queries, resp.status_code, note)


def print_table(rows: Sequence[Measure], title: str = "") -> None:
    if title:
        print(f"\n{title}")
    head = f"{'page':<44} {'status':>6} {'median ms':>10} {'min ms':>8} {'queries':>8}  note"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r.label:<44} {r.status:>6} {r.median_ms:>10.1f} {r.min_ms:>8.1f} {r.queries:>8}  {r.note}")
