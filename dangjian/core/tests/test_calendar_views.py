"""Calendar pages: anyone logged in may look; only top-level org admins and superusers edit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.accounts.models import User
from dangjian.core import calendar as cal
from dangjian.core.calendar_services import calendar_day_set
from dangjian.core.models import AuditEvent, CalendarDay, CalendarYear
from dangjian.core.selectors import can_edit_calendar
from dangjian.site.testing.factories import World

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache(db: None) -> Any:
    cal.invalidate()
    cal.ensure_seeded()  # a transactional test elsewhere may have flushed the seeded rows
    yield
    cal.invalidate()


def test_pages_render(world: World, as_member: Client) -> None:
    body = as_member.get(reverse("core:calendar")).content.decode()
    assert "2026" in body and "已完整录入" in body and "新增或更新年度" not in body
    body = as_member.get(reverse("core:calendar_year", args=[2026])).content.decode()
    assert "2026-10-05" in body and "国庆节" in body and "删除" not in body
    body = as_member.get(reverse("core:calendar_year", args=[2031])).content.decode()
    assert "暂定" in body
    assert as_member.get(reverse("core:calendar_year", args=[1500])).status_code == 404
    for url in (reverse("core:calendar"), reverse("core:calendar_year", args=[2026])):
        resp = Client().get(url)
        assert resp.status_code == 302 and "login" in resp["Location"]


def test_who_may_edit(world: World) -> None:
    assert can_edit_calendar(world.admin)
    assert not can_edit_calendar(world.secretary)
    assert not can_edit_calendar(world.outsider)


def test_admin_enters_next_year(world: World, as_admin: Client) -> None:
    # the State Council publishes 2031: the admin adds National Day and a make-up Saturday
    resp = as_admin.post(reverse("core:calendar_year_save"), {"year": "2031", "complete": "", "notes": "国办发明电"})
    assert resp.status_code == 302
    url = reverse("core:calendar_day_save", args=[2031])
    assert as_admin.post(url, {"date": "2031-10-06", "is_working": "0", "name": "国庆节"}).status_code == 302
    assert as_admin.post(url, {"date": "2031-10-11", "is_working": "1", "name": "国庆节调休上班"}).status_code == 302
    assert not cal.is_working_day(D(2031, 10, 6))
    assert cal.is_working_day(D(2031, 10, 11))
    assert cal.is_provisional(D(2031, 10, 6))  # not yet marked complete
    cy = CalendarYear.objects.get(year=2031)
    as_admin.post(
        reverse("core:calendar_year_save"), {"year": "2031", "complete": "on", "notes": "完整", "version": cy.version}
    )
    assert not cal.is_provisional(D(2031, 10, 6))
    # delete an entry
    as_admin.post(reverse("core:calendar_day_remove", args=[2031]), {"date": "2031-10-06"})
    assert cal.is_working_day(D(2031, 10, 6))
    assert AuditEvent.objects.filter(action__startswith="calendar.").count() == 5


def test_bad_input_changes_nothing(world: World, as_admin: Client) -> None:
    url = reverse("core:calendar_day_save", args=[2031])
    before = CalendarDay.objects.count()
    resp = as_admin.post(url, {"date": "2031-13-40", "is_working": "0", "name": "x"}, follow=True)
    assert "日期" in resp.content.decode()
    resp = as_admin.post(url, {"date": "2030-10-01", "is_working": "0", "name": "x"}, follow=True)
    assert "不在 2031 年内" in resp.content.decode()
    resp = as_admin.post(url, {"date": "2031-10-06", "is_working": "0", "name": ""}, follow=True)
    assert "名称" in resp.content.decode()
    resp = as_admin.post(reverse("core:calendar_year_save"), {"year": "1800"}, follow=True)
    assert "年份" in resp.content.decode()
    resp = as_admin.post(reverse("core:calendar_day_remove", args=[2031]), {"date": "nope"}, follow=True)
    assert "格式无效" in resp.content.decode()
    assert CalendarDay.objects.count() == before
    assert not CalendarYear.objects.filter(year__in=[1800, 2031]).exists()
    # a stale version is refused
    cy = CalendarYear.objects.get(year=2026)
    resp = as_admin.post(
        reverse("core:calendar_year_save"),
        {"year": "2026", "complete": "", "notes": "x", "version": cy.version + 5},
        follow=True,
    )
    assert "已被他人修改" in resp.content.decode()
    assert CalendarYear.objects.get(year=2026).complete


def test_outsider_and_secretary_cannot_edit(world: World, as_secretary: Client, as_outsider: Client) -> None:
    for client in (as_secretary, as_outsider):
        assert client.post(reverse("core:calendar_year_save"), {"year": "2031", "complete": "on"}).status_code == 403
        r = client.post(
            reverse("core:calendar_day_save", args=[2026]), {"date": "2026-10-12", "is_working": "0", "name": "x"}
        )
        assert r.status_code == 403
        r = client.post(reverse("core:calendar_day_remove", args=[2026]), {"date": "2026-10-05"})
        assert r.status_code == 403
    assert not CalendarYear.objects.filter(year=2031).exists()
    assert not cal.is_working_day(D(2026, 10, 5)) and cal.is_working_day(D(2026, 10, 12))
    for url in (reverse("core:calendar_year_save"), reverse("core:calendar_day_save", args=[2026])):
        resp = Client().post(url, {})
        assert resp.status_code == 302 and "login" in resp["Location"]


def test_setting_a_day_back_to_normal_removes_the_exception(world: World) -> None:
    calendar_day_set(actor=world.admin, date=D(2026, 10, 5), is_working=True, name="")
    assert not CalendarDay.objects.filter(date=D(2026, 10, 5)).exists()
    assert cal.is_working_day(D(2026, 10, 5))


def test_django_admin_lists_calendar(world: World) -> None:
    su = User.objects.create_superuser("13900000099", "超级管理员", "pw-12345678")
    c = Client()
    c.force_login(su, backend="dangjian.accounts.backends.PhoneBackend")
    assert c.get("/admin/core/calendarday/").status_code == 200
    resp = c.post("/admin/core/calendarday/add/", {"date": "2031-05-01", "is_working": "", "name": "劳动节"})
    assert resp.status_code == 302
    assert not cal.is_working_day(D(2031, 5, 1))
