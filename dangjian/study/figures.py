"""Figures other apps read through the registry: the upward report's study section
(`ReportSource`) and completed trainings as member events for the points manual
(`PointEventSource`). Both are bounded in queries whatever the number of branches or members."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q

from dangjian.core.registry import Figures, MemberEvent
from dangjian.members.models import Member

from .models import HomeVisit, MemberStudyYear, MobileContact, TrainingKind, TrainingRecord

REPORT_FIGURES = (
    ("members_counted", "应达学时要求党员数（不含免于参加集体活动的）"),
    ("on_track", "已达到年度学时要求"),
    ("exempt", "免于参加集体活动党员数"),
    ("mobile", "流动党员数"),
    ("mobile_contacted", "本期已联系的流动党员"),
    ("home_visits", "本期上门服务次数"),
    ("exempt_visited", "本期已上门服务的免参党员"),
)
SUMMABLE = tuple(k for k, _ in REPORT_FIGURES)


def compute(paths: list[str], start: dt.date, end: dt.date) -> Figures:
    """Per branch path: study on track (the year of `end`, stored figures), 流动党员 contacted in
    [start, end], home visits in [start, end]. Four queries."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    if not paths:
        return {}
    for path, counted, on_track in (
        MemberStudyYear.objects.filter(org_path__in=paths, year=end.year)
        .values("org_path")
        .annotate(
            n_counted=Count("pk", filter=Q(exempt=False)),
            n_on_track=Count("pk", filter=Q(exempt=False, on_track=True)),
        )
        .values_list("org_path", "n_counted", "n_on_track")
    ):
        out[path]["members_counted"] = counted
        out[path]["on_track"] = on_track
    for path, mobile, exempt in (
        Member.objects.filter(org_path__in=paths, is_active=True)
        .filter(Q(is_mobile=True) | Q(exempt=True))
        .values("org_path")
        .annotate(n_mobile=Count("pk", filter=Q(is_mobile=True)), n_exempt=Count("pk", filter=Q(exempt=True)))
        .values_list("org_path", "n_mobile", "n_exempt")
    ):
        out[path]["mobile"] = mobile
        out[path]["exempt"] = exempt
    for path, n in (
        MobileContact.objects.filter(org_path__in=paths, on__range=(start, end))
        .values("org_path")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("org_path", "n")
    ):
        out[path]["mobile_contacted"] = n
    for path, visits, visited in (
        HomeVisit.objects.filter(org_path__in=paths, on__range=(start, end))
        .values("org_path")
        .annotate(visits=Count("pk"), visited=Count("member_id", distinct=True))
        .values_list("org_path", "visits", "visited")
    ):
        out[path]["home_visits"] = visits
        out[path]["exempt_visited"] = visited
    for figures in out.values():
        for key in SUMMABLE:
            figures.setdefault(key, 0)
    return dict(out)


def training_events(member_ids: list[int], start: dt.date, end: dt.date) -> list[MemberEvent]:
    """Completed trainings (concentrated or other; online courses are not scored) by end date."""
    return [
        MemberEvent(member_id, ends_on, f"training:{pk}", f"完成培训“{title}”")
        for pk, member_id, ends_on, title in TrainingRecord.objects.filter(
            member_id__in=member_ids, ends_on__range=(start, end)
        )
        .exclude(kind=TrainingKind.ONLINE)
        .order_by("ends_on", "pk")
        .values_list("pk", "member_id", "ends_on", "title")
    ]
