"""The periodic-job registry: each app registers its idempotent sweep in AppConfig.ready().

A job is a background task (`django_tasks` `@task()`) that takes one keyword argument
`today_iso: str` ("" means today) and returns a JSON-able summary. `manage.py periodic` runs every
registered job inline (or enqueues it with --enqueue); running a job twice sends and creates
nothing twice, so an hourly cron entry is safe. Core knows no app: apps add themselves here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PeriodicJob:
    app: str  # the app label, as given to `periodic --only`
    label: str  # what the job does, in Chinese (printed by the command)
    task: Any  # a django_tasks Task accepting `today_iso: str`

    def run(self, today: dt.date | None = None) -> Any:
        return self.task.call(today_iso=today.isoformat() if today else "")

    def enqueue(self, today: dt.date | None = None) -> Any:
        return self.task.enqueue(today_iso=today.isoformat() if today else "")


_JOBS: dict[str, PeriodicJob] = {}


def periodic_job(app: str, label: str, task: Any) -> None:
    """Register (or replace, e.g. on a second ready()) the app's periodic job."""
    _JOBS[app] = PeriodicJob(app, label, task)


def periodic_jobs() -> list[PeriodicJob]:
    return list(_JOBS.values())


def job_date(today_iso: str) -> dt.date | None:
    """The date a job runs for: `today_iso` parsed, or None (the job's own today)."""
    return dt.date.fromisoformat(today_iso) if today_iso else None
