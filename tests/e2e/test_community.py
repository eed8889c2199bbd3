"""五亮五共 in real Chromium at 375×812: a member scans the community's QR code on a phone, reports in,
claims a need and reports it done; the community's liaison confirms it from the home page's 待办; the
member's branch sees the confirmation and not the address."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.community.models import Deed, DeedStatus, ServiceLink
from dangjian.community.tests.helpers import make_community, need
from dangjian.community.views import join_token
from dangjian.site.testing.factories import World

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e


def fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_member_reports_in_by_qr_claims_and_community_confirms(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    c = make_community(w)
    n = need(c, title="独居老人周末探访")

    # The community prints its poster (the QR code encodes the join URL).
    desk = new_page(c.liaison)
    desk.goto(f"{live_url}/community/org/{c.org.pk}/poster/")
    assert desk.locator(".qr svg").count() == 1
    screenshot(desk, "community-poster")

    # The member scans it: the phone opens the URL, logs in, and lands on the report-in form.
    page = new_page()
    page.goto(f"{live_url}/community/join/{join_token(c.org)}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_phone", w.member_user.phone)
    page.fill("#id_password", w.password)
    with page.expect_navigation():
        page.click("button[type=submit]")  # tap 1
    assert c.org.name in page.inner_text("h1")
    fits(page)
    screenshot(page, "community-join")
    page.fill("#id_address", "柳树湾小区 3 栋 2 单元 501")
    page.get_by_role("button", name="确认报到").click()  # tap 2
    page.wait_for_load_state()
    assert "已向" in page.inner_text("body")
    assert ServiceLink.objects.get().channel == "qr"
    fits(page)
    page.get_by_role("button", name="领办").click()  # tap 3
    page.wait_for_load_state()
    assert "已领办" in page.inner_text("body")
    page.fill("input[name=note]", "探访 3 户老人")
    page.get_by_role("button", name="报告完成").click()  # tap 4
    page.wait_for_load_state()
    assert Deed.objects.get(need=n).status == DeedStatus.REPORTED
    fits(page)
    screenshot(page, "community-my-member")

    # The community's liaison: home 待办 (straight to the desk) → 确认.
    desk.goto(f"{live_url}/")
    desk.locator("a", has_text="1条在职党员服务记录待社区确认").click()  # tap 1
    desk.wait_for_load_state()
    assert "报到党员服务" in desk.inner_text("h1")
    fits(desk)
    assert w.member.name in desk.inner_text("main") and w.member.phone in desk.inner_text("main")
    screenshot(desk, "community-desk")
    desk.get_by_role("button", name="确认", exact=True).click()  # tap 2
    desk.wait_for_load_state()
    assert "已确认" in desk.inner_text("body")
    assert Deed.objects.get(need=n).status == DeedStatus.CONFIRMED

    # The member's branch secretary sees the confirmation and the community, not the address.
    sec = new_page()
    login(sec, live_url, w.secretary.phone)
    sec.goto(f"{live_url}/community/org/{w.branch.pk}/quarter/")
    text = sec.inner_text("main")
    assert c.org.name in text and "柳树湾小区 3 栋" not in text
    fits(sec)
    screenshot(sec, "community-employer")
