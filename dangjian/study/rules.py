"""Pure rules of study hours (学时), the 流动党员 contact rule and home-service cadence: no database.

Sources (domain-rules round 2 §9):
- 《中国共产党党员教育管理工作条例》(2019) 第二十条: members ≥ 32 学时 of concentrated study a year;
- 《2019—2023年全国党员教育培训工作规划》: secretaries and committee members ≥ 56 学时 with ≥ 1
  concentrated training, new grassroots secretaries trained within 6 months of taking office
  (whether the 2024–2028 plan keeps the figures is unverified: every figure is a setting);
- conversion (local practice): collective study 1 学时 an hour, 4 per half day, 8 per full day;
  hours count in the year of the activity, training spanning years is split by days;
- seed 001 (第二十三条 exemptions, 第三十二条 流动党员): long-term 流动党员 are contacted every month;
  exempt members get regular one-to-one home service.
Online courses count only where the committee allows them, under an annual cap; nothing ever
counts time spent on the platform (国办函〔2026〕12号).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from dangjian.core.findings import Finding, Severity

ZERO = Decimal("0")
ONE_PLACE = Decimal("0.1")
HALF = Decimal("0.5")
MAX_HOURS_PER_DAY = Decimal("24")

ARTICLE_20 = "《中国共产党党员教育管理工作条例》第二十条：党员每年集中学习培训时间一般不少于32学时"
PLAN_2019 = "《2019—2023年全国党员教育培训工作规划》：基层党组织书记和班子成员每年至少参加1次集中培训，累计不少于56学时"
INDUCTION = "《2019—2023年全国党员教育培训工作规划》：新任基层党组织书记6个月内完成任职培训"
CONVERSION = "学时折算（地方实践）：集体学习每小时1学时，半天4学时，全天8学时；跨年度培训按天数拆分"
MOBILE_RULE = (
    "《中国共产党党员教育管理工作条例》第三十二条及种子001：对长期外出的流动党员每月通过电话、微信、短信等联系一次"
)
HOME_RULE = "《中国共产党党员教育管理工作条例》第二十三条及种子001：对免于参加集体活动的党员定期开展“一对一”上门服务"


@dataclass(frozen=True)
class Conversion:
    """A committee's conversion table (settings `study.hours_per_hour`, `study.half_day_hours`,
    `study.full_day_hours`)."""

    per_hour: int = 1
    half_day: int = 4
    full_day: int = 8


HALF_DAY_MINUTES = 180  # a session of three hours or more is a half day
FULL_DAY_MINUTES = 360  # six hours or more is a full day


def fmt(value: Decimal) -> str:
    """A figure as people write it: 30, 2.5 (never 30.0 or 3E+1)."""
    return format(value.normalize(), "f")


def _floor_half(value: Decimal) -> Decimal:
    return (value / HALF).to_integral_value(rounding=ROUND_DOWN) * HALF


def meeting_hours(minutes: int, conv: Conversion) -> Decimal:
    """学时 for attending one meeting of `minutes`: `per_hour` an hour (down to half hours); a
    half-day session at least `half_day`, a full day `full_day`; never more than `full_day`."""
    if minutes <= 0:
        return ZERO
    hours = _floor_half(Decimal(minutes) / 60 * conv.per_hour)
    if minutes >= FULL_DAY_MINUTES:
        hours = max(hours, Decimal(conv.full_day))
    elif minutes >= HALF_DAY_MINUTES:
        hours = max(hours, Decimal(conv.half_day))
    return min(hours, Decimal(conv.full_day))


def training_errors(starts_on: dt.date | None, ends_on: dt.date | None, hours: Decimal | None) -> dict[str, str]:
    """Refusals of a training record, by field (Chinese)."""
    errors: dict[str, str] = {}
    if starts_on is None:
        errors["starts_on"] = "请填写开始日期"
    if ends_on is None:
        errors["ends_on"] = "请填写结束日期"
    if hours is None or hours <= 0:
        errors["hours"] = "学时应大于 0"
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    elif starts_on and ends_on and hours is not None and hours > 0:
        days = (ends_on - starts_on).days + 1
        if hours > MAX_HOURS_PER_DAY * days:
            errors["hours"] = f"{days} 天的培训最多 {MAX_HOURS_PER_DAY * days:g} 学时（每天不超过 24 学时）"
    return errors


def split_by_year(starts_on: dt.date, ends_on: dt.date, hours: Decimal) -> dict[int, Decimal]:
    """A training's hours per calendar year, in proportion to its days in each year (one decimal;
    the last year takes the rounding rest, so the parts add up to `hours`)."""
    total_days = (ends_on - starts_on).days + 1
    years = list(range(starts_on.year, ends_on.year + 1))
    out: dict[int, Decimal] = {}
    given = ZERO
    for y in years:
        if y == years[-1]:
            out[y] = hours - given
            break
        first = max(starts_on, dt.date(y, 1, 1))
        last = min(ends_on, dt.date(y, 12, 31))
        part = (hours * ((last - first).days + 1) / total_days).quantize(ONE_PLACE)
        out[y] = part
        given += part
    return out


@dataclass(frozen=True)
class Targets:
    member: int = 32
    cadre: int = 56
    cadre_concentrated: int = 1


@dataclass(frozen=True)
class Standing:
    target: int
    concentrated_target: int
    on_track: bool
    label: str
    gap: Decimal


def standing(total: Decimal, concentrated: int, *, cadre: bool, exempt: bool, targets: Targets) -> Standing:
    """Where a member stands against the year's target (`>=`: 32.0 meets 32, 31.9 does not)."""
    if exempt:
        return Standing(0, 0, True, "免于参加集体活动", ZERO)
    target = targets.cadre if cadre else targets.member
    needed = targets.cadre_concentrated if cadre else 0
    gap = max(Decimal(target) - total, ZERO)
    if total >= target and concentrated >= needed:
        return Standing(target, needed, True, "已达到", ZERO)
    if total >= target:
        return Standing(target, needed, False, f"学时已满，尚缺集中培训 {needed - concentrated} 次", ZERO)
    return Standing(target, needed, False, f"尚差 {fmt(gap)} 学时", gap)


