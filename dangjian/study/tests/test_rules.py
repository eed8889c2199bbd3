"""Rules at their boundaries: conversion, targets (31/32, 55/56), cross-year split, exemption,
training refusals, the monthly contact rule, home-visit cadence and the induction warning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from dangjian.study import rules as R

CONV = R.Conversion()
T = R.Targets()


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (0, "0"),
        (29, "0"),
        (30, "0.5"),
        (60, "1"),
        (119, "1.5"),
        (120, "2"),
        (179, "2.5"),
        (180, "4"),  # a half day
        (300, "5"),
        (359, "5.5"),
        (360, "8"),  # a full day
        (600, "8"),  # never more than a full day
    ],
)
def test_meeting_conversion(minutes: int, hours: str) -> None:
    assert R.meeting_hours(minutes, CONV) == D(hours)


def test_conversion_is_the_committees_table() -> None:
    assert R.meeting_hours(120, R.Conversion(per_hour=2, half_day=5, full_day=10)) == D(4)
    assert R.meeting_hours(200, R.Conversion(per_hour=1, half_day=5, full_day=10)) == D(5)


@pytest.mark.parametrize(("total", "ok"), [("31.9", False), ("31", False), ("32", True), ("32.5", True)])
def test_member_target_32(total: str, ok: bool) -> None:
    s = R.standing(D(total), 0, cadre=False, exempt=False, targets=T)
    assert s.on_track is ok and s.target == 32
    if not ok:
        assert s.label == f"尚差 {D(32) - D(total):g} 学时"


@pytest.mark.parametrize(("total", "ok"), [("55", False), ("55.9", False), ("56", True)])
def test_cadre_target_56(total: str, ok: bool) -> None:
    s = R.standing(D(total), 1, cadre=True, exempt=False, targets=T)
    assert s.on_track is ok and s.target == 56


def test_cadre_needs_a_concentrated_training() -> None:
    s = R.standing(D(60), 0, cadre=True, exempt=False, targets=T)
    assert not s.on_track and "集中培训" in s.label
    assert R.standing(D(60), 1, cadre=True, exempt=False, targets=T).on_track


def test_exempt_is_shown_as_exempt_not_behind() -> None:
    s = R.standing(D(0), 0, cadre=False, exempt=True, targets=T)
    assert s.on_track and s.label == "免于参加集体活动" and s.target == 0


def test_targets_are_settings() -> None:
    assert R.standing(D(40), 0, cadre=False, exempt=False, targets=R.Targets(member=48)).label == "尚差 8 学时"


def test_cross_year_training_splits_by_days() -> None:
    # 4 days: Dec 30, 31 | Jan 1, 2 -> half each.
    assert R.split_by_year(dt.date(2025, 12, 30), dt.date(2026, 1, 2), D(32)) == {2025: D(16), 2026: D(16)}
    # 3 days: 1 in the old year, 2 in the new; the parts add up exactly.
    parts = R.split_by_year(dt.date(2025, 12, 31), dt.date(2026, 1, 2), D(10))
    assert parts == {2025: D("3.3"), 2026: D("6.7")} and sum(parts.values()) == D(10)
    assert R.split_by_year(dt.date(2026, 3, 1), dt.date(2026, 3, 3), D(24)) == {2026: D(24)}


def test_training_refusals() -> None:
    day = dt.date(2026, 5, 10)
    assert R.training_errors(day, day - dt.timedelta(days=1), D(8)) == {"ends_on": "结束日期不能早于开始日期"}
    assert R.training_errors(day, day, D(24)) == {}
    assert "每天不超过 24 学时" in R.training_errors(day, day, D("24.5"))["hours"]
    assert R.training_errors(day, day + dt.timedelta(days=1), D(48)) == {}
    assert "hours" in R.training_errors(day, day, D(0))


def test_online_only_if_allowed_and_capped() -> None:
    assert R.online_counted(D(20), allowed=False, cap=8) == 0
    assert R.online_counted(D(20), allowed=True, cap=8) == D(8)
    assert R.online_counted(D(5), allowed=True, cap=8) == D(5)


def test_monthly_contact_rule() -> None:
    last = dt.date(2026, 10, 31)
    assert R.contact_due(last, dt.date(2026, 11, 5)) == dt.date(2026, 11, 30)
    assert not R.contact_overdue(last, dt.date(2026, 11, 30))
    assert R.contact_overdue(last, dt.date(2026, 12, 1))
    assert R.contact_overdue(None, dt.date(2026, 12, 1))
    assert not R.contact_overdue(dt.date(2026, 1, 15), dt.date(2026, 2, 15))
    assert R.contact_overdue(dt.date(2026, 1, 15), dt.date(2026, 2, 16))


def test_visit_cadence() -> None:
    assert R.visit_due(dt.date(2026, 1, 31), 1, dt.date(2026, 2, 1)) == dt.date(2026, 2, 28)
    assert R.visit_due(dt.date(2026, 1, 31), 3, dt.date(2026, 2, 1)) == dt.date(2026, 4, 30)
    assert R.visit_due(None, 1, dt.date(2026, 2, 1)) == dt.date(2026, 2, 1)


def test_induction_warning_after_six_months() -> None:
    took = dt.date(2026, 1, 15)
    assert R.induction_finding(took, False, dt.date(2026, 7, 15)) is None
    f = R.induction_finding(took, False, dt.date(2026, 7, 16))
    assert f is not None and f.code == "study.induction_missing" and "6 个月" in f.message_zh
    assert R.induction_finding(took, True, dt.date(2027, 1, 1)) is None
    assert R.induction_finding(None, False, dt.date(2027, 1, 1)) is None
