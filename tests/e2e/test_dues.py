"""Party day in real Chromium at 375×812: the liaison records dues from the collection sheet, publishes
the month's disclosure, and the member sees their own payment and the published disclosure."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.dues.models import DuesDisclosure, DuesPayment
from dangjian.dues.rules import DuesCategory, month_start
from dangjian.dues.services import dues_base_set
from dangjian.site.testing.factories import World, make_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_party_day_dues_collection_and_disclosure(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    year = timezone.localdate().year
    month = month_start(timezone.localdate())
    dues_base_set(actor=SYSTEM, member=w.member, year=year, category=DuesCategory.IN_SERVICE, monthly_base_fen=510_000)
    student = make_member(w.branch, name="刘学生", category="student")
    absent = make_member(w.branch, name="陈未到")
    dues_base_set(actor=SYSTEM, member=absent, year=year, category=DuesCategory.RETIRED, monthly_base_fen=400_000)

    # The liaison opens the collection sheet on a phone.
    page = new_page(w.liaison)
    page.goto(f"{live_url}/dues/org/{w.branch.pk}/sheet/?month={month:%Y-%m}")
    assert "党费收缴" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    member_row = page.locator(f"#row-{w.member.pk}")
    assert member_row.locator("input[name=amount]").input_value() == "76.50"  # prefilled, editable

    # One tap per member: the row turns into "已缴" without leaving the page.
    member_row.get_by_role("button", name=f"登记{w.member.name}已缴").click()
    page.locator(f"#row-{w.member.pk} .paid").wait_for()
    assert "已缴 76.50 元" in page.locator(f"#row-{w.member.pk}").inner_text()
    student_row = page.locator(f"#row-{student.pk}")
    assert student_row.locator("input[name=amount]").input_value() == "0.20"
    student_row.locator("select[name=method]").select_option("online")
    student_row.get_by_role("button", name=f"登记{student.name}已缴").click()
    page.locator(f"#row-{student.pk} .paid").wait_for()
    # The summary updates out of band: 3 due, 2 paid.
    page.wait_for_function("document.querySelector('#sheet-summary').innerText.includes('2 人')")
    summary = page.locator("#sheet-summary").inner_text()
    assert "3 人" in summary and "2 人" in summary
    assert DuesPayment.objects.count() == 2
    screenshot(page, "dues-sheet-liaison")

    # A wrong amount without a note is refused in the row and nothing is recorded.
    absent_row = page.locator(f"#row-{absent.pk}")
    absent_row.locator("input[name=amount]").fill("5")
    absent_row.get_by_role("button", name=f"登记{absent.name}已缴").click()
    page.locator(f"#row-{absent.pk} [role=alert]").wait_for()
    assert "备注" in page.locator(f"#row-{absent.pk} [role=alert]").inner_text()
    assert DuesPayment.objects.count() == 2

    # Publish the month's disclosure.
    with page.expect_navigation():
        page.get_by_role("button", name="公开本月收缴情况").click()
    assert "党费收缴情况公开" in page.inner_text("h1")
    assert DuesDisclosure.objects.filter(org=w.branch, month=month).exists()
    screenshot(page, "dues-disclosure-liaison")

    # The member sees their own payment and the branch's disclosure.
    mp = new_page(w.member_user)
    mp.goto(f"{live_url}/dues/my/")
    body = mp.inner_text("main")
    assert "我的党费" in body and "76.50" in body and "已缴" in body and w.liaison.name in body
    assert mp.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(mp, "dues-my-member")
    with mp.expect_navigation():
        mp.get_by_role("link", name=f"{month.year}年{month.month}月").click()
    table = mp.inner_text("table")
    assert w.member.name in table and "陈未到" in table and "未缴" in table
    assert "已缴" in mp.inner_text(".summary-nums") and "2 人" in mp.inner_text(".summary-nums")
    screenshot(mp, "dues-disclosure-member")
