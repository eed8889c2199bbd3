"""Pure rules of 五亮五共 and 三个一 (no database, no request): quarters, what an in-service member owes,
and whether a secretary's three ones are complete. Each finding cites its source.

Sources (domain-rules round 2 §5):
- seed 000 (十堰, 2023-03-01): report to the residence community, 至少领办1件实事, 每季度参与活动不少于1次;
  分党委书记 "三个一" (公开1个承诺、领办1个项目、建立1个联系点) with a 公示.
- contact points visited ≥ 4 times a year: local practice (§5a, 1–2 contact points per leader).
- a member who reports mid-quarter owes that quarter: UNVERIFIED, a setting (§5e).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dangjian.core.findings import Finding, Severity

SEED = "十堰市委组织部“五亮五共”通知（2023 年 3 月，种子文件 000）"
THREE_ONES = "基层党建工作“三个一”制度（分党委书记，种子文件 000 附件 3）"
CONTACT_PRACTICE = "联系点每年走访不少于 4 次（地方实践，domain-rules round 2 §5a）"


def quarter_of(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of calendar quarter `quarter` (1–4) of `year`."""
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1–4")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def parse_quarter(raw: str, today: dt.date) -> tuple[int, int]:
    """ "2026-3" / "2026Q3" → (2026, 3); anything else → today's quarter."""
    text = raw.strip().upper().replace("Q", "-")
    year_s, _, q_s = text.partition("-")
    if year_s.isdigit() and q_s.isdigit() and 2000 <= int(year_s) <= 2100 and 1 <= int(q_s) <= 4:
        return int(year_s), int(q_s)
    return today.year, quarter_of(today)


def owes_quarter(reported_on: dt.date | None, year: int, quarter: int, *, midquarter_owes: bool) -> bool:
    """Does a member who reported on `reported_on` owe an activity in the quarter?

    Not before reporting; the quarter of the report-in itself only if `midquarter_owes` (the setting
    `community.midquarter_owes`) or the report was on the quarter's first day."""
    if reported_on is None:
        return False
    start, end = quarter_bounds(year, quarter)
    if reported_on > end:
        return False
    if reported_on <= start:
        return True
    return midquarter_owes


@dataclass(frozen=True)
class Obligations:
    """Per in-service member (config, seed defaults)."""

    deeds_per_year: int = 1
    activities_per_quarter: int = 1
    midquarter_owes: bool = True


@dataclass(frozen=True)
class Standing:
    """An in-service member's standing in one quarter, as the employer sees it."""

    reported: bool
    owes: bool
    activities: int  # confirmed activities in the quarter
    deeds_year: int  # confirmed 实事 in the year up to the quarter's end
    findings: tuple[Finding, ...]

    @property
    def behind(self) -> bool:
        return any(f.code == "no_activity" for f in self.findings)

    @property
    def label(self) -> str:
        if not self.reported:
            return "未报到"
        if self.behind:
            return "本季度未参加活动"
        return "已履行"


def standing(
    *,
    reported_on: dt.date | None,
    activities: int,
    deeds_year: int,
    year: int,
    quarter: int,
    today: dt.date,
    ob: Obligations,
) -> Standing:
    """What the member owes in quarter (`year`, `quarter`) and what is missing, as findings."""
    found: list[Finding] = []
    _, q_end = quarter_bounds(year, quarter)
    reported = reported_on is not None and reported_on <= q_end
    if not reported:
        found.append(Finding("not_reported", Severity.ERROR, "在职党员尚未到居住地社区党组织报到", SEED))
        return Standing(False, False, activities, deeds_year, tuple(found))
    owes = owes_quarter(reported_on, year, quarter, midquarter_owes=ob.midquarter_owes)
    if owes and activities < ob.activities_per_quarter:
        severity = Severity.ERROR if today > q_end else Severity.WARNING
        found.append(
            Finding(
                "no_activity",
                severity,
                f"本季度经社区确认的活动 {activities} 次，应不少于 {ob.activities_per_quarter} 次",
                SEED,
            )
        )
    year_end = dt.date(year, 12, 31)
    if deeds_year < ob.deeds_per_year:
        severity = Severity.ERROR if today > year_end else Severity.ADVISORY
        found.append(
            Finding(
                "no_deed",
                severity,
                f"本年度经社区确认的实事 {deeds_year} 件，应至少领办 {ob.deeds_per_year} 件",
                SEED,
            )
        )
    return Standing(True, owes, activities, deeds_year, tuple(found))


def claim_expires_on(entered_on: dt.date, due_on: dt.date | None, days: int) -> dt.date:
    """An unconfirmed claim or report counts as not done `days` after it was entered, or after the
    need's due date if that is later (domain-rules round 2 §5e: "an unconfirmed item counts as not
    done after a timeout")."""
    base = max(entered_on, due_on) if due_on else entered_on
    return base + dt.timedelta(days=days)


def three_ones_findings(
    *,
    pledge: str,
    project: str,
    goals: str,
    has_contact: bool,
    published: bool,
    visits: int,
    target: int,
    year: int,
    today: dt.date,
) -> list[Finding]:
    """What a secretary's 三个一 still lacks."""
    found: list[Finding] = []
    if not pledge.strip():
        found.append(Finding("no_pledge", Severity.ERROR, "未填写抓基层党建承诺", THREE_ONES))
    if not project.strip() or not goals.strip():
        found.append(Finding("no_project", Severity.ERROR, "未填写领办的党建项目及目标", THREE_ONES))
    if not has_contact:
        found.append(Finding("no_contact", Severity.ERROR, "未确定基层党建联系点", THREE_ONES))
    if not published:
        found.append(Finding("not_published", Severity.WARNING, "“三个一”尚未公示", THREE_ONES))
    if visits < target:
        severity = Severity.ERROR if today > dt.date(year, 12, 31) else Severity.ADVISORY
        found.append(Finding("few_visits", severity, f"联系点走访 {visits} 次，年度目标 {target} 次", CONTACT_PRACTICE))
    return found


def count_by_quarter(dates: Iterable[dt.date], year: int) -> dict[int, int]:
    out = dict.fromkeys(range(1, 5), 0)
    for d in dates:
        if d.year == year:
            out[quarter_of(d)] += 1
    return out
