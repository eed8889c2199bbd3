"""Background work: remind secretaries of overdue resolution measures (idempotent per measure)."""

from __future__ import annotations

from django_tasks import task


@task()
def remind_overdue_actions() -> int:
    from dangjian.core.scoping import SYSTEM

    from .services import notify_overdue_actions

    return notify_overdue_actions(actor=SYSTEM)
