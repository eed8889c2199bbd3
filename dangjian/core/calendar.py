"""The working-day calendar (工作日历): holidays and 调休 make-up working days per year.

Data lives in two small tables (core.models.CalendarYear / CalendarDay) seeded from the
`chinesecalendar` package and editable by admins when the State Council publishes next year's
arrangement (domain-rules §7.2). A year without complete data falls back to Monday–Friday and
every answer touching it is *provisional*; nothing here raises for a missing year.

Public API (stable; other apps import these):

    is_working_day(d) -> bool
    is_provisional(d) -> bool                 # the answer for d relied on the Mon–Fri fallback
    day_info(d) -> DayInfo                     # is_working, name (国庆节 / 调休上班 / 周六), provisional
    next_working_day(d) -> date               # the first working day >= d + 1
    add_working_days(d, n) -> date            # n working days after d, not counting d (n < 0: before)
    working_days_between(a, b) -> int         # working days in (a, b]; negative if b < a
    add_working_days_result(d, n) -> CalendarAnswer   # value + provisional flag
    working_days_between_result(a, b) -> CalendarAnswer
    span_is_provisional(a, b) -> bool
    invalidate(year=None)                      # drop the in-process cache (services call this)

Per-year data is cached in memory; services invalidate on edit, and a short TTL picks up edits
made by other processes.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .models import CalendarDay, CalendarYear

WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
CACHE_TTL_SECONDS = 300.0
_SEARCH_LIMIT_DAYS = 400  # guards loops against an absurd admin entry (a year with no working day)

T = TypeVar("T")


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one date."""

    date: dt.date
    is_working: bool
    name: str  # holiday / 调休 name, or 周六/周日/工作日 when ordinary
    provisional: bool  # the year has no complete official data: Mon–Fri fallback
    is_exception: bool = False  # an entry of the holiday table (not plain Mon–Fri)

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


@dataclass(frozen=True)
class CalendarAnswer(Generic[T]):
    """A computed value and whether it relied on the Mon–Fri fallback for some year it touched."""

    value: T
    provisional: bool


@dataclass
class YearData:
    year: int
    complete: bool
    exceptions: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)

    def info(self, d: dt.date) -> DayInfo:
        exc = self.exceptions.get(d)
        if exc is not None:
            return DayInfo(d, exc[0], exc[1], not self.complete, True)
        working = d.weekday() < 5
        return DayInfo(d, working, "工作日" if working else WEEKDAY_ZH[d.weekday()], not self.complete, False)


# ---------------------------------------------------------------- cache + loading

_lock = threading.Lock()
_cache: dict[int, tuple[float, YearData]] = {}


def invalidate(year: int | None = None) -> None:
    """Forget cached data (one year, or all). Call after any edit of the calendar tables."""
    with _lock:
        if year is None:
            _cache.clear()
        else:
            _cache.pop(year, None)


def _load_year(year: int) -> YearData:
    complete = CalendarYear.objects.filter(year=year, complete=True).exists()
    rows = CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)).values_list(
        "date", "is_working", "name"
    )
    return YearData(year, complete, {d: (w, n) for d, w, n in rows})


def year_data(year: int) -> YearData:
    now = time.monotonic()
    with _lock:
        hit = _cache.get(year)
        if hit is not None and now - hit[0] < CACHE_TTL_SECONDS:
            return hit[1]
    try:
        data = _load_year(year)
    except Exception:  # the calendar must never crash a page (e.g. table not migrated yet)
        return YearData(year, False)
    with _lock:
        _cache[year] = (now, data)
    return data


# ---------------------------------------------------------------- public API


def day_info(d: dt.date) -> DayInfo:
    return year_data(d.year).info(d)


def is_working_day(d: dt.date) -> bool:
    return day_info(d).is_working


def is_provisional(d: dt.date) -> bool:
    """True when the year of `d` has no complete official data (Mon–Fri fallback in use)."""
    return not year_data(d.year).complete


def span_is_provisional(a: dt.date, b: dt.date) -> bool:
    lo, hi = (a, b) if a <= b else (b, a)
    return any(is_provisional(dt.date(y, 1, 1)) for y in range(lo.year, hi.year + 1))


def next_working_day(d: dt.date) -> dt.date:
    """The first working day strictly after `d`."""
    return add_working_days(d, 1)


