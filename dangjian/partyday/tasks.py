"""Background work for the party-day schedule.

The task worker has no scheduler: run `python manage.py partyday_sweep` once a day from cron or a
systemd timer (for example `15 7 * * * cd /srv/dangjian && .venv/bin/python manage.py partyday_sweep`).
The sweep is idempotent, so running it twice (or catching up after a missed day) sends nothing twice.
"""

from __future__ import annotations

from django_tasks import task

from dangjian.core.scoping import SYSTEM

from . import services


@task()
def send_party_day_notices() -> dict[str, int]:
    """The daily sweep: member notices 2–3 days ahead, and annual-plan reminders before 31 December."""
    return services.sweep(actor=SYSTEM)
