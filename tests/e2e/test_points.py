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


def test_committee_rates_a_branch_second_person_approves_board_prints(
    e2e_world: World, new_page: Any, live_url: str
) -> None:
    """星级党支部 on a phone: the unit's admin enters branch A's two assessment scores (3 fields, 1 tap to
    submit), a second admin approves (1 tap), the 星级支部 board shows the star and no score."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.points.models import BranchRating
    from dangjian.site.testing.factories import make_user

    w = e2e_world
    year = timezone.localdate().year
    second = make_user("钱审定", "13800000019")
    RoleAssignment.objects.create(user=second, org=w.unit, role="org_admin")

    page = new_page(w.admin)
    page.goto(f"{live_url}/points/org/{w.unit.pk}/ratings/?year={year}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    form = page.locator("form", has=page.locator(f"input[name=branch][value='{w.branch.pk}']"))
    form.locator("input[name=points_score]").fill("92.5")
    form.locator("input[name=target_score]").fill("88")
    form.locator("input[name=document]").fill("市直机关工委〔2026〕8号")
    form.get_by_role("button", name="提交审定").click()
    page.wait_for_load_state()
    assert "待另一位同志审定" in page.inner_text("body")
    screenshot(page, "points-ratings-entered")
    rating = BranchRating.objects.get()
    assert (str(rating.score), rating.star_label) == ("90.2", "三星党支部")

    page = new_page(second)
    page.goto(f"{live_url}/points/org/{w.unit.pk}/ratings/?year={year}")
    page.get_by_role("button", name="审定通过").click()
    page.wait_for_load_state()
    assert "已审定" in page.inner_text("body")
    page.goto(f"{live_url}/points/org/{w.unit.pk}/branch-board/?year={year}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    text = page.inner_text("body")
    assert w.branch.name in text and "三星党支部" in text and "90.2" not in text
    screenshot(page, "points-branch-board")
