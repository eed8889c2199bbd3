"""Coverage rules (第十九条) and the 优秀 cap at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.appraisal.rules import (
    Grade,
    Handling,
    MemberRule,
    PeerRule,
    attribution_year,
    coverage_gaps,
    excellent_cap,
    excellent_findings,
    grade_findings,
    pairs_of,
    talk_date_findings,
)


def p(a: int, b: int) -> frozenset[int]:
    return frozenset((a, b))


def gaps(**kw: object) -> list[tuple[str, int, int | None]]:
    base: dict[str, object] = {"members": [1, 2, 3, 4, 5], "committee": [1, 2, 3], "secretary": 1, "exempt": []}
    base.update(kw)
    base.setdefault("pairs", set())
    base.setdefault("peer_pairs", base["pairs"])
    return [(g.kind, g.a, g.b) for g in coverage_gaps(**base)]  # type: ignore[arg-type]


def test_pairs_of_one_to_one_and_group() -> None:
    assert pairs_of(1, [2], group_counts=False) == {p(1, 2)}
    assert pairs_of(1, [2, 3], group_counts=False) == set()
    assert pairs_of(1, [2, 3], group_counts=True) == {p(1, 2), p(1, 3)}
    assert pairs_of(1, [1, 2], group_counts=False) == {p(1, 2)}  # the talker is not their own counterpart


def test_committee_pairs_all_unordered_pairs() -> None:
    out = gaps(member_rule=MemberRule.ANY_COMMITTEE, peer_rule=PeerRule.OFF, members=[1, 2, 3])
    assert out == [("committee", 1, 2), ("committee", 1, 3), ("committee", 2, 3)]  # k=3 → 3 pairs
    out = gaps(pairs={p(1, 2), p(3, 1)}, peer_rule=PeerRule.OFF, members=[1, 2, 3])
    assert out == [("committee", 2, 3)]
    assert gaps(pairs={p(1, 2), p(1, 3), p(2, 3)}, peer_rule=PeerRule.OFF, members=[1, 2, 3]) == []
    assert gaps(committee_pairs_rule=False, peer_rule=PeerRule.OFF, members=[1, 2, 3]) == []


def test_single_committee_member_has_no_pairs() -> None:
    assert gaps(committee=[1], members=[1], peer_rule=PeerRule.OFF) == []


def test_member_with_any_committee_member() -> None:
    done = {p(1, 2), p(1, 3), p(2, 3)}
    out = gaps(pairs=done, peer_rule=PeerRule.OFF)
    assert out == [("member", 1, 4), ("member", 1, 5)]
    out = gaps(pairs=done | {p(4, 3)}, peer_rule=PeerRule.OFF)  # any committee member will do
    assert out == [("member", 1, 5)]


def test_secretary_with_every_member() -> None:
    done = {p(1, 2), p(1, 3), p(2, 3), p(4, 3), p(5, 1)}
    out = gaps(pairs=done, peer_rule=PeerRule.OFF, member_rule=MemberRule.SECRETARY)
    assert out == [("member", 1, 4)]  # 4 talked with a committee member, not with the secretary


def test_no_committee_means_no_committee_rules() -> None:
    assert gaps(committee=[], secretary=None, peer_rule=PeerRule.OFF) == []


def test_peer_rule_one_other_member_exempt_excluded() -> None:
    done = {p(1, 2), p(1, 3), p(2, 3), p(1, 4), p(1, 5)}
    assert gaps(pairs=done) == [("peer", 4, None), ("peer", 5, None)]
    assert gaps(pairs=done, peer_pairs={p(4, 5)}) == []  # 4 and 5 talked with each other
    assert gaps(pairs=done, exempt=[5]) == [("peer", 4, None)]
    # A talk with a committee member is not a peer talk.
    assert gaps(pairs=done, peer_pairs={p(4, 2), p(5, 3)}) == [("peer", 4, None), ("peer", 5, None)]


def test_talk_dated_today_ok_tomorrow_refused() -> None:
    today = dt.date(2026, 11, 30)
    assert talk_date_findings(today, today) == []
    assert talk_date_findings(today + dt.timedelta(days=1), today)[0].code == "talk_future"


@pytest.mark.parametrize(("graded", "cap"), [(0, 0), (1, 0), (2, 0), (3, 1), (5, 1), (6, 2), (9, 3), (10, 3)])
def test_excellent_cap_is_floor_of_one_third(graded: int, cap: int) -> None:
    assert excellent_cap(graded, 3) == cap


def test_excellent_findings_boundary() -> None:
    assert excellent_findings(3, 9, 3) == []
    f = excellent_findings(4, 9, 3)[0]
    assert "4" in f.message_zh and "3" in f.message_zh and "9" in f.message_zh and f.citation
    assert excellent_findings(3, 9, 4)  # a stricter committee: ⌊9/4⌋ = 2


def test_grade_findings_handling() -> None:
    assert grade_findings(Grade.QUALIFIED, "", None) == []
    assert grade_findings(Grade.UNQUALIFIED, "", None)[0].code == "handling_missing"
    assert grade_findings(Grade.UNQUALIFIED, Handling.CORRECT, None)[0].code == "deadline_missing"
    assert grade_findings(Grade.UNQUALIFIED, Handling.CORRECT, dt.date(2027, 6, 30)) == []
    assert grade_findings(Grade.UNQUALIFIED, Handling.REMOVE, None) == []
    assert grade_findings(Grade.EXCELLENT, Handling.REMOVE, None)[0].code == "handling_unexpected"


def test_attribution_year_cutoff() -> None:
    assert attribution_year(dt.date(2027, 3, 31), 3, 31) == 2026
    assert attribution_year(dt.date(2027, 4, 1), 3, 31) == 2027
    assert attribution_year(dt.date(2026, 12, 20), 3, 31) == 2026
