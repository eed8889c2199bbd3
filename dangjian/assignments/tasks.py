"""Background work: the reminder and 督办 sweep (periodic job `periodic --only assignments`; also after publishing)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dangjian.core.periodic import job_date

from .sweep import run_sweep


@task()
def reminder_sweep(assignment_id: int | None = None, today_iso: str = "") -> dict[str, Any]:
    """Idempotent: a second run on the same day sends nothing new."""
    return run_sweep(today=job_date(today_iso), assignment_id=assignment_id).as_dict()
