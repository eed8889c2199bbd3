"""Points in real Chromium at 375×812: a liaison approves a manual item the secretary entered (four
eyes), and the member reads their explained annual total on a phone; no ranking on the branch page."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dangjian.points import services as S
from dangjian.points.models import ManualPoint
from dangjian.points.tests.helpers import filed_meeting
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_liaison_approves_and_member_reads_explained_total(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    today = timezone.localdate()
    filed_meeting(w.branch, {w.member.pk: "present"})
    S.manual_point_enter(
        actor=w.secretary, member=w.member, item_code="commendation", on=today, reason="被评为优秀共产党员",
        document="市直机关工委〔2026〕12号",
    )  # fmt: skip

    page = new_page(w.liaison)
    page.goto(f"{live_url}/points/org/{w.branch.pk}/")
    assert "星级" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert "被评为优秀共产党员" in page.inner_text("main")
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    assert "已审核" in page.inner_text("body")
    assert ManualPoint.objects.get().status == "approved"
    body = page.inner_text("main")
    assert "排名" not in body.replace("不排名", "")
    screenshot(page, "points-branch-liaison")

    page = new_page(w.member_user)
    page.goto(f"{live_url}/points/my/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    text = page.inner_text("main")
    assert "参加主题党日 1 次 × 2 = 2" in text and "受到表彰 1 次 × 5 = 5" in text
    assert "67" in text and "一星" in text
    screenshot(page, "points-my-member")
