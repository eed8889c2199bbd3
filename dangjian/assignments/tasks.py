"""Background work: the reminder and 督办 sweep (run daily by the worker or cron, and after publishing)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from .sweep import run_sweep


@task()
def reminder_sweep(assignment_id: int | None = None) -> dict[str, Any]:
    """Idempotent: a second run on the same day sends nothing new."""
    return run_sweep(assignment_id=assignment_id).as_dict()
