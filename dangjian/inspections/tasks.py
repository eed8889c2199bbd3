"""Background work: rectification reminders and 督办 escalation (idempotent; run it daily)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from .services import sweep


@task()
def inspections_sweep(today_iso: str = "") -> dict[str, int]:
    return sweep(actor=SYSTEM, today=job_date(today_iso) or timezone.localdate())
