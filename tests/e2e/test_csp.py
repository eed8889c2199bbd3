"""Under the Content-Security-Policy (no inline scripts) the page behaviours still work."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.accounts.models import RoleAssignment
from dangjian.site.testing.factories import World

pytestmark = pytest.mark.e2e


def test_confirm_before_revoking_a_role_comes_from_the_static_script(
    e2e_world: World, new_page: Any, live_url: str
) -> None:
    w = e2e_world
    page = new_page(w.admin)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_url}/accounts/roles/?org={w.branch.pk}")
    before = RoleAssignment.objects.count()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("form[data-confirm] button").first.click()
    page.wait_for_timeout(300)
    assert dialogs == ["确定撤销该角色？"]
    assert RoleAssignment.objects.count() == before  # cancelled: nothing submitted
    assert violations == []
