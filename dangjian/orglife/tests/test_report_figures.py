"""The upward-report figures (core.registry ReportSource "orglife") equal the compliance engine's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.registry import report_sources
from dangjian.core.scoping import SYSTEM
from dangjian.orglife import rules, selectors
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World

from .test_selectors import held

pytestmark = pytest.mark.django_db


def last_month() -> tuple[int, dt.date, dt.date]:
    key = rules.add_months(rules.month_key(timezone.localdate()), -1)
    return key, rules.month_start(key), rules.month_end(key)


def test_figures_equal_the_engine_and_link_to_the_cell(world: World) -> None:
    key, start, end = last_month()
    m = held(world.branch, world.liaison, key, ["party_day"])
    figures = selectors.report_figures([world.branch.path, world.other_branch.path], start, end)
    cells = selectors.branch_compliance(world.branch, [key], today=end + dt.timedelta(days=1))
    reqs = [r for c in cells for r in c.requirements]
    mine = figures[world.branch.path]
    assert mine["required"] == len(reqs)
    assert mine["met"] == sum(r.state == "ok" for r in reqs)
    assert mine["missing"] == sum(r.state == "missing" for r in reqs)
    assert mine["party_day_held"] == 1 and mine["party_day_due"] == 1
    assert figures[world.other_branch.path]["party_day_held"] == 0
    source = next(s for s in report_sources() if s.key == "orglife")
    assert source.link is not None
    assert source.link(world.branch.pk, start, end).endswith(f"/{world.branch.pk}/{key}/")
    assert m.pk in [i for r in reqs for i in r.meeting_ids]


def test_window_period_covers_the_month_it_ends_in() -> None:
    assert selectors.report_months(dt.date(2026, 10, 26), dt.date(2026, 11, 25)) == [202611]
    assert selectors.report_months(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == [202610, 202611, 202612]
    assert selectors.report_months(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == [202611]


def test_query_count_does_not_grow_with_branches(world: World) -> None:
    _key, start, end = last_month()
    paths = [world.branch.path, world.other_branch.path]
    for i in range(5):
        paths.append(org_create(actor=SYSTEM, parent=world.unit, name=f"第{i}支部", kind="branch").path)
    with CaptureQueriesContext(connection) as ctx:
        selectors.report_figures(paths, start, end)
    assert len(ctx.captured_queries) <= 3
