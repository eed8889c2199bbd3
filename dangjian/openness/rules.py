"""Pure rules of disclosure and deliberation: periods and deadlines, the gate's order, what may go
to a public page, and the stage order and quorum of 民主议事. No database, no request.

Sources (shared/reference/domain-rules-round2.md §6):
- 《中国共产党党务公开条例（试行）》(2017) 第十五条: 提出 → 审核（含保密审查）→ 审批 → 实施;
- 中办《关于党的基层组织实行党务公开的意见》(2010): items outside the catalogue need a plan approved
  by the catalogue's owner; 先党内后党外;
- "四议两公开" (《中国共产党农村基层组织工作条例》(2019), article number UNVERIFIED): 提议 → 商议 →
  审议 → 决议, then 决议公开 and 实施结果公开;
- quorum and vote of the 党员大会: orglife's round-1 rules (支部工作条例 第十一条).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dangjian.core.findings import Finding, Severity
from dangjian.orglife import rules as orglife_rules

CITE_GATE = "《中国共产党党务公开条例（试行）》第十五条：提出、审核（保密审查）、审批、实施"
CITE_CATALOGUE = "中办《关于党的基层组织实行党务公开的意见》：目录外事项须报目录编制单位审批"
CITE_PERSONAL = "党务公开应当保护个人信息；涉及党员个人的内容只在党内公开（实践要求，见设计说明 §6e）"
CITE_SCOPE = "《中国共产党党务公开条例（试行）》第二条：党务公开分为在党内公开和向党外公开"
CITE_FOUR = "“四议两公开”：村党组织提议、村“两委”会议商议、党员大会审议、村民会议或村民代表会议决议"
CITE_VILLAGERS = "《中华人民共和国村民委员会组织法》第二十二条：村民会议所作决定应当经到会人员的过半数通过"

# Periodic default: the dues sheet by 10 days after month-end (round 2 §6e, UNVERIFIED national day).
PERIODIC_DAYS_DEFAULT = 10
# Timely default: 5 working days after the source event (round 2 §6e, UNVERIFIED).
TIMELY_WORKING_DAYS_DEFAULT = 5
# 申请公开: a member's request answered within this many working days. No national rule for Party
# affairs (the 2017 条例 第十九条 only asks organisations to "听取党员和群众对党务公开工作的意见"); 10 is local
# practice, a setting per committee (the State Council's 政府信息公开条例 第三十三条 allows 20).
REQUEST_WORKING_DAYS_DEFAULT = 10
WITHDRAW_REASON_MIN = 4


# ---------------------------------------------------------------------------------------------
# Periods and deadlines


def period_of(day: dt.date, frequency: str) -> tuple[dt.date, dt.date]:
    """The month, quarter or year containing `day`."""
    if frequency == "month":
        start = day.replace(day=1)
    elif frequency == "quarter":
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif frequency == "year":
        start = dt.date(day.year, 1, 1)
    else:
        raise ValueError(f"unknown frequency {frequency!r}")
    months = {"month": 1, "quarter": 3, "year": 12}[frequency]
    y, m = divmod(start.month - 1 + months, 12)
    end = dt.date(start.year + y, m + 1, 1) - dt.timedelta(days=1)
    return start, end


def closed_periods(frequency: str, since: dt.date, today: dt.date, limit: int = 12) -> list[tuple[dt.date, dt.date]]:
    """The periods that ended before `today` and after `since` (the most recent `limit`), oldest first."""
    out: list[tuple[dt.date, dt.date]] = []
    start, end = period_of(today, frequency)
    while len(out) < limit:
        start, end = period_of(start - dt.timedelta(days=1), frequency)
        if end < since:
            break
        out.append((start, end))
    return list(reversed(out))


def periodic_due(period_end: dt.date, days: int) -> dt.date:
    """A 定期 disclosure is due `days` calendar days after its period ends (the day itself counts as on time)."""
    return period_end + dt.timedelta(days=days)


def timely_due(event_on: dt.date, working_days: int, add_working_days: Callable[[dt.date, int], dt.date]) -> dt.date:
    """A 及时 disclosure is due `working_days` working days after its source event."""
    return add_working_days(event_on, working_days)


def period_label(start: dt.date | None, end: dt.date | None) -> str:
    if start is None or end is None:
        return ""
    if start.day == 1 and end.month == start.month and end.year == start.year:
        return f"{start.year}年{start.month}月"
    if start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31:
        return f"{start.year}年度"
    if start.day == 1 and (end.month - start.month) == 2:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def is_overdue(due_on: dt.date, fulfilled_on: dt.date | None, today: dt.date) -> bool:
    return (fulfilled_on or today) > due_on


# ---------------------------------------------------------------------------------------------
# The catalogue item and the content


def item_findings(*, timing: str, frequency: str, scope: str, secrecy: str) -> list[Finding]:
    out: list[Finding] = []
    if timing == "periodic" and not frequency:
        out.append(Finding("frequency_missing", Severity.ERROR, "定期公开的事项须选择频次", CITE_GATE))
    if scope == "public" and secrecy == "internal":
        out.append(
            Finding("internal_public", Severity.ERROR, "党内事项不能向社会公开，请改为党内公开或调整密级", CITE_SCOPE)
        )
    return out


ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _texts(content: dict[str, Any]) -> list[str]:
    parts = [str(content.get("title", "")), str(content.get("text", ""))]
    for row in content.get("summary", []):
        parts.extend(str(v) for v in row)
    for row in content.get("people", []):
        parts.extend(str(v) for v in row)
    return parts


def secrecy_findings(content: dict[str, Any], scope: str) -> list[Finding]:
    """The confidentiality review's automatic part: 身份证号 and phone numbers never go on a
    noticeboard; per-person lines never go to a public page."""
    out: list[Finding] = []
    text = "\n".join(_texts(content))
    if ID_NUMBER.search(text):
        out.append(Finding("id_number", Severity.ERROR, "公开内容含有身份证号，不能公开", CITE_PERSONAL))
    if PHONE.search(text):
        out.append(Finding("phone", Severity.ERROR, "公开内容含有手机号码，不能公开", CITE_PERSONAL))
    if scope == "public" and content.get("people"):
        out.append(
            Finding(
                "people_public", Severity.ERROR, "向社会公开的内容不能列出党员个人明细，只能公开汇总", CITE_PERSONAL
            )
        )
    return out


def public_content(content: dict[str, Any]) -> dict[str, Any]:
    """What a public page may show of a content: everything but the per-person lines."""
    return {k: v for k, v in content.items() if k not in ("people", "columns")}


# ---------------------------------------------------------------------------------------------
# The gate


GATE_ORDER = ("proposed", "reviewed", "approved", "published")
STEP_LABELS = {"proposed": "提出", "reviewed": "保密审查", "approved": "审批", "published": "实施（公开）"}


def gate_error(status: str, step: str) -> str | None:
    """None if `step` may follow a disclosure in `status`; else the Chinese reason."""
    if status == "rejected":
        return "该公开事项未通过审查或审批，请重新提出"
    if status == "withdrawn":
        return "该公开事项已撤回，如需重新公开请重新提出"
    if status == "published":
        return "该事项已公开，公开内容不能再改动"
    need = GATE_ORDER[GATE_ORDER.index(step) - 1]
    if status != need:
        if step == "published":
            return "须先完成保密审查和审批，才能公开"
        if step == "approved":
            return "须先完成保密审查，才能审批"
        return f"当前状态不能进行{STEP_LABELS[step]}"
    return None


def withdraw_error(status: str, reason: str) -> str | None:
    """May a disclosure in `status` be taken down (撤回) for `reason`? Only a published one, and only
    with a reason of at least WITHDRAW_REASON_MIN characters: the record keeps it for everyone who saw
    the item (a take-down is never a silent deletion)."""
    if status == "withdrawn":
        return "该公开事项已撤回"
    if status != "published":
        return "只有已公开的事项可以撤回；尚未公开的，在审查或审批中不予通过即可"
    if len(reason.strip()) < WITHDRAW_REASON_MIN:
        return f"请填写撤回理由（不少于{WITHDRAW_REASON_MIN}个字）"
    return None


def request_overdue(status: str, due_on: dt.date, today: dt.date) -> bool:
    """A request still unanswered after its last working day to answer."""
    return status == "pending" and today > due_on


# ---------------------------------------------------------------------------------------------
# 民主议事


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    counts: bool  # attendance is recorded (and checked) at this stage
    general_meeting: bool = False  # the 党员大会: quorum of orglife's rules
    villagers: bool = False  # the villagers' meeting: majority of those present decides


STAGES: dict[str, tuple[Stage, ...]] = {
    "general": (
        Stage("propose", "党组织或党员提议", False),
        Stage("committee", "支部委员会研究", True),
        Stage("general_meeting", "党员大会讨论决定", True, general_meeting=True),
    ),
    "village": (
        Stage("propose", "村党组织提议", False),
        Stage("two_committees", "村“两委”会议商议", True),
        Stage("general_meeting", "党员大会审议", True, general_meeting=True),
        Stage("villagers", "村民会议或村民代表会议决议", True, villagers=True),
    ),
}


def stage_of(procedure: str, code: str) -> Stage | None:
    return next((s for s in STAGES[procedure] if s.code == code), None)


def next_stage(procedure: str, done: list[str]) -> Stage | None:
    """The stage that must come next, given the codes already recorded (in order)."""
    for s in STAGES[procedure]:
        if s.code not in done:
            return s
    return None


def stage_findings(
    *,
    procedure: str,
    done: list[tuple[str, dt.date]],
    stage: str,
    held_on: dt.date,
    expected: int,
    present: int,
    today: dt.date,
) -> list[Finding]:
    """Each stage needs the one before it, on the same day or later; the 党员大会 needs its quorum."""
    out: list[Finding] = []
    s = stage_of(procedure, stage)
    if s is None:
        return [Finding("stage_unknown", Severity.ERROR, "该议事程序没有这个环节", CITE_FOUR)]
    expected_next = next_stage(procedure, [c for c, _ in done])
    if expected_next is None:
        return [Finding("stages_done", Severity.ERROR, "各环节均已记录", CITE_FOUR)]
    if expected_next.code != stage:
        return [
            Finding(
                "stage_skipped",
                Severity.ERROR,
                f"须先完成“{expected_next.label}”，才能进行“{s.label}”",
                CITE_FOUR if procedure == "village" else CITE_GATE,
            )
        ]
    if held_on > today:
        out.append(Finding("future", Severity.ERROR, "日期不能晚于今天", CITE_FOUR))
    if done and held_on < done[-1][1]:
        out.append(Finding("before_previous", Severity.ERROR, "日期不能早于上一环节", CITE_FOUR))
    if s.counts:
        if present > expected:
            out.append(Finding("present_above", Severity.ERROR, "实到人数不能多于应到人数", CITE_FOUR))
        elif s.general_meeting:
            check = orglife_rules.quorum_check(expected, present)
            if not check.ok:
                out.append(Finding("quorum", Severity.ERROR, check.explanation, check.citation))
        elif expected == 0:
            out.append(Finding("nobody", Severity.ERROR, "请填写应到、实到人数", CITE_FOUR))
        elif present * 2 <= expected:
            out.append(Finding("half", Severity.ERROR, "到会人数未超过应到人数的半数，会议不能作出决定", CITE_FOUR))
    return out


def vote_findings(
    *, procedure: str, options: list[tuple[str, int, int, int]], chosen: int, expected: int, present: int
) -> list[Finding]:
    """The adopted option must pass: at a 党员大会 by more than half of the voting members expected
    (orglife's rule); at a villagers' meeting by more than half of those present."""
    if not options:
        return [Finding("no_options", Severity.ERROR, "请至少填写一个方案及表决票数", CITE_FOUR)]
    if not 0 <= chosen < len(options):
        return [Finding("no_choice", Severity.ERROR, "请选择通过的方案", CITE_FOUR)]
    out: list[Finding] = []
    for label, yes, no, abstain in options:
        if yes + no + abstain > present:
            out.append(
                Finding(
                    "votes_above_present",
                    Severity.ERROR,
                    f"方案“{label}”的票数合计 {yes + no + abstain} 超过实到 {present} 人",
                    CITE_FOUR,
                )
            )
    if out:
        return out
    _, yes, no, abstain = options[chosen]
    if procedure == "village":
        if yes * 2 <= present:
            out.append(
                Finding("not_passed", Severity.ERROR, f"赞成 {yes} 票，未超过到会 {present} 人的半数", CITE_VILLAGERS)
            )
    else:
        check = orglife_rules.vote_check(yes, no, abstain, expected, present)
        if not check.ok:
            out.append(Finding("not_passed", Severity.ERROR, check.explanation, check.citation))
    return out


def close_error(*, decision_published: bool, result_published: bool, has_result: bool) -> str | None:
    """A deliberation closes only after the decision and its result are both disclosed (两公开)."""
    if not has_result:
        return "请先登记实施结果"
    if not decision_published:
        return "决议尚未公开，不能办结"
    if not result_published:
        return "实施结果尚未公开，不能办结"
    return None
