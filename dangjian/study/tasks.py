"""Background work: the monthly 流动党员 contact / home-visit check and the yearly 学时 recompute
(both idempotent; run them as often as you like)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization

from .services import study_due_check, study_recompute


@task()
def study_sweep(today_iso: str = "") -> dict[str, int]:
    """Raise or close the contact and home-visit 待办 of every tree, and recompute the year's 学时
    (in January last year's too, so meetings filed late in December still count)."""
    today = job_date(today_iso) or timezone.localdate()
    totals = {"opened": 0, "closed": 0, "members": 0, "changed": 0}
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    for root in Organization.objects.get_root_nodes():
        due = study_due_check(actor=SYSTEM, org=root, today=today)
        totals["opened"] += due["opened"]
        totals["closed"] += due["closed"]
        for year in years:
            r = study_recompute(actor=SYSTEM, org=root, year=year)
            totals["members"] += r["members"]
            totals["changed"] += r["changed"]
    return totals
