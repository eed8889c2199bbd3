"""Pure rules for assignments: validation bounds, reminder stages, overdue, meeting checks.

No database, no request. Sources:
- Seed 000 (党委组织部 2023-03-01 notice): window 3月12日–3月31日, "时间不少于半天", materials due
  3月3日 (before the window opens) and 3月31日 (its last day), 提醒督办 on the platform.
- domain-rules §7.4: the party day lasts at least half a day where local rules say so [P].
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from dangjian.core.findings import Finding, Severity

SEED_000 = "市属高校党委组织部《关于开展2023年3月份党支部主题党日活动的通知》（2023-03-01）"
CITE_HALF_DAY = "市属高校党委组织部《关于开展2023年3月份党支部主题党日活动的通知》：活动“时间不少于半天”（地方规定）"

# Sensible bounds for deliverable due dates, relative to the activity window. Seed 000 has
# material due 9 days before its window opens (承诺书, 3月3日) and the summary on the window's last
# day; 30 days before the start and 60 days after the end leave room for such practice while
# catching typos such as a wrong year or month.
DUE_BEFORE_WINDOW_DAYS = 30
DUE_AFTER_WINDOW_DAYS = 60
MAX_WINDOW_DAYS = 366
MAX_MIN_HOURS = Decimal(24)
HALF_DAY_HOURS = Decimal(4)


@dataclass(frozen=True)
class DeliverableSpec:
    title: str
    kind: str
    due_on: dt.date


def due_bounds(window_start: dt.date, window_end: dt.date) -> tuple[dt.date, dt.date]:
    return (
        window_start - dt.timedelta(days=DUE_BEFORE_WINDOW_DAYS),
        window_end + dt.timedelta(days=DUE_AFTER_WINDOW_DAYS),
    )


def validate_assignment(
    *,
    title: str,
    theme: str,
    window_start: dt.date | None,
    window_end: dt.date | None,
    min_hours: Decimal | None,
    deliverables: Sequence[DeliverableSpec],
    published_on: dt.date,
) -> dict[str, list[str]]:
    """Field → Chinese messages; empty when the assignment may be published."""
    errors: dict[str, list[str]] = {}

    def add(field: str, msg: str) -> None:
        errors.setdefault(field, []).append(msg)

    if not title.strip():
        add("title", "请填写任务标题")
    if not theme.strip():
        add("theme", "请填写活动主题")
    if window_start is None:
        add("window_start", "请填写活动开始日期")
    if window_end is None:
        add("window_end", "请填写活动结束日期")
    if min_hours is not None and (min_hours <= 0 or min_hours > MAX_MIN_HOURS):
        add("min_hours", "最少时长应大于 0 且不超过 24 小时")
    if window_start and window_end:
        if window_end < window_start:
            add("window_end", f"活动结束日期（{window_end:%Y-%m-%d}）早于开始日期（{window_start:%Y-%m-%d}）")
        elif (window_end - window_start).days + 1 > MAX_WINDOW_DAYS:
            add("window_end", "活动时间跨度超过一年，请检查年份")
        if window_end < published_on:
            add("window_end", f"活动结束日期（{window_end:%Y-%m-%d}）已过，不能发布")
    if not deliverables:
        add("deliverables", "请至少设置一项报送材料")
    seen: set[str] = set()
    for i, d in enumerate(deliverables, start=1):
        label = f"第 {i} 项报送材料“{d.title}”" if d.title else f"第 {i} 项报送材料"
        if not d.title.strip():
            add("deliverables", f"第 {i} 项报送材料：请填写材料名称")
        elif d.title.strip() in seen:
            add("deliverables", f"{label}：名称重复")
        seen.add(d.title.strip())
        if d.due_on < published_on:
            add("deliverables", f"{label}：截止日期 {d.due_on:%Y-%m-%d} 早于发布日期 {published_on:%Y-%m-%d}")
        if window_start and window_end and window_end >= window_start:
            lo, hi = due_bounds(window_start, window_end)
            if d.due_on < lo:
                add(
                    "deliverables",
                    f"{label}：截止日期 {d.due_on:%Y-%m-%d} 早于活动开始前 {DUE_BEFORE_WINDOW_DAYS} 天"
                    f"（{lo:%Y-%m-%d}）",
                )
            elif d.due_on > hi:
                add(
                    "deliverables",
                    f"{label}：截止日期 {d.due_on:%Y-%m-%d} 晚于活动结束后 {DUE_AFTER_WINDOW_DAYS} 天（{hi:%Y-%m-%d}）",
                )
    return errors


def reminder_stage(today: dt.date, due_on: dt.date, lead_days: Iterable[int]) -> int | None:
    """The reminder to send today for a deliverable due on `due_on`: the smallest lead time whose
    reminder date has arrived (a sweep that missed the 3-day reminder still sends the 1-day one),
    or None before the first reminder date and from the due date's next day on (then it is overdue).
    """
    if today > due_on:
        return None
    days_left = (due_on - today).days
    reached = [lead for lead in set(lead_days) if lead >= 0 and days_left <= lead]
    return min(reached) if reached else None


def is_overdue(today: dt.date, due_on: dt.date) -> bool:
    """A deliverable is overdue from the day after its due date (the due date itself counts)."""
    return today > due_on


def should_escalate(today: dt.date, due_on: dt.date, grace_days: int) -> bool:
    """督办: escalate once the deliverable is `grace_days` days past due (0: the day after)."""
    return (today - due_on).days > max(grace_days, 0)


def parse_lines(text: str) -> list[str]:
    """A study list typed one item per line; list numbering (1. / 1、/ (1)) is stripped."""
    items: list[str] = []
    for raw in (text or "").splitlines():
        line = re.sub(r"^\s*(?:[（(]?\d+[)）.、．]|[-*•])\s*", "", raw).strip()
        if line:
            items.append(line)
    return items


def meeting_findings(
    *,
    meeting_date: dt.date,
    hours: Decimal | None,
    window_start: dt.date,
    window_end: dt.date,
    min_hours: Decimal,
) -> list[Finding]:
    """What a reviewer should see about a linked meeting record (shown, not blocking)."""
    findings: list[Finding] = []
    if not window_start <= meeting_date <= window_end:
        findings.append(
            Finding(
                "assignments.meeting_outside_window",
                Severity.WARNING,
                f"会议日期 {meeting_date:%Y-%m-%d} 不在活动时间 {window_start:%m月%d日}–{window_end:%m月%d日} 内",
                SEED_000,
            )
        )
    if hours is not None and hours < min_hours:
        findings.append(
            Finding(
                "assignments.meeting_too_short",
                Severity.WARNING,
                f"会议时长 {hours} 小时，少于任务要求的 {min_hours} 小时",
                CITE_HALF_DAY,
            )
        )
    return findings


def due_date_findings(
    *, title: str, due_on: dt.date, is_working: bool, day_name: str, next_working: dt.date, provisional: bool
) -> list[Finding]:
    """A due date on a rest day or holiday is allowed but worth a note: offices are closed, so the
    material will in practice arrive on the next working day (domain-rules §7.2 calendar)."""
    findings: list[Finding] = []
    if not is_working:
        findings.append(
            Finding(
                "assignments.due_on_rest_day",
                Severity.ADVISORY,
                f"“{title}”的截止日期 {due_on:%Y-%m-%d} 是休息日（{day_name}），下一个工作日为 {next_working:%Y-%m-%d}",
                "国务院办公厅关于当年部分节假日安排的通知"
                + ("（该年安排尚未公布，按周一至周五推算）" if provisional else ""),
            )
        )
    return findings


def study_items(collective: Iterable[object], self_study: Iterable[object]) -> list[tuple[str, str]]:
    """An assignment's study lines as study-list items: 集中学习 → collective, 自学 → self (blank lines
    dropped), in that order."""
    return [(str(t), "collective") for t in collective if str(t).strip()] + [
        (str(t), "self") for t in self_study if str(t).strip()
    ]


def study_months(window_start: dt.date, window_end: dt.date) -> tuple[dt.date, dt.date]:
    """The months an assignment's study lines are studied in: every calendar month its activity
    window touches, as (first day of the first month, first day of the last month). A member may
    study them on any day of the window, so a window from 20 November to 10 December puts them on
    November's and December's lists -- one list spanning both, so what is studied in November is
    not asked again in December -- and one from 25 December to 5 January on December's and the new
    year's January's. A window ending on the 1st still reaches that month (its last day is a day
    of study)."""
    if window_end < window_start:
        raise ValueError("window ends before it starts")
    return window_start.replace(day=1), window_end.replace(day=1)
