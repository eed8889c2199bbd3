"""党务公开 in real Chromium at 375×812: the branch secretary sees the overdue monthly dues disclosure
in the 待办, takes it through the gate (提出 → 保密审查 → 审批 → 公开) in five taps, and an anonymous
visitor's public page shows the summary only — no member's name, nothing 党内."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.openness import services as S
from dangjian.openness.models import Disclosure, DisclosureDue, Scope, Secrecy, Timing
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def shot(page: Any, name: str) -> None:
    screenshot(page, f"openness-{name}")


def test_branch_publishes_monthly_disclosure_to_public_board(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    basis = "《中国共产党党务公开条例（试行）》；种子 001：党支部每月公开党费收缴情况"
    S.catalogue_item_save(
        actor=w.admin, org=w.city, title="党费收缴情况", basis=basis, kind="dues_month", scope=Scope.PUBLIC,
        timing=Timing.PERIODIC, secrecy=Secrecy.OPEN, starts_on=last_month,
        due_days=0,  # due on the month's last day: overdue on every day of this month (the 1st too)
    )  # fmt: skip
    # Something published 党内 only: it must never reach the public page.
    inside = S.disclosure_propose(
        actor=w.liaison, org=w.branch, title="支部委员分工调整", text="内部事项", scope=Scope.ORG
    )
    inside = S.disclosure_review(actor=w.liaison, disclosure=inside, passed=True)
    inside = S.disclosure_approve(actor=w.admin, disclosure=inside, approve=True)  # outside the catalogue
    S.disclosure_publish(actor=w.liaison, disclosure=inside)
    S.disclosure_dues_refresh(actor=SYSTEM, org=w.city, today=today)
    assert DisclosureDue.objects.filter(org=w.branch, fulfilled_on__isnull=True).count() == 1

    page = new_page(w.secretary)
    page.goto(f"{live_url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "home-secretary")
    page.get_by_role("link", name="1项党务公开已逾期").first.click()  # tap 1: the 待办 item
    page.wait_for_load_state()
    assert "应公开事项" in page.inner_text("main") and page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "org-secretary")
    page.get_by_role("button", name="提出公开").first.click()  # tap 2: 提出
    page.wait_for_load_state()
    assert "保密审查" in page.inner_text("main")
    assert w.member.name not in page.inner_text("main")  # 向社会: summaries only, already at 提出
    shot(page, "proposed")
    page.get_by_role("button", name="审查通过").click()  # tap 3: 保密审查
    page.wait_for_load_state()
    page.get_by_role("button", name="同意公开").click()  # tap 4: 审批
    page.wait_for_load_state()
    page.get_by_role("button", name="公开", exact=True).click()  # tap 5: 实施
    page.wait_for_load_state()
    d = Disclosure.objects.get(org=w.branch, kind="dues_month")
    assert d.status == "published" and d.reviewed_by == d.approved_by == d.published_by == w.secretary
    assert "已公开" in page.inner_text("main") and page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "published")
    assert DisclosureDue.objects.get(org=w.branch).fulfilled_on == today

    visitor = new_page()  # no login: what a passer-by sees after scanning the noticeboard's QR code
    visitor.goto(f"{live_url}/openness/public/{w.branch.pk}/")
    text = visitor.inner_text("main")
    assert "党费收缴情况" in text and "应缴人数" in text
    assert "支部委员分工调整" not in text and w.member.name not in text
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 375
    shot(visitor, "public-board")
    visitor.get_by_role("link", name=d.title).click()
    visitor.wait_for_load_state()
    assert "实缴合计" in visitor.inner_text("main") and w.member.name not in visitor.inner_text("main")
    shot(visitor, "public-item")
