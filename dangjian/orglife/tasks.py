"""Background work: remind secretaries of overdue resolution measures (idempotent per measure)."""

from __future__ import annotations

from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from .services import notify_overdue_actions


@task()
def remind_overdue_actions(today_iso: str = "") -> dict[str, int]:
    return {"reminders": notify_overdue_actions(actor=SYSTEM, today=job_date(today_iso))}
