"""The task queue at scale (issue 18): the same tasks through django-tasks-rq on the real Redis, run
by a real RQ worker process -- a roster import too large to run inline, and every periodic job.

It drives separate processes (setup, `rqworker --burst`, check) against a throw-away SQLite file, so
it runs once, in the SQLite pass of the test command. Redis is the machine's (127.0.0.1:6379); the
test takes a lock and uses its own database number, emptied before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379"
RQ_DB = 13

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from dangjian.core import periodic
from dangjian.members.services import import_job_create
from dangjian.members.tests.helpers import row_for, upload, workbook_bytes
from dangjian.site.testing.factories import build_world
world = build_world()
rows = [row_for(world.branch.name, name=f"队列导入{i}") for i in range(30)]
job = import_job_create(actor=world.liaison, org=world.branch, upload=upload(workbook_bytes(rows)))
assert job.status == "queued", job.status  # too large for inline: it waits for the worker
call_command("periodic", "--enqueue")
# The import, every periodic job, and the jobs those enqueue in turn: the structure sweep queues one
# refresh per second-level org (not a 党小组) of each tree.
from dangjian.orgs.models import Organization
second_level = Organization.objects.filter(depth=2).exclude(kind="group").count()
print(len(periodic.periodic_jobs()) + 1 + second_level)
"""

CHECK = """
import django
django.setup()
import django_rq
from dangjian.members.models import ImportJob, Member
from dangjian.core.models import AuditEvent
job = ImportJob.objects.get()
queue = django_rq.get_queue("default")
print(job.status, Member.objects.filter(name__startswith="队列导入").count(),
      queue.finished_job_registry.count, queue.failed_job_registry.count, len(queue))
"""


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(f"{REDIS}/0", socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass")
def test_import_and_periodic_jobs_through_an_rq_worker(tmp_path: Path) -> None:
    if not _redis_up():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("Redis 无法连接（127.0.0.1:6379）：RQ 队列测试需要它")
        pytest.skip("Redis 无法连接（127.0.0.1:6379）")
    import redis

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_", "DANGJIAN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="dangjian.settings",
        DANGJIAN_VAR_DIR=str(tmp_path),
        DANGJIAN_TASKS_BACKEND="django_tasks_rq.RQBackend",
        DANGJIAN_RQ_URL=f"{REDIS}/{RQ_DB}",
        DANGJIAN_IMPORT_INLINE_ROWS="5",
        PYTHONPATH=str(ROOT),
    )
    rq_db = redis.Redis.from_url(f"{REDIS}/{RQ_DB}")
    with redis.Redis.from_url(f"{REDIS}/0").lock("dangjian:test_rq_queue", timeout=600, blocking_timeout=600):
        rq_db.flushdb()
        try:

            def run(*args: str) -> str:
                done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
                assert done.returncode == 0, done.stderr[-3000:]
                return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

            enqueued = int(run(sys.executable, "-c", SETUP))
            run(sys.executable, "manage.py", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default")
            status, imported, finished, failed, waiting = run(sys.executable, "-c", CHECK).split()
        finally:
            rq_db.flushdb()
    assert (status, imported) == ("completed", "30")
    assert (int(finished), int(failed), int(waiting)) == (enqueued, 0, 0)
