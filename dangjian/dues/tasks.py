"""Background work: the monthly ledger and the arrears scan (idempotent; run them as often as you like)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization

from .rules import add_months, month_start
from .services import dues_arrears_scan, dues_month_compute


@task()
def dues_monthly(today_iso: str = "") -> dict[str, int]:
    """Materialise the month's expected dues for every tree, then flag 6-month arrears through last month.

    `today_iso` ("" for today) picks the month; the periodic job runs this daily (`periodic --only dues`).
    """
    month = month_start(job_date(today_iso) or timezone.localdate())
    totals = {"members": 0, "flagged": 0}
    for root in Organization.objects.get_root_nodes():
        totals["members"] += dues_month_compute(actor=SYSTEM, org=root, month=month)["members"]
        totals["flagged"] += dues_arrears_scan(actor=SYSTEM, org=root, through=add_months(month, -1))["flagged"]
    return totals
