"""Background work: the daily obligations sweep (idempotent; run it as often as you like)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization

from .services import disclosure_dues_refresh


@task()
def openness_sweep(today_iso: str = "") -> dict[str, int]:
    """Write what each organisation owes under the catalogues (the last periods, recent events) and
    mark what has been published, so the 待办 and the compliance views read one indexed table."""
    today = job_date(today_iso) or timezone.localdate()
    totals = {"added": 0, "met": 0}
    for root in Organization.objects.get_root_nodes():
        result = disclosure_dues_refresh(actor=SYSTEM, org=root, today=today)
        totals["added"] += result["added"]
        totals["met"] += result["met"]
    return totals
