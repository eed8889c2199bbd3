"""Structure rules at their boundaries (domain-rules §1.1–§1.4)."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.core.findings import Severity
from dangjian.orgs.rules import (
    DEFAULT_THRESHOLDS,
    FINDING_LABELS,
    OrgFacts,
    StructureThresholds,
    add_months,
    check_structure,
    check_term,
    default_term_years,
    term_end,
)

TODAY = dt.date(2026, 6, 15)


def codes(facts: OrgFacts, today: dt.date = TODAY, t: StructureThresholds = DEFAULT_THRESHOLDS) -> set[str]:
    return {f.code for f in check_structure(facts, today, t)}


def branch(full: int, total: int | None = None, **kw: object) -> OrgFacts:
    total = full if total is None else total
    return OrgFacts(kind="branch", full_members=full, total_members=total, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("full", "flagged"), [(0, True), (2, True), (3, False), (4, False)])
def test_branch_minimum_is_three_full_members(full: int, flagged: bool) -> None:
    assert ("branch_below_min" in codes(branch(full))) is flagged


def test_probationary_members_do_not_count_towards_the_minimum() -> None:
    # 2 full + 5 probationary: still below the 3-full-member floor.
    assert "branch_below_min" in codes(branch(2, total=7))


@pytest.mark.parametrize(("total", "flagged"), [(50, False), (51, True)])
def test_branch_above_fifty_members(total: int, flagged: bool) -> None:
    assert ("branch_above_max" in codes(branch(6, total=total, group_sizes=[10] * 6))) is flagged


@pytest.mark.parametrize(
    ("full", "has_committee", "expected"),
    [
        (6, False, set()),
        (6, True, {"committee_too_small"}),
        (7, False, {"committee_missing"}),
        (7, True, set()),
    ],
)
def test_committee_threshold_is_seven_full_members(full: int, has_committee: bool, expected: set[str]) -> None:
    found = codes(branch(full, has_committee=has_committee)) & {"committee_missing", "committee_too_small"}
    assert found == expected


def test_committee_counts_full_members_only() -> None:
    # 6 full + 10 probationary: no committee required.
    assert "committee_missing" not in codes(branch(6, total=16))


@pytest.mark.parametrize(("total", "groups", "flagged"), [(19, [], False), (20, [], True), (20, [10, 10], False)])
def test_groups_from_twenty_members(total: int, groups: list[int], flagged: bool) -> None:
    assert ("groups_missing" in codes(branch(8, total=total, has_committee=True, group_sizes=groups))) is flagged


def test_an_empty_group_still_counts_as_divided() -> None:
    assert "groups_missing" not in codes(branch(8, total=25, has_committee=True, group_sizes=[0, 12, 13]))


@pytest.mark.parametrize(("sizes", "flagged"), [([10, 10], False), ([10, 11], True)])
def test_group_size_above_ten(sizes: list[int], flagged: bool) -> None:
    found = check_structure(branch(8, total=21, has_committee=True, group_sizes=sizes), TODAY)
    hits = [f for f in found if f.code == "group_too_large"]
    assert bool(hits) is flagged
    if hits:
        assert hits[0].severity == Severity.ADVISORY
        assert "1 个党小组" in hits[0].message_zh and "11" in hits[0].message_zh


@pytest.mark.parametrize(
    ("kind", "total", "expected"),
    [
        ("branch", 49, set()),
        ("branch", 50, {"suggest_general_branch"}),
        ("branch", 99, {"suggest_general_branch"}),
        ("branch", 100, {"suggest_committee_org"}),
        ("general_branch", 99, set()),
        ("general_branch", 100, {"suggest_committee_org"}),
        ("committee", 500, set()),
    ],
)
def test_general_branch_and_committee_suggestions(kind: str, total: int, expected: set[str]) -> None:
    facts = OrgFacts(kind=kind, full_members=total, total_members=total, has_committee=True, group_sizes=[10] * 10)
    assert codes(facts) & {"suggest_general_branch", "suggest_committee_org"} == expected


def test_groups_and_committee_are_not_checked_for_committees_or_groups() -> None:
    assert codes(OrgFacts(kind="committee", full_members=1, total_members=30)) == set()
    assert codes(OrgFacts(kind="group", full_members=1, total_members=30)) == set()


def test_every_finding_has_a_citation_and_a_label() -> None:
    facts = branch(2, total=120, has_committee=True, group_sizes=[30], term_started_on=dt.date(2020, 1, 1))
    found = check_structure(facts, TODAY)
    assert {f.code for f in found} == {
        "branch_below_min",
        "branch_above_max",
        "committee_too_small",
        "group_too_large",
        "suggest_committee_org",
        "term_expired",
    }
    for f in found:
        assert "《" in f.citation or "domain-rules" in f.citation
        assert f.code in FINDING_LABELS


def test_configured_thresholds_replace_the_advisory_defaults() -> None:
    t = StructureThresholds(groups_required_from=15, group_max_members=8)
    assert "groups_missing" in codes(branch(8, total=15, has_committee=True), t=t)
    assert "group_too_large" in codes(branch(8, total=16, has_committee=True, group_sizes=[9, 7]), t=t)


# --- terms -----------------------------------------------------------------------------------


def test_default_term_years() -> None:
    assert default_term_years("branch", "agency") == 3
    assert default_term_years("general_branch", "soe") == 3
    assert default_term_years("branch", "village") == 5
    assert default_term_years("branch", "community") == 5
    assert default_term_years("committee", "university") == 5


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2025, 1, 31), 3) == dt.date(2025, 4, 30)
    assert term_end(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 28)


def test_term_expired_on_the_end_date() -> None:
    start = dt.date(2023, 6, 15)  # 3 years → ends 2026-06-15 == TODAY
    found = check_term(start, 3, TODAY)
    assert [f.code for f in found] == ["term_expired"]
    assert found[0].severity == Severity.ERROR
    assert found[0].data["ends_on"] == dt.date(2026, 6, 15)


def test_term_ending_tomorrow_is_expiring_not_expired() -> None:
    assert [f.code for f in check_term(dt.date(2023, 6, 16), 3, TODAY)] == ["term_expiring"]


def test_term_warning_window_is_exactly_six_months() -> None:
    # ends 2026-12-15 = TODAY + 6 months → warned; one day later → not yet.
    assert [f.code for f in check_term(dt.date(2023, 12, 15), 3, TODAY)] == ["term_expiring"]
    assert check_term(dt.date(2023, 12, 16), 3, TODAY) == []


def test_term_warning_months_is_configurable_and_named_in_the_message() -> None:
    found = check_term(dt.date(2024, 3, 15), 3, TODAY, warning_months=9)
    assert [f.code for f in found] == ["term_expiring"]
    assert "9个月" in found[0].message_zh
    assert check_term(dt.date(2024, 3, 16), 3, TODAY, warning_months=9) == []


def test_no_term_recorded_gives_no_term_finding() -> None:
    assert check_term(None, 3, TODAY) == []


def test_five_year_term() -> None:
    assert check_term(dt.date(2021, 6, 15), 5, TODAY)[0].code == "term_expired"
    assert check_term(dt.date(2022, 6, 15), 5, TODAY) == []
