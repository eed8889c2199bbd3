"""Background work: 督办 for missing monthly reports (idempotent; run it daily or hourly)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from .services import reports_remind


@task()
def reports_sweep(today_iso: str = "") -> dict[str, int]:
    """Notify the secretaries of orgs whose report is missing past the grace days, and the org above."""
    today = job_date(today_iso) or timezone.localdate()
    return {"notices": reports_remind(actor=SYSTEM, today=today)}
