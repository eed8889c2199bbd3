"""Rules of upward reporting (pure functions: dates and figures in, answers out; no database).

Citations:
- Seed 003 (市直机关工委《关于开展党支部基本建设年的工作方案》): 各直属党组织每月25日前向工委报送；
  工委于每月底前报市委组织部；逐级建立定期报告制度 — the due day (default 25) and reporting lines.
- 《党委（党组）书记抓基层党建工作述职评议考核办法（试行）》(中共中央办公厅 2019): 述职评议考核,
  重点任务量化评分 — the yearly statistics table; grades are decided by people.
- Seed 000 (重点工作考评指标, "考漏补缺") — quarterly indicators scored from the records.
- 中共中央办公厅《关于持续深化整治形式主义为基层减负的若干规定》(2024) — report once: every figure
  is a view over records already entered; nothing is typed twice.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from dangjian.core.findings import Finding, Severity

CITE_DUE = "市直机关工委党支部基本建设年工作方案（种子003）：各直属党组织每月25日前报送，逐级建立定期报告制度"
CITE_ONCE = "《关于持续深化整治形式主义为基层减负的若干规定》（2024）：同一事项原则上只报一次"
CITE_DUTY = "《党委（党组）书记抓基层党建工作述职评议考核办法（试行）》（2019）：述职、评议、考核，量化评分"
CITE_QUARTER = "重点工作考评指标（种子000）：按季度考评，支部对照指标“考漏补缺”"

DEFAULT_DUE_DAY = 25
DEFAULT_MISSING_DAYS = 3


class PeriodMode(models.TextChoices):
    MONTH = "month", "自然月（次月截止日前报送）"
    WINDOW = "window", "上月截止日次日至本月截止日（当月月底前报送）"


class NonWorkingDue(models.TextChoices):
    KEEP = "keep", "保持原日期并标明"
    PREVIOUS = "previous", "提前到前一个工作日"


@dataclass(frozen=True)
class Period:
    """One report period: the month it is named after and the closed span of dates it covers."""

    year: int
    month: int
    start: dt.date
    end: dt.date
    mode: str

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def span_label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    @property
    def mode_label(self) -> str:
        return PeriodMode(self.mode).label


@dataclass(frozen=True)
class Due:
    """When a period's report is due. `nominal` is the configured day; `on` the day in force."""

    on: dt.date
    nominal: dt.date
    note: str  # shown on the report ("" when the nominal day is a working day)


def clamp_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(max(day, 1), calendar.monthrange(year, month)[1]))


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def prev_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def period_for(year: int, month: int, mode: str, due_day: int = DEFAULT_DUE_DAY) -> Period:
    """The period named `year`-`month`.

    MONTH: the calendar month. WINDOW: from the day after the due day of the previous month to the
    due day of this month (default 26th–25th)."""
    if mode == PeriodMode.WINDOW:
        py, pm = prev_month(year, month)
        start = clamp_day(py, pm, due_day) + dt.timedelta(days=1)
        return Period(year, month, start, clamp_day(year, month, due_day), PeriodMode.WINDOW)
    last = calendar.monthrange(year, month)[1]
    return Period(year, month, dt.date(year, month, 1), dt.date(year, month, last), PeriodMode.MONTH)


def nominal_due(period: Period, due_day: int = DEFAULT_DUE_DAY) -> dt.date:
    """MONTH: the due day of the next month. WINDOW: the last day of the window's month (the window
    closes on the due day, so the report goes up before the month ends)."""
    if period.mode == PeriodMode.WINDOW:
        return clamp_day(period.year, period.month, 31)
    ny, nm = next_month(period.year, period.month)
    return clamp_day(ny, nm, due_day)


