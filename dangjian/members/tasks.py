"""Background work of the roster: large imports run on the task worker with visible progress."""

from __future__ import annotations

from django_tasks import task

from dangjian.core.scoping import SYSTEM

from .services import import_job_run


@task()
def run_import(job_pk: int) -> str:
    job = import_job_run(actor=SYSTEM, job_pk=job_pk)
    return job.status if job is not None else "skipped"
