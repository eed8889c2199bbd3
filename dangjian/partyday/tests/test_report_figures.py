"""The upward-report figures (ReportSource "partyday") equal the filed party-day records they cite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.registry import report_sources
from dangjian.core.scoping import SYSTEM
from dangjian.orglife import services as orglife
from dangjian.orglife.models import Attendance, Meeting
from dangjian.orglife.services import Mark
from dangjian.orglife.tests.helpers import make_meeting
from dangjian.partyday import selectors
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def previous_month() -> tuple[dt.date, dt.date]:
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def test_figures_equal_the_records(world: World) -> None:
    start, end = previous_month()
    make_member(world.branch, name="李党员")
    at = timezone.make_aware(dt.datetime(start.year, start.month, 8, 14))
    m = make_meeting(world.branch, world.liaison, started_at=at)
    m = orglife.attendance_mark(
        actor=world.liaison, meeting=m, version=m.version, marks=[Mark(world.member.pk, "absent", "")]
    )
    orglife.meeting_file(actor=SYSTEM, meeting=m, version=m.version, filed_at=m.ended_at + dt.timedelta(hours=1))
    draft = make_meeting(world.other_branch, SYSTEM, started_at=at)  # not filed: not reported
    figures = selectors.report_figures([world.branch.path, world.other_branch.path], start, end)
    rows = Attendance.objects.filter(meeting=m)
    mine = figures[world.branch.path]
    assert mine["held"] == Meeting.objects.filter(branch_path=world.branch.path, status="filed").count() == 1
    assert mine["dates"] == f"{start.month}月8日"
    assert mine["expected"] == rows.count()
    assert mine["present"] == rows.filter(status="present").count() == rows.count() - 1
    assert mine["rate"] == selectors.attendance_rate(mine["present"], mine["expected"])
    assert world.other_branch.path not in figures and draft.status == "draft"
    source = next(s for s in report_sources() if s.key == "partyday")
    assert source.link is not None
    link = source.link(world.branch.pk, start, end)
    assert "kind=party_day" in link and f"month={end:%Y-%m}" in link


def test_bounded_queries(world: World) -> None:
    start, end = previous_month()
    with CaptureQueriesContext(connection) as ctx:
        selectors.report_figures([world.branch.path, world.other_branch.path, "0001XXXX"], start, end)
    assert len(ctx.captured_queries) <= 2
    assert selectors.attendance_rate(0, 0) == "" and selectors.attendance_rate(9, 10) == "90%"
