from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login_client
from dangjian.community.models import Deed, DeedStatus, Need, ServiceLink
from dangjian.community.views import join_token
from dangjian.site.testing.factories import World

from .helpers import build_community_rows, make_community, need, report_in

pytestmark = pytest.mark.django_db


def test_member_reports_in_by_choosing_the_community(world: World, as_member: Client) -> None:
    c = make_community(world)
    r = as_member.get(reverse("community:report"), {"q": "柳树"})
    assert c.org.name in r.content.decode()
    r = as_member.get(reverse("community:report"), {"q": "柳树", "community": c.org.pk})
    assert "确认报到" in r.content.decode()
    r = as_member.post(reverse("community:report"), {"community": c.org.pk, "address": "", "skills": "书法"})
    assert r.status_code == 302 and not ServiceLink.objects.exists()
    r = as_member.post(
        reverse("community:report"), {"community": c.org.pk, "address": "柳树湾 5 栋", "categories": ["culture"]}
    )
    link = ServiceLink.objects.get()
    assert link.channel == "online" and link.categories == ["culture"]
    page = as_member.get(reverse("community:my")).content.decode()
    assert c.org.name in page and "柳树湾 5 栋" in page


def test_qr_join(world: World, as_member: Client, as_outsider: Client) -> None:
    c = make_community(world)
    url = reverse("community:join", args=[join_token(c.org)])
    assert as_member.get(url).status_code == 200
    assert Client().get(url).status_code == 302  # log in first
    assert as_member.get(reverse("community:join", args=["forged"])).status_code == 404
    assert as_outsider.post(url, {"address": "x"}).status_code == 403  # no roster row
    as_member.post(url, {"address": "柳树湾 5 栋"})
    assert ServiceLink.objects.get().channel == "qr"
    # A token for another org does not validate.
    assert as_member.get(reverse("community:join", args=[join_token(c.org) + "x"])).status_code == 404


def test_desk_and_confirmation(world: World, django_assert_max_num_queries: Any) -> None:
    rows = build_community_rows(world)
    desk = login_client(rows.c.liaison)
    url = reverse("community:desk", args=[rows.c.org.pk])
    desk.get(url)
    with django_assert_max_num_queries(12):
        page = desk.get(url).content.decode()
    assert world.member.name in page and world.member.phone in page and "柳树湾小区 3 栋" in page
    assert world.member.id_number not in page
    d = rows.reported
    r = desk.post(reverse("community:decide", args=[d.pk]), {"decision": "reject", "version": d.version})
    assert Deed.objects.get(pk=d.pk).status == DeedStatus.REPORTED  # a refusal needs its reason
    desk.post(reverse("community:decide", args=[d.pk]), {"decision": "confirm", "version": d.version})
    assert Deed.objects.get(pk=d.pk).status == DeedStatus.CONFIRMED
    r = desk.post(reverse("community:need_publish", args=[rows.c.org.pk]), {"title": "", "category": "health"})
    assert r.status_code == 302 and Need.objects.count() == 1
    poster = desk.get(reverse("community:poster", args=[rows.c.org.pk])).content.decode()
    assert "<svg" in poster and join_token(rows.c.org) in poster


def test_employer_sees_confirmations_not_the_address(world: World, as_secretary: Client) -> None:
    rows = build_community_rows(world)
    link_page = as_secretary.get(reverse("community:link", args=[rows.link.pk])).content.decode()
    assert rows.c.org.name in link_page and "柳树湾小区 3 栋" not in link_page
    quarter = as_secretary.get(reverse("community:employer", args=[world.branch.pk])).content.decode()
    assert rows.c.org.name in quarter and "柳树湾小区" not in quarter
    assert "未参加" in quarter or "应不少于" in quarter
    unit = as_secretary.get(reverse("community:employer", args=[world.unit.pk]))
    assert unit.status_code == 404  # the branch secretary does not manage the committee
    # The employer cannot use the community's desk or confirm.
    assert as_secretary.get(reverse("community:desk", args=[rows.c.org.pk])).status_code == 404
    r = as_secretary.post(reverse("community:decide", args=[rows.reported.pk]), {"decision": "confirm"})
    assert r.status_code == 403 and Deed.objects.get(pk=rows.reported.pk).status == DeedStatus.REPORTED


