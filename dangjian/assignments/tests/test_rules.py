import datetime as dt
from decimal import Decimal

import pytest

from dangjian.assignments import rules
from dangjian.assignments.rules import DeliverableSpec

D = dt.date


MARCH_1 = D(2023, 3, 1)


def _validate(start, end, dues, published=MARCH_1, min_hours=Decimal(4)):
    return rules.validate_assignment(
        title="t",
        theme="主题",
        window_start=start,
        window_end=end,
        min_hours=min_hours,
        deliverables=[DeliverableSpec(f"材料{i}", "document", d) for i, d in enumerate(dues)],
        published_on=published,
    )


def test_seed_000_notice_is_valid():
    # Window 3月12日–3月31日, materials due 3月3日 (before the window) and 3月31日.
    assert _validate(D(2023, 3, 12), D(2023, 3, 31), [D(2023, 3, 3), D(2023, 3, 31)]) == {}


def test_window_ending_before_it_starts_is_refused():
    errors = _validate(D(2023, 3, 31), D(2023, 3, 12), [D(2023, 3, 31)])
    assert "早于开始日期" in errors["window_end"][0]


def test_single_day_window_is_allowed():
    assert _validate(D(2023, 3, 12), D(2023, 3, 12), [D(2023, 3, 12)]) == {}


@pytest.mark.parametrize(
    ("due", "ok"),
    [
        (D(2023, 3, 1), True),  # published that day; within 30 days before window start 3-12 (>= 2-10)
        (D(2023, 2, 28), False),  # before publishing
        (D(2023, 5, 30), True),  # window end 3-31 + 60 days
        (D(2023, 5, 31), False),  # one day later
    ],
)
def test_due_date_bounds(due, ok):
    errors = _validate(D(2023, 3, 12), D(2023, 3, 31), [due])
    assert (errors == {}) is ok, errors


def test_due_date_too_early_relative_to_window():
    # Published early: the lower bound is the window start minus 30 days.
    errors = _validate(D(2023, 6, 1), D(2023, 6, 30), [D(2023, 5, 1)], published=D(2023, 4, 1))
    assert "活动开始前 30 天" in errors["deliverables"][0]
    assert _validate(D(2023, 6, 1), D(2023, 6, 30), [D(2023, 5, 2)], published=D(2023, 4, 1)) == {}


def test_no_deliverables_and_missing_fields():
    errors = rules.validate_assignment(
        title=" ",
        theme="",
        window_start=None,
        window_end=None,
        min_hours=Decimal(0),
        deliverables=[],
        published_on=D(2023, 3, 1),
    )
    assert set(errors) == {"title", "theme", "window_start", "window_end", "min_hours", "deliverables"}


def test_window_already_over_and_duplicate_names():
    errors = rules.validate_assignment(
        title="t",
        theme="x",
        window_start=D(2023, 2, 1),
        window_end=D(2023, 2, 20),
        min_hours=Decimal(4),
        deliverables=[DeliverableSpec("a", "document", D(2023, 3, 2)), DeliverableSpec("a", "photos", D(2023, 3, 2))],
        published_on=D(2023, 3, 1),
    )
    assert any("已过" in m for m in errors["window_end"])
    assert any("名称重复" in m for m in errors["deliverables"])


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2023, 3, 27), None),  # 4 days ahead: nothing yet
        (D(2023, 3, 28), 3),
        (D(2023, 3, 29), 3),
        (D(2023, 3, 30), 1),
        (D(2023, 3, 31), 1),  # the due date itself still reminds (the 1-day stage)
        (D(2023, 4, 1), None),  # overdue: escalation, not reminder
    ],
)
def test_reminder_stage(today, expected):
    assert rules.reminder_stage(today, D(2023, 3, 31), [3, 1]) == expected


def test_overdue_and_escalation_boundaries():
    due = D(2023, 3, 31)
    assert not rules.is_overdue(due, due)
    assert rules.is_overdue(D(2023, 4, 1), due)
    assert not rules.should_escalate(due, due, 0)
    assert rules.should_escalate(D(2023, 4, 1), due, 0)
    assert not rules.should_escalate(D(2023, 4, 2), due, 2)
    assert rules.should_escalate(D(2023, 4, 3), due, 2)


def test_parse_lines_strips_numbering():
    text = "1.全国“两会”精神；\n（2）二中全会精神\n\n3、 重要讲话\n- 自选"
    assert rules.parse_lines(text) == ["全国“两会”精神；", "二中全会精神", "重要讲话", "自选"]


def test_meeting_findings():
    f = rules.meeting_findings(
        meeting_date=D(2023, 3, 11),
        hours=Decimal("3.5"),
        window_start=D(2023, 3, 12),
        window_end=D(2023, 3, 31),
        min_hours=Decimal(4),
    )
    assert [x.code for x in f] == ["assignments.meeting_outside_window", "assignments.meeting_too_short"]
    assert all(x.citation for x in f)
    assert (
        rules.meeting_findings(
            meeting_date=D(2023, 3, 12),
            hours=Decimal(4),
            window_start=D(2023, 3, 12),
            window_end=D(2023, 3, 31),
            min_hours=Decimal(4),
        )
        == []
    )


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2023, 3, 12), D(2023, 3, 31), (D(2023, 3, 1), D(2023, 3, 1))),  # seed 000: one month
        (D(2023, 3, 1), D(2023, 3, 1), (D(2023, 3, 1), D(2023, 3, 1))),  # one day, the 1st
        (D(2023, 3, 31), D(2023, 4, 1), (D(2023, 3, 1), D(2023, 4, 1))),  # last day to first: both
        (D(2023, 2, 28), D(2023, 3, 1), (D(2023, 2, 1), D(2023, 3, 1))),
        (D(2023, 1, 31), D(2023, 4, 30), (D(2023, 1, 1), D(2023, 4, 1))),  # several months
        (D(2023, 12, 25), D(2024, 1, 5), (D(2023, 12, 1), D(2024, 1, 1))),  # over the year end
        (D(2023, 12, 31), D(2024, 1, 1), (D(2023, 12, 1), D(2024, 1, 1))),
        (D(2023, 12, 1), D(2023, 12, 31), (D(2023, 12, 1), D(2023, 12, 1))),  # December alone
    ],
)
def test_study_months_are_every_month_the_window_touches(start, end, months):
    assert rules.study_months(start, end) == months


def test_study_months_of_a_reversed_window_is_an_error():
    with pytest.raises(ValueError):
        rules.study_months(D(2023, 4, 1), D(2023, 3, 31))
