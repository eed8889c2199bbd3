"""Every points page: success, anonymous (→ login), outsider with real ids (→ 403/404, no data),
a plain member (own page only), bad input; and no ranking anywhere."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.models import AuditEvent
from dangjian.points import services as S
from dangjian.points.attention import points_attention
from dangjian.points.models import ManualPoint, MemberYear, Objection, PublicNotice, ScoringManual
from dangjian.site.testing.factories import World, make_member

from .helpers import filed_meeting

pytestmark = pytest.mark.django_db

SECRET = "张党员"  # branch A member's name: never shown to an outsider


@pytest.fixture
def scored(world: World) -> World:
    filed_meeting(world.branch, {world.member.pk: "present"})
    S.points_recompute(actor=world.liaison, org=world.branch, year=timezone.localdate().year)
    return world


def pending(world: World) -> ManualPoint:
    return S.manual_point_enter(
        actor=world.liaison, member=world.member, item_code="volunteer", on=timezone.localdate(),
        reason="社区志愿服务", document="记录 2026-07",
    )  # fmt: skip


def get_urls(w: World) -> list[str]:
    return [
        reverse("points:member", args=[w.member.pk]),
        reverse("points:branch", args=[w.branch.pk]),
        reverse("points:manual", args=[w.unit.pk]),
    ]


def post_urls(w: World, p: ManualPoint) -> list[str]:
    return [
        reverse("points:enter", args=[w.branch.pk]),
        reverse("points:recompute", args=[w.branch.pk]),
        reverse("points:decide", args=[p.pk]),
        reverse("points:manual", args=[w.unit.pk]),
    ]


def test_anonymous_goes_to_login(client: Client, scored: World) -> None:
    p = pending(scored)
    for url in [reverse("points:my"), reverse("points:index"), *get_urls(scored)]:
        r = client.get(url)
        assert r.status_code == 302 and "login" in r["Location"]
    for url in post_urls(scored, p):
        r = client.post(url, {"decision": "approve", "version": p.version})
        assert r.status_code == 302 and "login" in r["Location"]
    p.refresh_from_db()
    assert p.status == "pending"


def test_outsider_sees_nothing_and_changes_nothing(as_outsider: Client, scored: World) -> None:
    p = pending(scored)
    for url in get_urls(scored):
        r = as_outsider.get(url)
        assert r.status_code in (403, 404), url
        assert SECRET not in r.content.decode()
    years = list(MemberYear.objects.values_list("pk", "total"))
    for url in post_urls(scored, p):
        r = as_outsider.post(
            url, {"decision": "approve", "version": p.version, "member": scored.member.pk, "item_code": "volunteer",
                  "on": timezone.localdate().isoformat(), "reason": "x", "document": "y", "party_day-points": "50"},
        )  # fmt: skip
        assert r.status_code in (403, 404), url
    p.refresh_from_db()
    assert p.status == "pending" and ManualPoint.objects.count() == 1 and ScoringManual.objects.count() == 0
    assert list(MemberYear.objects.values_list("pk", "total")) == years


def test_member_reads_own_explained_total_but_not_others(as_member: Client, scored: World) -> None:
    r = as_member.get(reverse("points:my"))
    html = r.content.decode()
    assert r.status_code == 200
    assert "参加主题党日 1 次 × 2 = 2" in html and "基础分" in html and "一星" in html
    assert reverse("points:my") == "/points/my/"
    other = make_member(scored.branch, name="同支部党员")
    assert as_member.get(reverse("points:member", args=[other.pk])).status_code == 403
    assert as_member.get(reverse("points:member", args=[scored.member.pk])).status_code == 200  # own record
    assert as_member.get(reverse("points:branch", args=[scored.branch.pk])).status_code == 403
    assert as_member.get(reverse("points:index")).status_code == 302  # → 我的积分
    p = pending(scored)
    assert as_member.post(reverse("points:decide", args=[p.pk]), {"decision": "approve"}).status_code == 403


def test_user_without_member_record(as_liaison: Client, world: World) -> None:
    assert "没有关联党员档案" in as_liaison.get(reverse("points:my")).content.decode()


def test_branch_page_shows_stars_in_name_order_without_scores_or_ranks(as_liaison: Client, scored: World) -> None:
    make_member(scored.branch, name="阿党员")
    S.points_recompute(actor=scored.liaison, org=scored.branch, year=timezone.localdate().year)
    html = as_liaison.get(reverse("points:branch", args=[scored.branch.pk])).content.decode()
    assert "一星" in html and "阿党员" in html and SECRET in html
    assert "排名" not in html.replace("不排名", "") and "名次" not in html
    total = str(MemberYear.objects.get(member=scored.member).total.normalize())
    assert f">{total}<" not in html  # scores are on each member's own page, not on the board


def test_liaison_enters_and_secretary_approves(as_liaison: Client, as_secretary: Client, scored: World) -> None:
    today = timezone.localdate()
    r = as_liaison.post(
        reverse("points:enter", args=[scored.branch.pk]),
        {"member": scored.member.pk, "item_code": "volunteer", "on": today.isoformat(), "reason": "防汛志愿服务",
         "document": "社区记录 18", "year": today.year},
    )  # fmt: skip
    assert r.status_code == 302
    p = ManualPoint.objects.get()
    html = as_secretary.get(reverse("points:branch", args=[scored.branch.pk])).content.decode()
    assert "防汛志愿服务" in html and "待审核" in html
    r = as_liaison.post(reverse("points:decide", args=[p.pk]), {"decision": "approve", "version": p.version})
    assert "不能审批本人提交或申请的事项" in as_liaison.get(r["Location"]).content.decode()
    as_secretary.post(reverse("points:decide", args=[p.pk]), {"decision": "approve", "version": p.version})
    p.refresh_from_db()
    assert p.status == "approved"
    assert MemberYear.objects.get(member=scored.member).total == 64


def test_enter_bad_input_names_the_field(as_liaison: Client, scored: World) -> None:
    r = as_liaison.post(
        reverse("points:enter", args=[scored.branch.pk]),
        {"member": scored.member.pk, "item_code": "volunteer", "on": "", "reason": "", "document": ""},
        follow=True,
    )
    html = r.content.decode()
    assert "日期：" in html and "事由：" in html
    assert ManualPoint.objects.count() == 0


def test_committee_edits_its_manual(as_admin: Client, world: World) -> None:
    url = reverse("points:manual", args=[world.unit.pk])
    html = as_admin.get(url).content.decode()
    assert "平台默认示例细则" in html and 'name="party_day-points"' in html
    r = as_admin.post(url, {"party_day-points": "1.5", "document": "工委〔2026〕3号", "star1-label": "一星",
                            "star1-min": "60", "star2-label": "二星", "star2-min": "80", "star3-label": "三星",
                            "star3-min": "90"})  # fmt: skip
    assert r.status_code == 302
    row = ScoringManual.objects.get()
    assert row.document == "工委〔2026〕3号"
    assert next(i for i in row.data["items"] if i["code"] == "party_day")["points"] == "1.5"
    r = as_admin.post(url, {"cap-org_life": "5"}, follow=True)
    assert "高于“组织生活”类上限 5" in r.content.decode()
    assert as_admin.get(reverse("points:manual", args=[world.branch.pk])).status_code == 404


def test_liaison_cannot_edit_the_manual(as_liaison: Client, world: World) -> None:
    assert as_liaison.get(reverse("points:manual", args=[world.unit.pk])).status_code in (403, 404)


def test_index_lists_branches_and_committees(as_admin: Client, world: World) -> None:
    html = as_admin.get(reverse("points:index")).content.decode()
    assert world.branch.name in html and world.unit.name in html


def test_branch_page_queries_do_not_grow_with_members(as_liaison: Client, scored: World) -> None:
    url = reverse("points:branch", args=[scored.branch.pk])
    as_liaison.get(url)
    with CaptureQueriesContext(connection) as few:
        as_liaison.get(url)
    for i in range(5):
        make_member(scored.branch, name=f"新党员{i}")
    S.points_recompute(actor=scored.liaison, org=scored.branch, year=timezone.localdate().year)
    pending(scored)
    with CaptureQueriesContext(connection) as many:
        as_liaison.get(url)
    assert len(many) == len(few)


def test_pending_items_are_on_the_approvers_home_list(world: World) -> None:
    pending(world)
    assert points_attention(world.liaison) == []  # the one who entered it is not asked to approve it
    [item] = points_attention(world.secretary)
    assert "1条手工积分项待审核" in item.title
    assert points_attention(world.outsider) == [] and points_attention(world.member_user) == []


def test_notice_publish_board_objection_and_answer(
    as_liaison: Client, as_member: Client, as_secretary: Client, as_outsider: Client, scored: World
) -> None:
    year = timezone.localdate().year
    r = as_liaison.post(reverse("points:notice_publish", args=[scored.branch.pk]), {"year": year})
    notice = PublicNotice.objects.get()
    assert r["Location"] == reverse("points:notice", args=[notice.pk])
    url = reverse("points:notice", args=[notice.pk])
    html = as_member.get(url).content.decode()
    assert SECRET in html and "一星" in html and "提出异议" in html and "不排名" in html
    r = as_outsider.get(url)
    assert r.status_code == 404 and SECRET not in r.content.decode()
    assert as_outsider.post(reverse("points:objection_raise", args=[notice.pk]), {"reason": "x"}).status_code == 404
    r = as_member.post(reverse("points:objection_raise", args=[notice.pk]), {"reason": ""}, follow=True)
    assert "异议理由：" in r.content.decode() and not Objection.objects.exists()
    as_member.post(reverse("points:objection_raise", args=[notice.pk]), {"reason": "本人出席了主题党日"})
    obj = Objection.objects.get()
    answer = reverse("points:objection_answer", args=[obj.pk])
    assert as_member.post(answer, {"decision": "upheld", "answer": "x", "version": obj.version}).status_code == 403
    assert as_outsider.post(answer, {"decision": "upheld", "answer": "x", "version": obj.version}).status_code == 404
    html = as_secretary.get(url).content.decode()
    assert "本人出席了主题党日" in html and "维持原评定" in html
    as_secretary.post(answer, {"decision": "dismissed", "answer": "经核实记录无误", "version": obj.version})
    obj.refresh_from_db()
    assert obj.status == "dismissed"
    assert "经核实记录无误" in as_member.get(url).content.decode()
    # The branch page now links the notice instead of offering to publish again.
    html = as_liaison.get(reverse("points:branch", args=[scored.branch.pk])).content.decode()
    assert "查看公示" in html and "公示星级" not in html


def test_annual_sheet_xlsx_with_signature_column_is_audited(
    as_liaison: Client, as_outsider: Client, as_member: Client, scored: World
) -> None:
    url = reverse("points:annual_xlsx", args=[scored.branch.pk])
    before = AuditEvent.objects.count()
    r = as_liaison.get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[2][:3] == ["序号", "姓名", "基础分"] and values[2][-1] == "签字确认"
    assert values[3][1] == SECRET and values[3][-2] == "一星" and values[3][-3] == 62
    assert AuditEvent.objects.count() == before + 1
    assert as_outsider.get(url).status_code in (403, 404)
    assert as_member.get(url).status_code == 403


def test_committee_overview_counts_stars_per_sub_org(
    as_admin: Client, as_outsider: Client, as_member: Client, scored: World
) -> None:
    make_member(scored.other_branch, name="乙支部党员")
    S.points_recompute(actor=scored.admin, org=scored.unit, year=timezone.localdate().year)
    url = reverse("points:overview", args=[scored.unit.pk])
    r = as_admin.get(url)
    html = r.content.decode()
    assert r.status_code == 200 and scored.branch.name in html and scored.other_branch.name in html
    chart = r.context["o"].chart
    assert chart["categories"] == [scored.branch.name, scored.other_branch.name]
    one_star = next(s for s in chart["series"] if s["name"] == "一星")
    assert one_star["data"] == [1, 1]
    assert SECRET not in html  # stars per organization, no names, no scores
    assert as_outsider.get(url).status_code in (403, 404)
    assert as_member.get(url).status_code in (403, 404)
    # A branch's overview is its star page.
    assert as_admin.get(reverse("points:overview", args=[scored.branch.pk])).status_code == 302
