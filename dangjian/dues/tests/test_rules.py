"""Rate, rounding, month and arrears rules at their boundaries (domain-rules §2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dangjian.core.findings import Severity
from dangjian.dues import rules as R
from dangjian.dues.rules import DuesCategory as C


def due(category: str, yuan: str, **kw: object) -> int:
    return R.monthly_due(category=category, base_fen=R.parse_yuan(yuan), **kw).amount_fen  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base", "ratio"),
    [
        ("0", "0.005"),
        ("3000.00", "0.005"),
        ("3000.01", "0.01"),
        ("5000.00", "0.01"),
        ("5000.01", "0.015"),
        ("10000.00", "0.015"),
        ("10000.01", "0.02"),
        ("80000", "0.02"),
    ],
)
def test_in_service_tier_boundaries_upper_bound_inclusive(base: str, ratio: str) -> None:
    for cat in (C.IN_SERVICE, C.ANNUAL_SALARY, C.SELF_EMPLOYED):
        assert R.rate_for(cat, R.parse_yuan(base)).ratio == Decimal(ratio)


@pytest.mark.parametrize(("base", "ratio"), [("5000.00", "0.005"), ("5000.01", "0.01"), ("100", "0.005")])
def test_retiree_tier_boundaries(base: str, ratio: str) -> None:
    assert R.rate_for(C.RETIRED, R.parse_yuan(base)).ratio == Decimal(ratio)


def test_whole_base_at_one_rate_not_marginal() -> None:
    # 中组部 worked examples: 5100 × 1.5% = 76.5; 4900 × 1% = 49.
    assert due(C.IN_SERVICE, "5100") == 7650
    assert due(C.IN_SERVICE, "4900") == 4900
    # Both sides of each boundary, to the fen.
    assert due(C.IN_SERVICE, "3000.00") == 1500
    assert due(C.IN_SERVICE, "3000.01") == 3000  # 30.0001 → 30.00
    assert due(C.IN_SERVICE, "5000.00") == 5000
    assert due(C.IN_SERVICE, "5000.01") == 7500  # 75.00015 → 75.00
    assert due(C.IN_SERVICE, "10000.00") == 15000
    assert due(C.IN_SERVICE, "10000.01") == 20000  # 200.0002 → 200.00
    assert due(C.RETIRED, "5000.00") == 2500
    assert due(C.RETIRED, "5000.01") == 5000


def test_rounding_modes() -> None:
    # To the fen, half up (not banker's rounding): 1237.00 × 0.5% = 6.185 → 6.19; 1235 × 0.5% = 6.175 → 6.18.
    assert due(C.IN_SERVICE, "1237") == 619
    assert due(C.IN_SERVICE, "1235") == 618
    assert due(C.IN_SERVICE, "1234.40") == 617  # 6.172 → 6.17
    # Up to the whole yuan ("只入不舍"): 76.5 → 77, 49 stays 49, 6.172 → 7.
    assert due(C.IN_SERVICE, "5100", rounding=R.Rounding.YUAN_UP) == 7700
    assert due(C.IN_SERVICE, "4900", rounding=R.Rounding.YUAN_UP) == 4900
    assert due(C.IN_SERVICE, "1234.40", rounding=R.Rounding.YUAN_UP) == 700
    assert R.round_fen(Decimal("0.5"), R.Rounding.FEN) == 1
    assert R.round_fen(Decimal("100.0001"), R.Rounding.YUAN_UP) == 200
    with pytest.raises(ValueError):
        R.round_fen(Decimal(1), "banker")


def test_unrounded_value_is_kept_for_audit() -> None:
    d = R.monthly_due(category=C.IN_SERVICE, base_fen=123_440)
    assert d.unrounded_fen == Decimal("617.200")
    assert d.amount_fen == 617


def test_flat_categories_ignore_base_and_are_never_rounded_up() -> None:
    for cat in (C.STUDENT, C.UNEMPLOYED, C.RELIEF):
        assert due(cat, "0") == 20
        assert due(cat, "9000", rounding=R.Rounding.YUAN_UP) == 20
    assert due(C.FARMER, "0") == 20
    assert due(C.FARMER, "0", farmer_fen=100) == 100
    with pytest.raises(ValueError):
        R.rate_for(C.FARMER, 0, farmer_fen=101)
    with pytest.raises(ValueError):
        R.rate_for(C.FARMER, 0, farmer_fen=19)


def test_cap_limits_the_regular_amount_only() -> None:
    # 60,000 × 2% = 1,200 > 1,000 → capped at 1,000 by default; no cap when the committee sets 0.
    d = R.monthly_due(category=C.IN_SERVICE, base_fen=6_000_000)
    assert d.amount_fen == 100_000 and d.capped
    assert d.findings[0].code == "dues.capped"
    assert due(C.IN_SERVICE, "60000", cap_fen=0) == 120_000
    assert due(C.IN_SERVICE, "50000") == 100_000  # exactly at the cap: not marked capped
    assert not R.monthly_due(category=C.IN_SERVICE, base_fen=5_000_000).capped


def test_relief_reduce_and_exempt() -> None:
    assert due(C.IN_SERVICE, "5100", relief=R.Relief(R.ReliefKind.EXEMPT)) == 0
    assert due(C.IN_SERVICE, "5100", relief=R.Relief(R.ReliefKind.REDUCE, 1000)) == 1000
    # A reduction never raises the amount.
    assert due(C.IN_SERVICE, "1000", relief=R.Relief(R.ReliefKind.REDUCE, 9000)) == 500


def test_base_errors_negative_and_absurd() -> None:
    assert R.base_error(-1) == "缴费基数不能为负数"
    assert R.base_error(R.MAX_BASE_FEN) is None
    assert "1000万" in (R.base_error(R.MAX_BASE_FEN + 1) or "")
    with pytest.raises(ValueError):
        R.monthly_due(category=C.IN_SERVICE, base_fen=-100)


def test_parse_yuan() -> None:
    assert R.parse_yuan("5,100.5") == 510_050
    assert R.parse_yuan("76.50元") == 7650
    for bad in ("", "abc", "1.234", "NaN"):
        with pytest.raises(R.MoneyError):
            R.parse_yuan(bad, "月缴费基数")
    assert R.fen_to_yuan(7650) == "76.50"
    assert R.fen_to_yuan(-5) == "-0.05"


def test_probationary_admitted_mid_month_owes_that_month() -> None:
    admitted = dt.date(2026, 3, 31)
    assert R.is_month_due(dt.date(2026, 3, 1), admitted, None)
    assert not R.is_month_due(dt.date(2026, 2, 1), admitted, None)
    assert not R.is_month_due(dt.date(2026, 3, 1), dt.date(2026, 4, 1), None)
    # The month of leaving is still due; the next is not.
    assert R.is_month_due(dt.date(2026, 6, 1), admitted, dt.date(2026, 6, 1))
    assert not R.is_month_due(dt.date(2026, 7, 1), admitted, dt.date(2026, 6, 30))


def test_mid_year_change_needs_reason() -> None:
    assert not R.base_change_needs_reason(effective_from=dt.date(2026, 1, 1), has_earlier_base_this_year=False)
    assert R.base_change_needs_reason(effective_from=dt.date(2026, 1, 1), has_earlier_base_this_year=True)
    assert R.base_change_needs_reason(effective_from=dt.date(2026, 7, 1), has_earlier_base_this_year=False)


def test_compute_base_lists_excluded_items() -> None:
    comp = R.compute_base(
        {
            "post_pay": 400_000,
            "allowance": 150_000,
            "income_tax": 20_000,
            "social_insurance": 60_000,
            "reform_subsidy": 90_000,
        }
    )
    assert comp.base_fen == 470_000
    assert [label for label, _ in comp.excluded] == [R.BASE_ITEMS_BY_CODE["reform_subsidy"].label]
    assert {i.code for i in R.excluded_items()} >= {
        "income_tax",
        "social_insurance",
        "reform_subsidy",
        "incentive_perf",
    }
    with pytest.raises(ValueError):
        R.compute_base({"lottery": 1})


def _s(y: int, m: int, due_fen: int, paid: bool) -> R.MonthStatus:
    return R.MonthStatus(dt.date(y, m, 1), due_fen, paid)


def test_consecutive_unpaid_counts_back_and_stops() -> None:
    months = [_s(2026, m, 1000, m <= 2) for m in range(1, 9)]  # Jan–Feb paid, Mar–Aug unpaid
    assert R.consecutive_unpaid(months, dt.date(2026, 8, 15)) == 6
    assert R.consecutive_unpaid(months, dt.date(2026, 7, 1)) == 5
    # An exempt month (nothing due) breaks the run; so does a month not on the ledger.
    months[5] = _s(2026, 6, 0, False)
    assert R.consecutive_unpaid(months, dt.date(2026, 8, 1)) == 2
    assert R.consecutive_unpaid([], dt.date(2026, 8, 1)) == 0


def test_arrears_findings_flag_at_six_and_never_when_exempted() -> None:
    assert R.arrears_findings(0) == []
    assert R.arrears_findings(2)[0].severity == Severity.ADVISORY
    assert R.arrears_findings(5)[0].severity == Severity.WARNING
    six = R.arrears_findings(6)
    assert six[0].code == "dues.arrears_6" and six[0].severity == Severity.ERROR
    assert "不会自动变更" in six[0].message_zh and "第三十一条" in six[0].citation
    assert R.arrears_findings(9, exempted=True) == []


def test_payment_findings() -> None:
    assert R.payment_findings(expected_fen=1000, amount_fen=1000) == []
    assert R.payment_findings(expected_fen=1000, amount_fen=900)[0].code == "dues.underpaid"
    codes = [f.code for f in R.payment_findings(expected_fen=1000, amount_fen=101_000)]
    assert codes == ["dues.overpaid", "dues.large_voluntary"]
    assert [f.code for f in R.payment_findings(expected_fen=1000, amount_fen=100_999)] == ["dues.overpaid"]


def test_proxy_rules() -> None:
    assert R.proxy_error(by_proxy=False, proxy_name="", proxy_reason="", consent=False) is None
    assert "代交人" in (R.proxy_error(by_proxy=True, proxy_name="", proxy_reason="x", consent=True) or "")
    assert "特殊情况" in (R.proxy_error(by_proxy=True, proxy_name="母亲", proxy_reason="", consent=True) or "")
    assert "同意" in (R.proxy_error(by_proxy=True, proxy_name="母亲", proxy_reason="住院", consent=False) or "")


def test_months() -> None:
    assert R.add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert R.add_months(dt.date(2026, 1, 1), -13) == dt.date(2024, 12, 1)
    assert R.parse_month("2026-3") == dt.date(2026, 3, 1)
    assert R.parse_month("2026-13") is None
    assert R.parse_month("x") is None
    assert R.month_range(dt.date(2026, 11, 5), dt.date(2027, 2, 1))[-1] == dt.date(2027, 2, 1)
    assert R.months_label([dt.date(2026, 4, 1), dt.date(2026, 3, 1)]) == "2026年3月、2026年4月"


def test_rate_labels() -> None:
    assert [R.rate_for(C.IN_SERVICE, b).label for b in (0, 300_001, 500_001, 1_000_001)] == ["0.5%", "1%", "1.5%", "2%"]
    assert R.rate_for(C.STUDENT, 0).label == "每月0.20元"


# ---------------------------------------------------------------------------------------------
# Splitting one payment across its months (pure rule behind dues_payments_record)


def _m(month: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, 1)


def test_allocate_exact_amount_one_month() -> None:
    a = R.allocate_payment(7650, [(_m(3), 7650)])
    assert a.shares == ((_m(3), 7650),) and a.expected_fen == 7650 and not a.mismatch


def test_allocate_quarterly_exact_in_month_order() -> None:
    a = R.allocate_payment(3 * 7650, [(_m(6), 7650), (_m(4), 7650), (_m(5), 7650)])
    assert a.shares == ((_m(4), 7650), (_m(5), 7650), (_m(6), 7650)) and not a.mismatch


def test_allocate_partial_fills_earliest_months_first() -> None:
    a = R.allocate_payment(10_000, [(_m(4), 7650), (_m(5), 7650), (_m(6), 7650)])
    assert a.shares == ((_m(4), 7650), (_m(5), 2350), (_m(6), 0))
    assert a.expected_fen == 22_950 and a.mismatch
    assert sum(f for _, f in a.shares) == 10_000


def test_allocate_one_fen_short_and_one_fen_over() -> None:
    short = R.allocate_payment(2 * 7650 - 1, [(_m(1), 7650), (_m(2), 7650)])
    assert short.shares == ((_m(1), 7650), (_m(2), 7649)) and short.mismatch
    over = R.allocate_payment(2 * 7650 + 1, [(_m(1), 7650), (_m(2), 7650)])
    assert over.shares == ((_m(1), 7650), (_m(2), 7651)) and over.mismatch


def test_allocate_overpay_lands_on_the_last_month() -> None:
    # 自愿多交: a capped member (1000 yuan a month) hands over 1500 yuan for one month.
    a = R.allocate_payment(150_000, [(_m(7), R.DEFAULT_CAP_FEN)])
    assert a.shares == ((_m(7), 150_000),) and a.expected_fen == R.DEFAULT_CAP_FEN and a.mismatch


def test_allocate_exempt_month_gets_nothing_but_is_covered() -> None:
    a = R.allocate_payment(7650, [(_m(1), 0), (_m(2), 7650)])
    assert a.shares == ((_m(1), 0), (_m(2), 7650)) and not a.mismatch


def test_allocate_advance_months_across_the_year_end() -> None:
    months = [(_m(12), 2000), (_m(1, 2027), 2000), (_m(2, 2027), 2000)]
    a = R.allocate_payment(6000, months)
    assert [m for m, _ in a.shares] == [_m(12), _m(1, 2027), _m(2, 2027)] and not a.mismatch


def test_allocate_nothing_to_split() -> None:
    a = R.allocate_payment(0, [])
    assert a.shares == () and a.expected_fen == 0 and not a.mismatch


def test_advance_months_cap_boundary() -> None:
    paid = dt.date(2026, 3, 15)
    assert R.advance_months_error([_m(3), _m(3, 2027)], paid) is None  # 12 months ahead: allowed
    assert "最多预交12个月" in (R.advance_months_error([_m(4, 2027)], paid) or "")  # 13: refused
    assert R.advance_months_error([], paid) is None
    assert R.advance_months_error([dt.date(2027, 3, 31)], paid) is None  # any day of the month counts as the month
