"""Rules at their boundaries (pure functions, no database)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dangjian.orglife import rules

TZ = ZoneInfo("Asia/Shanghai")


def t(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=TZ)


# ------------------------------------------------------------- quorum and votes (domain-rules §1.5)


@pytest.mark.parametrize(
    ("expected", "present", "ok"),
    [(10, 5, False), (10, 6, True), (9, 4, False), (9, 5, True), (1, 1, True), (1, 0, False), (0, 0, False)],
)
def test_quorum_needs_more_than_half_of_expected_voting(expected: int, present: int, ok: bool) -> None:
    check = rules.quorum_check(expected, present)
    assert check.ok is ok
    assert "第十一条" in check.citation
    if expected:
        assert f"应到会有表决权党员 {expected} 人" in check.explanation


@pytest.mark.parametrize(
    ("yes", "expected", "present", "ok"),
    [
        (5, 10, 8, False),  # half of expected is not "more than half"
        (6, 10, 8, True),
        (5, 9, 8, True),
        (4, 9, 8, False),
        (6, 10, 10, True),
    ],
)
def test_vote_threshold_counts_against_expected_not_present(yes: int, expected: int, present: int, ok: bool) -> None:
    check = rules.vote_check(yes, 0, present - yes, expected, present)
    assert check.ok is ok
    assert f"应到会有表决权党员 {expected} 人" in check.explanation


def test_vote_with_majority_of_present_but_not_of_expected_fails() -> None:
    # 6 present of 10 expected (quorum met); 4 yes is a majority of those present but not of 10.
    check = rules.vote_check(4, 1, 1, 10, 6)
    assert not check.ok
    assert "至少 6 票" in check.explanation


def test_vote_without_quorum_is_invalid() -> None:
    check = rules.vote_check(5, 0, 0, 10, 5)
    assert not check.ok
    assert "到会人数不足" in check.explanation


def test_vote_with_more_ballots_than_present_is_refused() -> None:
    assert not rules.vote_check(7, 0, 0, 10, 6).ok


def test_count_attendance_excludes_exempt_and_excluded_and_non_voting() -> None:
    rows = [
        ("present", True),
        ("present", False),
        ("leave", True),
        ("absent", True),
        ("exempt", True),
        ("excluded", True),
    ]
    c = rules.count_attendance(rows)
    assert (c.expected, c.present, c.leave, c.absent, c.exempt, c.excluded) == (4, 2, 1, 1, 1, 1)
    assert (c.expected_voting, c.present_voting) == (3, 1)


def test_expected_entry_per_domain_rules_section_0() -> None:
    probationary = rules.expected_entry(
        member_status="probationary", exempt=False, exempt_reason="", exclusion_kind="", exclusion_label=""
    )
    assert probationary.status == "" and probationary.voting is False
    exempt = rules.expected_entry(
        member_status="full", exempt=True, exempt_reason="年老体弱", exclusion_kind="", exclusion_label=""
    )
    assert exempt.status == "exempt" and exempt.reason == "年老体弱"
    excluded = rules.expected_entry(
        member_status="full", exempt=True, exempt_reason="", exclusion_kind="abroad", exclusion_label="自费出国半年以上"
    )
    assert excluded.status == "excluded" and "出国" in excluded.reason
    suspended = rules.expected_entry(
        member_status="full",
        exempt=False,
        exempt_reason="",
        exclusion_kind="rights_suspended",
        exclusion_label="留党察看",
    )
    assert suspended.status == "" and suspended.voting is False


# ------------------------------------------------------------- record validation


def test_end_before_start_is_refused() -> None:
    errors = rules.meeting_time_errors(t(5, 15), t(5, 14), t(10, 9), held=False)
    assert errors["ended_at"] == "结束时间应晚于开始时间"
    assert rules.meeting_time_errors(t(5, 14), t(5, 14), t(10, 9), held=False)["ended_at"]


def test_future_meeting_cannot_be_marked_held_but_may_be_planned() -> None:
    now = t(5, 9)
    assert rules.meeting_time_errors(t(6, 14), t(6, 16), now, held=False) == {}
    assert "尚未召开" in rules.meeting_time_errors(t(6, 14), t(6, 16), now, held=True)["started_at"]
    # started but not ended yet: cannot be filed either
    assert "尚未结束" in rules.meeting_time_errors(t(5, 8), t(5, 10), now, held=True)["ended_at"]
    assert rules.meeting_time_errors(t(5, 7), t(5, 9), now, held=True) == {}


@pytest.mark.parametrize(("days_after", "late"), [(0, False), (3, False), (4, True)])
def test_entry_deadline_boundary(days_after: int, late: bool) -> None:
    ended = dt.date(2026, 3, 2)
    assert rules.is_late(ended, ended + dt.timedelta(days=days_after), 3) is late


def test_kind_errors() -> None:
    base: dict[str, Any] = {
        "org_is_group": False,
        "has_committee": True,
        "has_groups": True,
        "lecturer": "",
        "topic": "",
    }
    assert rules.kind_errors([], **base)["kinds"]
    assert rules.kind_errors(["party_day", "group_meeting"], **base) == {}
    assert "未设支部委员会" in rules.kind_errors(["committee_meeting"], **{**base, "has_committee": False})["kinds"]
    assert "未划分党小组" in rules.kind_errors(["group_meeting"], **{**base, "has_groups": False})["kinds"]
    lecture = rules.kind_errors(["party_lecture"], **base)
    assert lecture["lecturer"] and lecture["lecture_topic"]
    assert rules.kind_errors(["party_day"], **{**base, "org_is_group": True})["kinds"]


def test_level_and_completeness() -> None:
    assert rules.meeting_level(filed=True, late=False, missing_actions_count=0, photos_short_count=0) == 2
    assert rules.meeting_level(filed=False, late=False, missing_actions_count=0, photos_short_count=0) == 1
    assert rules.meeting_level(filed=True, late=True, missing_actions_count=0, photos_short_count=0) == 1
    assert rules.meeting_level(filed=True, late=False, missing_actions_count=1, photos_short_count=0) == 1
    assert rules.meeting_level(filed=True, late=False, missing_actions_count=0, photos_short_count=1) == 1
    checklist = rules.parse_checklist("佩戴党徽、交纳党费，诵读党章,佩戴党徽")
    assert checklist == ["佩戴党徽", "交纳党费", "诵读党章"]
    assert rules.missing_actions(["party_day"], ["佩戴党徽"], checklist) == ["交纳党费", "诵读党章"]
    assert rules.missing_actions(["committee_meeting"], [], checklist) == []
    assert rules.photos_short(["party_day", "group_meeting"], 1, {"party_day": 2, "group_meeting": 3}) == 2
    assert rules.photos_short(["party_day"], 5, {"party_day": 2}) == 0


def test_sign_in_window() -> None:
    start, end = t(5, 14), t(5, 16)
    kw: dict[str, Any] = {"started_at": start, "ended_at": end, "grace_minutes": 30, "on_list": True, "filed": False}
    assert rules.sign_in_error(now=t(5, 13, 30), **kw) is None
    assert "尚未开始" in (rules.sign_in_error(now=t(5, 13, 29), **kw) or "")
    assert rules.sign_in_error(now=t(5, 16, 30), **kw) is None
    assert "已结束" in (rules.sign_in_error(now=t(5, 16, 31), **kw) or "")
    assert "不在本次会议" in (rules.sign_in_error(now=t(5, 15), **{**kw, "on_list": False}) or "")
    assert "已归档" in (rules.sign_in_error(now=t(5, 15), **{**kw, "filed": True}) or "")


def test_photo_time_check_boundaries() -> None:
    start, end = t(5, 14), t(5, 16)
    assert rules.photo_time_check(None, start, end) == "missing"
    assert rules.photo_time_check(t(5, 13, 30), start, end) == "ok"
    assert rules.photo_time_check(t(5, 13, 29), start, end) == "outside"
    assert rules.photo_time_check(t(5, 16, 30), start, end) == "ok"
    assert rules.photo_time_check(t(5, 16, 31), start, end) == "outside"


def test_hamming() -> None:
    assert rules.hamming(0, 0) == 0
    assert rules.hamming(0b1011, 0b0001) == 2
    assert rules.hamming(2**64 - 1, 0) == 64


def test_absence_streaks() -> None:
    statuses = {
        1: ["absent", "absent", "absent"],
        2: ["absent", "absent", "present"],
        3: ["absent", "leave", "absent", "absent"],  # leave neither counts nor resets
        4: ["absent", "absent"],
        5: ["present", "absent", "absent", "absent", "absent"],
    }
    assert rules.absence_streaks(statuses, 3) == {1: 3, 3: 3, 5: 4}


def test_action_overdue() -> None:
    today = dt.date(2026, 3, 10)
    assert rules.is_action_overdue(dt.date(2026, 3, 9), today, True)
    assert not rules.is_action_overdue(dt.date(2026, 3, 10), today, True)
    assert not rules.is_action_overdue(dt.date(2026, 3, 9), today, False)


# ------------------------------------------------------------- months and periods


def test_month_helpers() -> None:
    assert rules.add_months(202612, 1) == 202701
    assert rules.add_months(202601, -1) == 202512
    assert rules.month_range(202611, 3) == [202611, 202612, 202701]
    assert rules.period_of(202603, 3) == 202600 and rules.period_of(202604, 3) == 202601
    assert rules.period_last_month(202601, 3) == 202606
    assert rules.period_last_month(202600, 12) == 202612
    assert rules.month_end(202602) == dt.date(2026, 2, 28)


# ------------------------------------------------------------- compliance engine


def held(mid: int, month: int, *kinds: str, level: int = 2, org_id: int = 1) -> rules.HeldMeeting:
    return rules.HeldMeeting(mid, org_id, month, kinds, level)


REQ = rules.OrgRequirements(has_committee=True, group_ids=(), lecture_every=3, annual_month=12)
TODAY = dt.date(2027, 1, 15)


def cells(meetings: list[rules.HeldMeeting], months: list[int], req: rules.OrgRequirements = REQ) -> list[rules.Cell]:
    return rules.evaluate_branch(req, meetings, months, TODAY, branch_id=1, group_names={7: "第一党小组"})


def test_monthly_requirements_green_yellow_red() -> None:
    ms = [held(1, 202601, "party_day", "committee_meeting"), held(2, 202602, "party_day", "committee_meeting", level=1)]
    c = cells(ms, [202601, 202602, 202604])
    assert [x.colour for x in c] == ["green", "yellow", "red"]
    missing = c[2].findings
    assert {f.code for f in missing} == {"orglife.party_day.missing", "orglife.committee_meeting.missing"}
    assert all("第" in f.citation for f in missing)


def test_committee_meeting_only_required_with_a_committee() -> None:
    no_committee = rules.OrgRequirements(has_committee=False)
    c = cells([held(1, 202601, "party_day")], [202601], no_committee)
    assert c[0].colour == "green"
    assert cells([held(1, 202601, "party_day")], [202601])[0].colour == "red"


def test_quarterly_general_meeting_is_due_in_the_quarters_last_month() -> None:
    monthly = [held(10 + i, m, "party_day", "committee_meeting") for i, m in enumerate([202601, 202602, 202603])]
    # No general meeting or lecture in Q1: January and February are green, March (due month) is red.
    c = cells(monthly, [202601, 202602, 202603])
    assert [x.colour for x in c] == ["green", "green", "red"]
    assert {f.code for f in c[2].findings} == {"orglife.general_meeting.missing", "orglife.party_lecture.missing"}
    # One held in February satisfies the quarter.
    c = cells([*monthly, held(99, 202602, "general_meeting", "party_lecture")], [202603])
    assert c[0].colour == "green"
    # Held in the previous quarter does not count.
    c = cells([*monthly, held(99, 202512, "general_meeting", "party_lecture")], [202603])
    assert c[0].colour == "red"


def test_lecture_frequency_is_configurable() -> None:
    yearly = rules.OrgRequirements(has_committee=False, lecture_every=12)
    pd = [held(i, m, "party_day") for i, m in enumerate(rules.month_range(202601, 12))]
    gm = [held(100 + i, m, "general_meeting") for i, m in enumerate([202603, 202606, 202609, 202612])]
    c = cells([*pd, *gm, held(200, 202605, "party_lecture")], [202603, 202612], yearly)
    assert next(x.colour for x in c) == "green"  # no quarterly lecture due
    codes = {f.code for f in c[1].findings}
    assert "orglife.party_lecture.missing" not in codes  # the May lecture satisfies the year
    monthly = rules.OrgRequirements(has_committee=False, lecture_every=1)
    assert cells([held(1, 202601, "party_day")], [202601], monthly)[0].colour == "red"


def test_annual_meetings_due_in_configured_month() -> None:
    pd = [held(i, m, "party_day", "committee_meeting") for i, m in enumerate(rules.month_range(202601, 12))]
    quarterly = [
        held(50 + i, m, "general_meeting", "party_lecture") for i, m in enumerate([202603, 202606, 202609, 202612])
    ]
    c = cells([*pd, *quarterly], [202611, 202612])
    assert c[0].colour == "green"
    assert {f.code for f in c[1].findings} == {"orglife.org_life_meeting.missing", "orglife.member_review.missing"}
    c = cells([*pd, *quarterly, held(90, 202612, "org_life_meeting", "member_review", "party_day")], [202612])
    assert c[0].colour == "green"


def test_current_month_is_pending_not_missing_and_future_is_none() -> None:
    c = cells([], [202701, 202702])
    assert c[0].colour == "none" and c[0].requirements[0].state == "pending"
    assert c[1].colour == "none" and not c[1].requirements


def test_late_entry_is_yellow_not_red() -> None:
    c = cells([held(1, 202601, "party_day", "committee_meeting", level=1)], [202601])
    assert c[0].colour == "yellow"
    assert c[0].findings[0].severity == "warning"


def test_group_meeting_per_group_satisfied_by_branch_party_day_or_own_meeting() -> None:
    req = rules.OrgRequirements(has_committee=False, group_ids=(7, 8))
    merged = [held(1, 202601, "party_day", "group_meeting")]  # party day merged with the group meetings
    assert cells(merged, [202601], req)[0].colour == "green"
    own = [held(1, 202601, "party_day"), held(2, 202601, "group_meeting", org_id=7)]
    c = cells(own, [202601], req)
    assert c[0].colour == "red"
    assert [r.label for r in c[0].requirements if r.state == "missing"] == ["党小组会（党小组，2026年1月）"]


def test_rollup_colour() -> None:
    ok = rules.RollupCount("party_day", 3, 3, 0)
    some_yellow = rules.RollupCount("party_day", 3, 2, 1)
    one_missing = rules.RollupCount("party_day", 3, 2, 0)
    assert rules.rollup_colour([ok], True) == "green"
    assert rules.rollup_colour([ok, some_yellow], True) == "yellow"
    assert rules.rollup_colour([some_yellow, one_missing], True) == "red"
    assert rules.rollup_colour([one_missing], False) == "none"
    assert rules.rollup_colour([rules.RollupCount("committee_meeting", 0, 0, 0)], True) == "none"
    assert one_missing.missing == 1


def test_share_colour_thresholds() -> None:
    assert rules.share_colour(14, 14, True) == "green"
    assert rules.share_colour(9, 10, True) == "green"  # 90 %
    assert rules.share_colour(12, 14, True) == "yellow"  # 86 %
    assert rules.share_colour(6, 10, True) == "yellow"  # 60 %
    assert rules.share_colour(5, 10, True) == "red"
    assert rules.share_colour(5, 10, False) == "none"  # the running month is not red yet
    assert rules.share_colour(0, 0, True) == "none"
