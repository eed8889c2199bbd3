"""Rules of organizational life (pure functions: plain values in, findings out; no database).

Citations: 《中国共产党支部工作条例（试行）》(2018) 第十一条–第十九条; 《中国共产党党员教育管理工作条例》
第十六条 (主题党日); domain-rules.md §0 (表决权、应到会), §1.5 (quorum and vote), §1.6 (frequencies).
Local practice (党课 frequency, entry deadline, the party-day checklist, photos) is per-committee
configuration; the defaults below are the values of domain-rules.md and the seeds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dangjian.core.findings import Finding, Severity

PARTY_DAY = "party_day"
GENERAL_MEETING = "general_meeting"
COMMITTEE_MEETING = "committee_meeting"
GROUP_MEETING = "group_meeting"
PARTY_LECTURE = "party_lecture"
ORG_LIFE_MEETING = "org_life_meeting"
MEMBER_REVIEW = "member_review"

KIND_LABELS = {
    PARTY_DAY: "主题党日",
    GENERAL_MEETING: "支部党员大会",
    COMMITTEE_MEETING: "支部委员会",
    GROUP_MEETING: "党小组会",
    PARTY_LECTURE: "党课",
    ORG_LIFE_MEETING: "组织生活会",
    MEMBER_REVIEW: "民主评议党员",
}

CITE_PARTY_DAY = "《中国共产党党员教育管理工作条例》第十六条：党支部应当每月相对固定1天开展主题党日"
CITE_GENERAL = "《中国共产党支部工作条例（试行）》第十一条：支部党员大会一般每季度召开1次"
CITE_COMMITTEE = "《中国共产党支部工作条例（试行）》第十二条：支部委员会会议一般每月召开1次"
CITE_GROUP = "《中国共产党支部工作条例（试行）》第十三条：党小组会一般每月召开1次"
CITE_LECTURE = "《中国共产党支部工作条例（试行）》未规定党课频次；各地通行做法为每季度至少1次，频次由上级党委配置"
CITE_ORG_LIFE = "《中国共产党支部工作条例（试行）》第十七条：组织生活会一般每年召开1次，多安排在第四季度"
CITE_REVIEW = "《中国共产党支部工作条例（试行）》第十八条：民主评议党员一般每年开展1次"
CITE_QUORUM = "《中国共产党支部工作条例（试行）》第十一条：有表决权的到会人数超过应到会人数的半数方可召开"
CITE_VOTE = "《中国共产党支部工作条例（试行）》第十一条：赞成人数超过应到会有表决权党员的半数为通过"
CITE_VOTING_RIGHTS = "《中国共产党基层组织选举工作条例》第五条：预备党员、受留党察看处分期间的党员无表决权"
CITE_EXCLUSION = (
    "中央组织部关于党员大会应到会人数问题的答复：经上级党组织批准、党员大会通过，五类党员可不计入应到会人数"
)
CITE_ENTRY = "地方实践：会议结束后应在规定天数内录入纪实（默认3天，可配置）"
CITE_ABSENCE = "《中国共产党党员教育管理工作条例》第三十一条：无正当理由连续不参加组织生活应批评教育"
CITE_RESOLUTION = "市委《“主题党日+”活动制度》：决议决策应制定落实方案，明确措施、时间节点和责任人，下月活动中通报"
CITE_PHOTO = (
    "市属高校党委组织部《关于开展2023年3月份党支部主题党日活动的通知》："
    "照片要在会议召开时拍摄上传（照片仅作提示核查，不自动退回）"
)

REQUIREMENT_CITES = {
    PARTY_DAY: CITE_PARTY_DAY,
    GENERAL_MEETING: CITE_GENERAL,
    COMMITTEE_MEETING: CITE_COMMITTEE,
    GROUP_MEETING: CITE_GROUP,
    PARTY_LECTURE: CITE_LECTURE,
    ORG_LIFE_MEETING: CITE_ORG_LIFE,
    MEMBER_REVIEW: CITE_REVIEW,
}

# The party-day 规定动作 (seeds 000 and 001); a committee may replace the list.
DEFAULT_REQUIRED_ACTIONS = "佩戴党徽,交纳党费,重温入党誓词,诵读党章,研学党规党情"
INVITEE_CATEGORIES = ("发展对象", "入党积极分子", "团员青年", "群众代表")

DEFAULT_ENTRY_DEADLINE_DAYS = 3
DEFAULT_LECTURE_FREQUENCY = "quarterly"
DEFAULT_ANNUAL_MONTH = 12
DEFAULT_ABSENCE_STREAK = 3
DEFAULT_SIGNIN_GRACE_MINUTES = 30
DUPLICATE_MAX_DISTANCE = 3  # Hamming distance on the 64-bit dHash; 4 bands of 16 bits guarantee recall ≤ 3

FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "half_year": 6, "yearly": 12}
# Attendance by exception: the list starts as 出席 and the liaison marks only who was on leave or absent.
DEFAULT_ATTENDANCE = "present"
ATTENDANCE_DEFAULT_CHOICES = (("present", "默认出席（只标出请假、缺席）"), ("absent", "逐人登记（默认缺席）"))
FREQUENCY_CHOICES = (("monthly", "每月"), ("quarterly", "每季度"), ("half_year", "每半年"), ("yearly", "每年"))


def parse_checklist(raw: str) -> list[str]:
    """The configured checklist string ("佩戴党徽,交纳党费") as a list, accepting 、，, as separators."""
    text = (raw or "").replace("、", ",").replace("，", ",")
    items: list[str] = []
    for part in text.split(","):
        p = part.strip()
        if p and p not in items:
            items.append(p)
    return items


# ---------------------------------------------------------------- months and periods


def month_key(d: dt.date) -> int:
    return d.year * 100 + d.month


def month_start(key: int) -> dt.date:
    return dt.date(key // 100, key % 100, 1)


def add_months(key: int, n: int) -> int:
    y, m = divmod(key // 100 * 12 + (key % 100 - 1) + n, 12)
    return y * 100 + m + 1


def month_range(first: int, count: int) -> list[int]:
    return [add_months(first, i) for i in range(count)]


def month_end(key: int) -> dt.date:
    return month_start(add_months(key, 1)) - dt.timedelta(days=1)


def period_of(key: int, every: int) -> int:
    """A period key YYYYNN: NN is the 0-based index of the `every`-month period within the year."""
    return key // 100 * 100 + (key % 100 - 1) // every


def period_last_month(period: int, every: int) -> int:
    return period // 100 * 100 + (period % 100 + 1) * every


def period_label(period: int, every: int) -> str:
    year, idx = divmod(period, 100)
    if every == 1:
        return f"{year}年{idx + 1}月"
    if every == 3:
        return f"{year}年第{idx + 1}季度"
    if every == 6:
        return f"{year}年{'上' if idx == 0 else '下'}半年"
    return f"{year}年"


# ---------------------------------------------------------------- record validation


def meeting_time_errors(
    started_at: dt.datetime | None, ended_at: dt.datetime | None, now: dt.datetime, *, held: bool
) -> dict[str, str]:
    """A record's times: end after start; a meeting marked as held (归档) cannot lie in the future."""
    errors: dict[str, str] = {}
    if started_at is None:
        errors["started_at"] = "请填写开始时间"
    if ended_at is None:
        errors["ended_at"] = "请填写结束时间"
    if errors or started_at is None or ended_at is None:
        return errors
    if ended_at <= started_at:
        errors["ended_at"] = "结束时间应晚于开始时间"
    elif ended_at - started_at > dt.timedelta(days=3):
        errors["ended_at"] = "会议时长超过3天，请核对结束时间"
    if held and started_at > now:
        errors["started_at"] = "会议尚未召开，不能记为已召开（归档）"
    elif held and ended_at > now:
        errors["ended_at"] = "会议尚未结束，结束后才能归档"
    if started_at.year < 2000:
        errors["started_at"] = "开始时间无效"
    return errors


