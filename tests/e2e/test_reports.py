"""Reports in real Chromium at 375×812: a branch secretary signs off last month's report from the
home page's 待办 in four taps and well under a minute, and the committee sees it in its roll-up."""

from __future__ import annotations

import time
from typing import Any

import pytest

from dangjian.reports.models import ReportVersion
from dangjian.reports.tests.helpers import last_month, party_day_last_month
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def shot(page: Any, name: str) -> None:
    screenshot(page, name)  # var/e2e/<name>.png, to look at


def test_secretary_signs_off_and_committee_sees_the_rollup(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    party_day_last_month(w)
    y, m = last_month()

    page = new_page(w.secretary)
    page.goto(f"{live_url}/")
    started = time.monotonic()
    taps = 0
    page.get_by_role("link", name=f"签发{y}年{m}月工作报告").first.click()  # tap 1: the 待办 item
    taps += 1
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert "主题党日" in page.inner_text("main") and "查看记录" in page.inner_text("main")
    shot(page, "reports-month-secretary")
    page.get_by_label("亮点").click()  # tap 2
    page.get_by_label("亮点").fill("结合主题党日走访困难党员 3 户")
    page.get_by_label("问题").click()  # tap 3
    page.get_by_label("问题").fill("个别党员学习不够主动")
    taps += 2
    page.get_by_role("button", name="签发报送").click()  # tap 4
    taps += 1
    page.wait_for_load_state()
    elapsed = time.monotonic() - started
    assert "已签发报送（第 1 版）" in page.inner_text("body")
    assert taps == 4 and elapsed < 60, (taps, elapsed)
    v = ReportVersion.objects.get()
    assert v.highlights.startswith("结合主题党日") and v.figures["partyday"]["held"] == 1
    shot(page, "reports-month-signed")

    page = new_page(w.admin)
    page.goto(f"{live_url}/reports/org/{w.city.pk}/{y}/{m}/")
    text = page.inner_text("main")
    assert "已报 1" in text and "汇总数" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "reports-rollup-city")
    page.goto(f"{live_url}/reports/org/{w.unit.pk}/dashboard/?month={y}-{m:02d}")
    assert w.branch.name in page.inner_text("main")
    page.wait_for_selector("#reports-dashboard-chart canvas, #reports-dashboard-chart svg", timeout=10_000)
    shot(page, "reports-dashboard-unit")
    page.get_by_role("link", name=w.branch.name).first.click()
    page.wait_for_load_state()
    assert "已报送 第 1 版" in page.inner_text("main")
    print(f"sign-off: {taps} taps, {elapsed:.1f} s")
