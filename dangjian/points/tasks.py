"""Background work: the yearly points sweep (idempotent; run it as often as you like)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization

from .services import points_recompute


@task()
def points_sweep(today_iso: str = "") -> dict[str, int]:
    """Recompute the year's points of every tree from the records (and, in January, last year's too,
    so meetings filed late in December still count)."""
    today = job_date(today_iso) or timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    totals = {"members": 0, "changed": 0}
    for year in years:
        for root in Organization.objects.get_root_nodes():
            result = points_recompute(actor=SYSTEM, org=root, year=year)
            totals["members"] += result["members"]
            totals["changed"] += result["changed"]
    return totals
