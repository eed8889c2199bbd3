"""Pure rules for the 主题党日 schedule: the fixed day of a month, deadlines, plan status.

No database: the working-day calendar is passed in as a function (`day_info`), so every rule is
testable with a hand-made calendar. Citations: seed 001 (市委“主题党日+”制度) and domain-rules §7.4.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from dangjian.core.calendar import DayInfo
from dangjian.core.findings import Finding, Severity

CITE_FIXED_DAY = "市委《“主题党日+”活动制度》 一、固定党日时间"
CITE_CHANGE = "市委《“主题党日+”活动制度》 一、固定党日时间：须提前3天向上级党委书面申请"
CITE_PLAN = "市委《“主题党日+”活动制度》 二、确定党日主题：每年12月底形成下年度计划并报上级党委备案"
CITE_NOTICE = "市委《“主题党日+”活动制度》 二、确定党日主题：提前2–3天向党员通知"

DEFAULT_POSTPONE_DAYS = 7  # "原则上在一周内完成"
DEFAULT_MIN_HOURS = 2  # "每次活动时间不得少于2小时"

DayInfoFn = Callable[[dt.date], DayInfo]


class DayRule(StrEnum):
    FIRST_MONDAY = "first_monday"
    FIRST_FRIDAY = "first_friday"
    LAST_FRIDAY = "last_friday"
    FIXED_DATE = "fixed_date"

    @property
    def label(self) -> str:
        return DAY_RULE_LABELS[self]


DAY_RULE_LABELS: dict[DayRule, str] = {
    DayRule.FIRST_MONDAY: "每月第一个星期一（1日及以后）",
    DayRule.FIRST_FRIDAY: "每月第一个星期五（1日及以后）",
    DayRule.LAST_FRIDAY: "每月最后一个星期五",
    DayRule.FIXED_DATE: "每月固定日期",
}
DAY_RULE_CHOICES = [(r.value, DAY_RULE_LABELS[r]) for r in DayRule]


class TimeOfDay(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    FULL_DAY = "full_day"

    @property
    def label(self) -> str:
        return {"morning": "上午", "afternoon": "下午", "full_day": "全天"}[self.value]


TIME_OF_DAY_CHOICES = [(t.value, t.label) for t in TimeOfDay]


@dataclass(frozen=True)
class FixedDaySpec:
    """The settings that decide a month's party day (from the org or its nearest ancestor)."""

    rule: DayRule = DayRule.FIRST_MONDAY
    day_of_month: int | None = None  # FIXED_DATE only, 1–31 (clamped to the month's last day)
    time_of_day: TimeOfDay = TimeOfDay.AFTERNOON
    start_time: dt.time = dt.time(14, 30)
    min_hours: int = DEFAULT_MIN_HOURS
    allow_makeup_weekend: bool = False  # may a 调休 Saturday/Sunday host the activity? §7.4 default: no
    postpone_days: int = DEFAULT_POSTPONE_DAYS


@dataclass(frozen=True)
class MonthSchedule:
    """The computed party day of one month."""

    year: int
    month: int
    nominal: dt.date  # what the rule gives before any holiday move
    date: dt.date | None  # the scheduled day; None → manual choice needed
    reason: str  # why it moved (empty when it did not)
    provisional: bool  # relied on a year without official calendar data
    needs_manual: bool = False

    @property
    def moved(self) -> bool:
        return self.date is not None and self.date != self.nominal


def nominal_day(spec: FixedDaySpec, year: int, month: int) -> dt.date:
    """The day the rule names before holidays are considered."""
    first = dt.date(year, month, 1)
    last_dom = pycal.monthrange(year, month)[1]
    if spec.rule == DayRule.FIRST_MONDAY:
        return first + dt.timedelta(days=(0 - first.weekday()) % 7)
    if spec.rule == DayRule.FIRST_FRIDAY:
        return first + dt.timedelta(days=(4 - first.weekday()) % 7)
    if spec.rule == DayRule.LAST_FRIDAY:
        last = dt.date(year, month, last_dom)
        return last - dt.timedelta(days=(last.weekday() - 4) % 7)
    dom = spec.day_of_month or 1
    return dt.date(year, month, min(max(dom, 1), last_dom))


def _acceptable(info: DayInfo, spec: FixedDaySpec) -> bool:
    if not info.is_working:
        return False
    return spec.allow_makeup_weekend or not info.is_weekend


def _why_not(info: DayInfo) -> str:
    if info.is_working:  # a 调休 weekend working day that the policy does not use
        return f"{info.name}（周末调休日不安排主题党日）"
    return info.name


