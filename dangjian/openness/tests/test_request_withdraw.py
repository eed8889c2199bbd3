"""申请公开 (a member's request answered within working days) and 撤回 (a published item taken down
with its reason kept)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_client
from dangjian.core.calendar import add_working_days
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import FourEyesRefused
from dangjian.openness import rules as R
from dangjian.openness import services as S
from dangjian.openness.attention import openness_attention
from dangjian.openness.models import DisclosureDue, DisclosureRequest, DisclosureStatus, RequestStatus
from dangjian.site.testing.factories import World

from .helpers import last_month, published_dues

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- rules at their boundaries


def test_withdraw_rule() -> None:
    assert R.withdraw_error("published", "数据有误") is None  # exactly the minimum length
    assert R.withdraw_error("published", " 有误  ") is not None  # 2 characters once trimmed
    assert R.withdraw_error("approved", "数据有误需更正") is not None
    assert R.withdraw_error("withdrawn", "数据有误需更正") == "该公开事项已撤回"


def test_request_overdue_rule() -> None:
    due = dt.date(2026, 3, 10)
    assert not R.request_overdue("pending", due, due)  # the last day is still in time
    assert R.request_overdue("pending", due, due + dt.timedelta(days=1))
    assert not R.request_overdue("agreed", due, due + dt.timedelta(days=30))


# ---------------------------------------------------------------- 撤回


def test_withdraw_keeps_the_record_and_the_reason(world: World, as_member: Client) -> None:
    d = published_dues(world)
    assert d.item is not None and d.period_start is not None
    due = DisclosureDue.objects.create(
        org=world.branch, org_path=world.branch.path, item=d.item, period_start=d.period_start,
        period_end=d.period_end or last_month(), title=d.title, due_on=timezone.localdate(), disclosure=d,
        fulfilled_on=timezone.localdate(),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="撤回理由"):
        S.disclosure_withdraw(actor=world.secretary, disclosure=d, reason="错", version=d.version)
    with pytest.raises(PermissionDenied):
        S.disclosure_withdraw(actor=world.outsider, disclosure=d, reason="数据有误需更正", version=d.version)
    with pytest.raises(PermissionDenied):  # a liaison may publish but not take down (APPROVE)
        S.disclosure_withdraw(actor=world.liaison, disclosure=d, reason="数据有误需更正", version=d.version)
    w = S.disclosure_withdraw(
        actor=world.secretary, disclosure=d, reason="三月金额录入有误，更正后重新公开", version=d.version
    )
    assert w.status == DisclosureStatus.WITHDRAWN and w.withdrawn_by == world.secretary and w.content == d.content
    due.refresh_from_db()
    assert due.fulfilled_on is None and due.disclosure is None  # owed again
    assert AuditEvent.objects.filter(action="openness.disclosure_withdraw").count() == 1
    with pytest.raises(ValidationError, match="已撤回"):
        S.disclosure_withdraw(actor=world.secretary, disclosure=w, reason="再次撤回一下", version=w.version)
    # The board no longer lists it; the member reads the notice and the reason, not the content.
    board = as_member.get(reverse("openness:board", args=[world.branch.pk])).content.decode()
    assert reverse("openness:disclosure", args=[d.pk]) not in board
    listed = as_member.get(reverse("openness:withdrawn", args=[world.branch.pk])).content.decode()
    assert d.title in listed and "三月金额录入有误" in listed
    page = as_member.get(reverse("openness:disclosure", args=[d.pk])).content.decode()
    assert "三月金额录入有误" in page and "公开内容" not in page
    assert (
        "公开内容（存档）"
        in login_client(world.secretary).get(reverse("openness:disclosure", args=[d.pk])).content.decode()
    )
    # A corrected disclosure of the same period may now be proposed.
    again = S.disclosure_propose(actor=world.secretary, org=world.branch, item=d.item, period_start=last_month())
    assert again.status == DisclosureStatus.PROPOSED


def test_withdraw_page(world: World, as_secretary: Client, as_outsider: Client) -> None:
    d = published_dues(world)
    url = reverse("openness:withdraw", args=[d.pk])
    assert "撤回此公开事项" in as_secretary.get(reverse("openness:disclosure", args=[d.pk])).content.decode()
    r = as_secretary.post(url, {"reason": "", "version": d.version}, follow=True)
    assert "撤回理由" in r.content.decode() and type(d).objects.get(pk=d.pk).status == DisclosureStatus.PUBLISHED
    assert as_outsider.post(url, {"reason": "外人撤回试试", "version": d.version}).status_code == 404
    assert as_outsider.get(reverse("openness:withdrawn", args=[world.branch.pk])).status_code == 404
    as_secretary.post(url, {"reason": "内容有误需更正", "version": d.version})
    assert type(d).objects.get(pk=d.pk).status == DisclosureStatus.WITHDRAWN


# ---------------------------------------------------------------- 申请公开


def test_request_due_in_working_days_and_answered_by_the_branch(world: World) -> None:
    monday = dt.date(2026, 6, 1)
    r = S.disclosure_request_file(actor=world.member_user, matter=" 支部活动经费使用情况 ", today=monday)
    assert r.org == world.branch and r.matter == "支部活动经费使用情况"
    assert r.due_on == add_working_days(monday, R.REQUEST_WORKING_DAYS_DEFAULT)
    with pytest.raises(ValidationError, match="请勿重复申请"):
        S.disclosure_request_file(actor=world.member_user, matter="支部活动经费使用情况")
    with pytest.raises(ValidationError, match="请填写申请公开的事项"):
        S.disclosure_request_file(actor=world.member_user, matter="  ")
    with pytest.raises(PermissionDenied):
        S.disclosure_request_file(actor=world.admin, matter="没有党员身份")  # no roster row
    with pytest.raises(PermissionDenied):
        S.disclosure_request_answer(actor=world.outsider, request=r, agree=True, answer="同意")
    with pytest.raises(ValidationError, match="写明理由"):
        S.disclosure_request_answer(actor=world.secretary, request=r, agree=False, answer="")
    other = published_dues(world)
    done = S.disclosure_request_answer(
        actor=world.secretary, request=r, agree=True, answer="已在公开栏公开", disclosure=other, version=r.version
    )
    assert done.status == RequestStatus.AGREED and done.disclosure == other and done.answered_by == world.secretary
    with pytest.raises(ValidationError, match="已答复"):
        S.disclosure_request_answer(actor=world.secretary, request=done, agree=False, answer="改为不予公开")
    assert world.member_user.notifications.filter(title__contains="已答复").exists()


def test_the_asker_never_answers_their_own_request(world: World) -> None:
    from dangjian.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=world.member_user, org=world.branch, role="liaison")
    r = S.disclosure_request_file(actor=world.member_user, matter="党员发展情况")
    with pytest.raises(FourEyesRefused):
        S.disclosure_request_answer(actor=world.member_user, request=r, agree=True, answer="同意")


def test_request_pages_and_attention(
    world: World, as_member: Client, as_secretary: Client, as_outsider: Client
) -> None:
    r = as_member.post(reverse("openness:request_file"), {"matter": "", "reason": ""}, follow=True)
    assert "请填写申请公开的事项" in r.content.decode() and not DisclosureRequest.objects.exists()
    as_member.post(reverse("openness:request_file"), {"matter": "年度党费使用情况", "reason": "想了解"})
    req = DisclosureRequest.objects.get()
    assert "年度党费使用情况" in as_member.get(reverse("openness:requests_mine")).content.decode()
    items = [a for a in openness_attention(world.secretary) if "申请公开" in a.title]
    assert len(items) == 1 and items[0].title == "1件党员申请公开待答复" and items[0].due == req.due_on
    assert items[0].link == reverse("openness:requests", args=[world.branch.pk])
    assert not [a for a in openness_attention(world.member_user) if "申请公开" in a.title]
    assert not [a for a in openness_attention(world.outsider) if "申请公开" in a.title]
    page = as_secretary.get(items[0].link).content.decode()
    assert "年度党费使用情况" in page and world.member.name in page
    # Branch B's liaison: refused with the real ids, GET and POST; nothing answered.
    assert as_outsider.get(reverse("openness:requests", args=[world.branch.pk])).status_code in (403, 404)
    answer = reverse("openness:request_answer", args=[req.pk])
    assert as_outsider.post(answer, {"agree": "0", "answer": "外人答复", "version": req.version}).status_code == 404
    r = as_secretary.post(answer, {"agree": "0", "answer": "", "version": req.version}, follow=True)
    assert "答复内容" in r.content.decode() and DisclosureRequest.objects.get().status == RequestStatus.PENDING
    as_secretary.post(answer, {"agree": "0", "answer": "涉及个人信息，不予公开", "version": req.version})
    assert DisclosureRequest.objects.get().status == RequestStatus.DECLINED
    assert "涉及个人信息" in as_member.get(reverse("openness:requests_mine")).content.decode()
    assert not [a for a in openness_attention(world.secretary) if "申请公开" in a.title]


def test_an_overdue_request_is_an_error_in_the_todo(world: World) -> None:
    long_ago = timezone.localdate() - dt.timedelta(days=60)
    S.disclosure_request_file(actor=world.member_user, matter="换届选举情况", today=long_ago)
    a = next(a for a in openness_attention(world.secretary) if "申请公开" in a.title)
    assert a.severity == "error" and "1 件已超过答复期限" in a.detail
