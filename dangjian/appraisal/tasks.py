"""Background work for talks: the daily job raising 必谈 to-dos (`manage.py periodic --only appraisal`)."""

from __future__ import annotations

from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from . import services


@task()
def raise_talk_todos(today_iso: str = "") -> dict[str, int]:
    """Idempotent: 必谈 to-dos, November's talks-due notices, overdue 整改 items — each once."""
    return services.sweep(actor=SYSTEM, today=job_date(today_iso))
