"""Org tree, org page, structure checks and role grant in real Chromium at 375×812."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.accounts.models import RoleAssignment, User
from dangjian.site.testing.factories import World, make_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_admin_expands_tree_lazily_and_opens_branch(e2e_world: World, new_page: Any, live_url: str) -> None:
    page = new_page(e2e_world.admin)
    page.goto(f"{live_url}/orgs/")
    # The root's children load by htmx on page load; deeper levels only when expanded.
    page.wait_for_selector(f"text={e2e_world.unit.name}")
    assert e2e_world.branch.name not in page.inner_text(".tree")
    page.locator(".kids button.toggle").first.click()
    page.wait_for_selector(f"text={e2e_world.branch.name}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "orgs-tree-admin")
    page.click(f"text={e2e_world.branch.name}")
    body = page.inner_text("body")
    assert "结构检查" in body and "正式党员仅 1 人" in body and "依据" in body
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "orgs-branch-detail")


def test_admin_grants_role_to_roster_member(e2e_world: World, new_page: Any, live_url: str) -> None:
    m = make_member(e2e_world.branch, name="钱浏览器", phone="13600000077")
    page = new_page(e2e_world.admin)
    page.goto(f"{live_url}/accounts/roles/org/{e2e_world.branch.pk}/grant/")
    page.fill("#q", "钱浏览器")
    page.press("#q", "Enter")
    page.wait_for_load_state("networkidle")
    page.check(f"input[value='member:{m.pk}']")
    page.select_option("#id_role", "liaison")
    page.click("button:has-text('授予')")
    page.wait_for_selector("text=只显示这一次")
    password = page.inner_text("b[style*='letter-spacing']").strip()
    user = User.objects.get(phone="13600000077")
    assert user.check_password(password)
    assert RoleAssignment.objects.filter(user=user, org=e2e_world.branch, role="liaison").exists()
    screenshot(page, "accounts-password-once")


def test_outsider_tree_and_checks_show_nothing_of_branch_a(e2e_world: World, new_page: Any, live_url: str) -> None:
    page = new_page(e2e_world.outsider)
    page.goto(f"{live_url}/orgs/?q=教育")
    assert e2e_world.branch.name not in page.inner_text("body")
    response = page.goto(f"{live_url}/orgs/{e2e_world.branch.pk}/")
    assert response is not None and response.status == 404
    assert e2e_world.branch.name not in page.inner_text("body")
