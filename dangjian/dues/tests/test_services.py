"""Services: bases with history, the ledger, payments and their bad inputs, reliefs, disclosure, arrears."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.models import AuditEvent, Notification
from dangjian.dues import services as S
from dangjian.dues.models import (
    DuesArrearsFlag,
    DuesBase,
    DuesDisclosure,
    DuesExpected,
    DuesPayment,
    DuesPaymentMonth,
)
from dangjian.dues.rules import DuesCategory as C
from dangjian.dues.rules import add_months, month_start
from dangjian.dues.selectors import collection_sheet, member_ledger, party_day_counts, rollup
from dangjian.members.services import transfer_accept, transfer_out
from dangjian.orgs.models import OrgConfig
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)


def m(month: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, 1)


def base(world: World, member: Any = None, yuan: int = 5100, **kw: Any) -> Any:
    kw.setdefault("year", 2026)
    kw.setdefault("category", C.IN_SERVICE)
    return S.dues_base_set(actor=world.liaison, member=member or world.member, monthly_base_fen=yuan * 100, **kw)


def pay(world: World, months: list[dt.date], amount_fen: int, member: Any = None, **kw: Any) -> Any:
    kw.setdefault("paid_on", dt.date(2026, 11, 1))
    return S.dues_payment_record(
        actor=world.liaison, member=member or world.member, months=months, amount_fen=amount_fen, **kw
    )


# ---------------------------------------------------------------------------------------------
# Bases


def test_base_set_and_mid_year_change_keeps_history(world: World) -> None:
    b1 = base(world, yuan=5100)
    assert b1.effective_from == JAN and b1.org_path == world.branch.path
    with pytest.raises(ValidationError) as exc:
        base(world, yuan=6000, effective_from=m(7))
    assert "调整原因" in str(exc.value)
    assert DuesBase.objects.count() == 1
    # Re-declaring January also counts as a change within the year.
    with pytest.raises(ValidationError):
        base(world, yuan=6000)
    b2 = base(world, yuan=6000, effective_from=m(7), reason="7月起岗位调整")
    assert DuesBase.objects.filter(member=world.member).count() == 2
    b1.refresh_from_db()
    assert b1.monthly_base_fen == 510_000  # never overwritten
    assert AuditEvent.objects.filter(action="dues.base_set").count() == 2
    ledger = member_ledger(world.member, 2026)
    assert ledger.base_now == b2


@pytest.mark.parametrize(("fen", "msg"), [(-1, "负数"), (1_000_000_001, "1000万")])
def test_base_bad_values(world: World, fen: int, msg: str) -> None:
    with pytest.raises(ValidationError) as exc:
        S.dues_base_set(
            actor=world.liaison, member=world.member, year=2026, category=C.IN_SERVICE, monthly_base_fen=fen
        )
    assert msg in str(exc.value)
    assert not DuesBase.objects.exists()


def test_base_db_constraint_backs_the_range(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesBase.objects.create(
            member=world.member, org_path="x", year=2026, effective_from=JAN, monthly_base_fen=-5, category="in_service"
        )


def test_base_from_items(world: World) -> None:
    b = S.dues_base_set(
        actor=world.liaison,
        member=world.member,
        year=2026,
        category=C.IN_SERVICE,
        items={"post_pay": 500_000, "income_tax": 10_000, "reform_subsidy": 80_000},
    )
    assert b.monthly_base_fen == 490_000
    assert b.items["reform_subsidy"] == 80_000


def test_base_outsider_and_member_refused(world: World) -> None:
    for actor in (world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            S.dues_base_set(actor=actor, member=world.member, year=2026, category=C.IN_SERVICE, monthly_base_fen=1)


# ---------------------------------------------------------------------------------------------
# The ledger


def test_month_compute_materialises_everyone_with_settings(world: World) -> None:
    base(world, yuan=5100)
    student = make_member(world.branch, category="student")
    farmer = make_member(world.branch, category="farmer")
    no_base = make_member(world.branch)
    later = make_member(world.branch, joined_on=dt.date(2026, 4, 1), converted_on=None, status="probationary")
    OrgConfig.objects.create(org=world.unit, key="dues.farmer_monthly_fen", value=50)
    OrgConfig.objects.create(org=world.city, key="dues.rounding", value="yuan_up")
    summary = S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(3))
    assert summary["missing_base"] == 1
    rows = {e.member_id: e for e in DuesExpected.objects.filter(month=m(3))}
    assert rows[world.member.pk].amount_fen == 7700  # 76.5 rounded up to 77 by the committee's setting
    assert rows[world.member.pk].unrounded == "7650.000"
    assert rows[student.pk].amount_fen == 20  # flat: never rounded up
    assert rows[farmer.pk].amount_fen == 50
    assert no_base.pk not in rows and later.pk not in rows
    # Idempotent: running again changes nothing.
    before = {e.pk: e.computed_at for e in DuesExpected.objects.filter(month=m(3))}
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(3))
    assert {e.pk: e.computed_at for e in DuesExpected.objects.filter(month=m(3))} == before
    # A changed committee setting is applied to the month when it is computed again.
    OrgConfig.objects.filter(key="dues.rounding").update(value="fen")
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(3))
    assert DuesExpected.objects.get(member=world.member, month=m(3)).amount_fen == 7650
    assert DuesExpected.objects.get(member=student, month=m(3)).computed_at == before[rows[student.pk].pk]


def test_month_compute_scope(world: World) -> None:
    with pytest.raises(PermissionDenied):
        S.dues_month_compute(actor=world.outsider, org=world.branch, month=m(3))


def test_probationary_member_admitted_mid_month_owes_that_month(world: World) -> None:
    p = make_member(world.branch, joined_on=dt.date(2026, 5, 20), converted_on=None, status="probationary")
    base(world, member=p, yuan=3000)
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(4))
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(5))
    assert not DuesExpected.objects.filter(member=p, month=m(4)).exists()
    assert DuesExpected.objects.get(member=p, month=m(5)).amount_fen == 1500
    with pytest.raises(ValidationError) as exc:
        pay(world, [m(4)], 1500, member=p)
    assert "2026年4月" in str(exc.value) and "入党" in str(exc.value)


def test_member_transferred_mid_year_keeps_months_where_they_were_due(world: World) -> None:
    base(world, yuan=4900)
    for month in range(1, 7):
        S.dues_month_compute(actor=world.admin, org=world.city, month=m(month))
    pay(world, [m(1), m(2), m(3)], 3 * 4900)
    t = transfer_out(actor=world.liaison, member=world.member, out_on=dt.date(2026, 6, 20), to_org=world.other_branch)
    transfer_accept(actor=world.outsider, transfer=t, in_on=dt.date(2026, 6, 25))
    world.member.refresh_from_db()
    for month in range(6, 9):  # June was already on the ledger at the old branch
        S.dues_month_compute(actor=world.admin, org=world.city, month=m(month))
    old = set(DuesExpected.objects.filter(member=world.member, org=world.branch).values_list("month", flat=True))
    new = set(DuesExpected.objects.filter(member=world.member, org=world.other_branch).values_list("month", flat=True))
    assert old == {m(i) for i in range(1, 7)} and new == {m(7), m(8)}
    # The new branch collects an old month; it still counts where it was due.
    S.dues_payment_record(
        actor=world.outsider, member=world.member, months=[m(4)], amount_fen=4900, paid_on=dt.date(2026, 8, 1)
    )
    assert DuesPaymentMonth.objects.get(member=world.member, month=m(4)).org_path == world.branch.path
    assert rollup(world.branch, m(4)).total.received_fen == 4900
    assert rollup(world.other_branch, m(4)).total.received_fen == 0
    assert rollup(world.other_branch, m(7)).total.expected_fen == 4900
    # The ledger is whole; the old branch's June sheet still lists the member, marked as transferred out.
    assert len(member_ledger(world.member, 2026).lines) >= 8
    june = collection_sheet(world.branch, m(6))
    assert [r.transferred_out for r in june.rows if r.member_id == world.member.pk] == [True]


# ---------------------------------------------------------------------------------------------
# Payments


def test_payment_advance_quarter_and_audit(world: World) -> None:
    base(world, yuan=5100)
    p = pay(world, [m(10), m(11), m(12)], 3 * 7650, method="transfer")
    assert p.expected_fen == 22_950 and not p.mismatch and p.collector_name == world.liaison.name
    assert list(DuesPaymentMonth.objects.filter(payment=p).values_list("month", flat=True)) == [m(10), m(11), m(12)]
    lines = DuesExpected.objects.filter(member=world.member).order_by("month")
    assert [(e.is_paid, e.paid_fen) for e in lines] == [(True, 7650)] * 3
    assert AuditEvent.objects.filter(action="dues.payment_record", object_id=str(p.pk)).exists()


def test_payment_for_months_already_paid_names_them_and_changes_nothing(world: World) -> None:
    base(world, yuan=5100)
    pay(world, [m(3), m(4)], 2 * 7650)
    with pytest.raises(ValidationError) as exc:
        pay(world, [m(4), m(5), m(3)], 3 * 7650)
    assert "2026年3月、2026年4月" in str(exc.value) and "已缴纳" in str(exc.value)
    assert DuesPayment.objects.count() == 1
    assert not DuesExpected.objects.filter(month=m(5), is_paid=True).exists()


def test_payment_month_db_constraint(world: World) -> None:
    base(world, yuan=5100)
    p = pay(world, [m(3)], 7650)
    with pytest.raises(IntegrityError), transaction.atomic():
        DuesPaymentMonth.objects.create(payment=p, member=world.member, month=m(3), org_path="x", amount_fen=1)


def test_payment_for_member_who_left(world: World) -> None:
    base(world, yuan=5100)
    transfer_out(actor=world.liaison, member=world.member, out_on=dt.date(2026, 9, 30), to_org_name="外省某支部")
    world.member.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        pay(world, [m(9)], 7650)
    assert "已离册" in str(exc.value) and "2026-09-30" in str(exc.value)
    assert not DuesPayment.objects.exists()


def test_mismatched_amount_needs_note_and_is_flagged(world: World) -> None:
    base(world, yuan=5100)
    with pytest.raises(ValidationError) as exc:
        pay(world, [m(3)], 7000)
    assert "备注" in str(exc.value) and "76.50" in str(exc.value)
    assert not DuesPayment.objects.exists() and not DuesExpected.objects.filter(is_paid=True).exists()
    p = pay(world, [m(3)], 7000, note="本人称工资下调，待核")
    assert p.mismatch
    line = DuesExpected.objects.get(month=m(3))
    assert line.is_paid and line.outstanding_fen == 650
    extra = pay(world, [m(4), m(5)], 20_000, note="自愿多交")
    assert extra.mismatch
    assert DuesExpected.objects.get(month=m(5)).paid_fen == 20_000 - 7650


def test_payment_bad_inputs(world: World) -> None:
    base(world, yuan=5100)
    today = timezone.localdate()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"months": []}, "月份"),
        ({"amount_fen": 0}, "大于0"),
        ({"paid_on": today + dt.timedelta(days=1)}, "晚于今天"),
        ({"months": [add_months(month_start(today), 14)], "paid_on": today}, "最多预交"),
        ({"by_proxy": True, "proxy_name": "李某", "proxy_reason": ""}, "特殊情况"),
        ({"method": "cheque"}, "方式"),
    ]
    for overrides, msg in cases:
        args: dict[str, Any] = {"months": [m(3)], "amount_fen": 7650, **overrides}
        with pytest.raises(ValidationError) as exc:
            pay(world, args.pop("months"), args.pop("amount_fen"), **args)
        assert msg in str(exc.value), overrides
    assert not DuesPayment.objects.exists()


def test_proxy_payment_with_consent(world: World) -> None:
    base(world, yuan=5100)
    p = pay(world, [m(3)], 7650, by_proxy=True, proxy_name="张母", proxy_reason="本人住院", proxy_consent=True)
    assert p.by_proxy and p.proxy_name == "张母"


def test_payment_without_base_is_refused_clearly(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        pay(world, [m(3)], 100)
    assert "尚未核定党费基数" in str(exc.value)


def test_payment_scope(world: World) -> None:
    base(world, yuan=5100)
    for actor in (world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            S.dues_payment_record(
                actor=actor, member=world.member, months=[m(3)], amount_fen=7650, paid_on=dt.date(2026, 3, 5)
            )


# ---------------------------------------------------------------------------------------------
# Reliefs


def test_exemption_needs_next_level_approval_and_applies(world: World) -> None:
    base(world, yuan=5100)
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(3))
    ex = S.dues_exemption_apply(
        actor=world.member_user,
        member=world.member,
        kind="reduce",
        reduced_fen=1000,
        start_month=m(3),
        end_month=m(6),
        reason="家庭重大变故",
        application="书面申请 2026-01",
    )
    with pytest.raises(PermissionDenied):  # the branch's own secretary is not the next-level committee
        S.dues_exemption_decide(actor=world.secretary, exemption=ex, approve=True, version=ex.version)
    with pytest.raises(ValidationError):  # stale version
        S.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version + 5)
    S.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version)
    assert DuesExpected.objects.get(month=m(3)).amount_fen == 1000
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(7))
    assert DuesExpected.objects.get(month=m(7)).amount_fen == 7650


def test_exemption_bad_input(world: World) -> None:
    kw: dict[str, Any] = {
        "member": world.member,
        "start_month": m(3),
        "end_month": m(2),
        "reason": "x",
        "application": "y",
    }
    with pytest.raises(ValidationError):
        S.dues_exemption_apply(actor=world.liaison, kind="exempt", **kw)
    kw["end_month"] = m(4)
    with pytest.raises(ValidationError):
        S.dues_exemption_apply(actor=world.liaison, kind="reduce", **kw)
    with pytest.raises(ValidationError):
        S.dues_exemption_apply(actor=world.liaison, kind="exempt", **{**kw, "application": " "})
    with pytest.raises(PermissionDenied):
        S.dues_exemption_apply(actor=world.outsider, kind="exempt", **kw)


# ---------------------------------------------------------------------------------------------
# Disclosure, arrears, roll-ups


def test_disclosure_publish_snapshot_and_notify(world: World) -> None:
    base(world, yuan=5100)
    other = make_member(world.branch, category="student")
    pay(world, [m(10)], 7650)
    d = S.dues_disclosure_publish(actor=world.liaison, org=world.branch, month=m(10))
    assert (d.member_count, d.paid_count, d.expected_total_fen, d.paid_total_fen) == (2, 1, 7670, 7650)
    assert {r["name"]: r["paid"] for r in d.rows} == {world.member.name: True, other.name: False}
    assert Notification.objects.filter(user=world.member_user, key__startswith="dues-disclosure").count() == 1
    pay(world, [m(10)], 20, member=other)
    d2 = S.dues_disclosure_publish(actor=world.liaison, org=world.branch, month=m(10))
    assert d2.pk == d.pk and d2.version == 2 and d2.paid_count == 2
    assert DuesDisclosure.objects.count() == 1
    with pytest.raises(PermissionDenied):
        S.dues_disclosure_publish(actor=world.outsider, org=world.branch, month=m(10))
    with pytest.raises(ValidationError):
        S.dues_disclosure_publish(actor=world.admin, org=world.unit, month=m(10))


def test_six_months_arrears_flagged_to_branch_never_status_change(world: World) -> None:
    base(world, yuan=5100)
    for month in range(1, 9):
        S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(month))
    pay(world, [m(1), m(2)], 2 * 7650)
    res = S.dues_arrears_scan(actor=world.admin, org=world.city, through=m(8))
    assert res == {"flagged": 1, "created": 1}
    flag = DuesArrearsFlag.objects.get()
    assert flag.months == 6 and flag.org == world.branch
    assert RoleAssignment.objects.filter(user=world.secretary, role="secretary").exists()
    assert Notification.objects.filter(user=world.secretary, key__startswith="dues-arrears").count() == 1
    world.member.refresh_from_db()
    assert world.member.is_active and world.member.status == "full"
    # Idempotent.
    assert S.dues_arrears_scan(actor=world.admin, org=world.city, through=m(8))["created"] == 0
    assert Notification.objects.filter(user=world.secretary, key__startswith="dues-arrears").count() == 1
    # Five months is not flagged.
    assert S.dues_arrears_scan(actor=world.admin, org=world.city, through=m(7))["flagged"] == 0
    assert DuesArrearsFlag.objects.get().resolved_at is not None


def test_arrears_suppressed_by_approved_exemption(world: World) -> None:
    base(world, yuan=5100)
    ex = S.dues_exemption_apply(
        actor=world.liaison,
        member=world.member,
        kind="exempt",
        start_month=m(1),
        end_month=m(12),
        reason="失业",
        application="申请书",
    )
    S.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version)
    for month in range(1, 9):
        S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(month))
    assert S.dues_arrears_scan(actor=world.admin, org=world.city, through=m(8))["flagged"] == 0
    assert member_ledger(world.member, 2026).findings == []


def test_rollup_aggregates_by_child_and_counts(world: World) -> None:
    base(world, yuan=5100)
    b2 = make_member(world.other_branch)
    S.dues_base_set(actor=world.admin, member=b2, year=2026, category=C.RETIRED, monthly_base_fen=600_000)
    S.dues_month_compute(actor=world.admin, org=world.city, month=m(3))
    pay(world, [m(3)], 7000, note="少交")
    r = rollup(world.city, m(3))
    assert [c.org for c in r.children] == [world.unit]
    assert (r.total.expected_fen, r.total.received_fen, r.total.outstanding_fen) == (13_650, 7000, 6650)
    u = rollup(world.unit, m(3))
    by = {c.org.pk: c for c in u.children if c.org}
    assert by[world.branch.pk].paid_members == 1 and by[world.other_branch.pk].outstanding_fen == 6000
    br = rollup(world.branch, m(3))
    assert br.by_member and br.children[0].member_id == world.member.pk
    assert party_day_counts(world.branch, m(3)) == (1, 1, 0)
    assert party_day_counts(world.branch, m(2)) == (1, 0, 0)  # not computed: everyone on the roll is due


def test_payment_resolves_open_flag(world: World) -> None:
    base(world, yuan=5100)
    last = add_months(month_start(timezone.localdate()), -1)
    months = [add_months(last, -i) for i in range(6)]
    for month in months:
        S.dues_month_compute(actor=world.liaison, org=world.branch, month=month)
    S.dues_arrears_scan(actor=world.liaison, org=world.branch, through=last)
    assert DuesArrearsFlag.objects.filter(resolved_at__isnull=True).count() == 1
    pay(world, [last], 7650, paid_on=timezone.localdate())
    assert DuesArrearsFlag.objects.filter(resolved_at__isnull=True).count() == 0


# ---------------------------------------------------------------------------------------------
# Batches (year-start assessment, a day's payments): same checks per row, all or nothing


def test_bases_batch_names_rows_and_writes_nothing_on_error(world: World) -> None:
    a, b = make_member(world.branch, name="甲"), make_member(world.branch, name="乙")
    rows = [
        S.BaseRow(a, 2026, C.IN_SERVICE, 400_000),
        S.BaseRow(b, 2026, C.IN_SERVICE, -1),
        S.BaseRow(a, 2026, C.RETIRED, 300_000, effective_from=m(6)),
    ]
    with pytest.raises(ValidationError) as exc:
        S.dues_bases_set(actor=world.liaison, rows=rows)
    assert "第2行（乙）：缴费基数不能为负数" in exc.value.messages
    assert not DuesBase.objects.exists()
    rows[1] = S.BaseRow(b, 2026, C.IN_SERVICE, 800_000)
    with pytest.raises(ValidationError) as exc:  # the mid-year row for 甲 still lacks a reason
        S.dues_bases_set(actor=world.liaison, rows=rows)
    assert any(msg.startswith("第3行（甲）") and "调整原因" in msg for msg in exc.value.messages)
    assert not DuesBase.objects.exists()
    rows[2] = S.BaseRow(a, 2026, C.RETIRED, 300_000, effective_from=m(6), reason="6月退休")
    assert len(S.dues_bases_set(actor=world.liaison, rows=rows)) == 3
    assert AuditEvent.objects.filter(action="dues.base_set").count() == 3


def test_payments_batch_all_or_nothing(world: World) -> None:
    a, b = make_member(world.branch, name="甲"), make_member(world.branch, name="乙")
    S.dues_bases_set(
        actor=world.liaison, rows=[S.BaseRow(a, 2026, C.IN_SERVICE, 400_000), S.BaseRow(b, 2026, C.STUDENT, 0)]
    )
    pay(world, [m(2)], 4000, member=a)
    on = dt.date(2026, 3, 5)
    rows = [
        S.PaymentRow(a, [m(3)], 4000, on),
        S.PaymentRow(b, [m(3)], 20, on),
        S.PaymentRow(a, [m(2)], 4000, on),
        S.PaymentRow(b, [m(3), m(4)], 40, on),
    ]
    with pytest.raises(ValidationError) as exc:
        S.dues_payments_record(actor=world.liaison, rows=rows)
    assert "第4行（乙）：2026年3月在本批中重复登记" in exc.value.messages
    rows.pop()
    with pytest.raises(ValidationError) as exc:
        S.dues_payments_record(actor=world.liaison, rows=rows)
    assert exc.value.messages == ["第3行（甲）：甲的2026年2月党费已缴纳，不能重复登记"]
    assert DuesPayment.objects.count() == 1 and not DuesExpected.objects.filter(month=m(3)).exists()
    done = S.dues_payments_record(actor=world.liaison, rows=rows[:2])
    assert [p.amount_fen for p in done] == [4000, 20]
    assert DuesExpected.objects.get(member=a, month=m(3)).paid_fen == 4000
    with pytest.raises(PermissionDenied):
        S.dues_payments_record(actor=world.outsider, rows=[S.PaymentRow(a, [m(5)], 4000, on)])


def test_payment_void_reopens_months(world: World) -> None:
    base(world, yuan=5100)
    p = pay(world, [m(3), m(4)], 2 * 7650)
    with pytest.raises(ValidationError):
        S.dues_payment_void(actor=world.liaison, payment=p, reason=" ")
    with pytest.raises(PermissionDenied):
        S.dues_payment_void(actor=world.outsider, payment=p, reason="错")
    S.dues_payment_void(actor=world.liaison, payment=p, reason="登记错了人")
    assert not DuesPaymentMonth.objects.exists()
    assert list(DuesExpected.objects.values_list("is_paid", "paid_fen")) == [(False, 0), (False, 0)]
    with pytest.raises(ValidationError):
        S.dues_payment_void(actor=world.liaison, payment=p, reason="again")
    pay(world, [m(3)], 7650)  # the month can be paid again
    assert DuesExpected.objects.get(month=m(3)).is_paid
    ev = AuditEvent.objects.get(action="dues.payment_void")
    assert ev.before is not None and len(ev.before["months"]) == 2


def test_everyone_counts_members_without_a_base_are_shown_not_hidden(world: World) -> None:
    base(world, yuan=5100)
    unset = make_member(world.branch, name="未核定", category="in_service")
    pay(world, [m(10)], 7650)
    sheet = collection_sheet(world.branch, m(10))
    assert sheet.unassessed_count == 1 and sheet.due_count == 1
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=m(10))
    assert party_day_counts(world.branch, m(10)) == (1, 1, 1)
    d = S.dues_disclosure_publish(actor=world.liaison, org=world.branch, month=m(10))
    assert d.unassessed_count == 1
    assert {r["name"]: r.get("unassessed", False) for r in d.rows} == {world.member.name: False, unset.name: True}
