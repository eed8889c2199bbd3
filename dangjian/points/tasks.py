"""Background work: the yearly points sweep (idempotent; run it as often as you like)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization

from .selectors import points_sweep_slices
from .services import points_recompute


@task()
def points_sweep(today_iso: str = "") -> dict[str, int]:
    """Recompute the year's points of every tree from the records (and, in January, last year's too,
    so meetings filed late in December still count)."""
    today = job_date(today_iso) or timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    parts = int(getattr(settings, "DANGJIAN_POINTS_SWEEP_JOBS", 1))
    totals = {"members": 0, "changed": 0, "queued": 0}
    for year in years:
        for root in Organization.objects.get_root_nodes():
            if parts > 1:  # one queue job per slice of member ids: the workers share the tree
                for first, last in points_sweep_slices(root, parts):
                    points_recompute_slice.enqueue(root.path, year, first, last)
                    totals["queued"] += 1
                continue
            result = points_recompute(actor=SYSTEM, org=root, year=year)
            totals["members"] += result["members"]
            totals["changed"] += result["changed"]
    return totals


@task()
def points_recompute_slice(root_path: str, year: int, first: int, last: int) -> dict[str, int]:
    """One slice of a tree's sweep (`DANGJIAN_POINTS_SWEEP_JOBS` > 1): members first..last by id."""
    root = Organization.objects.filter(path=root_path).first()
    if root is None:
        return {"members": 0, "changed": 0}
    return points_recompute(actor=SYSTEM, org=root, year=year, member_ids=(first, last))