def kind_errors(
    kinds: Sequence[str], *, org_is_group: bool, has_committee: bool, has_groups: bool, lecturer: str, topic: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not kinds:
        errors["kinds"] = "请至少选择一种会议类型"
        return errors
    unknown = [k for k in kinds if k not in KIND_LABELS]
    if unknown:
        errors["kinds"] = "会议类型无效"
        return errors
    if org_is_group and any(k != GROUP_MEETING and k != PARTY_LECTURE for k in kinds):
        errors["kinds"] = "党小组只能记录党小组会（可同时为党课）"
    elif COMMITTEE_MEETING in kinds and not has_committee:
        errors["kinds"] = "该党支部未设支部委员会，不能记录支委会"
    elif GROUP_MEETING in kinds and not org_is_group and not has_groups:
        errors["kinds"] = "该党支部未划分党小组，不能记录党小组会"
    if PARTY_LECTURE in kinds:
        if not lecturer.strip():
            errors["lecturer"] = "党课应填写授课人"
        if not topic.strip():
            errors["lecture_topic"] = "党课应填写党课题目"
    return errors


def is_late(ended_on: dt.date, entered_on: dt.date, deadline_days: int) -> bool:
    """Entry later than `deadline_days` after the meeting day is late (allowed, but marked)."""
    return (entered_on - ended_on).days > deadline_days


def entry_deadline(ended_on: dt.date, deadline_days: int) -> dt.date:
    return ended_on + dt.timedelta(days=deadline_days)


def missing_actions(kinds: Sequence[str], done: Sequence[str], checklist: Sequence[str]) -> list[str]:
    """规定动作 of a 主题党日 not ticked. Other kinds have no checklist."""
    if PARTY_DAY not in kinds:
        return []
    done_set = set(done)
    return [a for a in checklist if a not in done_set]


def photos_short(kinds: Sequence[str], photo_count: int, required_by_kind: dict[str, int]) -> int:
    """How many more photos the committee's rules ask for (the largest requirement of the kinds)."""
    need = max((required_by_kind.get(k, 0) for k in kinds), default=0)
    return max(need - photo_count, 0)


def meeting_level(*, filed: bool, late: bool, missing_actions_count: int, photos_short_count: int) -> int:
    """2 = filed on time and complete (green); 1 = held but draft, late or incomplete (yellow)."""
    if filed and not late and missing_actions_count == 0 and photos_short_count == 0:
        return 2
    return 1


def completeness_findings(
    *, filed: bool, late: bool, missing: Sequence[str], photos_short_count: int, deadline: dt.date
) -> list[Finding]:
    out: list[Finding] = []
    if not filed:
        out.append(Finding("orglife.draft", Severity.WARNING, "记录尚未归档", CITE_ENTRY))
    if late:
        out.append(
            Finding("orglife.late", Severity.WARNING, f"逾期录入（应于 {deadline:%Y-%m-%d} 前录入）", CITE_ENTRY)
        )
    if missing:
        out.append(
            Finding("orglife.actions", Severity.WARNING, "未完成规定动作：" + "、".join(missing), CITE_PARTY_DAY)
        )
    if photos_short_count:
        out.append(
            Finding("orglife.photos", Severity.WARNING, f"照片数量不足，还需 {photos_short_count} 张", CITE_PHOTO)
        )
    return out


# ---------------------------------------------------------------- attendance, quorum and votes


@dataclass(frozen=True)
class ExpectedEntry:
    """How a roster member enters a meeting's attendance list."""

    status: str  # "" (to be marked), "exempt" or "excluded"
    reason: str
    voting: bool


def expected_entry(
    *, member_status: str, exempt: bool, exempt_reason: str, exclusion_kind: str, exclusion_label: str
) -> ExpectedEntry:
    """domain-rules §0: probationary members and those with suspended rights do not vote; approved
    exclusions leave the expected count; exempt members (书面申请、组织同意) need not attend."""
    voting = member_status == "full"
    if exclusion_kind == "rights_suspended":
        return ExpectedEntry("", exclusion_label, False)
    if exclusion_kind:
        return ExpectedEntry("excluded", exclusion_label, voting)
    if exempt:
        return ExpectedEntry("exempt", exempt_reason or "经批准免于参加集中活动", voting)
    return ExpectedEntry("", "", voting)


@dataclass(frozen=True)
class AttendanceCounts:
    expected: int  # 应到: everyone on the list except exempt and excluded
    present: int
    leave: int
    absent: int
    exempt: int
    excluded: int
    expected_voting: int  # 应到会有表决权的党员
    present_voting: int


def count_attendance(rows: Iterable[tuple[str, bool]]) -> AttendanceCounts:
    """`rows` are (status, voting) pairs of one meeting's attendance list."""
    c = {"present": 0, "leave": 0, "absent": 0, "exempt": 0, "excluded": 0, "": 0}
    ev = pv = 0
    for status, voting in rows:
        c[status] = c.get(status, 0) + 1
        if status in ("present", "leave", "absent", "") and voting:
            ev += 1
            if status == "present":
                pv += 1
    expected = c["present"] + c["leave"] + c["absent"] + c[""]
    return AttendanceCounts(expected, c["present"], c["leave"], c["absent"], c["exempt"], c["excluded"], ev, pv)


@dataclass(frozen=True)
class Check:
    ok: bool
    explanation: str
    citation: str


def quorum_check(expected_voting: int, present_voting: int) -> Check:
    """支部党员大会: more than half of the voting members expected must be present (第十一条)."""
    need = expected_voting // 2 + 1
    if expected_voting == 0:
        return Check(False, "没有应到会的有表决权党员，不能进行表决", CITE_QUORUM)
    ok = present_voting * 2 > expected_voting
    verdict = "达到" if ok else "未达到"
    return Check(
        ok,
        f"应到会有表决权党员 {expected_voting} 人，实到 {present_voting} 人；"
        f"须超过半数（至少 {need} 人），{verdict}法定人数",
        CITE_QUORUM,
    )


def vote_check(yes: int, no: int, abstain: int, expected_voting: int, present_voting: int) -> Check:
    """Passing needs yes votes above half of the *expected* voting members, not of those present."""
    need = expected_voting // 2 + 1
    if yes + no + abstain > present_voting:
        return Check(
            False,
            f"表决票数合计 {yes + no + abstain} 超过实到有表决权党员 {present_voting} 人，请核对",
            CITE_VOTE,
        )
    quorum = quorum_check(expected_voting, present_voting)
    if not quorum.ok:
        return Check(False, "到会人数不足，表决无效。" + quorum.explanation, CITE_QUORUM)
    ok = yes * 2 > expected_voting
    verdict = "通过" if ok else "未通过"
    return Check(
        ok,
        f"赞成 {yes}、反对 {no}、弃权 {abstain}；以应到会有表决权党员 {expected_voting} 人计，"
        f"赞成须超过半数（至少 {need} 票），{verdict}",
        CITE_VOTE,
    )


def sign_in_error(
    *, now: dt.datetime, started_at: dt.datetime, ended_at: dt.datetime, grace_minutes: int, on_list: bool, filed: bool
) -> str | None:
    """Why a member may not sign in now, or None."""
    if not on_list:
        return "您不在本次会议的应到名单中，不能签到（请联系支部联络员）"
    if filed:
        return "会议记录已归档，签到已结束"
    grace = dt.timedelta(minutes=grace_minutes)
    if now < started_at - grace:
        return f"签到尚未开始（会议开始前 {grace_minutes} 分钟开放签到）"
    if now > ended_at + grace:
        return "会议已结束，签到已关闭"
    return None


def absence_streaks(statuses_by_member: Mapping[int, Sequence[str]], threshold: int) -> dict[int, int]:
    """Members whose most recent `threshold`+ party days were all absences (无故缺席).

    `statuses_by_member` maps a member to their attendance statuses at the branch's party days,
    oldest first. Leave (请假) breaks neither way: it neither counts as absence nor resets the
    streak; exempt/excluded days are skipped the same way. Returns member -> current streak length.
    """
    out: dict[int, int] = {}
    for member, statuses in statuses_by_member.items():
        streak = 0
        for s in statuses:
            if s == "absent":
                streak += 1
            elif s == "present":
                streak = 0
        if streak >= threshold:
            out[member] = streak
    return out


def photo_time_check(
    taken_at: dt.datetime | None, started_at: dt.datetime, ended_at: dt.datetime, tolerance_minutes: int = 30
) -> str:
    """ "ok", "missing" (no EXIF capture time) or "outside" (not within the meeting ± tolerance)."""
    if taken_at is None:
        return "missing"
    tol = dt.timedelta(minutes=tolerance_minutes)
    if started_at - tol <= taken_at <= ended_at + tol:
        return "ok"
    return "outside"


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def is_action_overdue(deadline: dt.date, today: dt.date, is_open: bool) -> bool:
    return is_open and deadline < today


# ---------------------------------------------------------------- compliance engine


@dataclass(frozen=True)
class OrgRequirements:
    """What a branch must hold, from its structure and its committee's configuration."""

    has_committee: bool
    group_ids: tuple[int, ...] = ()
    lecture_every: int = 3  # months
    annual_month: int = 12


@dataclass
class HeldMeeting:
    """A meeting as the engine sees it: which obligations it touches and how well."""

    meeting_id: int
    org_id: int  # the branch, or a 党小组
    month: int
    kinds: tuple[str, ...]
    level: int  # 1 yellow, 2 green


@dataclass
class Requirement:
    kind: str
    label: str  # e.g. "主题党日（2026年3月）" or "党小组会（第一党小组，2026年3月）"
    due_month: int  # the month whose cell shows it
    state: str  # "ok", "incomplete", "missing", "pending"
    meeting_ids: list[int] = field(default_factory=list)
    finding: Finding | None = None

    @property
    def citation(self) -> str:
        return REQUIREMENT_CITES[self.kind]


@dataclass
class Cell:
    month: int
    colour: str  # "green", "yellow", "red", "none" (nothing due yet / future)
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [r.finding for r in self.requirements if r.finding is not None]


def _best(meetings: Iterable[HeldMeeting]) -> tuple[int, list[int]]:
    level = 0
    ids: list[int] = []
    for m in meetings:
        level = max(level, m.level)
        ids.append(m.meeting_id)
    return level, ids


def _requirement(kind: str, label: str, due_month: int, level: int, ids: list[int], overdue: bool) -> Requirement:
    cite = REQUIREMENT_CITES[kind]
    if level == 2:
        return Requirement(kind, label, due_month, "ok", ids)
    if level == 1:
        msg = f"{label}：已召开，但记录未归档、逾期录入或不完整"
        return Requirement(
            kind,
            label,
            due_month,
            "incomplete",
            ids,
            Finding(f"orglife.{kind}.incomplete", Severity.WARNING, msg, cite),
        )
    if overdue:
        msg = f"{label}：未召开（无记录）"
        return Requirement(
            kind, label, due_month, "missing", ids, Finding(f"orglife.{kind}.missing", Severity.ERROR, msg, cite)
        )
    return Requirement(kind, label, due_month, "pending", ids)


def colour_of(states: Iterable[str]) -> str:
    states = list(states)
    if "missing" in states:
        return "red"
    if "incomplete" in states:
        return "yellow"
    if "ok" in states:
        return "green"
    return "none"


def evaluate_branch(
    req: OrgRequirements,
    meetings: Sequence[HeldMeeting],
    months: Sequence[int],
    today: dt.date,
    *,
    branch_id: int,
    group_names: dict[int, str] | None = None,
) -> list[Cell]:
    """The compliance of one branch for `months`: one cell per month with every requirement due then.

    A requirement of a period (quarter, year) is shown in the period's last month (the annual ones in
    `annual_month`), satisfied by a meeting anywhere in the period. It is "missing" only once the
    period is over; before that it is "pending". A 党小组会 is satisfied for a group by the group's
    own meeting or by a branch meeting tagged 党小组会 (the monthly group meeting merged into the
    主题党日, seed 001).
    """
    group_names = group_names or {}
    current = month_key(today)
    by_kind: dict[str, list[HeldMeeting]] = {}
    for m in meetings:
        for k in m.kinds:
            by_kind.setdefault(k, []).append(m)

    def in_months(kind: str, ms: set[int], org_id: int | None = None) -> list[HeldMeeting]:
        return [
            m for m in by_kind.get(kind, []) if m.month in ms and (org_id is None or m.org_id in (org_id, branch_id))
        ]

    cells: list[Cell] = []
    for month in months:
        overdue = month < current
        reqs: list[Requirement] = []
        if month > current:
            cells.append(Cell(month, "none"))
            continue
        ym = f"{month // 100}年{month % 100}月"
        level, ids = _best(in_months(PARTY_DAY, {month}, branch_id))
        reqs.append(_requirement(PARTY_DAY, f"主题党日（{ym}）", month, level, ids, overdue))
        if req.has_committee:
            level, ids = _best(in_months(COMMITTEE_MEETING, {month}, branch_id))
            reqs.append(_requirement(COMMITTEE_MEETING, f"支部委员会（{ym}）", month, level, ids, overdue))
        for gid in req.group_ids:
            level, ids = _best(in_months(GROUP_MEETING, {month}, gid))
            name = group_names.get(gid, "党小组")
            reqs.append(_requirement(GROUP_MEETING, f"党小组会（{name}，{ym}）", month, level, ids, overdue))
        for kind, every in ((GENERAL_MEETING, 3), (PARTY_LECTURE, req.lecture_every)):
            period = period_of(month, every)
            if period_last_month(period, every) == month:
                span = {add_months(month, -i) for i in range(every)}
                level, ids = _best(in_months(kind, span, branch_id))
                label = f"{KIND_LABELS[kind]}（{period_label(period, every)}）"
                reqs.append(_requirement(kind, label, month, level, ids, overdue))
        if month % 100 == req.annual_month:
            span = {month // 100 * 100 + i for i in range(1, 13)}
            for kind in (ORG_LIFE_MEETING, MEMBER_REVIEW):
                level, ids = _best(in_months(kind, span, branch_id))
                label = f"{KIND_LABELS[kind]}（{month // 100}年度）"
                reqs.append(_requirement(kind, label, month, level, ids, overdue))
        cells.append(Cell(month, colour_of(r.state for r in reqs), reqs))
    return cells


@dataclass
class RollupCount:
    """For one sub-tree, one requirement, one due month: how many branches are green / yellow / due."""

    kind: str
    required: int
    green: int
    yellow: int

    @property
    def missing(self) -> int:
        return max(self.required - self.green - self.yellow, 0)


# The committee matrix colours a sub-tree's month by the share of its branches fully compliant that
# month (every requirement due then met on time and complete), not by its worst branch.
SHARE_GREEN = 0.9
SHARE_YELLOW = 0.6


def share_colour(compliant: int, branches: int, overdue: bool) -> str:
    """green ≥ 90 %, yellow ≥ 60 %, red below; the running month is not red until it is over."""
    if branches <= 0:
        return "none"
    share = compliant / branches
    if share >= SHARE_GREEN:
        return "green"
    if not overdue:
        return "none"
    return "yellow" if share >= SHARE_YELLOW else "red"


def rollup_colour(counts: Sequence[RollupCount], overdue: bool) -> str:
    states: list[str] = []
    for c in counts:
        if c.required == 0:
            continue
        if c.missing and overdue:
            states.append("missing")
        elif c.yellow:
            states.append("incomplete")
        elif c.missing:
            states.append("pending")
        else:
            states.append("ok")
    return colour_of(states)
