"""Background work of the org tree: the daily re-derivation of member counts and structure findings,
one queue job per second-level org so the workers share a province."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from dangjian.core.periodic import job_date
from dangjian.core.scoping import SYSTEM

from .models import Organization, OrgKind
from .selectors import children_of
from .services import structure_rebuild


@task()
def structure_refresh(root_path: str, today_iso: str = "") -> dict[str, int]:
    """One subtree: its member counts re-derived from the members, then its findings recomputed."""
    return structure_rebuild(actor=SYSTEM, root_path=root_path, today=job_date(today_iso))


@task()
def structure_sweep(today_iso: str = "") -> dict[str, int]:
    """Every tree: each root's own row now, each second-level subtree as its own queue job (the term
    findings move with the date; the counts catch any write made outside the services)."""
    today = job_date(today_iso) or timezone.localdate()
    totals = {"orgs": 0, "counts_changed": 0, "findings_changed": 0, "queued": 0}
    for root in Organization.objects.get_root_nodes():
        for k, v in structure_rebuild(actor=SYSTEM, root_path=root.path, today=today, self_only=True).items():
            totals[k] += v
        for path in children_of(root).exclude(kind=OrgKind.GROUP).values_list("path", flat=True):
            structure_refresh.enqueue(root_path=path, today_iso=today.isoformat())
            totals["queued"] += 1
    return totals
