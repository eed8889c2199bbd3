"""The collection sheet (issue 18): its few queries read what the services would write, and its
rows (built as strings) keep the page's markup, escaping and links."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.dues import services as S
from dangjian.dues.models import DuesExemption, ExemptionStatus
from dangjian.dues.rules import DuesCategory, ReliefKind, add_months, month_start
from dangjian.dues.selectors import collection_sheet
from dangjian.members.models import Member
from dangjian.orgs.services import config_set
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def this_month() -> dt.date:
    return month_start(timezone.localdate())


def _relief(member: Member, kind: str, reduced_fen: int, month: dt.date, status: str) -> None:
    """An exemption as the decision service leaves it (the sheet only reads it)."""
    DuesExemption.objects.create(
        member=member,
        org_path=member.org_path,
        kind=kind,
        reduced_fen=reduced_fen,
        start_month=add_months(month, -1),
        end_month=add_months(month, 1),
        reason="困难",
        application="申请书",
        status=status,
    )


def _cast(w: World, month: dt.date) -> dict[str, Member]:
    """Members in every situation the preview of a month must read like the ledger would."""
    year = month.year
    b = w.branch

    def member(name: str, **kw: object) -> Member:
        return make_member(b, name=name, **kw)

    cast = {
        "carried": member("上年基数"),  # only last year's base: carried forward
        "changed": member("年中调整"),  # a mid-year change from this month: the newest wins
        "reduced": member("批准少交"),
        "newest": member("两次批准"),  # two approved reliefs: the newest wins
        "pending": member("待批申请"),  # a relief not approved yet changes nothing
        "unassessed": member("未核定"),
        "farmer": member("农民党员", category="farmer"),  # flat rate, no base needed
        "student": member("学生党员", category="student"),
        "left": member("已离开"),
        "later": member(
            "月后入党", joined_on=add_months(month, 1) + dt.timedelta(days=3), status="probationary", converted_on=None
        ),
    }
    base: dict[str, Any] = {"actor": SYSTEM, "category": DuesCategory.IN_SERVICE}
    S.dues_base_set(member=cast["carried"], year=year - 1, monthly_base_fen=612_300, **base)
    S.dues_base_set(member=cast["changed"], year=year, monthly_base_fen=300_000, **base)
    S.dues_base_set(
        member=cast["changed"],
        year=year,
        monthly_base_fen=910_000,
        effective_from=month,
        reason="职务变动",
        **base,
    )
    for key in ("reduced", "newest", "pending", "left", "later"):
        S.dues_base_set(member=cast[key], year=year, monthly_base_fen=450_000, **base)
    _relief(cast["reduced"], ReliefKind.REDUCE, 1_000, month, ExemptionStatus.APPROVED)
    _relief(cast["newest"], ReliefKind.EXEMPT, 0, month, ExemptionStatus.APPROVED)
    _relief(cast["newest"], ReliefKind.REDUCE, 2_500, month, ExemptionStatus.APPROVED)
    _relief(cast["pending"], ReliefKind.EXEMPT, 0, month, ExemptionStatus.PENDING)
    Member.objects.filter(pk=cast["left"].pk).update(is_active=False, left_on=add_months(month, -1))
    # A committee setting the preview must apply: a cap below the largest amount.
    config_set(actor=SYSTEM, org=w.unit, key="dues.monthly_cap_fen", raw_value="10000")
    return cast


def _rows(w: World, month: dt.date) -> dict[str, tuple[int, str, str, bool]]:
    return {
        r.name: (r.amount_fen, r.rate_label, r.relief, r.missing_base) for r in collection_sheet(w.branch, month).rows
    }


def test_a_month_not_on_the_ledger_previews_what_the_ledger_will_hold(world: World) -> None:
    month = add_months(this_month(), -2)  # someone admitted the month after must already be in the past
    cast = _cast(world, month)
    preview = collection_sheet(world.branch, month)
    assert not any(r.on_ledger for r in preview.rows)
    before = _rows(world, month)
    assert "已离开" not in before and "月后入党" not in before
    assert before["未核定"] == (0, "未核定基数", "", True)
    assert before["批准少交"][0] == 1_000 and before["两次批准"][0] == 2_500 and before["待批申请"][0] > 0
    assert before["年中调整"][0] == 10_000  # 3% of 9100 yuan is 273 yuan, capped by the committee at 100
    assert before["上年基数"][0] > 0 and before["农民党员"][0] > 0

    S.dues_month_compute(actor=world.liaison, org=world.branch, month=month)
    listed = collection_sheet(world.branch, month)
    expected = {m.pk for key, m in cast.items() if key not in ("unassessed", "left", "later")}
    assert {r.member_id for r in listed.rows if r.on_ledger} == expected
    assert _rows(world, month) == before


def test_sheet_queries_do_not_depend_on_members(world: World) -> None:
    """Three queries (members with line, base and relief; their arrears; the disclosure), and the
    committee settings only when an unlisted member has a base to assess."""
    month = this_month()
    make_member(world.branch, name="未核定")
    with CaptureQueriesContext(connection) as unassessed:
        collection_sheet(world.branch, month)
    assert len(unassessed) == 3
    for i in range(5):
        m = make_member(world.branch, name=f"成员{i}")
        S.dues_base_set(actor=SYSTEM, member=m, year=month.year, category="in_service", monthly_base_fen=400_000)
    with CaptureQueriesContext(connection) as assessed:
        collection_sheet(world.branch, month)
    assert len(assessed) == 4
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=month)
    with CaptureQueriesContext(connection) as listed:
        sheet = collection_sheet(world.branch, month)
    assert len(listed) == 3 and sum(r.on_ledger for r in sheet.rows) == 5


def _row_html(body: str, member_id: int) -> str:
    found = re.search(rf'<div class="sheet-row" id="row-{member_id}".*?\n</div>', body, re.S)
    assert found, f"no row for {member_id}"
    return found.group(0)


def test_names_and_errors_are_escaped(as_liaison: Client, world: World) -> None:
    month = this_month()
    odd = make_member(world.branch, name='<b>"王&李"</b>')
    S.dues_base_set(actor=SYSTEM, member=odd, year=month.year, category="in_service", monthly_base_fen=400_000)
    url = reverse("dues:sheet", args=[world.branch.pk]) + f"?month={month:%Y-%m}"
    row = _row_html(as_liaison.get(url).content.decode(), odd.pk)
    assert "<b>" not in row and row.count("&lt;b&gt;&quot;王&amp;李&quot;&lt;/b&gt;") == 4
    pay = reverse("dues:quick_pay", args=[world.branch.pk, odd.pk]) + f"?month={month:%Y-%m}"
    resp = as_liaison.post(pay, {"amount": "<i>1</i>", "method": "cash"}, HTTP_HX_REQUEST="true")
    refused = _row_html(resp.content.decode(), odd.pk)
    assert 'class="err" role="alert"' in refused and "<i>" not in refused


def test_htmx_row_is_the_row_of_the_page(as_liaison: Client, world: World) -> None:
    """The htmx view swaps in exactly the row the page would show after the payment."""
    month = this_month()
    S.dues_base_set(actor=SYSTEM, member=world.member, year=month.year, category="in_service", monthly_base_fen=510_000)
    url = reverse("dues:sheet", args=[world.branch.pk]) + f"?month={month:%Y-%m}"
    pay = reverse("dues:quick_pay", args=[world.branch.pk, world.member.pk]) + f"?month={month:%Y-%m}"
    resp = as_liaison.post(pay, {"amount": "76.50", "method": "cash"}, HTTP_HX_REQUEST="true")
    swapped = _row_html(resp.content.decode(), world.member.pk)
    assert "✓ 已缴 76.50 元" in swapped
    assert swapped == _row_html(as_liaison.get(url).content.decode(), world.member.pk)
    assert 'id="sheet-summary" hx-swap-oob="true"' in resp.content.decode()


def test_links_follow_the_script_prefix(as_liaison: Client, world: World) -> None:
    """Links are reversed once per process, but per script prefix (a deployment under /sub/)."""
    month = this_month()
    S.dues_base_set(actor=SYSTEM, member=world.member, year=month.year, category="in_service", monthly_base_fen=510_000)
    path = reverse("dues:sheet", args=[world.branch.pk]) + f"?month={month:%Y-%m}"
    plain = as_liaison.get(path).content.decode()
    pay = reverse("dues:pay", args=[world.member.pk])
    assert f'href="{pay}?month={month:%Y-%m}"' in plain
    set_script_prefix("/sub/")  # what the WSGI handler does under SCRIPT_NAME=/sub (the test client does not)
    try:
        prefixed = as_liaison.get(path).content.decode()
    finally:
        set_script_prefix("/")
    assert f'href="/sub{pay}?month={month:%Y-%m}"' in prefixed
    assert f'action="/sub{reverse("dues:compute", args=[world.branch.pk])}"' in prefixed
    assert f'href="{pay}?month={month:%Y-%m}"' not in prefixed


def _line(member: Member, org: Any, month: dt.date, *, paid: bool) -> None:
    from dangjian.dues.models import DuesExpected

    DuesExpected.objects.create(
        member=member,
        org=org,
        org_path=org.path,
        month=month,
        category=DuesCategory.IN_SERVICE,
        rate_label="1%",
        amount_fen=500,
        paid_fen=500 if paid else 0,
        is_paid=paid,
    )


def test_arrears_are_each_sheet_members_own_unpaid_months(world: World) -> None:
    """The arrears read for the members on the sheet (on PostgreSQL by the ids the first query
    returned): consecutive unpaid months before this one, wherever they were due; a member of
    another branch with arrears changes nothing, and a member without lines has none."""
    month = this_month()
    late, prompt, fresh = (make_member(world.branch, name=n) for n in ("连欠三月", "上月已缴", "新党员"))
    elsewhere = make_member(world.other_branch, name="外支部")
    for i in (1, 2, 3):
        _line(late, world.other_branch if i == 3 else world.branch, add_months(month, -i), paid=False)
        _line(prompt, world.branch, add_months(month, -i), paid=i == 1)
        _line(elsewhere, world.other_branch, add_months(month, -i), paid=False)
    for m in (late, prompt, fresh, elsewhere):
        _line(m, world.other_branch if m is elsewhere else world.branch, month, paid=False)
    rows = {r.member_id: r for r in collection_sheet(world.branch, month).rows}
    assert elsewhere.pk not in rows and {late.pk, prompt.pk, fresh.pk} <= set(rows)
    assert rows[late.pk].streak == 3
    expected = ",".join(f"{add_months(month, -i):%Y-%m}" for i in (3, 2, 1, 0))
    assert rows[late.pk].arrears_months == expected
    assert rows[prompt.pk].streak == 0 and rows[prompt.pk].arrears_months == ""
    assert rows[fresh.pk].streak == 0
    assert collection_sheet(world.other_branch, month).rows[0].streak == 3  # the same read for B


def test_an_empty_sheet_reads_no_arrears(world: World) -> None:
    empty = collection_sheet(world.other_branch, this_month())
    assert empty.rows == []
