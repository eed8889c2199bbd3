"""Every partyday view: success, anonymous, outsider, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core import calendar as cal
from dangjian.orgs.services import config_set
from dangjian.partyday import ics, selectors, services
from dangjian.partyday.models import AnnualPlan, ChangeRequest, FixedDaySetting, PlanState
from dangjian.site.testing.factories import World

FULL = {m: (f"{m}月主题", f"{m}月内容") for m in range(1, 13)}


@pytest.fixture(autouse=True)
def _fresh_cache(db: None) -> Any:
    cal.invalidate()
    cal.ensure_seeded()  # a transactional test elsewhere may have flushed the seeded rows
    yield
    cal.invalidate()


def _anon_redirects(url: str, method: str = "get") -> None:
    resp = getattr(Client(), method)(url)
    assert resp.status_code == 302 and "login" in resp["Location"]


def _plan_post() -> dict[str, str]:
    data = {f"theme_{m}": t for m, (t, _) in FULL.items()}
    data.update({f"content_{m}": c for m, (_, c) in FULL.items()})
    return data


def test_home(world: World, as_secretary: Client, as_outsider: Client) -> None:
    url = reverse("partyday:home")
    body = as_secretary.get(url).content.decode()
    assert world.branch.name in body and world.other_branch.name not in body
    body = as_outsider.get(url).content.decode()
    assert world.other_branch.name in body and world.branch.name not in body
    _anon_redirects(url)


def test_year_view(world: World, as_member: Client, as_outsider: Client) -> None:
    url = reverse("partyday:year", args=[world.branch.pk, 2026])
    resp = as_member.get(url)
    body = resp.content.decode()
    assert resp.status_code == 200 and "10月08日" in body and "国庆节" in body
    assert reverse("partyday:ics", args=[world.branch.pk, ics.feed_token(world.branch.pk)]) in body
    assert "申请调整" not in body  # a member cannot apply
    assert as_outsider.get(url).status_code == 404
    _anon_redirects(url)
    assert as_member.get(reverse("partyday:year", args=[world.branch.pk, 1800])).status_code == 404
    # a year without calendar data renders, marked provisional
    body = as_member.get(reverse("partyday:year", args=[world.branch.pk, 2031])).content.decode()
    assert "暂定" in body


def test_setting_edit(world: World, as_secretary: Client, as_member: Client, as_outsider: Client) -> None:
    url = reverse("partyday:setting", args=[world.branch.pk])
    assert as_secretary.get(url).status_code == 200
    resp = as_secretary.post(
        url,
        {"rule": "fixed_date", "day_of_month": "", "time_of_day": "afternoon", "start_time": "14:30", "min_hours": "2"},
    )
    assert resp.status_code == 400 and "每月几日" in resp.content.decode()
    assert not FixedDaySetting.objects.exists()
    resp = as_secretary.post(
        url,
        {
            "rule": "fixed_date",
            "day_of_month": "40",
            "time_of_day": "afternoon",
            "start_time": "14:30",
            "min_hours": "2",
        },
    )
    assert resp.status_code == 400 and not FixedDaySetting.objects.exists()
    resp = as_secretary.post(
        url,
        {
            "rule": "last_friday",
            "time_of_day": "afternoon",
            "start_time": "15:00",
            "min_hours": "3",
            "place": "党员活动室",
        },
    )
    assert resp.status_code == 302
    s = FixedDaySetting.objects.get(org=world.branch)
    assert (s.rule, s.start_time, s.min_hours, s.place) == ("last_friday", dt.time(15, 0), 3, "党员活动室")
    assert as_member.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, {"rule": "first_friday"}).status_code == 404
    _anon_redirects(url)
    clear = reverse("partyday:setting_clear", args=[world.branch.pk])
    assert as_outsider.post(clear).status_code == 404
    assert FixedDaySetting.objects.exists()
    _anon_redirects(clear, "post")
    assert as_secretary.post(clear).status_code == 302
    assert not FixedDaySetting.objects.exists()


def test_plan_edit_submit_and_decide(
    world: World, as_liaison: Client, as_secretary: Client, as_admin: Client, as_outsider: Client, as_member: Client
) -> None:
    url = reverse("partyday:plan", args=[world.branch.pk, 2027])
    assert as_liaison.get(url).status_code == 200
    assert as_liaison.post(url, _plan_post()).status_code == 302
    plan = AnnualPlan.objects.get(org=world.branch, year=2027)
    assert as_member.post(url, _plan_post()).status_code == 403
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, _plan_post()).status_code == 404
    _anon_redirects(url)
    bad = _plan_post() | {"theme_4": "x" * 300}
    resp = as_liaison.post(url, bad)
    assert resp.status_code == 400
    assert selectors.plan_items_current(plan)[4].theme == "4月主题"

    submit = reverse("partyday:plan_submit", args=[world.branch.pk, 2027])
    assert as_outsider.post(submit).status_code == 404
    _anon_redirects(submit, "post")
    assert as_secretary.post(submit).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanState.SUBMITTED
    resp = as_secretary.post(submit, follow=True)
    assert "不能重复提交" in resp.content.decode()

    decide = reverse("partyday:plan_decide", args=[plan.pk])
    assert as_secretary.post(decide, {"decision": "file"}).status_code == 403
    assert as_outsider.post(decide, {"decision": "file"}).status_code == 404
    _anon_redirects(decide, "post")
    resp = as_admin.post(decide, {"decision": "return", "comment": ""}, follow=True)
    assert "审核意见" in resp.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanState.SUBMITTED
    as_admin.post(decide, {"decision": "bogus"})
    assert as_admin.post(decide, {"decision": "file", "comment": "同意"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanState.FILED


def test_board(world: World, as_admin: Client, as_outsider: Client) -> None:
    services.plan_save(actor=world.admin, org=world.branch, year=2027, items=FULL)
    url = reverse("partyday:board", args=[world.city.pk, 2027])
    body = as_admin.get(url).content.decode()
    assert world.branch.name in body and world.other_branch.name in body
    body = as_admin.get(url + "?status=draft").content.decode()
    assert world.branch.name in body and world.other_branch.name not in body
    assert as_admin.get(url + "?status=nonsense").status_code == 200
    body = as_outsider.get(url).content.decode()
    assert world.branch.name not in body  # the outsider sees only their own branch
    assert as_outsider.get(reverse("partyday:board", args=[world.branch.pk, 2027])).status_code == 404
    _anon_redirects(url)


def test_change_request_views(
    world: World, as_secretary: Client, as_admin: Client, as_outsider: Client, as_member: Client
) -> None:
    today = timezone.localdate()
    target = dt.date(today.year + 1, 3, 1)  # next year: always far enough ahead
    pd = selectors.scheduled_party_day(world.branch, target.year, target.month)
    assert pd.date is not None
    url = reverse("partyday:change_new", args=[world.branch.pk])
    assert as_secretary.get(url).status_code == 200
    assert as_secretary.get(url + "?year=abc&month=<x>").status_code == 200
    # The form shows the original date and starts from it.
    page = as_secretary.get(url + f"?year={target.year}&month={target.month}").content.decode()
    assert f"原定党日：</strong>{pd.date:%Y-%m-%d}" in page and f'value="{pd.date:%Y-%m-%d}"' in page
    assert as_member.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404
    _anon_redirects(url)
    new = pd.date + dt.timedelta(days=1)
    resp = as_secretary.post(
        url, {"year": target.year, "month": target.month, "new_date": new.isoformat(), "reason": ""}
    )
    assert resp.status_code == 400 and not ChangeRequest.objects.exists()
    resp = as_secretary.post(
        url,
        {
            "year": target.year,
            "month": target.month,
            "new_date": (new + dt.timedelta(days=90)).isoformat(),
            "reason": "x",
        },
    )
    assert resp.status_code == 400 and not ChangeRequest.objects.exists()
    # too late: this month's party day if it is less than 3 days away is covered in test_services;
    # here a date in the past is refused with the field named
    past = today - dt.timedelta(days=1)
    resp = as_secretary.post(
        url, {"year": past.year, "month": past.month, "new_date": past.isoformat(), "reason": "补开"}
    )
    assert resp.status_code == 400 and "调整后日期" in resp.content.decode()
    assert "前3天" in resp.content.decode()  # and the too-late message names the deadline
    resp = as_secretary.post(
        url, {"year": target.year, "month": target.month, "new_date": new.isoformat(), "reason": "上级集中培训"}
    )
    assert resp.status_code == 302
    cr = ChangeRequest.objects.get()

    lst = reverse("partyday:changes")
    assert "上级集中培训" in as_admin.get(lst).content.decode()
    assert "上级集中培训" not in as_outsider.get(lst).content.decode()
    _anon_redirects(lst)

    decide = reverse("partyday:change_decide", args=[cr.pk])
    assert as_outsider.post(decide, {"decision": "approve"}).status_code == 404
    assert as_secretary.post(decide, {"decision": "approve"}).status_code == 403
    _anon_redirects(decide, "post")
    as_admin.post(decide, {"decision": "reject", "comment": ""})
    cr.refresh_from_db()
    assert cr.status == "pending"
    assert as_admin.post(decide, {"decision": "approve", "comment": "同意"}).status_code == 302
    assert selectors.scheduled_party_day(world.branch, target.year, target.month).date == new


def test_ics_feed(world: World, as_outsider: Client) -> None:
    services.fixed_day_setting_save(actor=world.secretary, org=world.branch, data={"place": "会议室, 三楼"})
    token = ics.feed_token(world.branch.pk)
    resp = Client().get(reverse("partyday:ics", args=[world.branch.pk, token]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/calendar")
    text = resp.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    year = timezone.localdate().year
    first = selectors.scheduled_party_day(world.branch, year, 1)
    assert first.date is not None
    assert f"DTSTART;TZID=Asia/Shanghai:{first.date:%Y%m%d}T143000" in text
    assert f"DTEND;TZID=Asia/Shanghai:{first.date:%Y%m%d}T163000" in text
    assert "LOCATION:会议室\\, 三楼" in text
    assert text.count("BEGIN:VEVENT") == 24
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    # another org's token, a forged token: nothing
    assert (
        Client().get(reverse("partyday:ics", args=[world.branch.pk, ics.feed_token(world.other_branch.pk)])).status_code
        == 404
    )
    assert Client().get(reverse("partyday:ics", args=[world.branch.pk, "forged"])).status_code == 404
    # a leaked URL is revoked by raising the feed version
    config_set(actor=world.admin, org=world.branch, key="partyday.feed_version", raw_value="2")
    assert Client().get(reverse("partyday:ics", args=[world.branch.pk, token])).status_code == 404
    fresh = ics.feed_token(world.branch.pk, 2)
    assert Client().get(reverse("partyday:ics", args=[world.branch.pk, fresh])).status_code == 200


def test_ics_escape_and_fold() -> None:
    assert ics.escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "SUMMARY:" + "主题党日" * 30
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1 and all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_ics_lone_cr_and_injected_properties_stay_inside_the_text() -> None:
    assert ics.escape("a\rb") == "a\\nb"
    assert ics.escape("a\r\nb\nc\rd") == "a\\nb\\nc\\nd"
    start = dt.datetime(2026, 3, 2, 14, 30)
    hostile = ics.IcsEvent(
        uid="1@x",
        start=start,
        end=start + dt.timedelta(hours=2),
        summary="学习\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:伪造;含,逗号\\" + "长" * 40,
        location="会议室\r\nATTENDEE:mailto:x@evil.example",
    )
    feed = ics.render("支部", [hostile], dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    lines = feed.split("\r\n")
    assert "\r" not in feed.replace("\r\n", "") and "\n" not in feed.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = feed.replace("\r\n ", "").split("\r\n")
    assert unfolded.count("BEGIN:VEVENT") == 1 and not any(x.startswith("ATTENDEE") for x in unfolded)
    summary = next(x for x in unfolded if x.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:学习\\nEND:VEVENT\\nBEGIN:VEVENT\\nSUMMARY:伪造\\;含\\,逗号\\\\")


def test_query_counts_do_not_grow(world: World, as_admin: Client, django_assert_max_num_queries: Any) -> None:
    services.plan_save(actor=world.admin, org=world.branch, year=2026, items=FULL)
    with django_assert_max_num_queries(20):
        assert as_admin.get(reverse("partyday:year", args=[world.branch.pk, 2026])).status_code == 200
    with django_assert_max_num_queries(20):
        assert as_admin.get(reverse("partyday:home")).status_code == 200


def test_home_attention_for_pending_change(world: World, as_admin: Client) -> None:
    services.change_request_create(
        actor=world.secretary, org=world.branch, year=2027, month=3, new_date=dt.date(2027, 3, 3), reason="培训"
    )
    body = as_admin.get(reverse("core:home")).content.decode()
    assert "主题党日调整申请待审批" in body


def test_changes_list_queries_do_not_grow(world: World, as_admin: Client, django_assert_max_num_queries: Any) -> None:
    for m in range(1, 7):
        services.change_request_create(
            actor=world.secretary,
            org=world.branch,
            year=2027,
            month=m,
            new_date=dt.date(2027, m, 20),
            reason=f"原因{m}",
        )
    with django_assert_max_num_queries(12):
        body = as_admin.get(reverse("partyday:changes")).content.decode()
    assert body.count("提交审批") == 6
