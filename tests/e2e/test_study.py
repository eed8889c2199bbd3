"""Study in real Chromium at 375×812: a liaison logs a 流动党员 contact by phone from the home 待办,
and a member reads their hours (derived from a filed meeting and a training) on a phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.site.testing.factories import World
from dangjian.study import services as S
from dangjian.study.models import MobileContact
from dangjian.study.tests.helpers import filed_meeting, mobile_member

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def shot(page: Any, name: str) -> None:
    screenshot(page, f"study-{name}")


def test_liaison_logs_a_contact_by_phone(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    m = mobile_member(w.branch, name="郑流动")
    S.study_due_check(actor=SYSTEM, org=w.city, today=timezone.localdate())

    page = new_page(w.liaison)
    page.goto(f"{live_url}/")
    shot(page, "1-home-liaison")
    taps = 0
    page.get_by_role("link", name="1 名流动党员超过一个月未联系").first.click()  # the 待办 item
    taps += 1
    page.wait_for_load_state()
    assert "流动党员联系" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert "已超过一个月未联系" in page.inner_text("main")
    shot(page, "2-mobile-before")
    page.select_option("#id_member", str(m.pk))  # the only 流动党员 is already selected; counted anyway
    taps += 1
    assert page.is_checked("input[name=channel][value=phone]")  # 电话 by default
    page.fill("#id_topic", "了解务工近况，转发本月学习清单")
    taps += 1
    page.fill("#id_location", "广东省深圳市")
    taps += 1
    page.get_by_role("button", name="登记", exact=True).click()
    taps += 1
    page.wait_for_load_state()
    assert "已登记联系记录" in page.inner_text("body")
    c = MobileContact.objects.get()
    assert c.channel == "phone" and c.contacted_by == w.liaison.name and c.location == "广东省深圳市"
    assert Member.objects.get(pk=m.pk).mobile_last_contact == timezone.localdate()
    assert "已超过一个月未联系" not in page.inner_text("main")
    shot(page, "3-mobile-after")
    print(f"taps from the home page to a logged contact: {taps}")
    assert taps <= 5

    page.goto(f"{live_url}/study/org/{w.branch.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert "不排名" in page.inner_text("main")
    shot(page, "5-branch-liaison")


def test_member_reads_their_hours(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    filed_meeting(w.branch, {w.member.pk: "present"}, minutes=120)
    end = timezone.localdate() - dt.timedelta(days=10)
    S.training_record_add(
        actor=SYSTEM, member=w.member, title="党员轮训班", organiser="市委党校", kind="concentrated",
        starts_on=end - dt.timedelta(days=1), ends_on=end, hours=Decimal(16),
    )  # fmt: skip
    page = new_page(w.member_user)
    page.goto(f"{live_url}/")
    page.goto(f"{live_url}/study/my/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    text = page.inner_text("main")
    assert "18 / 32 学时" in text and "尚差 14 学时" in text
    assert "党员轮训班" in text and "出席" in text
    assert "排名" not in text
    shot(page, "4-member-hours")
