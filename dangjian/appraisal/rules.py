"""谈心谈话 coverage and 民主评议 grading as pure functions: plain values in, findings out.

Citations:
- 《中国共产党支部工作条例（试行）》(2018) 第十九条: "党支部委员之间、党支部委员和党员之间、党员和党员之间，
  每年谈心谈话一般不少于1次". How the three pair kinds are counted is local practice ([P], configurable):
  every pair of committee members; every member with at least one committee member (or with the
  secretary); every member with at least one other member.
- 民主评议党员: grades 优秀 / 合格 / 基本合格 / 不合格, 优秀 generally at most one third; probationary
  members take part but are not graded. 《中国共产党不合格党员组织处置办法》第三条: 限期改正、劝其退党、除名.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import models

from dangjian.core.findings import Finding, Severity

TALK_CITATION = "《中国共产党支部工作条例（试行）》第十九条"
GRADE_CITATION = "民主评议党员：优秀等次一般不超过参评党员的三分之一"
HANDLING_CITATION = "《中国共产党不合格党员组织处置办法》第三条"
PROBATION_CITATION = "预备党员参加民主评议，但不评定等次"

# Seed 002 (渔洋镇 2018, "谈"): the six topics of the committee secretary's talks.
DEFAULT_TOPICS = (
    "“两委”班子成员履职情况",
    "支部书记及班子成员个人履职情况",
    "目前存在的主要问题",
    "“两委”班子成员进退留转意愿",
    "后备干部情况",
    "对党员积分制管理的意见和建议",
)


class TalkMode(models.TextChoices):
    INDIVIDUAL = "individual", "个别谈话"
    GROUP = "group", "集体谈话（一对多）"
    PHONE = "phone", "电话/视频"


class TalkOccasion(models.TextChoices):
    ANNUAL = "annual", "年度谈心谈话"
    PRE_MEETING = "pre_meeting", "组织生活会前谈心谈话"
    EVENT = "event", "必谈事项"


class TalkEvent(models.TextChoices):
    TRANSFER_IN = "transfer_in", "组织关系转入"
    CONVERSION = "conversion", "预备党员转正"
    ARREARS = "arrears", "连续6个月未交纳党费"
    MOBILE_RETURN = "mobile_return", "流动党员返回"


class MemberRule(models.TextChoices):
    ANY_COMMITTEE = "any", "每名党员至少与一名支委谈话"
    SECRETARY = "secretary", "书记与每名党员谈话"
    SHARE = "share", "每名支委与其分工联系的每名党员谈话"


class PeerRule(models.TextChoices):
    OFF = "off", "不检查"
    ONE = "one", "每名党员至少与一名其他党员谈话"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASICALLY_QUALIFIED = "basically_qualified", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class Handling(models.TextChoices):
    CORRECT = "correct", "限期改正"
    PERSUADE = "persuade", "劝其退党"
    REMOVE = "remove", "除名"


Pair = frozenset[int]


def pairs_of(talker: int, counterparts: Sequence[int], *, group_counts: bool) -> set[Pair]:
    """The (unordered) pairs a talk covers: talker ↔ each counterpart. A one-to-few talk covers its
    pairs only when the committee counts group talks (`group_counts`)."""
    others = [c for c in counterparts if c != talker]
    if len(others) > 1 and not group_counts:
        return set()
    return {frozenset((talker, c)) for c in others}


@dataclass(frozen=True)
class Gap:
    """One talk still due: `a` should talk with `b` (b None: with any of `with_any`)."""

    kind: str  # committee | member | peer (a branch); secretaries | cross (a committee and its children)
    a: int
    b: int | None
    label_zh: str
    with_any: tuple[int, ...] = ()
    where: str = ""  # across levels: the lower organisation's name


def coverage_gaps(
    *,
    members: Iterable[int],
    committee: Sequence[int],
    secretary: int | None,
    exempt: Iterable[int],
    pairs: set[Pair],
    peer_pairs: set[Pair],
    committee_pairs_rule: bool = True,
    member_rule: str = MemberRule.ANY_COMMITTEE,
    peer_rule: str = PeerRule.ONE,
    shares: Mapping[int, int] | None = None,
) -> list[Gap]:
    """The talks still due this year in one branch (第十九条, three pair kinds).

    - committee ↔ committee: every unordered pair of `committee` (k members → k(k-1)/2 pairs);
    - committee ↔ member: each non-committee member with some committee member (or the secretary;
      or, in the assigned-share mode, with the committee member `shares` maps them to -- a member
      with no share falls back to "some committee member");
    - member ↔ member: each member not `exempt` with at least one other member (`peer_pairs` also
      counts group talks). Ids are Member ids.
    """
    members = list(dict.fromkeys(members))
    comm = [c for c in dict.fromkeys(committee)]
    comm_set = set(comm)
    exempt_set = set(exempt)
    gaps: list[Gap] = []
    if committee_pairs_rule:
        for i, a in enumerate(comm):
            for b in comm[i + 1 :]:
                if frozenset((a, b)) not in pairs:
                    gaps.append(Gap("committee", a, b, "支委之间"))
    if member_rule == MemberRule.SECRETARY and secretary is not None:
        for m in members:
            if m != secretary and frozenset((m, secretary)) not in pairs:
                gaps.append(Gap("member", secretary, m, "书记与党员"))
    elif comm:
        share = (shares or {}) if member_rule == MemberRule.SHARE else {}
        for m in members:
            if m in comm_set:
                continue
            owner = share.get(m)
            if owner in comm_set:
                if frozenset((m, owner)) not in pairs:
                    gaps.append(Gap("member", owner, m, "联系支委与党员"))
            elif not any(frozenset((m, c)) in pairs for c in comm):
                label = "支委与党员（未分工）" if member_rule == MemberRule.SHARE else "支委与党员"
                gaps.append(Gap("member", comm[0], m, label, with_any=tuple(comm)))
    if peer_rule == PeerRule.ONE:
        partners: dict[int, set[int]] = {}
        for p in peer_pairs:
            a, b = tuple(p)
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
        for m in members:
            if m in exempt_set or m in comm_set:
                continue
            if not (partners.get(m, set()) - comm_set - {m}):
                gaps.append(Gap("peer", m, None, "党员之间"))
    return gaps


@dataclass(frozen=True)
class LowerCommittee:
    """A child organisation of a committee, for the talks across levels: its secretary and its
    committee (支委 / 委员), as Member ids."""

    org_id: int
    name: str
    secretary: int | None
    committee: tuple[int, ...]


def cross_gaps(
    *,
    committee: Sequence[int],
    secretary: int | None,
    children: Iterable[LowerCommittee],
    pairs: set[Pair],
    secretary_rule: bool = True,
    committee_rule: bool = True,
) -> list[Gap]:
    """The talks across levels still due this year (seed 002's circuits, [P]):

    - the committee's secretary ↔ each child organisation's secretary (`secretary_rule`);
    - each member of a child organisation's committee ↔ at least one member of this committee
      (`committee_rule`; its secretary included, so one talk can close both kinds).
    `pairs` are the year's one-to-one pairs, whichever organisation recorded the talk."""
    comm = list(dict.fromkeys([*([secretary] if secretary else []), *committee]))
    gaps: list[Gap] = []
    for child in children:
        sec = child.secretary
        if (
            secretary_rule
            and secretary is not None
            and sec not in (None, secretary)
            and frozenset((secretary, sec)) not in pairs
        ):
            gaps.append(Gap("secretaries", secretary, child.secretary, "书记与下级书记", where=child.name))
        if committee_rule and comm:
            for m in child.committee:
                if m in comm:
                    continue
                if not any(frozenset((m, c)) in pairs for c in comm):
                    gaps.append(Gap("cross", comm[0], m, "委员与下级班子成员", with_any=tuple(comm), where=child.name))
    return gaps


def talk_date_findings(held_on: dt.date, today: dt.date) -> list[Finding]:
    if held_on > today:
        return [Finding("talk_future", Severity.ERROR, "“谈话日期”不能晚于今天", TALK_CITATION)]
    return []


def excellent_cap(graded: int, divisor: int) -> int:
    """优秀 ≤ ⌊graded / divisor⌋ (default divisor 3: “一般不超过三分之一”)."""
    if graded <= 0 or divisor <= 0:
        return 0
    return graded // divisor


def excellent_findings(excellent: int, graded: int, divisor: int) -> list[Finding]:
    cap = excellent_cap(graded, divisor)
    if excellent > cap:
        return [
            Finding(
                "excellent_over_cap",
                Severity.ERROR,
                f"评为“优秀”的 {excellent} 人超过上限 {cap} 人（参评定等次 {graded} 人，不超过 1/{divisor}）",
                GRADE_CITATION,
                {"excellent": excellent, "cap": cap, "graded": graded},
            )
        ]
    return []


def grade_findings(grade: str, handling: str, handling_deadline: dt.date | None) -> list[Finding]:
    """A 不合格 grade records the branch's decided handling (and a deadline for 限期改正); other
    grades carry no handling."""
    if grade == Grade.UNQUALIFIED:
        if handling not in Handling.values:
            return [
                Finding(
                    "handling_missing", Severity.ERROR, "评为“不合格”时须填写支部决定的“处置方式”", HANDLING_CITATION
                )
            ]
        if handling == Handling.CORRECT and handling_deadline is None:
            return [Finding("deadline_missing", Severity.ERROR, "“限期改正”须填写“改正期限”", HANDLING_CITATION)]
    elif handling:
        return [Finding("handling_unexpected", Severity.ERROR, "只有“不合格”等次需要填写“处置方式”", HANDLING_CITATION)]
    return []


def attribution_year(held_on: dt.date, cutoff_month: int, cutoff_day: int) -> int:
    """The reporting year of a 组织生活会/民主评议 held on `held_on`: held by the cutoff (default
    31 March) it counts for the previous year."""
    if (held_on.month, held_on.day) <= (cutoff_month, cutoff_day):
        return held_on.year - 1
    return held_on.year
