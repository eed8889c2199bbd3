"""Points rules at their boundaries: star thresholds, caps in order, fractional points, bad manuals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dangjian.points import rules as R

D = Decimal
Y = 2026


@pytest.mark.parametrize(
    ("total", "label"),
    [
        ("100", "三星"),
        ("90", "三星"),
        ("89.9", "二星"),
        ("89", "二星"),
        ("80", "二星"),
        ("79.9", "一星"),
        ("79", "一星"),
        ("60", "一星"),
        ("59.9", "无星"),
        ("59", "无星"),
        ("0", "无星"),
    ],
)
def test_default_star_thresholds_are_inclusive_lower_bounds_never_rounded_up(total: str, label: str) -> None:
    assert R.star_label(D(total), R.DEFAULT_THRESHOLDS) == label


def test_five_star_scheme_is_data() -> None:
    five = tuple(R.Threshold(D(m), s, f"{s}星") for m, s in [(80, 2), (85, 3), (90, 4), (95, 5)])
    assert R.star_label(D("95"), five) == "5星"
    assert R.star_label(D("94.9"), five) == "4星"
    assert R.star_label(D("79.9"), five) == R.NO_STAR


def test_below_sixty_is_only_a_suggestion_for_the_appraisal() -> None:
    assert "仅为建议" in R.appraisal_suggestion(D("59.9"), R.DEFAULT_THRESHOLDS)
    assert R.appraisal_suggestion(D("60"), R.DEFAULT_THRESHOLDS) == ""


def ev(month: int, day: int, code: str, n: int = 0) -> R.Event:
    return R.Event(dt.date(Y, month, day), code, f"x:{code}:{month}:{day}:{n}", "")


def test_item_yearly_cap_hit_exactly_and_explained() -> None:
    m = R.default_manual(Y)
    lines = R.score(m, [ev(i, 5, "party_day") for i in range(1, 5)])  # 4 × 2 = 8 = cap
    assert [ln.points for ln in lines] == [2, 2, 2, 2] and not any(ln.cap_note for ln in lines)
    lines = R.score(m, [ev(i, 5, "party_day") for i in range(1, 10)])  # 9 × 2 = 18, capped 8
    assert sum(ln.points for ln in lines) == 8
    assert lines[4].points == 0 and "“参加主题党日”年度上限 8" in lines[4].cap_note
    [s] = R.summarise(lines)
    assert s.explanation.startswith("参加主题党日 9 次 × 2 = 18，") and s.explanation.endswith("计 8")


def test_fifteen_study_sessions_capped_at_twelve() -> None:
    lines = R.score(R.default_manual(Y), [ev(1 + i % 12, 1 + i // 12, "lecture", i) for i in range(15)])
    assert sum(ln.points for ln in lines) == 12


def test_monthly_cap_before_yearly_cap() -> None:
    lines = R.score(R.default_manual(Y), [ev(3, 1, "dues"), ev(3, 2, "dues")])
    assert [ln.points for ln in lines] == [1, 0] and lines[1].cap_note == "月度上限 1"


def test_item_cap_before_category_cap_before_total() -> None:
    m = R.default_manual(Y)
    m = dataclasses.replace(m, category_caps={**m.category_caps, "org_life": D(15)}, total_cap=None)
    events = [ev(i, 3, "three_meetings") for i in range(1, 6)]  # 5 × 3 = 15 → item cap 12
    events += [ev(i, 25, "party_day") for i in range(6, 9)]  # 3 × 2 = 6 → the category leaves 3
    lines = R.score(m, events)
    three = [ln for ln in lines if ln.item.code == "three_meetings"]
    assert sum(ln.points for ln in three) == 12 and "年度上限 12" in three[-1].cap_note
    pd = [ln for ln in lines if ln.item.code == "party_day"]
    assert [ln.points for ln in pd] == [2, 1, 0]
    assert pd[1].cap_note == "“组织生活”类上限 15"
    # The total cap comes last: base 60 + 12 + 3 = 75 → 70.
    capped = R.score(dataclasses.replace(m, total_cap=D(70)), [ev(1, 1, "base"), *events])
    assert R.total_of(capped) == 70
    assert [ln.cap_note for ln in capped if ln.cap_note].count("年度总分上限 70") >= 1


def test_deductions_come_off_after_the_total_cap_and_never_below_zero() -> None:
    m = R.default_manual(Y)
    events = [ev(1, 1, "base")] + [ev(i, 3, "three_meetings") for i in range(1, 5)]
    events += [ev(i, 5, "party_day") for i in range(1, 5)] + [ev(i, 7, "lecture") for i in range(1, 7)]
    events += [ev(i, 20, "dues") for i in range(1, 13)]
    assert R.total_of(R.score(m, events)) == 100
    assert R.total_of(R.score(m, [*events, ev(6, 9, "absence")])) == 98
    assert R.total_of(R.score(m, [ev(2, 1, "absence", i) for i in range(5)])) == 0


def test_fractional_points() -> None:
    m = R.default_manual(Y)
    m = dataclasses.replace(
        m, items=(dataclasses.replace(m.items[1], points=D("0.5"), yearly_cap=D("1.2")), *m.items[2:])
    )
    lines = R.score(m, [ev(1, i, "lecture") for i in range(1, 5)])
    assert [ln.points for ln in lines] == [D("0.5"), D("0.5"), D("0.2"), D("0")]
    assert R.fmt(D("1.2")) == "1.2" and R.fmt(D("12.0")) == "12"


def test_event_outside_the_manuals_year_is_refused() -> None:
    with pytest.raises(ValidationError, match="不在 2026 年度"):
        R.score(R.default_manual(Y), [R.Event(dt.date(2025, 12, 31), "party_day", "m:1", "")])


def test_dues_on_time_by_month_end_plus_grace() -> None:
    march = dt.date(Y, 3, 1)
    assert R.dues_on_time(march, dt.date(Y, 3, 31), 0)
    assert not R.dues_on_time(march, dt.date(Y, 4, 1), 0)
    assert R.dues_on_time(march, dt.date(Y, 4, 5), 5) and not R.dues_on_time(march, dt.date(Y, 4, 6), 5)
    assert R.dues_on_time(dt.date(Y, 12, 1), dt.date(Y, 12, 31), 0)


def test_default_manual_round_trips_and_is_consistent() -> None:
    m = R.default_manual(Y)
    assert R.manual_problems(m) == []
    again = R.manual_from_data(Y, R.manual_to_data(m))
    assert again == m


def test_manual_whose_item_cap_is_above_its_category_cap_is_refused() -> None:
    data = R.manual_to_data(R.default_manual(Y))
    data["category_caps"]["org_life"] = "6"
    with pytest.raises(ValidationError) as exc:
        R.manual_from_data(Y, data)
    assert "“参加“三会一课”会议”的年度上限 12 高于“组织生活”类上限 6" in exc.value.messages


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["items"][1].update(points="abc"), "参加集体学习（党课）·每次分值”应为数字"),
        (lambda d: d["items"][1].update(points="1.25"), "最多保留一位小数"),
        (lambda d: d["items"][1].update(yearly_cap="-1"), "不能为负数"),
        (lambda d: d["items"][4].update(monthly_cap="13"), "月度上限 13 高于年度上限 12"),
        (lambda d: d.update(thresholds=[["90", 1, "一星"], ["80", 2, "二星"]]), "党员星级越高，最低分应越高"),
        (lambda d: d.update(thresholds=[]), "请至少设置一个党员星级"),
        (lambda d: d["items"][8].update(points="2"), "应为减分"),
    ],
)
def test_bad_manuals_get_a_chinese_message_naming_the_field(change: object, message: str) -> None:
    data = R.manual_to_data(R.default_manual(Y))
    change(data)  # type: ignore[operator]
    with pytest.raises(ValidationError) as exc:
        R.manual_from_data(Y, data)
    assert any(message in m for m in exc.value.messages), exc.value.messages


def test_veto_reason_names_the_event() -> None:
    m = R.default_manual(Y)
    lines = R.score(m, [ev(1, 1, "base"), R.Event(dt.date(Y, 5, 6), "sanction", "manual:1", "警告处分")])
    assert R.veto_reason(lines) == "一票否决：受到党纪处分（2026-05-06，警告处分）"
    assert R.veto_reason(lines[:1]) == ""
