"""The committee admin's checklist item editor and the plan page's per-stratum sizes, in real Chromium
at 375×812: checklist → 编辑 (tap 1) → change the scoring note → 保存 (tap 2); plan page → open the
per-stratum sizes (tap 1)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.inspections.models import Checklist
from dangjian.inspections.rules import parse_checklist
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_edit_a_checklist_item_and_size_strata(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    page = new_page(w.admin)
    page.goto(f"{live_url}/inspections/org/{w.city.pk}/checklist/")
    page.locator("li", has_text="党员队伍管理").get_by_role("link", name="编辑").click()  # tap 1
    page.wait_for_load_state()
    assert "编辑检查项目" in page.inner_text("h1")
    fits(page)
    screenshot(page, "inspections-checklist-item")
    page.fill("#id_scoring", "党员信息不准确的，每项扣1分；组织关系转接超期的，每项扣2分")
    page.get_by_role("button", name="保存", exact=True).click()  # tap 2
    page.wait_for_load_state()
    assert "检查细则已保存" in page.inner_text("body")
    item = parse_checklist(Checklist.objects.get().data).item("A2")
    assert item is not None and item.scoring.endswith("每项扣2分")

    page.goto(f"{live_url}/inspections/org/{w.city.pk}/plan/new/")
    page.locator("#strata-sizes summary").click()  # tap 1
    assert page.locator("#id_size_sector_hospital").is_visible()
    fits(page)
    screenshot(page, "inspections-plan-strata")
