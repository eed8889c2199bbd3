"""Background work for the party-day schedule.

The daily sweep is registered as this app's periodic job (`manage.py periodic --only partyday`).
It is idempotent, so running it twice (or catching up after a missed day) sends nothing twice.
"""

from __future__ import annotations

from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from . import services


@task()
def send_party_day_notices(today_iso: str = "") -> dict[str, int]:
    """The daily sweep: member notices 2–3 days ahead, and annual-plan reminders before 31 December."""
    return services.sweep(actor=SYSTEM, today=job_date(today_iso))