def previous_working_day(d: dt.date) -> dt.date:
    """The last working day strictly before `d`."""
    return add_working_days(d, -1)


def add_working_days(d: dt.date, n: int) -> dt.date:
    """`n` working days after `d`, not counting `d` itself (n = 0 → d; n < 0 → before d)."""
    return _add(d, n, is_working_day)


def add_working_days_result(d: dt.date, n: int) -> CalendarAnswer[dt.date]:
    value = add_working_days(d, n)
    return CalendarAnswer(value, span_is_provisional(d, value))


def working_days_between(a: dt.date, b: dt.date) -> int:
    """The number of working days in (a, b]; negative of the count in (b, a] when b < a."""
    return _between(a, b, is_working_day)


def working_days_between_result(a: dt.date, b: dt.date) -> CalendarAnswer[int]:
    return CalendarAnswer(working_days_between(a, b), span_is_provisional(a, b))


# ---------------------------------------------------------------- pure helpers (take the predicate)


def _add(d: dt.date, n: int, is_working: Callable[[dt.date], bool]) -> dt.date:
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    cur = d
    idle = 0
    while remaining:
        cur += dt.timedelta(days=step)
        if is_working(cur):
            remaining -= 1
            idle = 0
        else:
            idle += 1
            if idle > _SEARCH_LIMIT_DAYS:  # absurd data: count plain weekdays instead of looping forever
                return _add(d, n, lambda x: x.weekday() < 5)
    return cur


def _between(a: dt.date, b: dt.date, is_working: Callable[[dt.date], bool]) -> int:
    if b < a:
        return -_between(b, a, is_working)
    count = 0
    cur = a
    while cur < b:
        cur += dt.timedelta(days=1)
        if is_working(cur):
            count += 1
    return count


# ---------------------------------------------------------------- seeding from chinesecalendar


def library_exceptions(year: int) -> list[tuple[dt.date, bool, str]] | None:
    """Exceptions to Mon–Fri for `year` from the `chinesecalendar` package, or None if not covered."""
    try:
        import chinese_calendar as cc
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    names = {h.value: h.chinese for h in cc.Holiday}
    out: list[tuple[dt.date, bool, str]] = []
    d = dt.date(year, 1, 1)
    try:
        while d.year == year:
            working = cc.is_workday(d)
            if working != (d.weekday() < 5):
                _, detail = cc.get_holiday_detail(d)
                label = names.get(detail, detail or "") if detail else ""
                name = (f"{label}调休上班" if label else "调休上班") if working else (label or "休息日")
                out.append((d, working, name))
            d += dt.timedelta(days=1)
    except NotImplementedError:
        return None
    return out


def library_years() -> list[int]:
    try:
        import chinese_calendar as cc
    except ImportError:  # pragma: no cover
        return []
    return sorted({d.year for d in cc.holidays})


def seed_from_library(year_model: Any, day_model: Any, years: list[int] | None = None) -> dict[int, int]:
    """Load the library's data for `years` (default: all it covers); returns {year: rows written}.

    Idempotent. Takes the model classes so a data migration can pass its historical models. Admin
    entries win: a year an admin maintains (CalendarYear.source == admin) is left alone, and a day
    an admin edited is never overwritten.
    """
    written: dict[int, int] = {}
    for year in years if years is not None else library_years():
        rows = library_exceptions(year)
        if rows is None:
            continue
        cy = year_model.objects.filter(year=year).first()
        if cy is not None and cy.source == "admin":
            continue
        admin_dates = set(day_model.objects.filter(date__year=year, source="admin").values_list("date", flat=True))
        day_model.objects.filter(date__year=year, source="seeded").delete()
        day_model.objects.bulk_create(
            [day_model(date=d, is_working=w, name=n, source="seeded") for d, w, n in rows if d not in admin_dates]
        )
        if cy is None:
            year_model.objects.create(year=year, complete=True, source="seeded", notes="chinesecalendar 预置")
        elif not cy.complete:
            cy.complete = True
            cy.save(update_fields=["complete"])
        written[year] = len(rows)
    invalidate()
    return written


def ensure_seeded() -> dict[int, int]:
    """Seed from the library when the tables are empty (fresh install, or a test database that a
    transactional test flushed). Returns what was written; does nothing when data exists."""
    if CalendarYear.objects.exists():
        return {}
    return seed_from_library(CalendarYear, CalendarDay)
