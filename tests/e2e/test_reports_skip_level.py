"""本级不汇总 in real Chromium at 375×812: the skipping committee's secretary opens the month's report
page and reads why there is nothing to sign (no sign-off form is offered)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.accounts.models import RoleAssignment
from dangjian.orgs.services import config_set
from dangjian.reports.tests.helpers import last_month
from dangjian.site.testing.factories import World, make_user

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_skipping_committee_month_page(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    secretary = make_user("工委书记", "13800000071")
    RoleAssignment.objects.create(user=secretary, org=w.unit, role="secretary")
    config_set(actor=w.admin, org=w.unit, key="reports.skip_level", raw_value=True)
    y, m = last_month()
    page = new_page(secretary)
    page.goto(f"{live_url}/reports/org/{w.unit.pk}/{y}/{m}/")
    assert "本级不汇总" in page.inner_text("#skips-level")
    assert page.locator("#sign-off").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "reports-skip-level")
