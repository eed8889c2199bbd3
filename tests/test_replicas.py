"""Read replicas, really (issue 18): a streaming replica created by the test run, and the router.

The PostgreSQL pass of the test command starts its own primary (`initdb`) and a replica of it
(`pg_basebackup -R`, streaming) on free loopback ports, runs the replica checks in a separate
process configured with `DATABASE_URL` (primary) and `DANGJIAN_REPLICA_URL` (replica), then stops
and removes both. Checked: marked reads land on the replica, writes on the primary, a user sees
their own write at once while replay is paused (pinned to the primary), another user is served
the replica's older state (lag tolerated), and after replay resumes everyone sees the write.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="runs in the PostgreSQL pass"
)

CHECKS = r"""
import time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from dangjian.core.replicas import reading_replica
from dangjian.members.models import Member
from dangjian.site.testing.factories import build_world, make_member


def caught_up():
    with connections["default"].cursor() as c:
        c.execute("SELECT pg_current_wal_insert_lsn()")
        lsn = c.fetchone()[0]
    for _ in range(200):
        with connections["replica"].cursor() as c:
            c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if c.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("replica did not catch up")


def count_as(user_id):
    on_replica = CaptureQueriesContext(connections["replica"])
    on_primary = CaptureQueriesContext(connections["default"])
    with on_replica, on_primary, reading_replica(user_id):
        n = Member.objects.filter(name__startswith="复制").count()
    return n, len(on_replica), len(on_primary)


world = build_world()
caught_up()

# 1. Outside a marked page every read is the primary's; inside one, the replica's.
with CaptureQueriesContext(connections["replica"]) as r:
    Member.objects.count()
assert len(r) == 0, "an unmarked read went to the replica"
assert count_as(None) == (0, 1, 0), count_as(None)

# 2. A write inside a marked page goes to the primary (and pins its writer).
with CaptureQueriesContext(connections["replica"]) as r:
    with reading_replica(world.liaison.pk):
        make_member(world.branch, actor=world.liaison, name="复制一")
assert not any("INSERT" in q["sql"] for q in r.captured_queries), "a write reached the replica"
caught_up()

# 3. Lag: replay paused; the writer sees their write at once (primary), another user is served the
#    replica's older state, and after replay resumes everyone sees it.
with connections["replica"].cursor() as c:
    c.execute("SELECT pg_wal_replay_pause()")
make_member(world.branch, actor=world.secretary, name="复制二")
assert count_as(world.secretary.pk) == (2, 0, 1), count_as(world.secretary.pk)  # pinned: primary
assert count_as(world.member_user.pk) == (1, 1, 0), count_as(world.member_user.pk)  # replica, behind
with connections["replica"].cursor() as c:
    c.execute("SELECT pg_wal_replay_resume()")
caught_up()
assert count_as(world.member_user.pk) == (2, 1, 0), count_as(world.member_user.pk)

# 4. Over HTTP: the compliance matrix (a marked page) is read from the replica.
client = Client()
client.force_login(world.admin, backend="dangjian.accounts.backends.PhoneBackend")
with CaptureQueriesContext(connections["replica"]) as r:
    assert client.get(reverse("orglife:matrix", args=[world.city.pk])).status_code == 200
assert len(r) > 0, "the matrix did not read from the replica"
print("replica checks passed")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bindir() -> Path | None:
    try:
        pg_config = shutil.which("pg_config") or "pg_config"
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(out)
    return path if (path / "initdb").exists() and (path / "pg_basebackup").exists() else None


@pytest.fixture(scope="module")
def pg_pair() -> Iterator[tuple[int, int]]:
    """A primary and its streaming replica, owned by this test run."""
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("找不到 PostgreSQL 的 initdb / pg_basebackup（pg_config --bindir）")
        pytest.skip("找不到 PostgreSQL 的 initdb / pg_basebackup")
    # Not under pytest's tmp dir: that is private to the current user, and the clusters' owner
    # must be able to reach theirs.
    base = Path(tempfile.mkdtemp(prefix="dangjian-pg-pair-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: the clusters belong to `postgres`
        shutil.chown(base, "postgres")
        base.chmod(0o700)
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def pg(tool: str, *args: str) -> None:
        subprocess.run([*as_postgres, str(bindir / tool), *args], check=True, capture_output=True, timeout=300)

    def append(conf: Path, text: str) -> None:
        subprocess.run([*as_postgres, "sh", "-c", f"cat >> {conf}"], input=text, text=True, check=True)

    primary, replica = base / "primary", base / "replica"
    p_port, r_port = _free_port(), _free_port()
    pg("initdb", "-D", str(primary), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
    settings = (
        f"\nport = {p_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base}'\n"
        "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n"
    )
    append(primary / "postgresql.conf", settings)
    started: list[Path] = []
    try:
        pg("pg_ctl", "-D", str(primary), "-l", str(base / "primary.log"), "-w", "start")
        started.append(primary)
        pg("createdb", "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres", "dangjian")
        conn = ("-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres")
        pg("pg_basebackup", *conn, "-D", str(replica), "-R", "-X", "stream")
        append(replica / "postgresql.conf", f"\nport = {r_port}\n")
        pg("pg_ctl", "-D", str(replica), "-l", str(base / "replica.log"), "-w", "start")
        started.append(replica)
        yield p_port, r_port
    finally:
        for data in reversed(started):
            pg("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_reads_on_the_replica_writes_on_the_primary_and_read_your_writes(pg_pair: tuple[int, int]) -> None:
    p_port, r_port = pg_pair
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "DANGJIAN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="dangjian.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{p_port}/dangjian",
        DANGJIAN_REPLICA_URL=f"postgres://postgres@127.0.0.1:{r_port}/dangjian",
        DJANGO_CONN_MAX_AGE="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(ROOT),
    )
    cmd = [sys.executable, "-c", CHECKS]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "replica checks passed" in done.stdout