def due_for(
    period: Period,
    due_day: int,
    policy: str,
    is_working: Callable[[dt.date], bool],
    previous: Callable[[dt.date], dt.date],
) -> Due:
    """The due date in force. A due day that is not a working day is kept and shown (default) or
    moved to the previous working day — never later."""
    nominal = nominal_due(period, due_day)
    if is_working(nominal):
        return Due(nominal, nominal, "")
    if policy == NonWorkingDue.PREVIOUS:
        on = previous(nominal)
        return Due(on, nominal, f"截止日 {nominal:%m月%d日} 为非工作日，提前到前一个工作日 {on:%m月%d日}")
    return Due(nominal, nominal, f"截止日 {nominal:%m月%d日} 为非工作日，按原日期截止")


def period_refusal(period: Period, today: dt.date) -> str | None:
    """A report is made only once its period has ended."""
    if today <= period.end:
        return f"{period.label}的统计期（{period.span_label}）尚未结束，不能报送"
    return None


def is_late(submitted_on: dt.date, due: dt.date) -> bool:
    return submitted_on > due


def missing_finding(org_name: str, period: Period, due: dt.date, today: dt.date, grace_days: int) -> Finding | None:
    """督办 once a report is still missing `grace_days` after its due date."""
    if (today - due).days < grace_days:
        return None
    return Finding(
        "reports.missing",
        Severity.ERROR,
        f"{org_name}{period.label}工作报告逾期 {(today - due).days} 天未报送（截止 {due:%Y-%m-%d}）",
        CITE_DUE,
    )


# ---------------------------------------------------------------------------------------------
# Roll-up

Figures = dict[str, dict[str, Any]]  # source key -> figure key -> value


def add_up(snapshots: Iterable[Figures], summable: Mapping[str, Iterable[str]]) -> Figures:
    """The sum of the summable keys of every snapshot, per source (counts only; rates and dates are
    not added up). Missing keys count as 0."""
    keys = {src: tuple(ks) for src, ks in summable.items()}
    total: Figures = {src: dict.fromkeys(ks, 0) for src, ks in keys.items()}
    for snap in snapshots:
        for src, ks in keys.items():
            part = snap.get(src)
            if not part:
                continue
            row = total[src]
            for k in ks:
                v = part.get(k)
                if isinstance(v, int):
                    row[k] += v
    return total


def share(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to divide by."""
    return round(100 * part / whole) if whole else None


# ---------------------------------------------------------------------------------------------
# Quarterly indicators


class ScoringRule(models.TextChoices):
    PROPORTIONAL = "proportional", "按完成比例计分（不超过权重）"
    THRESHOLD = "threshold", "达到目标得满分，否则不得分"
    AT_MOST = "at_most", "不超过目标得满分，否则不得分"


class ExclusionReason(models.TextChoices):
    FOUNDED = "founded", "季度中新成立"
    DISSOLVED = "dissolved", "季度中撤销"
    EXEMPTED = "exempted", "经批准免于考评"


def quarter_span(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = 3 * (quarter - 1) + 1
    return dt.date(year, first, 1), clamp_day(year, first + 2, 31)


def quarter_of(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def score(value: int | None, target: Decimal, weight: Decimal, rule: str) -> Decimal:
    """The points an indicator earns (0 … weight); a branch without the figure scores 0."""
    if value is None:
        return Decimal(0)
    v = Decimal(value)
    if rule == ScoringRule.THRESHOLD:
        return weight if v >= target else Decimal(0)
    if rule == ScoringRule.AT_MOST:
        return weight if v <= target else Decimal(0)
    if target <= 0:
        return weight
    return min(v / target, Decimal(1)) * weight


def gap_text(label: str, value: int | None, target: Decimal, rule: str) -> str:
    """What a branch still lacks on an indicator during the quarter ("" when none)."""
    v = Decimal(value or 0)
    if rule == ScoringRule.AT_MOST:
        return f"{label}：当前 {v}，应不超过 {target}" if v > target else ""
    return f"{label}：当前 {v}，目标 {target}，还差 {target - v}" if v < target else ""
