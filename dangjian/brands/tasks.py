"""Background work: reminders to branches that must apply and have not (idempotent by notice key)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from .services import reminders_send


@task()
def brands_sweep(today_iso: str = "") -> int:
    today = job_date(today_iso) or timezone.localdate()
    return reminders_send(actor=SYSTEM, today=today)
