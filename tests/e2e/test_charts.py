"""ECharts on a phone (375×812): the dues roll-up bar chart and the orglife matrix's stacked bars,
built from data created through the real services, rendered from the vendored echarts (no CDN)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory, add_months, month_start
from dangjian.dues.services import dues_base_set, dues_month_compute, dues_payment_record
from dangjian.orglife import services as orglife_services
from dangjian.orglife.tests.helpers import at, data
from dangjian.site.testing.factories import World, make_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def watch_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A request the browser itself cancels (net::ERR_ABORTED, e.g. the favicon while the page is still
    # busy) is no fault of the site; a missing or failing file shows up as a 4xx/5xx response instead.
    page.on(
        "requestfailed",
        lambda req: None if "ERR_ABORTED" in (req.failure or "") else errors.append(f"failed: {req.url}"),
    )
    page.on("response", lambda resp: errors.append(f"{resp.status}: {resp.url}") if resp.status >= 400 else None)
    return errors


def test_dues_rollup_chart(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    today = timezone.localdate()
    month = month_start(today)
    other = make_member(w.other_branch, name="钱另支")
    dues_base_set(
        actor=SYSTEM, member=w.member, year=month.year, category=DuesCategory.IN_SERVICE, monthly_base_fen=510_000
    )
    dues_base_set(actor=SYSTEM, member=other, year=month.year, category=DuesCategory.RETIRED, monthly_base_fen=400_000)
    dues_month_compute(actor=w.admin, org=w.unit, month=month)
    line = DuesExpected.objects.get(member=w.member, month=month)
    dues_payment_record(actor=w.admin, member=w.member, months=[month], amount_fen=line.amount_fen, paid_on=today)

    page = new_page(w.admin)
    errors = watch_errors(page)
    page.goto(f"{live_url}/dues/org/{w.unit.pk}/rollup/?month={month:%Y-%m}")
    chart = page.locator("#dues-rollup-chart")
    chart.locator("canvas").first.wait_for()
    box = chart.bounding_box()
    assert box is not None and 300 <= box["width"] <= 375 and box["height"] >= 150
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The chart sits above the table and the page loaded echarts from our own static files.
    assert page.evaluate(
        "document.querySelector('#dues-rollup-chart').compareDocumentPosition(document.querySelector('table')) & 4"
    )
    assert page.evaluate("[...document.scripts].some(s => s.src.includes('/static/vendor/echarts/echarts.min.js'))")
    assert errors == []
    screenshot(page, "charts-dues-rollup")

    # A month nobody has computed: the chart says so instead of drawing empty axes.
    empty = add_months(month, -6)
    page.goto(f"{live_url}/dues/org/{w.unit.pk}/rollup/?month={empty:%Y-%m}")
    page.locator("#dues-rollup-chart.chart-empty").wait_for()
    assert page.inner_text("#dues-rollup-chart") == "暂无数据"
    assert page.locator("#dues-rollup-chart canvas").count() == 0
    assert errors == []


def test_orglife_matrix_chart(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    meeting = orglife_services.meeting_create(actor=w.liaison, org=w.branch, data=data(started_at=at(1)))
    orglife_services.meeting_file(actor=w.liaison, meeting=meeting, version=meeting.version)

    page = new_page(w.admin)
    errors = watch_errors(page)
    page.goto(f"{live_url}/orglife/matrix/{w.unit.pk}/")
    chart = page.locator("#matrix-chart")
    chart.locator("canvas").first.wait_for()
    box = chart.bounding_box()
    assert box is not None and 300 <= box["width"] <= 375 and box["height"] >= 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert errors == []
    screenshot(page, "charts-orglife-matrix")

    # Pages that draw no chart do not load echarts.
    page.goto(f"{live_url}/orglife/org/{w.branch.pk}/")
    assert not page.evaluate("[...document.scripts].some(s => s.src.includes('echarts'))")
