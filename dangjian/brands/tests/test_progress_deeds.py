"""A brand project's progress picks the community-confirmed deeds of the branch's members instead of
retyping them; the project page lists them linked and counts each once. A deed that is not a
confirmed deed of the branch (another branch's, an unconfirmed one) is refused and nothing is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.brands import services as S
from dangjian.brands.models import ProgressEntry
from dangjian.brands.selectors import project_page
from dangjian.community import services as community
from dangjian.community.models import Deed
from dangjian.community.tests.helpers import make_community, report_in, reported_activity
from dangjian.members.models import Member
from dangjian.site.testing.factories import World, make_member, make_user

from .helpers import project_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def deeds(world: World) -> dict[str, Deed]:
    """Branch A's member: two deeds the community confirmed and one still waiting; a branch-B
    member's confirmed deed in the same community."""
    c = make_community(world)
    link = report_in(world, c)
    today = timezone.localdate()
    confirmed = [
        community.activity_record(actor=c.liaison, link=link, title=t, on=today, hours=h, role="volunteer")
        for t, h in (("敬老院义务理发", "2"), ("社区垃圾分类宣传", "1.5"))
    ]
    waiting = reported_activity(world)
    other_user = make_user("钱党员", "13800000077")
    other = make_member(world.other_branch, name="钱党员")
    Member.objects.filter(pk=other.pk).update(user=other_user)
    other_link = community.link_report_in(
        actor=other_user, community=c.org, address="柳树湾小区 1 栋", compound="柳树湾小区"
    )
    theirs = community.activity_record(
        actor=c.liaison, link=other_link, title="外支部的实事", on=today, hours="3", role="volunteer"
    )
    return {"a": confirmed[0], "b": confirmed[1], "waiting": waiting, "theirs": theirs}


def test_a_progress_entry_picks_confirmed_deeds_and_the_page_counts_them(world: World, deeds: dict[str, Deed]) -> None:
    p = project_at(world, "cultivating")
    page = project_page(world.liaison, p)
    assert {d.pk for d in page.deeds} == {deeds["a"].pk, deeds["b"].pk}  # not the waiting one, not branch B's
    e = S.progress_add(
        actor=world.liaison, project=p, on=timezone.localdate(), kind="volunteer", summary="品牌志愿服务",
        deed_ids=[deeds["a"].pk, deeds["b"].pk],
    )  # fmt: skip
    assert set(e.deeds.all()) == {deeds["a"], deeds["b"]}
    page = project_page(world.liaison, p)
    assert len(page.linked_deeds) == 2 and page.deed_hours == Decimal("3.5") and page.deeds == []
    with pytest.raises(ValidationError, match="不能重复计入"):
        S.progress_add(actor=world.liaison, project=p, on=timezone.localdate(), kind="volunteer", summary="再记一次",
                       deed_ids=[deeds["a"].pk])  # fmt: skip
    assert ProgressEntry.objects.count() == 1


@pytest.mark.parametrize("which", ["theirs", "waiting"])
def test_another_branchs_or_an_unconfirmed_deed_is_refused(world: World, deeds: dict[str, Deed], which: str) -> None:
    p = project_at(world, "cultivating")
    with pytest.raises(ValidationError, match=f"编号 {deeds[which].pk} 的记录不是本支部党员经社区确认的实事"):
        S.progress_add(actor=world.liaison, project=p, on=timezone.localdate(), kind="volunteer", summary="x",
                       deed_ids=[deeds["a"].pk, deeds[which].pk])  # fmt: skip
    assert not ProgressEntry.objects.exists()


def test_the_page_form_and_outsider(world: World, deeds: dict[str, Deed]) -> None:
    p = project_at(world, "cultivating")
    url = reverse("brands:progress_deeds_add", args=[p.pk])
    c = _client(world.liaison)
    r = c.post(url, {"deed_ids": [deeds["theirs"].pk], "summary": "x"}, follow=True)
    assert "社区确认的实事" in r.content.decode() and not ProgressEntry.objects.exists()
    r = c.post(url, {"summary": "未勾选"}, follow=True)
    assert "请勾选实事" in r.content.decode() and not ProgressEntry.objects.exists()
    c.post(url, {"deed_ids": [deeds["a"].pk], "summary": "敬老志愿服务"})
    e = ProgressEntry.objects.get()
    assert (e.kind, e.on, list(e.deeds.all())) == ("volunteer", deeds["a"].on, [deeds["a"]])
    text = c.get(reverse("brands:project", args=[p.pk])).content.decode()
    assert "关联社区确认的实事 <strong>1</strong> 件" in text
    assert reverse("community:link", args=[deeds["a"].link_id]) in text and "敬老院义务理发" in text
    # the outsider (branch B's liaison) can neither post to branch A's project nor see it
    o = _client(world.outsider)
    assert o.post(url, {"deed_ids": [deeds["theirs"].pk], "summary": "x"}).status_code in (403, 404)
    assert o.get(reverse("brands:project", args=[p.pk])).status_code in (403, 404)
    assert ProgressEntry.objects.count() == 1


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c
