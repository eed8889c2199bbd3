"""Browser test: a branch liaison imports a roster workbook on a phone-sized screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dangjian.members.models import Member
from dangjian.members.tests.helpers import row_for, workbook_bytes
from dangjian.site.testing.factories import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.e2e


def upload_workbook(page: Any, content: bytes) -> None:
    page.get_by_role("link", name="Excel 导入").click()
    page.wait_for_url(re.compile(r"/members/org/\d+/import/$"))
    page.set_input_files("#id_file", files=[{"name": "党员名册.xlsx", "mimeType": XLSX, "buffer": content}])
    with page.expect_navigation():
        page.get_by_role("button", name="上传并校验").click()


def test_liaison_imports_fixes_and_reimports(e2e_world: World, live_url: str, new_page: Any) -> None:
    world = e2e_world
    branch = world.branch.name
    rows = [row_for(branch, name="浏览器甲"), row_for(branch, name="浏览器乙"), row_for(branch, name="浏览器丙")]
    good_id = rows[1]["身份证号"]
    rows[1]["身份证号"] = good_id[:17] + ("0" if good_id[17] != "0" else "1")  # wrong check digit

    page = new_page(world.liaison)
    assert page.viewport_size == {"width": 375, "height": 812}
    page.goto(f"{live_url}/members/")
    page.wait_for_url(re.compile(rf"/members/org/{world.branch.pk}/$"))
    assert branch in page.locator("h1").inner_text()
    assert "张党员" in page.locator("main").inner_text()

    upload_workbook(page, workbook_bytes(rows))
    page.wait_for_url(re.compile(r"/members/imports/\d+/$"))
    main = page.locator("main")
    error_row = page.locator("tr.import-error")
    assert error_row.count() == 1
    text = error_row.first.inner_text()
    assert "第 3 行" in text and "身份证号" in text and "身份证号校验位错误，请核对" in text
    assert "未写入任何数据" in main.inner_text()
    assert not Member.objects.filter(name__startswith="浏览器").exists()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1

    rows[1]["身份证号"] = good_id  # fixed
    page.get_by_role("link", name="返回名册").click()
    upload_workbook(page, workbook_bytes(rows))
    page.wait_for_url(re.compile(r"/members/imports/\d+/$"))
    assert "导入完成" in page.locator("#import-state").inner_text()
    assert "新增 3 人" in page.locator("main").inner_text()

    page.get_by_role("link", name="返回名册").click()
    roster = page.locator("main").inner_text()
    for name in ("浏览器甲", "浏览器乙", "浏览器丙"):
        assert name in roster
    assert Member.objects.filter(name__startswith="浏览器", org=world.branch).count() == 3


def test_outsider_cannot_reach_the_branch_roster(e2e_world: World, live_url: str, new_page: Any) -> None:
    world = e2e_world
    page = new_page(world.outsider)
    for path in (f"/members/org/{world.branch.pk}/", f"/members/org/{world.branch.pk}/import/"):
        response = page.goto(f"{live_url}{path}")
        assert response is not None and response.status == 404
        body = page.locator("body").inner_text()
        assert "张党员" not in body and world.branch.name not in body
