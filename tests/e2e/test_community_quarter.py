"""The branch secretary's 待办 of in-service members not yet reported in this quarter, in real Chromium
at 375×812: home → the list of the unreported (1 tap) → the quarter's xlsx (1 tap more)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dangjian.site.testing.factories import World, make_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_unreported_todo_to_list_to_xlsx(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    make_member(w.branch, name="钱未报", phone="13900000078")
    page = new_page(w.secretary)
    page.goto(f"{live_url}/")
    item = page.locator("a", has_text="2名在职党员本季度尚未到社区报到")
    assert item.count() >= 1
    screenshot(page, "community-unreported-home")
    item.first.click()  # tap 1: straight to the branch's quarter list, at the unreported card
    page.wait_for_load_state()
    assert "/quarter/" in page.url and page.url.endswith("#unreported")
    card = page.locator("#unreported")
    assert "钱未报" in card.inner_text() and w.member.name in card.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "community-unreported-list")
    with page.expect_download() as dl:
        page.get_by_role("link", name="导出Excel").click()  # tap 2
    # Playwright saves a download under a random name without an extension, which openpyxl refuses.
    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert ws is not None
    names = {row[1] for row in ws.iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)}
    assert names == {"钱未报", w.member.name}
