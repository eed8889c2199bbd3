"""Every openness page: success, anonymous (→ login), outsider with real ids (→ 403/404, no data),
a plain member (reads the board, changes nothing), bad input; the public pages cacheable and lean."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.openness import services as S
from dangjian.openness.models import CatalogueItem, Deliberation, Disclosure, DisclosureStatus, Scope
from dangjian.site.testing.factories import World

from .helpers import dues_item, free_text, last_month, published_dues

pytestmark = pytest.mark.django_db

SECRET = "张党员"  # branch A member's name: never shown to an outsider or on a public page


def test_secretary_publishes_the_monthly_sheet_through_the_gate(world: World, as_secretary: Client) -> None:
    item = dues_item(world)
    r = as_secretary.get(reverse("openness:org", args=[world.branch.pk]))
    assert r.status_code == 200 and "党费收缴情况" in r.content.decode()
    r = as_secretary.post(
        reverse("openness:propose", args=[world.branch.pk]),
        {"item": item.pk, "period_start": f"{last_month():%Y-%m-%d}", "scope": "org", "channel": "board"},
    )
    d = Disclosure.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("openness:disclosure", args=[d.pk])
    page = as_secretary.get(r["Location"]).content.decode()
    assert "保密审查" in page and SECRET in page  # the 党内 sheet lists each member
    for step, body in (("review", {"decision": "pass"}), ("approve", {"decision": "approve"}), ("publish", {})):
        d.refresh_from_db()
        as_secretary.post(reverse(f"openness:{step}", args=[d.pk]), {**body, "version": d.version})
    d.refresh_from_db()
    assert d.status == DisclosureStatus.PUBLISHED
    board = as_secretary.get(reverse("openness:board", args=[world.branch.pk])).content.decode()
    assert d.title in board and "张贴二维码" in board


def test_publish_without_review_is_refused_in_chinese(world: World, as_secretary: Client) -> None:
    d = S.disclosure_propose(actor=world.secretary, org=world.branch, item=dues_item(world), period_start=last_month())
    r = as_secretary.post(reverse("openness:publish", args=[d.pk]), {"version": d.version}, follow=True)
    assert "须先完成保密审查和审批，才能公开" in r.content.decode()
    d.refresh_from_db()
    assert d.status == DisclosureStatus.PROPOSED and d.published_at is None


def test_bad_input_names_the_field_and_writes_nothing(world: World, as_secretary: Client) -> None:
    r = as_secretary.post(
        reverse("openness:propose", args=[world.branch.pk]),
        {"item": "", "title": "", "text": "", "scope": "org", "channel": "board"},
        follow=True,
    )
    assert "标题：请填写公开事项的标题" in r.content.decode()
    r = as_secretary.post(
        reverse("openness:propose", args=[world.branch.pk]),
        {"item": "", "title": "通知", "text": "", "scope": "nowhere", "channel": "board"},
        follow=True,
    )
    assert "公开范围（目录外事项）" in r.content.decode()
    assert not Disclosure.objects.exists()


def test_outsider_sees_nothing_of_branch_a(world: World, as_outsider: Client) -> None:
    published = published_dues(world)
    draft = free_text(world, title="草稿", text="内部", publish=False)
    for name, args in (
        ("openness:org", [world.branch.pk]),
        ("openness:board", [world.branch.pk]),
        ("openness:board_qr", [world.branch.pk]),
        ("openness:disclosure", [published.pk]),
        ("openness:disclosure", [draft.pk]),
        ("openness:catalogue", [world.branch.pk]),
        ("openness:compliance", [world.branch.pk]),
        ("openness:deliberations", [world.branch.pk]),
    ):
        r = as_outsider.get(reverse(name, args=args))
        assert r.status_code in (403, 404), name
        assert SECRET not in r.content.decode()
    r = as_outsider.post(reverse("openness:review", args=[draft.pk]), {"decision": "pass", "version": draft.version})
    assert r.status_code in (403, 404)
    draft.refresh_from_db()
    assert draft.status == DisclosureStatus.PROPOSED


def test_member_reads_the_board_but_not_drafts(world: World, as_member: Client) -> None:
    published = published_dues(world)
    draft = free_text(world, title="草稿事项", text="内部", publish=False)
    board = as_member.get(reverse("openness:board", args=[world.branch.pk])).content.decode()
    assert published.title in board and "草稿事项" not in board
    assert as_member.get(reverse("openness:disclosure", args=[published.pk])).status_code == 200
    assert as_member.get(reverse("openness:disclosure", args=[draft.pk])).status_code == 404
    r = as_member.post(reverse("openness:review", args=[draft.pk]), {"decision": "pass", "version": draft.version})
    assert r.status_code in (403, 404)


def test_anonymous_is_sent_to_login_but_public_pages_open(world: World) -> None:
    c = Client()
    for name in ("openness:org", "openness:board"):
        r = c.get(reverse(name, args=[world.branch.pk]))
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert c.get(reverse("openness:public", args=[world.branch.pk])).status_code == 200


def test_public_page_shows_only_published_public_summaries(world: World) -> None:
    inside = published_dues(world)  # 党内, with each member's amounts
    public = free_text(world, title="活动室开放时间", text="每周一至周五开放")
    draft = free_text(world, title="未审草稿", text="尚未审查", publish=False)
    c = Client()
    body = c.get(reverse("openness:public", args=[world.branch.pk])).content.decode()
    assert public.title in body and inside.title not in body and draft.title not in body and SECRET not in body
    assert c.get(reverse("openness:public_item", args=[public.pk])).status_code == 200
    assert c.get(reverse("openness:public_item", args=[inside.pk])).status_code == 404
    assert c.get(reverse("openness:public_item", args=[draft.pk])).status_code == 404


def test_public_dues_sheet_never_lists_members(world: World) -> None:
    d = published_dues(world, scope=Scope.PUBLIC)
    body = Client().get(reverse("openness:public_item", args=[d.pk])).content.decode()
    assert "应缴人数" in body and SECRET not in body


def test_public_page_is_cacheable_and_lean(world: World) -> None:
    free_text(world, title="活动室开放时间", text="每周一至周五开放")
    c = Client()
    url = reverse("openness:public", args=[world.branch.pk])
    with CaptureQueriesContext(connection) as q:
        r = c.get(url)
    assert r.status_code == 200 and len(q) <= 3
    assert "public" in r["Cache-Control"] and "max-age=300" in r["Cache-Control"]
    assert "csrftoken" not in r.cookies and "sessionid" not in r.cookies  # visitors without cookies share it
    again = c.get(url, HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304
    free_text(world, title="第二条公开", text="新内容")
    assert c.get(url, HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 200  # a new publication changes the ETag


def test_board_query_budget(world: World, as_member: Client, django_assert_max_num_queries: object) -> None:
    for i in range(5):
        free_text(world, title=f"公开{i}", text="内容", scope=Scope.ORG)
    url = reverse("openness:board", args=[world.branch.pk])
    as_member.get(url)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert as_member.get(url).status_code == 200


def test_catalogue_page_adds_items_and_names_bad_fields(world: World, as_admin: Client) -> None:
    url = reverse("openness:catalogue", args=[world.city.pk])
    body = {
        "title": "党费收缴情况", "category": "dues", "basis": "党务公开条例", "kind": "dues_month",
        "applies_to": "branches", "scope": "org", "timing": "periodic", "frequency": "month", "channel": "board",
        "secrecy": "internal", "active": "on",
    }  # fmt: skip
    assert as_admin.post(url, body).status_code == 302
    item = CatalogueItem.objects.get()
    assert item.org == world.city and item.due_days == 10
    r = as_admin.post(url, {**body, "scope": "public"}, follow=True)
    assert "党内事项不能向社会公开" in r.content.decode() and CatalogueItem.objects.count() == 1
    page = as_admin.get(reverse("openness:item", args=[item.pk]))
    assert page.status_code == 200
    r = as_admin.post(reverse("openness:item", args=[item.pk]), {**body, "title": "党费收缴及使用", "version": 1})
    item.refresh_from_db()
    assert item.title == "党费收缴及使用"


def test_compliance_view_for_the_committee(world: World, as_admin: Client) -> None:
    start = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    dues_item(world, since=start)
    S.disclosure_dues_refresh(actor=world.admin, org=world.city, today=timezone.localdate())
    # Last month's obligation falls due some days into this month: the window runs past it, so the
    # test holds on every day of the month (on the 1st, its due date is still ahead).
    window = f"?start={start:%Y-%m-%d}&end={timezone.localdate() + dt.timedelta(days=40):%Y-%m-%d}"
    r = as_admin.get(reverse("openness:compliance", args=[world.city.pk]) + window)
    page = r.content.decode()
    assert r.status_code == 200 and world.unit.name in page
    assert [row.org_id for row in r.context["rows"]] == [world.unit.pk]  # rolled up per child
    unit = r.context["rows"][0]
    assert unit.owed == 2 and unit.overdue + unit.done_on_time + unit.done_late <= 2
    r = as_admin.get(reverse("openness:compliance", args=[world.unit.pk]) + window)
    assert world.branch.name in r.content.decode() and world.other_branch.name in r.content.decode()


def test_deliberation_pages(world: World, as_liaison: Client) -> None:
    url = reverse("openness:deliberations", args=[world.branch.pk])
    r = as_liaison.post(url, {"topic": "活动经费使用", "proposer": "支委会", "procedure": "general"})
    d = Deliberation.objects.get()
    assert r.status_code == 302
    detail = reverse("openness:deliberation", args=[d.pk])
    assert "党组织或党员提议" in as_liaison.get(detail).content.decode()
    today = f"{timezone.localdate():%Y-%m-%d}"
    r = as_liaison.post(
        reverse("openness:stage", args=[d.pk]),
        {"stage": "general_meeting", "held_on": today, "expected": 10, "present": 8, "version": d.version},
        follow=True,
    )
    assert "须先完成“党组织或党员提议”" in r.content.decode() and not d.stages.exists()
    as_liaison.post(
        reverse("openness:stage", args=[d.pk]), {"stage": "propose", "held_on": today, "version": d.version}
    )
    assert d.stages.count() == 1
    r = as_liaison.post(reverse("openness:close", args=[d.pk]), {"version": d.version + 1}, follow=True)
    assert "已办结" not in [str(m) for m in r.context["messages"]]


def test_member_reaches_own_board_from_the_nav(world: World, as_member: Client, as_admin: Client) -> None:
    r = as_member.get(reverse("openness:mine"))
    assert r.status_code == 302 and r["Location"] == reverse("openness:board", args=[world.branch.pk])
    assert as_admin.get(reverse("openness:mine"))["Location"] == reverse("openness:index")
