"""Fixed-day rules at their boundaries, with expectations written out from domain-rules §7.2."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core import calendar as cal
from dangjian.core.calendar import DayInfo
from dangjian.partyday.rules import (
    DayRule,
    FixedDaySpec,
    PlanStatus,
    change_request_deadline,
    change_request_findings,
    nominal_day,
    notice_due,
    plan_display_status,
    plan_items_findings,
    plan_reminder_days,
    schedule_month,
    schedule_year,
)

D = dt.date

# Default rule (first Monday on/after the 1st; holiday → next Mon–Fri working day within 7 days).
# Derived by hand from the weekday of each 1st and the §7.2 break lists:
EXPECTED_2025 = {
    1: D(2025, 1, 6),
    2: D(2025, 2, 5),  # Mon 3 Feb inside 春节 break (28 Jan – 4 Feb) → Wed 5 Feb
    3: D(2025, 3, 3),
    4: D(2025, 4, 7),  # 清明 4–6 Apr is Fri–Sun; Mon 7 Apr works
    5: D(2025, 5, 6),  # Mon 5 May inside 劳动节 1–5 May → Tue 6 May
    6: D(2025, 6, 3),  # Mon 2 Jun inside 端午 31 May – 2 Jun → Tue 3 Jun
    7: D(2025, 7, 7),
    8: D(2025, 8, 4),
    9: D(2025, 9, 1),
    10: D(2025, 10, 9),  # Mon 6 Oct inside 国庆+中秋 1–8 Oct → Thu 9 Oct
    11: D(2025, 11, 3),
    12: D(2025, 12, 1),
}
EXPECTED_2026 = {
    1: D(2026, 1, 5),  # 元旦 1–3 Jan; Sun 4 Jan is a make-up day but not Monday; Mon 5 Jan works
    2: D(2026, 2, 2),
    3: D(2026, 3, 2),
    4: D(2026, 4, 7),  # Mon 6 Apr inside 清明 4–6 Apr → Tue 7 Apr
    5: D(2026, 5, 6),  # Mon 4 May inside 劳动节 1–5 May → Wed 6 May
    6: D(2026, 6, 1),
    7: D(2026, 7, 6),
    8: D(2026, 8, 3),
    9: D(2026, 9, 7),
    10: D(2026, 10, 8),  # Mon 5 Oct inside 国庆 1–7 Oct → Thu 8 Oct (the example)
    11: D(2026, 11, 2),
    12: D(2026, 12, 7),
}
MOVED = {(2025, 2), (2025, 5), (2025, 6), (2025, 10), (2026, 4), (2026, 5), (2026, 10)}


@pytest.fixture(autouse=True)
def _fresh_cache(db: None) -> Any:
    cal.invalidate()
    cal.ensure_seeded()  # a transactional test elsewhere may have flushed the seeded rows
    yield
    cal.invalidate()


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "expected"), [(2025, EXPECTED_2025), (2026, EXPECTED_2026)])
def test_default_party_day_every_month(year: int, expected: dict[int, dt.date]) -> None:
    for s in schedule_year(FixedDaySpec(), year, cal.day_info):
        assert s.date == expected[s.month], s
        assert s.nominal.weekday() == 0 and s.nominal.day <= 7
        assert s.moved == ((year, s.month) in MOVED)
        assert bool(s.reason) == s.moved
        assert not s.provisional and not s.needs_manual


@pytest.mark.django_db
def test_reason_names_the_holiday() -> None:
    s = schedule_month(FixedDaySpec(), 2026, 10, cal.day_info)
    assert "国庆节" in s.reason and "10月08日" in s.reason


def _fake(holidays: set[dt.date] = frozenset(), makeup: set[dt.date] = frozenset(), provisional: bool = False) -> Any:  # type: ignore[assignment]
    def info(d: dt.date) -> DayInfo:
        if d in makeup:
            return DayInfo(d, True, "调休上班", provisional, True)
        if d in holidays:
            return DayInfo(d, False, "假日", provisional, True)
        return DayInfo(d, d.weekday() < 5, "x", provisional)

    return info


def test_nominal_days_of_each_rule() -> None:
    # March 2026: 1st is a Sunday; last day Tuesday 31st.
    assert nominal_day(FixedDaySpec(rule=DayRule.FIRST_MONDAY), 2026, 3) == D(2026, 3, 2)
    assert nominal_day(FixedDaySpec(rule=DayRule.FIRST_FRIDAY), 2026, 3) == D(2026, 3, 6)
    assert nominal_day(FixedDaySpec(rule=DayRule.LAST_FRIDAY), 2026, 3) == D(2026, 3, 27)
    # 1st on a Monday / Friday is itself the first Monday / Friday; last day a Friday is itself.
    assert nominal_day(FixedDaySpec(), 2026, 6) == D(2026, 6, 1)
    assert nominal_day(FixedDaySpec(rule=DayRule.FIRST_FRIDAY), 2026, 5) == D(2026, 5, 1)
    assert nominal_day(FixedDaySpec(rule=DayRule.LAST_FRIDAY), 2026, 7) == D(2026, 7, 31)
    # fixed date is clamped to the month's last day
    assert nominal_day(FixedDaySpec(rule=DayRule.FIXED_DATE, day_of_month=31), 2026, 2) == D(2026, 2, 28)
    assert nominal_day(FixedDaySpec(rule=DayRule.FIXED_DATE, day_of_month=10), 2026, 2) == D(2026, 2, 10)


def test_weekend_fixed_date_moves_to_monday_and_makeup_weekend_only_when_allowed() -> None:
    spec = FixedDaySpec(rule=DayRule.FIXED_DATE, day_of_month=10)
    # 10 Oct 2026 is a Saturday make-up working day: by default not used → Mon 12 Oct
    info = _fake(makeup={D(2026, 10, 10)})
    s = schedule_month(spec, 2026, 10, info)
    assert s.date == D(2026, 10, 12) and "周末调休日不安排" in s.reason
    allowed = FixedDaySpec(rule=DayRule.FIXED_DATE, day_of_month=10, allow_makeup_weekend=True)
    assert schedule_month(allowed, 2026, 10, info).date == D(2026, 10, 10)


def test_postponement_boundary_seven_days_then_manual() -> None:
    spec = FixedDaySpec(rule=DayRule.FIXED_DATE, day_of_month=1)  # Mon 1 Jun 2026
    # off 1–7 Jun (Mon–Sun); 8 Jun (Mon) is exactly nominal + 7 → allowed
    off7 = {D(2026, 6, 1) + dt.timedelta(days=k) for k in range(7)}
    assert schedule_month(spec, 2026, 6, _fake(off7)).date == D(2026, 6, 8)
    # off through 8 Jun as well → no working day within 7 days → manual choice
    s = schedule_month(spec, 2026, 6, _fake(off7 | {D(2026, 6, 8)}))
    assert s.date is None and s.needs_manual and "需人工确定" in s.reason


@pytest.mark.django_db
def test_spring_festival_2026_fixed_16th_needs_manual_choice() -> None:
    # 春节 2026: 15–23 Feb off; 16 Feb → the next working weekday is Tue 24 Feb, 8 days later.
    s = schedule_month(FixedDaySpec(rule=DayRule.FIXED_DATE, day_of_month=16), 2026, 2, cal.day_info)
    assert s.needs_manual and s.date is None


@pytest.mark.django_db
def test_year_without_calendar_data_is_provisional_not_a_crash() -> None:
    rows = schedule_year(FixedDaySpec(), 2031, cal.day_info)
    assert len(rows) == 12 and all(r.provisional and r.date is not None for r in rows)
    assert rows[0].date == D(2031, 1, 6)  # 1 Jan 2031 is a Wednesday; plain Mon–Fri fallback


def test_change_request_deadline_boundary() -> None:
    day = D(2026, 10, 8)
    assert change_request_deadline(day, 3) == D(2026, 10, 5)
    ok = change_request_findings(
        scheduled=day, new_date=D(2026, 10, 9), submitted_on=D(2026, 10, 5), lead_days=3, reason="x"
    )
    assert ok == []
    late = change_request_findings(
        scheduled=day, new_date=D(2026, 10, 9), submitted_on=D(2026, 10, 6), lead_days=3, reason="x"
    )
    assert [f.code for f in late] == ["partyday.change_too_late"]
    assert "2026年10月05日" in late[0].message_zh
    bad = change_request_findings(scheduled=day, new_date=day, submitted_on=D(2026, 9, 1), lead_days=3, reason=" ")
    assert {f.code for f in bad} == {"partyday.change_same_day", "partyday.change_no_reason"}
    past = change_request_findings(
        scheduled=day, new_date=D(2026, 8, 31), submitted_on=D(2026, 9, 1), lead_days=3, reason="x"
    )
    assert [f.code for f in past] == ["partyday.change_past"]


def test_plan_status_and_due_date() -> None:
    assert plan_display_status(None, 2027, D(2026, 12, 31)) == PlanStatus.NOT_STARTED
    assert plan_display_status(None, 2027, D(2027, 1, 1)) == PlanStatus.LATE
    assert plan_display_status("draft", 2027, D(2027, 1, 1)) == PlanStatus.LATE
    assert plan_display_status("returned", 2027, D(2026, 12, 1)) == PlanStatus.RETURNED
    assert plan_display_status("submitted", 2027, D(2027, 3, 1)) == PlanStatus.SUBMITTED
    assert plan_display_status("filed", 2027, D(2027, 3, 1)) == PlanStatus.FILED
    assert plan_reminder_days(D(2026, 12, 24), 2027) == 7
    assert plan_reminder_days(D(2026, 12, 25), 2027) is None
    assert plan_reminder_days(D(2026, 12, 30), 2027) == 1


def test_plan_items_must_cover_twelve_months() -> None:
    full = {m: f"主题{m}" for m in range(1, 13)}
    assert plan_items_findings(full) == []
    f = plan_items_findings({**full, 3: " ", 11: ""})
    assert len(f) == 1 and "3月" in f[0].message_zh and "11月" in f[0].message_zh


def test_notice_window() -> None:
    day = D(2026, 10, 8)
    assert not notice_due(D(2026, 10, 4), day, 3)
    assert notice_due(D(2026, 10, 5), day, 3)
    assert notice_due(D(2026, 10, 7), day, 3)
    assert not notice_due(day, day, 3)
