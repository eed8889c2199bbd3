"""谈心谈话 on a phone (375×812): the branch secretary opens the coverage page, taps "记录谈话" on two
gaps, submits the prefilled forms, and the gaps close."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dangjian.appraisal.models import Talk
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Post
from dangjian.orgs.services import post_assign
from dangjian.site.testing.factories import World, make_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def test_secretary_records_two_talks_and_closes_gaps(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    year = timezone.localdate().year
    deputy = make_member(w.branch, name="赵副书记")
    plain = make_member(w.branch, name="钱党员")
    post_assign(actor=SYSTEM, org=w.branch, member=w.member, post=Post.SECRETARY)
    post_assign(actor=SYSTEM, org=w.branch, member=deputy, post=Post.DEPUTY_SECRETARY)

    taps = 0  # every click on the way, counted (the issue asks for the taps of the main flow)
    page = new_page(w.secretary)
    page.goto(f"{live_url}/appraisal/org/{w.branch.pk}/coverage/{year}/")
    assert "谈心谈话" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    gaps = page.locator("ul.gaps li")
    assert gaps.count() == 3  # the committee pair; 钱党员 with a committee member, and with a peer
    screenshot(page, "appraisal-coverage-before")

    # Gap 1: the two committee members. One tap opens the form with both already chosen.
    gaps.filter(has_text="支委之间").get_by_role("link", name="记录谈话").click()
    taps += 1
    page.wait_for_url("**/talk/new/**")
    assert page.locator("#id_talker").input_value() == str(w.member.pk)
    assert page.locator(f"input[name=counterparts][value='{deputy.pk}']").is_checked()
    page.get_by_label("主要内容").fill("交流分工和明年打算")
    page.get_by_role("button", name="保存").click()
    taps += 1
    page.wait_for_url(f"**/coverage/{year}/")
    assert "谈话已记录" in page.inner_text("main")
    assert page.locator("ul.gaps li").filter(has_text="支委之间").count() == 0

    # Gap 2: the plain member with a committee member.
    page.locator("ul.gaps li").filter(has_text="支委与党员").get_by_role("link", name="记录谈话").click()
    taps += 1
    page.wait_for_url("**/talk/new/**")
    assert page.locator(f"input[name=counterparts][value='{plain.pk}']").is_checked()
    screenshot(page, "appraisal-talk-form")
    page.get_by_role("button", name="保存").click()
    taps += 1
    page.wait_for_url(f"**/coverage/{year}/")
    assert page.locator("ul.gaps li").filter(has_text="支委与党员").count() == 0
    assert Talk.objects.filter(org=w.branch, year=year).count() == 2
    screenshot(page, "appraisal-coverage-after")
    print(f"appraisal main flow: two talks recorded, two gaps closed in {taps} taps, 1 typed field")
    assert taps <= 4


def test_shares_cross_level_and_suggestion_pages_fit_a_phone(e2e_world: World, new_page: Any, live_url: str) -> None:
    """The 分工联系 page, a committee's cross-level coverage and the 民主评议 page with a points
    suggestion, at 375 px: no sideways scroll; the share is saved with one select and one tap."""
    from dangjian.appraisal import services
    from dangjian.appraisal.selectors import shares_of
    from dangjian.core.registry import appraisal_suggestion_provider, unregister_appraisal_suggestion_provider

    w = e2e_world
    year = timezone.localdate().year
    deputy = make_member(w.branch, name="赵副书记")
    plain = make_member(w.branch, name="钱党员")
    unit_sec = make_member(w.other_branch, name="周工委书记")
    post_assign(actor=SYSTEM, org=w.branch, member=w.member, post=Post.SECRETARY)
    post_assign(actor=SYSTEM, org=w.branch, member=deputy, post=Post.DEPUTY_SECRETARY)
    post_assign(actor=SYSTEM, org=w.unit, member=unit_sec, post=Post.SECRETARY)
    services.appraisal_open(actor=SYSTEM, org=w.branch, year=year)

    page = new_page(w.secretary)
    page.goto(f"{live_url}/appraisal/org/{w.branch.pk}/shares/")
    page.get_by_label("钱党员的联系支委").select_option(label="赵副书记")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/shares/")
    assert shares_of(w.branch) == {plain.pk: deputy.pk}
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "appraisal-shares")

    def suggest(member_ids: list[int], _year: int) -> dict[int, str]:
        return dict.fromkeys(member_ids, "积分三星，建议“合格”")

    appraisal_suggestion_provider(suggest)
    try:
        page.goto(f"{live_url}/appraisal/org/{w.branch.pk}/appraisal/{year}/")
        assert "仅供参考" in page.inner_text("main")
        screenshot(page, "appraisal-appraisal-suggestion")
    finally:
        unregister_appraisal_suggestion_provider(suggest)

    admin = new_page(w.admin)
    admin.goto(f"{live_url}/appraisal/org/{w.unit.pk}/cross/{year}/")
    assert admin.locator("ul.gaps li").count() >= 1
    assert admin.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(admin, "appraisal-cross")
