"""The upward report's 党务公开 figures (core.registry.ReportSource): disclosures published and
disclosures overdue in the period, per branch, in two grouped queries whatever the number of paths."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.core.paths import STEPLEN, subtree_q
from dangjian.core.registry import Figures, ReportSource

from .models import Disclosure, DisclosureDue, DisclosureStatus

IN_LIMIT = 500  # beyond this many paths, scan their common subtree by range instead of a long IN list


def _where(paths: list[str]) -> Q:
    if len(paths) <= IN_LIMIT:
        return Q(org_path__in=paths)
    lo, hi = min(paths), max(paths)  # the common prefix of all paths is that of the extremes
    n = next((i for i, (a, b) in enumerate(zip(lo, hi, strict=False)) if a != b), min(len(lo), len(hi)))
    return subtree_q("org_path", lo[: n // STEPLEN * STEPLEN])


def compute(paths: list[str], start: dt.date, end: dt.date) -> Figures:
    wanted = set(paths)
    out: Figures = {}
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    for path, n in (
        Disclosure.objects.filter(
            _where(paths), status=DisclosureStatus.PUBLISHED, published_at__gte=lo, published_at__lt=hi
        )
        .values_list("org_path")
        .annotate(n=Count("id"))
    ):
        if path in wanted:
            out.setdefault(path, {})["published"] = n
    today = timezone.localdate()
    for path, owed, late in (
        DisclosureDue.objects.filter(_where(paths), due_on__gte=start, due_on__lte=min(end, today))
        .values_list("org_path")
        .annotate(
            owed=Count("id"),
            late=Count(
                "id",
                filter=Q(fulfilled_on__isnull=True, due_on__lt=today) | Q(fulfilled_on__gt=F("due_on")),
            ),
        )
    ):
        if path not in wanted:
            continue
        figures = out.setdefault(path, {})
        figures["owed"] = owed
        figures["overdue"] = late
    return out


def link(org_pk: int, start: dt.date, end: dt.date) -> str:
    return reverse("openness:compliance", args=[org_pk]) + f"?start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"


SOURCE = ReportSource(
    key="openness",
    label="党务公开",
    figures=(("published", "公开事项数"), ("owed", "应公开事项数"), ("overdue", "逾期或超期公开数")),
    compute=compute,
    link=link,
    summable=("published", "owed", "overdue"),
    order=60,
)
