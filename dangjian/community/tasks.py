"""Background work: unconfirmed claims and reports expire (idempotent; run it as often as you like)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from .services import claims_expire


@task()
def community_sweep(today_iso: str = "") -> dict[str, int]:
    """Claims and activity reports the community did not confirm in time count as not done."""
    today = job_date(today_iso) or timezone.localdate()
    return {"expired": claims_expire(actor=SYSTEM, today=today)}
