"""Every dues page: success, anonymous (→ login), outsider (→ 403/404, no data), bad input."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.scoping import SYSTEM
from dangjian.dues import services as S
from dangjian.dues.models import DuesBase, DuesDisclosure, DuesExemption, DuesPayment
from dangjian.dues.rules import DuesCategory, add_months, month_start
from dangjian.members.models import Member
from dangjian.members.services import transfer_out
from dangjian.orglife.tests.helpers import make_meeting
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db

SECRET = "张党员"  # the member's name must never reach an outsider


def this_month() -> dt.date:
    return month_start(timezone.localdate())


@pytest.fixture
def based(world: World) -> World:
    S.dues_base_set(
        actor=SYSTEM,
        member=world.member,
        year=timezone.localdate().year,
        category=DuesCategory.IN_SERVICE,
        monthly_base_fen=510_000,
    )
    return world


def urls(w: World) -> dict[str, str]:
    mon = this_month()
    q = f"?month={mon:%Y-%m}"
    return {
        "member": reverse("dues:member", args=[w.member.pk]),
        "member_card": reverse("dues:member_card", args=[w.member.pk]),
        "base_set": reverse("dues:base_set", args=[w.member.pk]),
        "pay": reverse("dues:pay", args=[w.member.pk]),
        "exemption_apply": reverse("dues:exemption_apply", args=[w.member.pk]),
        "sheet": reverse("dues:sheet", args=[w.branch.pk]) + q,
        "disclosure": reverse("dues:disclosure", args=[w.branch.pk, mon.year, mon.month]),
        "register_xlsx": reverse("dues:register_xlsx", args=[w.branch.pk]),
        "rollup": reverse("dues:rollup", args=[w.branch.pk]) + q,
        "rollup_xlsx": reverse("dues:rollup_xlsx", args=[w.branch.pk]) + q,
    }


def test_anonymous_redirected_to_login(client: Client, based: World) -> None:
    pages = [*urls(based).values(), reverse("dues:index"), reverse("dues:my"), reverse("dues:my_card")]
    for url in pages:
        resp = client.get(url)
        assert resp.status_code == 302 and "/accounts/login" in resp["Location"], url
    posts = [
        reverse("dues:quick_pay", args=[based.branch.pk, based.member.pk]),
        reverse("dues:compute", args=[based.branch.pk]),
        reverse("dues:disclosure_publish", args=[based.branch.pk]),
    ]
    for url in posts:
        assert client.post(url, {"amount": "76.5"}).status_code == 302
    assert not DuesPayment.objects.exists() and not DuesDisclosure.objects.exists()


def test_outsider_sees_nothing(as_outsider: Client, based: World) -> None:
    for name, url in urls(based).items():
        resp = as_outsider.get(url)
        assert resp.status_code in (403, 404), name
        assert SECRET not in resp.content.decode(), name
    resp = as_outsider.post(
        reverse("dues:quick_pay", args=[based.branch.pk, based.member.pk]), {"amount": "76.5", "method": "cash"}
    )
    assert resp.status_code in (403, 404)
    assert as_outsider.post(reverse("dues:disclosure_publish", args=[based.branch.pk])).status_code in (403, 404)
    assert as_outsider.post(reverse("dues:compute", args=[based.branch.pk])).status_code in (403, 404)
    assert not DuesPayment.objects.exists() and not DuesDisclosure.objects.exists()
    index = as_outsider.get(reverse("dues:index")).content.decode()
    assert SECRET not in index and based.branch.name not in index


def test_plain_member_cannot_manage_others(as_member: Client, based: World) -> None:
    other = make_member(based.branch, name="李其他")
    assert as_member.get(reverse("dues:member", args=[other.pk])).status_code == 403
    assert as_member.get(urls(based)["sheet"]).status_code == 403
    assert as_member.get(urls(based)["rollup"]).status_code == 403
    assert as_member.get(urls(based)["register_xlsx"]).status_code == 403
    resp = as_member.post(reverse("dues:quick_pay", args=[based.branch.pk, other.pk]), {"amount": "1"})
    assert resp.status_code == 403
    assert as_member.get(urls(based)["base_set"]).status_code == 403


def test_my_dues_and_card(as_member: Client, based: World) -> None:
    S.dues_payment_record(
        actor=based.liaison, member=based.member, months=[this_month()], amount_fen=7650, paid_on=timezone.localdate()
    )
    body = as_member.get(reverse("dues:my")).content.decode()
    assert "我的党费" in body and "5100.00" in body and "1.5%" in body and "76.50" in body and "已缴" in body
    card = as_member.get(reverse("dues:my_card")).content.decode()
    assert "党 费 证" in card and based.liaison.name in card
    # The member may open their own ledger by id too.
    assert as_member.get(reverse("dues:member", args=[based.member.pk])).status_code == 200


def test_my_dues_without_member_record(as_admin: Client, based: World) -> None:
    assert "尚未关联党员档案" in as_admin.get(reverse("dues:my")).content.decode()


def test_index_lists_branches_flags_and_exemptions(as_admin: Client, based: World) -> None:
    ex = S.dues_exemption_apply(
        actor=based.member_user,
        member=based.member,
        kind="exempt",
        start_month=this_month(),
        end_month=this_month(),
        reason="大病",
        application="书面申请",
    )
    body = as_admin.get(reverse("dues:index")).content.decode()
    assert based.branch.name in body and "待批准的减免申请" in body
    resp = as_admin.post(reverse("dues:exemption_decide", args=[ex.pk]), {"decision": "approve", "version": ex.version})
    assert resp.status_code == 302
    ex.refresh_from_db()
    assert ex.status == "approved"
    # Bad input: a stale version changes nothing and says why.
    ex2 = S.dues_exemption_apply(
        actor=based.member_user,
        member=based.member,
        kind="exempt",
        start_month=add_months(this_month(), 1),
        end_month=add_months(this_month(), 1),
        reason="大病",
        application="书面申请",
    )
    resp = as_admin.post(
        reverse("dues:exemption_decide", args=[ex2.pk]), {"decision": "approve", "version": "9"}, follow=True
    )
    assert "已被他人修改" in resp.content.decode()
    ex2.refresh_from_db()
    assert ex2.status == "pending"


def test_exemption_decide_outsider_and_secretary(as_outsider: Client, as_secretary: Client, based: World) -> None:
    ex = S.dues_exemption_apply(
        actor=based.member_user,
        member=based.member,
        kind="exempt",
        start_month=this_month(),
        end_month=this_month(),
        reason="大病",
        application="书面申请",
    )
    assert as_outsider.post(reverse("dues:exemption_decide", args=[ex.pk]), {"decision": "approve"}).status_code == 404
    as_secretary.post(reverse("dues:exemption_decide", args=[ex.pk]), {"decision": "approve", "version": 1})
    assert DuesExemption.objects.get(pk=ex.pk).status == "pending"


def test_sheet_quick_pay_htmx_and_plain(as_liaison: Client, based: World) -> None:
    other = make_member(based.branch, name="王学生", category="student")
    sheet = as_liaison.get(urls(based)["sheet"])
    body = sheet.content.decode()
    assert sheet.status_code == 200 and SECRET in body and 'value="76.50"' in body and "王学生" in body
    assert "应缴<b>2 人</b>" in body.replace("\n", "").replace("  ", "")
    url = reverse("dues:quick_pay", args=[based.branch.pk, based.member.pk]) + f"?month={this_month():%Y-%m}"
    resp = as_liaison.post(url, {"amount": "76.50", "method": "cash"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "已缴 76.50 元" in resp.content.decode()
    assert 'hx-swap-oob="true"' in resp.content.decode()
    # Paying the same month again: a clear error, nothing duplicated.
    resp = as_liaison.post(url, {"amount": "76.50", "method": "cash"})
    assert resp.status_code == 302
    follow = as_liaison.get(resp["Location"]).content.decode()
    assert "已缴纳，不能重复登记" in follow
    assert DuesPayment.objects.count() == 1
    # Plain POST for the student works too.
    url2 = reverse("dues:quick_pay", args=[based.branch.pk, other.pk]) + f"?month={this_month():%Y-%m}"
    assert as_liaison.post(url2, {"amount": "0.20", "method": "online"}).status_code == 302
    assert DuesPayment.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "msg"),
    [
        ({"amount": "-5", "method": "cash"}, "不能为负数"),
        ({"amount": "abc", "method": "cash"}, "应为数字"),
        ({"amount": "70", "method": "cash"}, "请在备注中说明原因"),
        ({"amount": "76.5", "method": "gold"}, "选择一个有效的选项"),
    ],
)
def test_quick_pay_bad_input_changes_nothing(as_liaison: Client, based: World, data: dict[str, Any], msg: str) -> None:
    url = reverse("dues:quick_pay", args=[based.branch.pk, based.member.pk]) + f"?month={this_month():%Y-%m}"
    resp = as_liaison.post(url, data, HTTP_HX_REQUEST="true")
    assert msg in resp.content.decode()
    assert not DuesPayment.objects.exists()


def test_quick_pay_mismatch_with_note_is_flagged(as_liaison: Client, based: World) -> None:
    url = reverse("dues:quick_pay", args=[based.branch.pk, based.member.pk]) + f"?month={this_month():%Y-%m}"
    as_liaison.post(url, {"amount": "70", "method": "cash", "note": "本人工资调整"}, HTTP_HX_REQUEST="true")
    assert DuesPayment.objects.get().mismatch


def test_quick_pay_member_who_left(as_liaison: Client, based: World) -> None:
    transfer_out(actor=based.liaison, member=based.member, out_on=timezone.localdate(), to_org_name="外地支部")
    url = reverse("dues:quick_pay", args=[based.branch.pk, based.member.pk]) + f"?month={this_month():%Y-%m}"
    resp = as_liaison.post(url, {"amount": "76.5", "method": "cash"}, HTTP_HX_REQUEST="true")
    assert "已离册" in resp.content.decode()
    assert not DuesPayment.objects.exists()


def test_sheet_bad_month(as_liaison: Client, based: World) -> None:
    assert as_liaison.get(reverse("dues:sheet", args=[based.branch.pk]) + "?month=2026-13").status_code == 404
    assert as_liaison.get(reverse("dues:sheet", args=[based.unit.pk])).status_code in (403, 404)


def test_sheet_query_count_does_not_grow_with_members(as_liaison: Client, based: World) -> None:
    url = urls(based)["sheet"]
    with CaptureQueriesContext(connection) as small:
        as_liaison.get(url)
    for i in range(12):
        mem = make_member(based.branch, name=f"成员{i}")
        S.dues_base_set(
            actor=SYSTEM, member=mem, year=this_month().year, category="in_service", monthly_base_fen=400_000
        )
    with CaptureQueriesContext(connection) as big:
        as_liaison.get(url)
    assert len(big) == len(small)


def test_full_payment_form(as_liaison: Client, based: World) -> None:
    url = reverse("dues:pay", args=[based.member.pk])
    assert as_liaison.get(url).status_code == 200
    m1, m2 = this_month(), add_months(this_month(), 1)
    resp = as_liaison.post(
        url,
        {
            "months": f"{m1:%Y-%m},{m2:%Y-%m}",
            "amount": "153",
            "paid_on": timezone.localdate().isoformat(),
            "method": "cash",
        },
    )
    assert resp.status_code == 302
    bad = as_liaison.post(
        url,
        {"months": f"{m1:%Y-%m}", "amount": "76.5", "paid_on": timezone.localdate().isoformat(), "method": "cash"},
    )
    assert bad.status_code == 400 and "已缴纳，不能重复登记" in bad.content.decode()
    bad = as_liaison.post(url, {"months": "March", "amount": "76.5", "paid_on": "2026-01-01", "method": "cash"})
    assert bad.status_code == 400 and "格式应为" in bad.content.decode()
    assert DuesPayment.objects.count() == 1


def test_base_form(as_liaison: Client, based: World) -> None:
    url = reverse("dues:base_set", args=[based.member.pk])
    body = as_liaison.get(url).content.decode()
    assert "不计入基数的项目" in body and "五险一金" in body
    year = this_month().year
    resp = as_liaison.post(url, {"year": year, "category": "in_service", "monthly_base": "-1"})
    assert resp.status_code == 400 and "不能为负数" in resp.content.decode()
    resp = as_liaison.post(url, {"year": year, "category": "in_service", "monthly_base": "20000000"})
    assert resp.status_code == 400 and "1000万" in resp.content.decode()
    resp = as_liaison.post(
        url, {"year": year, "category": "in_service", "monthly_base": "6000", "effective_from": f"{year}-07"}
    )
    assert resp.status_code == 400 and "调整原因" in resp.content.decode()
    assert DuesBase.objects.count() == 1
    resp = as_liaison.post(
        url,
        {
            "year": year,
            "category": "in_service",
            "monthly_base": "6000",
            "effective_from": f"{year}-07",
            "reason": "调岗",
        },
    )
    assert resp.status_code == 302 and DuesBase.objects.count() == 2
    # From items: income minus tax and personal contributions.
    resp = as_liaison.post(
        url,
        {
            "year": year,
            "category": "in_service",
            "effective_from": f"{year}-08",
            "reason": "按明细重新核定",
            "item_post_pay": "5000",
            "item_income_tax": "100",
            "item_reform_subsidy": "800",
        },
    )
    assert resp.status_code == 302
    assert DuesBase.objects.order_by("-id").first().monthly_base_fen == 490_000  # type: ignore[union-attr]


def test_exemption_form(as_member: Client, based: World) -> None:
    url = reverse("dues:exemption_apply", args=[based.member.pk])
    assert as_member.get(url).status_code == 200
    bad = as_member.post(
        url, {"kind": "exempt", "start_month": "2026-05", "end_month": "2026-03", "reason": "x", "application": "y"}
    )
    assert bad.status_code == 400 and "截止月份" in bad.content.decode()
    ok = as_member.post(
        url,
        {"kind": "exempt", "start_month": "2026-05", "end_month": "2026-06", "reason": "病", "application": "申请书"},
    )
    assert ok.status_code == 302 and DuesExemption.objects.count() == 1


def test_compute_publish_disclosure_and_member_sees_it(as_liaison: Client, as_member: Client, based: World) -> None:
    mon = this_month()
    resp = as_liaison.post(reverse("dues:compute", args=[based.branch.pk]), {"month": f"{mon:%Y-%m}"}, follow=True)
    assert "已计算" in resp.content.decode()
    disc_url = urls(based)["disclosure"]
    assert "尚未公开" in as_member.get(disc_url).content.decode()
    resp = as_liaison.post(reverse("dues:disclosure_publish", args=[based.branch.pk]), {"month": f"{mon:%Y-%m}"})
    assert resp.status_code == 302
    body = as_member.get(disc_url).content.decode()
    assert "党费收缴情况公开" in body and SECRET in body and "未缴" in body and "打印" in body
    # Bad input: a future month cannot be published.
    future = add_months(mon, 2)
    resp = as_liaison.post(
        reverse("dues:disclosure_publish", args=[based.branch.pk]), {"month": f"{future:%Y-%m}"}, follow=True
    )
    assert "不能公开未来月份" in resp.content.decode()
    assert DuesDisclosure.objects.count() == 1
    assert as_member.get(reverse("dues:disclosure", args=[based.branch.pk, 2026, 13])).status_code == 404


def test_register_xlsx(as_liaison: Client, based: World) -> None:
    S.dues_payment_record(
        actor=based.liaison, member=based.member, months=[this_month()], amount_fen=7650, paid_on=timezone.localdate()
    )
    resp = as_liaison.get(urls(based)["register_xlsx"] + f"?year={this_month().year}")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws is not None
    assert "党费收缴登记表" in str(ws["A1"].value)
    row = [c.value for c in ws[3]]
    assert row[1] == SECRET and row[2] == 5100 and row[3 + this_month().month] == 76.5


def test_rollup_pages_and_xlsx(as_admin: Client, based: World) -> None:
    S.dues_month_compute(actor=SYSTEM, org=based.city, month=this_month())
    body = as_admin.get(reverse("dues:rollup", args=[based.city.pk])).content.decode()
    assert based.unit.name in body and "76.50" in body
    mq = f"?month={this_month():%Y-%m}"
    assert f'<a href="{reverse("dues:rollup", args=[based.unit.pk])}{mq}">{based.unit.name}</a>' in body
    assert f'href="{reverse("dues:rollup_xlsx", args=[based.city.pk])}{mq}"' in body
    assert f'action="{reverse("dues:compute", args=[based.city.pk])}"' in body
    body = as_admin.get(reverse("dues:rollup", args=[based.branch.pk])).content.decode()
    assert SECRET in body
    assert f'<a href="{reverse("dues:member", args=[based.member.pk])}">{SECRET}</a>' in body
    assert f'href="{reverse("dues:sheet", args=[based.branch.pk])}{mq}">收缴表</a>' in body
    resp = as_admin.get(reverse("dues:rollup_xlsx", args=[based.city.pk]) + f"?month={this_month():%Y-%m}")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws is not None
    assert ws["A3"].value == based.unit.name
    assert as_admin.get(reverse("dues:rollup", args=[based.city.pk]) + "?month=bad").status_code == 404


def test_rollup_query_count_bounded(as_admin: Client, based: World) -> None:
    url = reverse("dues:rollup", args=[based.unit.pk])
    S.dues_month_compute(actor=SYSTEM, org=based.city, month=this_month())
    with CaptureQueriesContext(connection) as small:
        as_admin.get(url)
    for i in range(5):
        mem = make_member(based.other_branch, name=f"他{i}")
        S.dues_base_set(actor=SYSTEM, member=mem, year=this_month().year, category="retired", monthly_base_fen=300_000)
    S.dues_month_compute(actor=SYSTEM, org=based.city, month=this_month())
    with CaptureQueriesContext(connection) as big:
        as_admin.get(url)
    assert len(big) == len(small)


def test_party_day_tag(rf: Any, based: World) -> None:
    req = rf.get("/")
    req.user = based.liaison
    html = Template("{% load dues_tags %}{% party_day_dues org day %}").render(
        Context({"org": based.branch, "day": timezone.localdate(), "request": req})
    )
    assert "本月党费：应缴 1 人，已缴 0 人" in html and reverse("dues:sheet", args=[based.branch.pk]) in html
    req.user = based.outsider
    html = Template("{% load dues_tags %}{% party_day_dues org day %}").render(
        Context({"org": based.branch, "day": timezone.now(), "request": req})
    )
    assert "应缴 1 人" in html and "href" not in html


def test_party_day_meeting_page_shows_the_dues_panel_through_the_registry(as_liaison: Client, based: World) -> None:
    party_day = make_meeting(based.branch)
    html = as_liaison.get(reverse("orglife:detail", args=[party_day.pk])).content.decode()
    assert 'id="dues"' in html and "本月党费：应缴" in html
    lecture = make_meeting(based.branch, kinds=["party_lecture"], lecturer="王书记", lecture_topic="党章")
    html = as_liaison.get(reverse("orglife:detail", args=[lecture.pk])).content.decode()
    assert 'id="dues"' not in html


def test_payment_void_view(as_liaison: Client, as_outsider: Client, based: World) -> None:
    p = S.dues_payment_record(
        actor=based.liaison, member=based.member, months=[this_month()], amount_fen=7650, paid_on=timezone.localdate()
    )
    url = reverse("dues:payment_void", args=[p.pk])
    assert as_outsider.post(url, {"reason": "x"}).status_code == 404
    resp = as_liaison.post(url, {"reason": ""}, follow=True)
    assert "请填写撤销原因" in resp.content.decode()
    resp = as_liaison.post(url, {"reason": "登记错误"}, follow=True)
    assert "已撤销" in resp.content.decode()
    p.refresh_from_db()
    assert p.voided_at is not None


def test_sheet_offers_arrears_catch_up_and_unassessed_note(as_liaison: Client, world: World) -> None:
    from dangjian.dues.rules import add_months

    month = this_month()
    earlier = add_months(month, -2)
    for year in sorted({earlier.year, month.year}):
        S.dues_base_set(
            actor=SYSTEM, member=world.member, year=year, category=DuesCategory.IN_SERVICE, monthly_base_fen=510_000
        )
    for mm in (earlier, add_months(month, -1)):
        S.dues_month_compute(actor=world.liaison, org=world.branch, month=mm)
    make_member(world.branch, name="未核定")
    body = as_liaison.get(reverse("dues:sheet", args=[world.branch.pk]) + f"?month={month:%Y-%m}").content.decode()
    months = f"{earlier:%Y-%m},{add_months(month, -1):%Y-%m},{month:%Y-%m}"
    assert "补交欠缴 2 个月" in body and f"?months={months}" in body
    assert "另有 1 人未核定基数" in body
    page = as_liaison.get(reverse("dues:pay", args=[world.member.pk]) + f"?months={months}").content.decode()
    assert f'value="{months}"' in page
    page = as_liaison.get(reverse("dues:pay", args=[world.member.pk]) + "?months=2026-13,x").content.decode()
    assert "2026-13" not in page


def _sheet_sample(w: World) -> str:
    """A sheet with every kind of row: unpaid with arrears, paid, unassessed, exempt-free student."""
    month = this_month()
    earlier = add_months(month, -1)
    for year in sorted({earlier.year, month.year}):
        S.dues_base_set(
            actor=SYSTEM, member=w.member, year=year, category=DuesCategory.IN_SERVICE, monthly_base_fen=510_000
        )
    S.dues_month_compute(actor=w.liaison, org=w.branch, month=earlier)
    paid = make_member(w.branch, name="已缴者")
    S.dues_base_set(actor=SYSTEM, member=paid, year=month.year, category="in_service", monthly_base_fen=400_000)
    S.dues_month_compute(actor=w.liaison, org=w.branch, month=month)
    S.dues_payment_record(
        actor=w.liaison, member=paid, months=[month], amount_fen=4000, paid_on=timezone.localdate(), method="cash"
    )
    make_member(w.branch, name="未核定")
    return reverse("dues:sheet", args=[w.branch.pk]) + f"?month={month:%Y-%m}"


def test_sheet_rows_links_once_per_page(as_liaison: Client, world: World, django_assert_max_num_queries: Any) -> None:
    """The rows render in one include with URLs reversed once per page: same links and amounts."""
    url = _sheet_sample(world)
    with django_assert_max_num_queries(8):
        body = as_liaison.get(url).content.decode()
    month = this_month()
    mq = f"?month={month:%Y-%m}"
    unassessed = Member.objects.get(name="未核定")
    pay = reverse("dues:quick_pay", args=[world.branch.pk, world.member.pk]) + mq
    assert f'action="{pay}"' in body and f'hx-post="{pay}"' in body
    assert f'href="{reverse("dues:pay", args=[world.member.pk])}{mq}"' in body
    assert (
        f'href="{reverse("dues:pay", args=[world.member.pk])}?months={add_months(month, -1):%Y-%m},{month:%Y-%m}"'
        in body
    )
    assert f'href="{reverse("dues:base_set", args=[unassessed.pk])}"' in body
    assert "✓ 已缴 40.00 元" in body and 'value="76.50"' in body and "补交欠缴 1 个月" in body
    assert body.count('class="sheet-row"') == 3
