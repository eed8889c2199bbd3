"""Smoke test in real Chromium at 375×812: login, Chinese home page, scope enforced."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_member_logs_in_and_sees_chinese_home(e2e_world: World, new_page: Any, live_url: str) -> None:
    page = new_page(e2e_world.member_user)
    assert page.url.rstrip("/") == live_url.rstrip("/")
    assert "党建工作平台" in page.title()
    body = page.inner_text("body")
    assert "党建工作平台" in body
    assert e2e_world.member_user.name in body or e2e_world.branch.name in body
    # The page fits a phone: no horizontal scrolling at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The stylesheet is served by the live server (static files work).
    assert page.evaluate("getComputedStyle(document.querySelector('header.topbar')).display") != "inline"
    # Vendored front-end assets from node_modules are served too.
    for asset in ("vendor/htmx/htmx.min.js", "vendor/echarts/echarts.min.js"):
        assert page.request.get(f"{live_url}/static/{asset}").status == 200, asset
    screenshot(page, "smoke-home-member")


def test_outsider_cannot_open_branch_roster(e2e_world: World, new_page: Any, live_url: str) -> None:
    page = new_page(e2e_world.outsider)
    response = page.goto(f"{live_url}/members/org/{e2e_world.branch.pk}/")
    assert response is not None
    assert response.status in (403, 404)
    body = page.inner_text("body")
    assert e2e_world.member.name not in body
    assert e2e_world.branch.name not in body
    assert "不存在" in body or "无权" in body
    screenshot(page, "smoke-outsider-roster")


def test_anonymous_roster_redirects_to_login(e2e_world: World, new_page: Any, live_url: str) -> None:
    page = new_page()
    page.goto(f"{live_url}/members/org/{e2e_world.branch.pk}/")
    assert "/accounts/login/" in page.url
    assert e2e_world.member.name not in page.inner_text("body")