def test_community_cannot_read_the_employer_tree(world: World) -> None:
    rows = build_community_rows(world)
    desk = login_client(rows.c.liaison)
    assert desk.get(reverse("members:detail", args=[world.member.pk])).status_code == 404
    assert desk.get(reverse("community:employer", args=[world.branch.pk])).status_code == 404
    assert desk.get(reverse("members:roster", args=[world.branch.pk])).status_code == 404


def test_outsider_is_refused(world: World, as_outsider: Client) -> None:
    rows = build_community_rows(world)
    for url in (
        reverse("community:desk", args=[rows.c.org.pk]),
        reverse("community:link", args=[rows.link.pk]),
        reverse("community:employer", args=[world.branch.pk]),
        reverse("community:three_ones", args=[world.unit.pk]),
        reverse("community:three_ones_report", args=[rows.three_ones.pk]),
    ):
        r = as_outsider.get(url)
        assert r.status_code in (403, 404), url
        assert world.member.name not in r.content.decode()
    r = as_outsider.post(reverse("community:decide", args=[rows.reported.pk]), {"decision": "confirm"})
    assert r.status_code == 404


def test_claim_and_done_by_the_member(world: World, as_member: Client) -> None:
    c = make_community(world)
    report_in(world, c)
    n = need(c)
    as_member.post(reverse("community:claim", args=[n.pk]))
    deed = Deed.objects.get()
    r = as_member.post(reverse("community:done", args=[deed.pk]), {"note": "", "hours": "2"})
    assert Deed.objects.get().status == DeedStatus.CLAIMED and r.status_code == 302
    as_member.post(reverse("community:done", args=[deed.pk]), {"note": "已完成", "hours": "2"})
    assert Deed.objects.get().status == DeedStatus.REPORTED
    as_member.post(
        reverse("community:activity_report"),
        {"title": "义诊", "on": timezone.localdate().isoformat(), "hours": "3", "role": "volunteer"},
    )
    assert Deed.objects.filter(kind="activity", status=DeedStatus.REPORTED).count() == 1
    as_member.post(reverse("community:pledge"), {"text": "每月服务一次", "public": "on"})
    assert "每月服务一次" in as_member.get(reverse("community:my")).content.decode()


def test_three_ones_pages(world: World, as_admin: Client) -> None:
    year = timezone.localdate().year
    url = reverse("community:three_ones", args=[world.unit.pk])
    assert as_admin.get(url).status_code == 200
    save = reverse("community:three_ones_save", args=[world.unit.pk])
    body = {
        "year": year,
        "secretary_name": "刘书记",
        "pledge": "承诺",
        "project": "项目",
        "goals": "",
        "contact_org": world.branch.pk,
    }
    as_admin.post(save, body)
    from dangjian.community.models import SecretaryPledge

    assert not SecretaryPledge.objects.exists()
    as_admin.post(save, body | {"goals": "目标"})
    record = SecretaryPledge.objects.get()
    as_admin.post(reverse("community:three_ones_publish", args=[record.pk]))
    as_admin.post(
        reverse("community:visit_log", args=[record.pk]), {"on": timezone.localdate().isoformat(), "summary": "调研"}
    )
    notice = as_admin.get(reverse("community:three_ones_notice", args=[record.pk])).content.decode()
    assert "“三个一”制度公示" in notice and "刘书记" in notice and world.branch.name in notice
    member = login_client(world.member_user)  # the committee's pages are its roles' (公示 boards: openness)
    assert member.get(reverse("community:three_ones_report", args=[record.pk])).status_code == 404
    report = as_admin.get(reverse("community:three_ones_report", args=[record.pk])).content.decode()
    assert "全年走访 1 次" in report and "践诺报告" in report


def test_anonymous_goes_to_login(world: World) -> None:
    for name in ("community:index", "community:my", "community:report"):
        r = Client().get(reverse(name))
        assert r.status_code == 302 and "/accounts/login/" in r["Location"]