def online_counted(online_hours: Decimal, *, allowed: bool, cap: int) -> Decimal:
    """Online course hours that count: none unless the committee allows them, then up to `cap` a year."""
    if not allowed:
        return ZERO
    return min(online_hours, Decimal(cap))


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by `months` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def contact_due(last_contact: dt.date | None, today: dt.date) -> dt.date:
    """The day by which a 流动党员 must be contacted again: a month after the last contact (never
    contacted: today)."""
    return today if last_contact is None else add_months(last_contact, 1)


def contact_overdue(last_contact: dt.date | None, today: dt.date) -> bool:
    """A month has passed without contact: strictly after the due day (contacted on 10-31, due
    11-30, overdue from 12-01)."""
    return last_contact is None or today > contact_due(last_contact, today)


def visit_due(last_visit: dt.date | None, cadence_months: int, today: dt.date) -> dt.date:
    """The next home-service visit's day: `cadence_months` after the last (never visited: today)."""
    return today if last_visit is None else add_months(last_visit, cadence_months)


def induction_finding(took_office: dt.date | None, inducted: bool, today: dt.date, months: int = 6) -> Finding | None:
    """A secretary without induction training more than `months` after taking office."""
    if took_office is None or inducted:
        return None
    deadline = add_months(took_office, months)
    if today <= deadline:
        return None
    return Finding(
        "study.induction_missing",
        Severity.WARNING,
        f"{took_office:%Y-%m-%d} 任书记，{months} 个月内（{deadline:%Y-%m-%d} 前）未登记任职培训",
        INDUCTION,
    )
