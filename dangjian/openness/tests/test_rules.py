"""Rules at their boundaries: periods and deadlines, the gate's order, what may go public, the
stage order and quorum of 民主议事, and the two disclosures before closing."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.openness import rules as R

D = dt.date


@pytest.mark.parametrize(
    ("day", "freq", "start", "end"),
    [
        (D(2026, 2, 28), "month", D(2026, 2, 1), D(2026, 2, 28)),
        (D(2024, 2, 29), "month", D(2024, 2, 1), D(2024, 2, 29)),
        (D(2026, 12, 31), "month", D(2026, 12, 1), D(2026, 12, 31)),
        (D(2026, 3, 31), "quarter", D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), "quarter", D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 10, 1), "quarter", D(2026, 10, 1), D(2026, 12, 31)),
        (D(2026, 7, 9), "year", D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_period_of(day: dt.date, freq: str, start: dt.date, end: dt.date) -> None:
    assert R.period_of(day, freq) == (start, end)


def test_closed_periods_stop_at_the_catalogue_start_and_exclude_the_current_period() -> None:
    periods = R.closed_periods("month", D(2026, 9, 15), D(2026, 11, 30))
    assert periods == [(D(2026, 9, 1), D(2026, 9, 30)), (D(2026, 10, 1), D(2026, 10, 31))]
    assert R.closed_periods("month", D(2026, 11, 1), D(2026, 11, 30)) == []
    assert len(R.closed_periods("month", D(2000, 1, 1), D(2026, 11, 30), limit=3)) == 3
    assert R.closed_periods("year", D(2025, 6, 1), D(2026, 1, 1)) == [(D(2025, 1, 1), D(2025, 12, 31))]


def test_periodic_deadline_day_itself_is_on_time() -> None:
    due = R.periodic_due(D(2026, 10, 31), 10)
    assert due == D(2026, 11, 10)
    assert not R.is_overdue(due, D(2026, 11, 10), D(2026, 11, 30))
    assert R.is_overdue(due, D(2026, 11, 11), D(2026, 11, 30))
    assert not R.is_overdue(due, None, D(2026, 11, 10))
    assert R.is_overdue(due, None, D(2026, 11, 11))


def test_timely_deadline_counts_working_days() -> None:
    def weekdays(d: dt.date, n: int) -> dt.date:
        while n:
            d += dt.timedelta(days=1)
            n -= d.weekday() < 5
        return d

    # A resolution on Friday 2026-11-27: 5 working days later is Friday 2026-12-04.
    assert R.timely_due(D(2026, 11, 27), 5, weekdays) == D(2026, 12, 4)


def test_period_labels() -> None:
    assert R.period_label(D(2026, 10, 1), D(2026, 10, 31)) == "2026年10月"
    assert R.period_label(D(2026, 1, 1), D(2026, 12, 31)) == "2026年度"
    assert R.period_label(D(2026, 4, 1), D(2026, 6, 30)) == "2026年第2季度"
    assert R.period_label(None, None) == ""


def test_item_findings() -> None:
    assert not R.item_findings(timing="periodic", frequency="month", scope="org", secrecy="internal")
    codes = {f.code for f in R.item_findings(timing="periodic", frequency="", scope="public", secrecy="internal")}
    assert codes == {"frequency_missing", "internal_public"}
    assert not R.item_findings(timing="standing", frequency="", scope="public", secrecy="open")


def test_secrecy_findings_block_identity_data_and_personal_lines_in_public() -> None:
    clean = {"title": "党费", "summary": [["应缴人数", "5 人"]], "text": "", "people": [["张三", "10.00 元"]]}
    assert not R.secrecy_findings(clean, "org")
    assert [f.code for f in R.secrecy_findings(clean, "public")] == ["people_public"]
    assert [f.code for f in R.secrecy_findings({"text": "身份证 420300199001011234"}, "org")] == ["id_number"]
    assert [f.code for f in R.secrecy_findings({"text": "联系 13800000004"}, "org")] == ["phone"]
    # A 12-digit sum or a date is not a phone number.
    assert not R.secrecy_findings({"text": "合计 138000000045 分，2026-11-30"}, "org")
    assert "people" not in R.public_content(clean) and R.public_content(clean)["summary"]


@pytest.mark.parametrize(
    ("status", "step", "ok"),
    [
        ("proposed", "reviewed", True),
        ("proposed", "approved", False),
        ("proposed", "published", False),
        ("reviewed", "approved", True),
        ("reviewed", "published", False),
        ("approved", "published", True),
        ("published", "published", False),
        ("rejected", "reviewed", False),
    ],
)
def test_gate_order(status: str, step: str, ok: bool) -> None:
    assert (R.gate_error(status, step) is None) is ok


def test_publishing_without_review_says_so() -> None:
    assert R.gate_error("proposed", "published") == "须先完成保密审查和审批，才能公开"


def _stage(done: list[tuple[str, dt.date]], stage: str, **kw: int) -> list[str]:
    return [
        f.code
        for f in R.stage_findings(
            procedure="village",
            done=done,
            stage=stage,
            held_on=D(2026, 11, 20),
            today=D(2026, 11, 30),
            expected=kw.get("expected", 0),
            present=kw.get("present", 0),
        )
    ]


def test_village_stages_each_need_the_one_before() -> None:
    assert _stage([], "propose") == []
    assert _stage([], "general_meeting", expected=10, present=8) == ["stage_skipped"]
    assert _stage([("propose", D(2026, 11, 1))], "villagers", expected=10, present=8) == ["stage_skipped"]
    assert _stage([("propose", D(2026, 11, 1))], "two_committees", expected=7, present=7) == []
    assert _stage([("propose", D(2026, 11, 25))], "two_committees", expected=7, present=7) == ["before_previous"]
    done = [(s, D(2026, 11, 1)) for s in ("propose", "two_committees", "general_meeting", "villagers")]
    assert _stage(done, "villagers") == ["stages_done"]


def test_general_meeting_stage_uses_orglife_quorum_at_the_boundary() -> None:
    done = [("propose", D(2026, 11, 1)), ("two_committees", D(2026, 11, 2))]
    assert _stage(done, "general_meeting", expected=10, present=6) == []
    assert _stage(done, "general_meeting", expected=10, present=5) == ["quorum"]
    assert _stage(done, "general_meeting", expected=0, present=0) == ["quorum"]
    assert _stage(done, "general_meeting", expected=10, present=11) == ["present_above"]


def test_votes() -> None:
    # 党员大会: more than half of the voting members expected.
    ok = R.vote_findings(procedure="general", options=[("甲", 6, 1, 0)], chosen=0, expected=10, present=8)
    assert ok == []
    low = R.vote_findings(procedure="general", options=[("甲", 5, 1, 0)], chosen=0, expected=10, present=8)
    assert [f.code for f in low] == ["not_passed"]
    # 村民会议: more than half of those present.
    assert not R.vote_findings(procedure="village", options=[("甲", 18, 0, 0)], chosen=0, expected=40, present=35)
    bad = R.vote_findings(procedure="village", options=[("甲", 17, 0, 0)], chosen=0, expected=40, present=34)
    assert [f.code for f in bad] == ["not_passed"]
    over = R.vote_findings(procedure="village", options=[("甲", 30, 10, 0)], chosen=0, expected=40, present=35)
    assert [f.code for f in over] == ["votes_above_present"]
    assert [f.code for f in R.vote_findings(procedure="village", options=[], chosen=0, expected=1, present=1)] == [
        "no_options"
    ]


def test_close_needs_both_disclosures() -> None:
    assert R.close_error(decision_published=True, result_published=True, has_result=True) is None
    assert (
        R.close_error(decision_published=True, result_published=False, has_result=True) == "实施结果尚未公开，不能办结"
    )
    assert R.close_error(decision_published=False, result_published=True, has_result=True) == "决议尚未公开，不能办结"
    assert R.close_error(decision_published=True, result_published=True, has_result=False) == "请先登记实施结果"
