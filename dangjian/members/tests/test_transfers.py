"""Transfers: in the platform (pending → accepted/cancelled), out of it, into it; both sides see history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.members.models import Member, MemberTransfer, TransferStatus
from dangjian.members.services import transfer_out
from dangjian.site.testing.factories import World, make_member, member_data

pytestmark = pytest.mark.django_db


def test_transfer_within_platform_both_sides(world: World, as_liaison: Any, as_outsider: Any) -> None:
    m = make_member(world.branch, name="转接人")
    url = reverse("members:transfer_out", args=[m.pk])
    # A branch outside the user's scope is found by its full name only.
    assert world.other_branch.name not in as_liaison.get(url, {"q": "财政局"}).content.decode()
    page = as_liaison.get(url, {"q": world.other_branch.name}).content.decode()
    assert world.other_branch.name in page
    today = timezone.localdate()
    resp = as_liaison.post(
        url,
        {
            "q": world.other_branch.name,
            "to_org": world.other_branch.pk,
            "out_on": today.isoformat(),
            "letter_number": "A-001",
        },
    )
    assert resp.status_code == 302
    t = MemberTransfer.objects.get(member=m)
    assert t.status == TransferStatus.PENDING
    # Receiver: sees it on the transfers page and on the home page; may not see the member's roster yet.
    page = as_outsider.get(reverse("members:transfers")).content.decode()
    assert "转接人" in page and "A-001" in page
    home = as_outsider.get(reverse("core:home")).content.decode()
    assert "待接收" in home
    # Sender may not accept on the receiver's behalf.
    resp = as_liaison.post(reverse("members:transfer_accept", args=[t.pk]), {"in_on": today.isoformat()})
    t.refresh_from_db()
    assert t.status == TransferStatus.PENDING
    # Bad date → refused, nothing changes.
    as_outsider.post(reverse("members:transfer_accept", args=[t.pk]), {"in_on": "2999-01-01"})
    t.refresh_from_db()
    assert t.status == TransferStatus.PENDING
    resp = as_outsider.post(reverse("members:transfer_accept", args=[t.pk]), {"in_on": today.isoformat()})
    t.refresh_from_db()
    m.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED and m.org == world.other_branch
    # Both sides still see the history.
    for client in (as_liaison, as_outsider):
        body = client.get(reverse("members:detail", args=[m.pk])).content.decode()
        assert "转接人" in body and world.branch.name in body and world.other_branch.name in body
    assert "转接人" in as_liaison.get(reverse("members:transfers")).content.decode()


def test_cancel_pending_transfer(world: World, as_liaison: Any, as_outsider: Any) -> None:
    m = make_member(world.branch, name="撤回人")
    t = transfer_out(actor=world.liaison, member=m, out_on=timezone.localdate(), to_org=world.other_branch)
    resp = as_outsider.post(reverse("members:transfer_cancel", args=[t.pk]), follow=True)
    t.refresh_from_db()
    assert t.status == TransferStatus.PENDING
    assert "无权" in resp.content.decode() or resp.status_code == 403
    as_liaison.post(reverse("members:transfer_cancel", args=[t.pk]))
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED


def test_transfer_outside_platform_completes_at_once(world: World, as_liaison: Any) -> None:
    m = make_member(world.branch, name="外转人")
    resp = as_liaison.post(
        reverse("members:transfer_out", args=[m.pk]),
        {"to_org_name": "外省某党支部", "out_on": timezone.localdate().isoformat(), "letter_number": "B-2"},
    )
    assert resp.status_code == 302
    m.refresh_from_db()
    assert not m.is_active
    t = MemberTransfer.objects.get(member=m)
    assert t.status == TransferStatus.COMPLETED and t.to_org_name == "外省某党支部"
    body = as_liaison.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert "外省某党支部" in body and "已离册" in body


def test_transfer_out_needs_a_target(world: World, as_liaison: Any) -> None:
    m = make_member(world.branch)
    resp = as_liaison.post(reverse("members:transfer_out", args=[m.pk]), {"out_on": timezone.localdate().isoformat()})
    assert "请选择平台内的转入党支部" in resp.content.decode()
    assert not MemberTransfer.objects.filter(member=m).exists()


def test_transfer_in_from_outside(world: World, as_liaison: Any) -> None:
    data = member_data(name="外来人")
    post = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
    post.update({"from_org_name": "外市某党支部", "in_on": timezone.localdate().isoformat(), "letter_number": "C-3"})
    resp = as_liaison.post(reverse("members:transfer_in", args=[world.branch.pk]), post)
    assert resp.status_code == 302
    m = Member.objects.get(name="外来人")
    t = MemberTransfer.objects.get(member=m)
    assert t.from_org_name == "外市某党支部" and t.to_org == world.branch and t.status == TransferStatus.COMPLETED
    # Missing origin → form error, nothing created.
    post2 = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in member_data(name="无来处").items()}
    post2.update({"in_on": timezone.localdate().isoformat()})
    resp = as_liaison.post(reverse("members:transfer_in", args=[world.branch.pk]), post2)
    assert resp.status_code == 200 and "这个字段是必填项" in resp.content.decode()
    assert not Member.objects.filter(name="无来处").exists()


def test_transfer_pages_refuse_anonymous_and_outsider(world: World, client: Any, as_outsider: Any) -> None:
    for url in (
        reverse("members:transfer_out", args=[world.member.pk]),
        reverse("members:transfer_in", args=[world.branch.pk]),
        reverse("members:transfers"),
    ):
        assert client.get(url).status_code == 302
    assert as_outsider.get(reverse("members:transfer_out", args=[world.member.pk])).status_code == 404
    assert as_outsider.get(reverse("members:transfer_in", args=[world.branch.pk])).status_code == 404
    assert "张党员" not in as_outsider.get(reverse("members:transfers")).content.decode()
