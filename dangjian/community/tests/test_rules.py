from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.community import rules as R

D = dt.date


def test_quarter_bounds_and_parse() -> None:
    assert R.quarter_bounds(2026, 1) == (D(2026, 1, 1), D(2026, 3, 31))
    assert R.quarter_bounds(2026, 4) == (D(2026, 10, 1), D(2026, 12, 31))
    assert R.quarter_of(D(2026, 3, 31)) == 1 and R.quarter_of(D(2026, 4, 1)) == 2
    assert R.parse_quarter("2026-3", D(2020, 1, 1)) == (2026, 3)
    assert R.parse_quarter("2026Q2", D(2020, 1, 1)) == (2026, 2)
    assert R.parse_quarter("2026-5", D(2020, 8, 1)) == (2020, 3)
    with pytest.raises(ValueError):
        R.quarter_bounds(2026, 0)


@pytest.mark.parametrize(
    ("reported", "midquarter", "owes"),
    [
        (None, True, False),
        (D(2026, 6, 30), True, True),  # reported before the quarter: owes it
        (D(2026, 7, 1), False, True),  # on the quarter's first day: owes it whatever the setting
        (D(2026, 7, 2), True, True),  # mid-quarter, setting on: owes from this quarter
        (D(2026, 7, 2), False, False),  # mid-quarter, setting off: owes from the next one
        (D(2026, 9, 30), True, True),  # last day of the quarter
        (D(2026, 10, 1), True, False),  # after the quarter
    ],
)
def test_owes_quarter_at_its_boundaries(reported: dt.date | None, midquarter: bool, owes: bool) -> None:
    assert R.owes_quarter(reported, 2026, 3, midquarter_owes=midquarter) is owes


def test_standing() -> None:
    ob = R.Obligations()
    kw: dict[str, Any] = {"year": 2026, "quarter": 3, "ob": ob}
    unreported = R.standing(reported_on=None, activities=0, deeds_year=0, today=D(2026, 8, 1), **kw)
    assert not unreported.reported and unreported.label == "未报到"
    behind = R.standing(reported_on=D(2026, 1, 5), activities=0, deeds_year=1, today=D(2026, 8, 1), **kw)
    assert behind.behind and behind.findings[0].severity == "warning"
    late = R.standing(reported_on=D(2026, 1, 5), activities=0, deeds_year=1, today=D(2026, 10, 1), **kw)
    assert late.findings[0].severity == "error"
    ok = R.standing(reported_on=D(2026, 1, 5), activities=1, deeds_year=1, today=D(2026, 8, 1), **kw)
    assert not ok.findings and ok.label == "已履行"
    no_deed = R.standing(reported_on=D(2026, 1, 5), activities=1, deeds_year=0, today=D(2026, 8, 1), **kw)
    assert [f.code for f in no_deed.findings] == ["no_deed"] and no_deed.findings[0].severity == "advisory"
    off = R.Obligations(midquarter_owes=False)
    mid = R.standing(
        reported_on=D(2026, 8, 1), activities=0, deeds_year=1, today=D(2026, 8, 2), year=2026, quarter=3, ob=off
    )
    assert not mid.owes and not mid.behind
    assert all(f.citation for f in late.findings)


def test_claim_expiry() -> None:
    assert R.claim_expires_on(D(2026, 1, 1), None, 60) == D(2026, 3, 2)
    assert R.claim_expires_on(D(2026, 1, 1), D(2026, 2, 1), 10) == D(2026, 2, 11)
    assert R.claim_expires_on(D(2026, 3, 1), D(2026, 2, 1), 10) == D(2026, 3, 11)


def test_three_ones_findings() -> None:
    full: dict[str, Any] = {
        "pledge": "承诺",
        "project": "项目",
        "goals": "目标",
        "has_contact": True,
        "published": True,
        "year": 2026,
    }
    assert R.three_ones_findings(**full, visits=4, target=4, today=D(2026, 12, 31)) == []
    few = R.three_ones_findings(**full, visits=3, target=4, today=D(2026, 6, 1))
    assert [(f.code, f.severity) for f in few] == [("few_visits", "advisory")]
    after = R.three_ones_findings(**full, visits=3, target=4, today=D(2027, 1, 1))
    assert after[0].severity == "error"
    empty = R.three_ones_findings(
        pledge="", project="x", goals="", has_contact=False, published=False, visits=0, target=4, year=2026,
        today=D(2026, 6, 1),
    )  # fmt: skip
    assert {f.code for f in empty} == {"no_pledge", "no_project", "no_contact", "not_published", "few_visits"}
