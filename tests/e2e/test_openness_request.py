"""申请公开 and 撤回 in real Chromium at 375×812: the member files a request from the 公开栏 (2 taps
and the text), the secretary answers it from the home 待办 (3 taps and the text) and takes a
published item down with its reason (2 taps and the text)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.openness.models import Disclosure, DisclosureRequest, DisclosureStatus, RequestStatus
from dangjian.openness.tests.helpers import published_dues
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_request_answer_and_withdraw(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    d = published_dues(w)
    member = new_page(w.member_user)
    member.goto(f"{live_url}/openness/mine/")
    member.get_by_role("link", name="申请公开").click()  # tap 1
    member.wait_for_load_state()
    member.fill("#id_matter", "年度党费使用情况")
    member.get_by_role("button", name="提交申请").click()  # tap 2
    member.wait_for_load_state()
    assert "申请已提交" in member.inner_text("body")
    fits(member)
    screenshot(member, "openness-request-member")

    sec = new_page(w.secretary)
    sec.goto(f"{live_url}/")
    sec.locator("a", has_text="1件党员申请公开待答复").first.click()  # tap 1
    sec.wait_for_load_state()
    assert "年度党费使用情况" in sec.inner_text("main")
    fits(sec)
    screenshot(sec, "openness-requests-branch")
    req = DisclosureRequest.objects.get()
    sec.select_option(f"#r{req.pk}-disclosure", str(d.pk))  # tap 2
    sec.fill(f"#r{req.pk}-answer", "已在公开栏公开，请查看")
    sec.get_by_role("button", name="答复").click()  # tap 3
    sec.wait_for_load_state()
    assert DisclosureRequest.objects.get().status == RequestStatus.AGREED

    sec.goto(f"{live_url}/openness/disclosure/{d.pk}/")
    sec.locator("summary", has_text="撤回此公开事项").click()  # tap 1
    sec.fill("#withdraw-reason", "金额录入有误，更正后重新公开")
    sec.get_by_role("button", name="撤回", exact=True).click()  # tap 2
    sec.wait_for_load_state()
    assert Disclosure.objects.get(pk=d.pk).status == DisclosureStatus.WITHDRAWN
    fits(sec)
    screenshot(sec, "openness-withdrawn")