def schedule_month(spec: FixedDaySpec, year: int, month: int, day_info: DayInfoFn) -> MonthSchedule:
    """The month's party day: the nominal day, or the next acceptable working day within
    `postpone_days` calendar days; none → flagged for manual choice (seed 001 “原则上在一周内完成”)."""
    nominal = nominal_day(spec, year, month)
    info = day_info(nominal)
    provisional = info.provisional
    if _acceptable(info, spec):
        return MonthSchedule(year, month, nominal, nominal, "", provisional)
    for k in range(1, spec.postpone_days + 1):
        cand = nominal + dt.timedelta(days=k)
        ci = day_info(cand)
        provisional = provisional or ci.provisional
        if _acceptable(ci, spec):
            reason = f"{nominal:%m月%d日}为{_why_not(info)}，顺延至下一个工作日 {cand:%m月%d日}（{_weekday(cand)}）"
            return MonthSchedule(year, month, nominal, cand, reason, provisional)
    reason = f"{nominal:%m月%d日}为{_why_not(info)}，其后 {spec.postpone_days} 天内没有工作日，需人工确定"
    return MonthSchedule(year, month, nominal, None, reason, provisional, needs_manual=True)


def schedule_year(spec: FixedDaySpec, year: int, day_info: DayInfoFn) -> list[MonthSchedule]:
    return [schedule_month(spec, year, m, day_info) for m in range(1, 13)]


def _weekday(d: dt.date) -> str:
    return "周" + "一二三四五六日"[d.weekday()]


# ---------------------------------------------------------------- change requests


def change_request_deadline(scheduled: dt.date, lead_days: int) -> dt.date:
    """The last day an application to move `scheduled` may arrive ("提前3天"): scheduled − lead_days."""
    return scheduled - dt.timedelta(days=lead_days)


def change_request_findings(
    *, scheduled: dt.date, new_date: dt.date, submitted_on: dt.date, lead_days: int, reason: str
) -> list[Finding]:
    """Errors that make a change request inadmissible (empty list → admissible)."""
    out: list[Finding] = []
    deadline = change_request_deadline(scheduled, lead_days)
    if submitted_on > deadline:
        out.append(
            Finding(
                "partyday.change_too_late",
                Severity.ERROR,
                f"申请须在党日（{scheduled:%Y年%m月%d日}）前{lead_days}天、"
                f"即 {deadline:%Y年%m月%d日} 前（含当日）提交，"
                f"今天（{submitted_on:%Y年%m月%d日}）已超过期限",
                CITE_CHANGE,
                {"deadline": deadline.isoformat()},
            )
        )
    if new_date == scheduled:
        out.append(Finding("partyday.change_same_day", Severity.ERROR, "“调整后日期”与原定日期相同", CITE_CHANGE))
    if new_date < submitted_on:
        out.append(Finding("partyday.change_past", Severity.ERROR, "“调整后日期”不能早于今天", CITE_CHANGE))
    if not reason.strip():
        out.append(Finding("partyday.change_no_reason", Severity.ERROR, "请填写“调整理由”", CITE_CHANGE))
    return out


# ---------------------------------------------------------------- annual plans


class PlanStatus(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    FILED = "filed"
    RETURNED = "returned"
    LATE = "late"

    @property
    def label(self) -> str:
        return PLAN_STATUS_LABELS[self]


PLAN_STATUS_LABELS = {
    PlanStatus.NOT_STARTED: "未开始",
    PlanStatus.DRAFT: "草稿",
    PlanStatus.SUBMITTED: "已提交",
    PlanStatus.FILED: "已备案",
    PlanStatus.RETURNED: "已退回",
    PlanStatus.LATE: "逾期",
}


def plan_due_date(plan_year: int) -> dt.date:
    """A plan for `plan_year` is due on 31 December of the year before (“每年12月底”)."""
    return dt.date(plan_year - 1, 12, 31)


def plan_display_status(stored: str | None, plan_year: int, today: dt.date) -> PlanStatus:
    """What the committee board shows: stored state, but unsent plans past the due date are 逾期."""
    late = today > plan_due_date(plan_year)
    if stored is None:
        return PlanStatus.LATE if late else PlanStatus.NOT_STARTED
    status = PlanStatus(stored)
    if late and status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        return PlanStatus.LATE
    return status


def plan_reminder_days(today: dt.date, plan_year: int, lead_days: tuple[int, ...] = (30, 7, 1)) -> int | None:
    """If today is one of the reminder points before the due date, the number of days left."""
    left = (plan_due_date(plan_year) - today).days
    return left if left in lead_days else None


def plan_items_findings(themes: dict[int, str]) -> list[Finding]:
    """A plan may be submitted only with a theme for each of the 12 months."""
    missing = [m for m in range(1, 13) if not themes.get(m, "").strip()]
    if not missing:
        return []
    months = "、".join(f"{m}月" for m in missing)
    return [Finding("partyday.plan_incomplete", Severity.ERROR, f"以下月份未填写主题：{months}", CITE_PLAN)]


# ---------------------------------------------------------------- notices


def notice_send_date(party_day: dt.date, lead_days: int) -> dt.date:
    """The day members are notified: `lead_days` calendar days before (default 3 → within “2–3天”)."""
    return party_day - dt.timedelta(days=lead_days)


def notice_due(today: dt.date, party_day: dt.date, lead_days: int) -> bool:
    """Send on or after the notice day and before the party day (a sweep that missed a day catches up)."""
    return notice_send_date(party_day, lead_days) <= today < party_day
