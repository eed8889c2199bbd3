"""Working-day calendar: facts from domain-rules §7.2 (2025 and 2026), fallback, cache."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core import calendar as cal
from dangjian.core.models import CalendarDay, CalendarYear

D = dt.date

# domain-rules §7.2, written out by hand: (first, last) of each break, and the 调休 working days.
BREAKS_2025 = [
    (D(2025, 1, 1), D(2025, 1, 1)),
    (D(2025, 1, 28), D(2025, 2, 4)),
    (D(2025, 4, 4), D(2025, 4, 6)),
    (D(2025, 5, 1), D(2025, 5, 5)),
    (D(2025, 5, 31), D(2025, 6, 2)),
    (D(2025, 10, 1), D(2025, 10, 8)),
]
MAKEUP_2025 = [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]
BREAKS_2026 = [
    (D(2026, 1, 1), D(2026, 1, 3)),
    (D(2026, 2, 15), D(2026, 2, 23)),
    (D(2026, 4, 4), D(2026, 4, 6)),
    (D(2026, 5, 1), D(2026, 5, 5)),
    (D(2026, 6, 19), D(2026, 6, 21)),
    (D(2026, 9, 25), D(2026, 9, 27)),
    (D(2026, 10, 1), D(2026, 10, 7)),
]
MAKEUP_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


def _expected_working(d: dt.date, breaks: list[tuple[dt.date, dt.date]], makeup: list[dt.date]) -> bool:
    if d in makeup:
        return True
    if any(a <= d <= b for a, b in breaks):
        return False
    return d.weekday() < 5


@pytest.fixture(autouse=True)
def _fresh_cache(db: None) -> Any:
    cal.invalidate()
    cal.ensure_seeded()  # a transactional test elsewhere may have flushed the seeded rows
    yield
    cal.invalidate()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "breaks", "makeup"), [(2025, BREAKS_2025, MAKEUP_2025), (2026, BREAKS_2026, MAKEUP_2026)]
)
def test_every_day_of_2025_and_2026_matches_state_council_notice(year: int, breaks: Any, makeup: Any) -> None:
    d = D(year, 1, 1)
    wrong = []
    while d.year == year:
        if cal.is_working_day(d) != _expected_working(d, breaks, makeup):
            wrong.append(d)
        assert not cal.is_provisional(d)
        d += dt.timedelta(days=1)
    assert wrong == []


@pytest.mark.django_db
def test_issue_facts() -> None:
    assert not cal.is_working_day(D(2026, 10, 5))
    assert cal.day_info(D(2026, 10, 5)).name == "国庆节"
    assert cal.is_working_day(D(2026, 10, 10))  # Saturday make-up day
    assert "调休上班" in cal.day_info(D(2026, 10, 10)).name
    assert cal.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)
    assert cal.next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert cal.next_working_day(D(2026, 10, 8)) == D(2026, 10, 9)


@pytest.mark.django_db
def test_counting_conventions() -> None:
    # (a, b]: the start day is never counted, the end day is.
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert cal.working_days_between(D(2026, 10, 13), D(2026, 9, 30)) == -5
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert cal.add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)
    assert cal.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert cal.previous_working_day(D(2026, 10, 8)) == D(2026, 9, 30)
    # Friday → next Monday
    assert cal.next_working_day(D(2026, 3, 6)) == D(2026, 3, 9)


@pytest.mark.django_db
def test_year_without_data_is_provisional_monday_to_friday_and_never_raises() -> None:
    d = D(2031, 1, 1)  # Wednesday; no data for 2031 (New Year would be a holiday, we cannot know)
    assert cal.is_provisional(d)
    assert cal.is_working_day(d)
    assert not cal.is_working_day(D(2031, 1, 4))  # Saturday
    info = cal.day_info(D(2031, 1, 4))
    assert info.provisional and info.name == "周六"
    res = cal.add_working_days_result(D(2026, 12, 30), 3)
    assert res.value == D(2027, 1, 4) and res.provisional  # spans into 2027
    assert not cal.add_working_days_result(D(2026, 3, 2), 3).provisional
    assert cal.working_days_between_result(D(2099, 1, 1), D(2099, 12, 31)).provisional
    assert cal.working_days_between(D(9998, 1, 1), D(9998, 1, 8)) == 5


@pytest.mark.django_db
def test_edits_are_visible_after_invalidation_and_incomplete_year_stays_provisional() -> None:
    assert cal.is_working_day(D(2031, 10, 1))
    CalendarYear.objects.create(year=2031, complete=False)
    CalendarDay.objects.create(date=D(2031, 10, 1), is_working=False, name="国庆节")
    assert cal.is_working_day(D(2031, 10, 1))  # cached
    cal.invalidate(2031)
    assert not cal.is_working_day(D(2031, 10, 1))
    assert cal.is_provisional(D(2031, 10, 1))
    CalendarYear.objects.filter(year=2031).update(complete=True)
    cal.invalidate()
    assert not cal.is_provisional(D(2031, 10, 1))


@pytest.mark.django_db
def test_seed_is_idempotent_and_keeps_admin_edits() -> None:
    CalendarDay.objects.filter(date=D(2026, 10, 5)).update(source="admin", name="国庆节（管理员）")
    before = CalendarDay.objects.count()
    written = cal.seed_from_library(CalendarYear, CalendarDay, [2025, 2026])
    assert set(written) == {2025, 2026}
    assert CalendarDay.objects.count() == before
    assert CalendarDay.objects.get(date=D(2026, 10, 5)).name == "国庆节（管理员）"
    CalendarYear.objects.filter(year=2026).update(source="admin")
    assert cal.seed_from_library(CalendarYear, CalendarDay, [2026]) == {}
    assert cal.seed_from_library(CalendarYear, CalendarDay, [2090]) == {}  # not covered: nothing, no error


def test_ensure_seeded_restores_an_emptied_calendar() -> None:
    assert cal.ensure_seeded() == {}  # data present: nothing written
    CalendarDay.objects.all().delete()
    CalendarYear.objects.all().delete()
    cal.invalidate()
    assert cal.is_provisional(D(2026, 10, 5))
    assert 2026 in cal.ensure_seeded()
    assert not cal.is_working_day(D(2026, 10, 5)) and not cal.is_provisional(D(2026, 10, 5))
