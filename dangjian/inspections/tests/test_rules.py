"""Rules at their boundaries: the draw is a pure function of its inputs; sizes cap at what a
stratum has; checklists refuse item scores above their category; scoring floors at 0, caps and vetoes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dangjian.inspections import rules as R

D = Decimal


def test_same_inputs_same_sample_and_different_seed_differs() -> None:
    strata = {"a": list(range(1, 501)), "b": list(range(501, 1001))}
    sizes = {"a": 5, "b": 3}
    first = R.derive("seed-1", strata, sizes, [])
    assert first == R.derive("seed-1", strata, sizes, [])
    assert len(first) == 8 and [k for k, _ in first] == ["a"] * 5 + ["b"] * 3
    assert R.derive("seed-2", strata, sizes, []) != first


def test_the_order_of_strata_given_does_not_matter() -> None:
    a = R.derive("s", {"x": [1, 2, 3], "y": [4, 5, 6]}, {"x": 1, "y": 2}, [])
    b = R.derive("s", {"y": [4, 5, 6], "x": [1, 2, 3]}, {"y": 2, "x": 1}, [])
    assert a == b


def test_fixed_picks_are_never_drawn_again() -> None:
    picked = R.derive("s", {"all": [1, 2, 3]}, {"all": 3}, [2])
    assert sorted(i for _, i in picked) == [1, 3]


def test_the_seal_changes_with_any_input() -> None:
    base = {
        "algorithm": R.ALGORITHM,
        "seed": "s",
        "strata": {"a": [1, 2]},
        "sizes": {"a": 1},
        "fixed": [],
        "picked": [("a", 1)],
    }
    digest = R.seal(**base)  # type: ignore[arg-type]
    assert digest == R.seal(**base)  # type: ignore[arg-type]
    assert digest != R.seal(**{**base, "picked": [("a", 2)]})  # type: ignore[arg-type]
    assert digest != R.seal(**{**base, "seed": "t"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "available", "expected"),
    [
        (R.SizeSpec(count=3), 10, (3, False)),
        (R.SizeSpec(count=10), 10, (10, False)),
        (R.SizeSpec(count=11), 10, (10, True)),  # capped, with a warning
        (R.SizeSpec(share=D("0.1"), minimum=2), 10, (2, False)),  # the minimum wins
        (R.SizeSpec(share=D("0.25"), minimum=1), 10, (3, False)),  # rounded up
        (R.SizeSpec(share=D("0.1"), minimum=5), 3, (3, True)),
        (R.SizeSpec(count=0), 0, (0, False)),
    ],
)
def test_sample_size(spec: R.SizeSpec, available: int, expected: tuple[int, bool]) -> None:
    assert R.sample_size(spec, available) == expected


def test_a_capped_stratum_is_named_in_the_warning() -> None:
    (f,) = R.size_findings("医院", R.SizeSpec(count=5), 2)
    assert "医院" in f.message_zh and "2" in f.message_zh


def test_default_checklist_is_a_hundred_points_with_local_practice_citations() -> None:
    spec = R.default_checklist()
    assert spec.total == 100
    names = {c.name: c.score for c in spec.categories}
    assert names["三会一课"] == 18 and names["主题党日"] == 12 and names["组织生活会"] == 4
    assert names["民主评议党员"] == 5 and names["谈心谈话"] == 6
    assert all(i.local for i in spec.items())
    assert any(i.veto for i in spec.items())
    assert {i.source for i in spec.items() if i.source} <= set(R.SOURCES)
    assert R.parse_checklist(R.checklist_to_data(spec)) == spec


def test_item_scores_above_their_category_are_refused() -> None:
    data = R.default_checklist_data()
    data["categories"][3]["items"][0]["standard"] = "5"  # 组织生活会 4 分
    with pytest.raises(ValueError, match=r"组织生活会.*超过本类分值"):
        R.parse_checklist(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["categories"][0]["items"][0].update(source="nowhere"), "系统核验来源"),
        (lambda d: d["categories"][0]["items"][1].update(code="A1"), "重复"),
        (lambda d: d["categories"][0]["items"][0].update(standard="-1"), "负数"),
        (lambda d: d["categories"][0]["items"][0].update(method="phone"), "检查方式"),
        (lambda d: d.update(categories=[]), "至少需要一个类别"),
    ],
)
def test_bad_checklists_say_where(mutate: object, message: str) -> None:
    data = R.default_checklist_data()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        R.parse_checklist(data)


def _item(**kw: object) -> R.Item:
    base: dict[str, object] = {
        "code": "x",
        "title": "支委会",
        "content": "",
        "scoring": "",
        "standard": D(6),
        "per_unit": D("0.5"),
    }
    base.update(kw)
    return R.Item(**base)  # type: ignore[arg-type]


def test_deduction_floor_and_cap() -> None:
    item = _item()
    assert R.item_score(item, None) == 6
    assert R.item_score(item, D(0)) == 6
    assert R.item_score(item, D(6)) == 0
    assert R.item_score(item, D(9)) == 0  # never below 0
    capped = _item(cap=D(2))
    assert R.item_score(capped, D(5)) == 4  # the cap limits the loss
    assert R.deduction_findings(capped, D(5))[0].code == "capped"
    assert R.deduction_findings(item, D(-1))[0].code == "negative"
    assert R.deduction_findings(item, D(6)) == []


def test_system_deduction_per_missing_unit_capped() -> None:
    item = _item()
    assert R.system_deduction(item, 0) == 0
    assert R.system_deduction(item, 3) == D("1.5")
    assert R.system_deduction(item, 12) == 6
    assert R.system_deduction(item, 40) == 6


def test_total_categories_never_below_zero_and_veto_zeroes_it() -> None:
    spec = R.default_checklist()
    assert R.total_score(spec, {}).total == 100
    result = R.total_score(spec, {"B1": D(6), "B2": D(4), "B3": D(4), "B4": D(9)})
    assert dict((n, s) for n, s, _ in result.by_category)["三会一课"] == 0
    assert result.total == 82
    vetoed = R.total_score(spec, {}, ["J9"])
    assert vetoed.vetoed and vetoed.total == 0
    assert not R.total_score(spec, {}, ["A1"]).vetoed  # not a veto item
