"""Structure rules for Party organizations (pure functions, each finding cites its source).

Sources: 《中国共产党支部工作条例（试行）》(2018) 第四、九、十三、二十一条; 中办《关于党的基层组织
任期的意见》(2018); 《中央和国家机关党小组工作规则（试行）》(groups, by reference); see
shared/reference/domain-rules.md §1.1–§1.4.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dangjian.core.findings import Finding, Severity

CITE_BRANCH_MIN = "《中国共产党支部工作条例（试行）》第四条：正式党员3人以上的，应当成立党支部"
CITE_BRANCH_MAX = "《中国共产党支部工作条例（试行）》第四条：党支部党员人数一般不超过50人"
CITE_COMMITTEE = "《中国共产党支部工作条例（试行）》第九条：正式党员7人以上的党支部，应当设立党支部委员会"
CITE_GROUPS = (
    "《中国共产党支部工作条例（试行）》第十三条：党员人数较多的党支部应当划分党小组；"
    "人数参照《中央和国家机关党小组工作规则（试行）》：党员20人以上的一般应划分"
)
CITE_GROUP_SIZE = "市委组织部《关于开展党支部基本建设年的工作方案》：党小组一般不超过10人，可在本级配置中调整"
CITE_GENERAL_BRANCH = (
    "《中国共产党党和国家机关基层组织工作条例》：党员50人以上、100人以下的，设立党总支部委员会"
    "（农村：党员超过50人的可设党总支，《中国共产党农村基层组织工作条例》）"
)
CITE_COMMITTEE_ORG = (
    "《中国共产党党和国家机关基层组织工作条例》：党员100人以上的，设立基层党委"
    "（农村须经县级党委批准，《中国共产党农村基层组织工作条例》）"
)
CITE_TERM = "《中国共产党支部工作条例（试行）》第二十一条；中办《关于党的基层组织任期的意见》（2018）"
CITE_TERM_REMIND = (
    "上级党组织一般在任期届满前6个月提醒换届（各地通行做法）；"
    "延期或提前换届须经上级党组织批准，延期一般不超过1年（《中国共产党基层组织选举工作条例》第三条）"
)


@dataclass(frozen=True)
class StructureThresholds:
    """Defaults from domain-rules §1; a committee may adjust the advisory ones."""

    branch_min_full: int = 3
    branch_max_members: int = 50
    committee_min_full: int = 7
    groups_required_from: int = 20
    group_max_members: int = 10
    general_branch_from: int = 50
    committee_org_from: int = 100
    term_warning_months: int = 6


DEFAULT_THRESHOLDS = StructureThresholds()


def default_term_years(kind: str, sector: str) -> int:
    """Village and community bodies and 基层党委 serve 5 years; 总支 and 支部 elsewhere 3 years."""
    if sector in {"village", "community"} or kind == "committee":
        return 5
    return 3


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    # Clamp to the last day of the target month (e.g. 31 Aug + 6 months → 28/29 Feb).
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise ValueError("unreachable")


def term_end(started_on: dt.date, years: int) -> dt.date:
    return add_months(started_on, 12 * years)


@dataclass(frozen=True)
class OrgFacts:
    """What the rules need to know about one organization, counted by the selector."""

    kind: str
    full_members: int = 0
    total_members: int = 0
    has_committee: bool = False
    group_sizes: list[int] = field(default_factory=list)
    term_started_on: dt.date | None = None
    term_years: int = 3
    joint: bool = False
    temporary: bool = False


def check_structure(
    facts: OrgFacts, today: dt.date, thresholds: StructureThresholds = DEFAULT_THRESHOLDS
) -> list[Finding]:
    t = thresholds
    out: list[Finding] = []
    if facts.kind == "branch":
        if facts.full_members < t.branch_min_full:
            out.append(
                Finding(
                    "branch_below_min",
                    Severity.ERROR,
                    f"正式党员仅 {facts.full_members} 人，少于 {t.branch_min_full} 人，不具备单独成立党支部的条件"
                    "（可考虑成立联合党支部或调整隶属）",
                    CITE_BRANCH_MIN,
                )
            )
        if facts.total_members > t.branch_max_members:
            out.append(
                Finding(
                    "branch_above_max",
                    Severity.WARNING,
                    f"党员 {facts.total_members} 人，超过一般不超过 {t.branch_max_members} 人的规定",
                    CITE_BRANCH_MAX,
                )
            )
        if facts.full_members >= t.committee_min_full and not facts.has_committee:
            out.append(
                Finding(
                    "committee_missing",
                    Severity.ERROR,
                    f"正式党员 {facts.full_members} 人（{t.committee_min_full}人以上），应设立支部委员会",
                    CITE_COMMITTEE,
                )
            )
        if facts.has_committee and facts.full_members < t.committee_min_full:
            out.append(
                Finding(
                    "committee_too_small",
                    Severity.WARNING,
                    f"正式党员仅 {facts.full_members} 人（不足{t.committee_min_full}人），不设支部委员会，"
                    "设书记1名，必要时设副书记",
                    CITE_COMMITTEE,
                )
            )
        if facts.total_members >= t.groups_required_from and not facts.group_sizes:
            out.append(
                Finding(
                    "groups_missing",
                    Severity.ADVISORY,
                    f"党员 {facts.total_members} 人（{t.groups_required_from}人以上），建议划分党小组",
                    CITE_GROUPS,
                )
            )
        oversized = [n for n in facts.group_sizes if n > t.group_max_members]
        if oversized:
            out.append(
                Finding(
                    "group_too_large",
                    Severity.ADVISORY,
                    f"有 {len(oversized)} 个党小组超过 {t.group_max_members} 人（最多 {max(oversized)} 人）",
                    CITE_GROUP_SIZE,
                )
            )
    if facts.kind in {"branch", "general_branch"}:
        if facts.total_members >= t.committee_org_from:
            out.append(
                Finding(
                    "suggest_committee_org",
                    Severity.ADVISORY,
                    f"党员 {facts.total_members} 人（{t.committee_org_from}人以上），可按规定设立基层党委",
                    CITE_COMMITTEE_ORG,
                )
            )
        elif facts.kind == "branch" and facts.total_members >= t.general_branch_from:
            out.append(
                Finding(
                    "suggest_general_branch",
                    Severity.ADVISORY,
                    f"党员 {facts.total_members} 人（{t.general_branch_from}–{t.committee_org_from - 1}人），"
                    "可按规定设立党总支",
                    CITE_GENERAL_BRANCH,
                )
            )
    out.extend(check_term(facts.term_started_on, facts.term_years, today, t.term_warning_months))
    return out


def check_term(started_on: dt.date | None, years: int, today: dt.date, warning_months: int = 6) -> list[Finding]:
    if started_on is None:
        return []
    ends = term_end(started_on, years)
    if ends <= today:
        return [
            Finding(
                "term_expired",
                Severity.ERROR,
                f"本届任期已于 {ends:%Y年%m月%d日} 届满，应按期换届",
                CITE_TERM,
                {"ends_on": ends},
            )
        ]
    if add_months(today, warning_months) >= ends:
        return [
            Finding(
                "term_expiring",
                Severity.WARNING,
                f"本届任期将于 {ends:%Y年%m月%d日} 届满（{warning_months}个月内），请做好换届准备",
                CITE_TERM_REMIND,
                {"ends_on": ends},
            )
        ]
    return []


# Short labels for roll-ups ("12 个党组织正式党员不足3人") and filters; the message_zh of each finding
# carries the exact figures. The [V] thresholds (3, 50, 7, 100) are regulation, not configuration.
FINDING_LABELS: dict[str, str] = {
    "branch_below_min": "正式党员不足3人",
    "branch_above_max": "党员超过50人",
    "committee_missing": "正式党员7人以上未设支委会",
    "committee_too_small": "正式党员不足7人却设支委会",
    "groups_missing": "党员较多未划分党小组",
    "group_too_large": "党小组人数过多",
    "suggest_general_branch": "人数可设立党总支",
    "suggest_committee_org": "人数可设立基层党委",
    "term_expired": "任期已届满",
    "term_expiring": "任期即将届满",
}

# The citation of each code (one per code), so the derived findings table stores the code only.
FINDING_CITATIONS: dict[str, str] = {
    "branch_below_min": CITE_BRANCH_MIN,
    "branch_above_max": CITE_BRANCH_MAX,
    "committee_missing": CITE_COMMITTEE,
    "committee_too_small": CITE_COMMITTEE,
    "groups_missing": CITE_GROUPS,
    "group_too_large": CITE_GROUP_SIZE,
    "suggest_general_branch": CITE_GENERAL_BRANCH,
    "suggest_committee_org": CITE_COMMITTEE_ORG,
    "term_expired": CITE_TERM,
    "term_expiring": CITE_TERM_REMIND,
}

# The kinds whose findings read member counts (`check_structure` above): a roster change can only
# change the findings of these orgs; every other kind's findings depend on its own row alone.
COUNTED_KINDS: frozenset[str] = frozenset({"branch", "general_branch"})
