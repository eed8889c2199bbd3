"""Rules and the similarity primitives at their boundaries (no database)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace

from dangjian.brands import rules as R
from dangjian.brands import similarity as S


def test_brand_name_four_to_eight_characters() -> None:
    assert R.brand_name_problem("红烛先锋") == ""
    assert R.brand_name_problem("红烛先锋引领育人") == ""  # 8
    assert "4–8" in R.brand_name_problem("红烛先")  # 3
    assert "9" in R.brand_name_problem("红烛先锋引领育人路")  # 9
    assert R.brand_name_problem("  ") == "请填写品牌名称"


def test_count_modes() -> None:
    text = "党建 引领，A1。\n"
    assert R.count_chars(text, "nonspace") == 8
    assert R.count_chars(text, "han") == 4


def test_criteria_weights_must_sum_to_100() -> None:
    assert R.check_criteria(R.DEFAULT_CRITERIA) == []
    bad = [dict(c) for c in R.DEFAULT_CRITERIA]
    bad[0]["weight"] = 26
    assert R.check_criteria(bad) == ["各项指标权重之和应为 100（现为 101）"]
    bad[0]["max"] = 0
    assert any("满分" in p for p in R.check_criteria(bad))
    assert R.check_criteria([]) == ["请至少设置一项评审指标"]


def test_scores_integers_within_bounds() -> None:
    crit = R.DEFAULT_CRITERIA
    ok = {"political": 10, "brand": 0, "integration": "7", "sustainable": 5}
    assert R.score_problems(crit, ok) == {}
    bad = {"political": 11, "brand": -1, "integration": "7.5", "sustainable": ""}
    problems = R.score_problems(crit, bad)
    assert set(problems) == {"political", "brand", "integration", "sustainable"}
    assert "0–10" in problems["political"]
    assert "整数" in problems["integration"]


def test_weighted_total_and_aggregation() -> None:
    full = {c["code"]: c["max"] for c in R.DEFAULT_CRITERIA}
    assert R.weighted_total(R.DEFAULT_CRITERIA, full) == Decimal("100.00")
    half = {c["code"]: 5 for c in R.DEFAULT_CRITERIA}
    assert R.weighted_total(R.DEFAULT_CRITERIA, half) == Decimal("50.00")
    four = [Decimal(x) for x in (60, 70, 80, 90)]
    assert R.aggregate(four, "trimmed") == Decimal("75.00")  # < 5 reviewers: plain mean
    five = [Decimal(x) for x in (10, 70, 80, 90, 100)]
    assert R.aggregate(five, "mean") == Decimal("70.00")
    assert R.aggregate(five, "trimmed") == Decimal("80.00")  # 10 and 100 dropped
    assert R.aggregate([], "mean") is None


def test_case_four_sections_and_limit() -> None:
    full = {"origin": "起因", "practice": "做法", "effect": "成效", "analysis": "评价"}
    assert R.case_findings(full, "nonspace") == []
    missing = R.case_findings({**full, "effect": ""}, "nonspace")
    assert [f.code for f in missing] == ["case_section_missing"] and "成效与反响" in missing[0].message_zh
    at_limit = {**full, "origin": "字" * (2500 - 6)}
    assert R.case_count(at_limit, "nonspace") == 2500 and R.case_findings(at_limit, "nonspace") == []
    over = {**full, "origin": "字" * (2500 - 5)}
    assert [f.code for f in R.case_findings(over, "nonspace")] == ["case_too_long"]
    # Han-only counting ignores punctuation
    punct = {**full, "origin": "字" * 2494 + "，" * 50}
    assert R.case_findings(punct, "han") == [] and R.case_findings(punct, "nonspace")


def test_news_needs_two_at_university_level_or_above() -> None:
    assert R.news_finding(["university", "province"]) is None
    f = R.news_finding(["university", "college", "college"])
    assert f is not None and f.data["count"] == 1


def test_excellent_quota() -> None:
    assert R.excellent_quota_problem(1, 2) == ""
    assert "名额为 2" in R.excellent_quota_problem(2, 2)


def test_overdue_steps() -> None:
    c = SimpleNamespace(
        application_deadline=dt.date(2026, 11, 10),
        approval_deadline=dt.date(2026, 11, 20),
        cultivation_end=dt.date(2027, 8, 1),
        acceptance_deadline=dt.date(2027, 8, 31),
    )
    assert R.overdue_step("draft", c, dt.date(2026, 11, 10)) is None
    step = R.overdue_step("draft", c, dt.date(2026, 11, 11))
    assert step is not None and step.label == "提交申报书"
    assert R.overdue_step("candidate", c, dt.date(2026, 11, 21)) is not None
    assert R.overdue_step("publicity", c, dt.date(2030, 1, 1)) is None


def test_unit_path_is_the_org_below_the_committee() -> None:
    assert R.unit_path("000100020003", "0001") == "00010002"
    assert R.unit_path("00010002", "0001") == "00010002"


def _random_text(rng: random.Random, n: int) -> str:
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    return "".join(rng.choice(chars) for _ in range(n))


def test_similarity_copy_found_unrelated_not() -> None:
    rng = random.Random(4)
    base = _random_text(rng, 3000)
    edited = base[:1000] + _random_text(rng, 200) + base[1200:2500] + "。" + _random_text(rng, 300)
    other = _random_text(rng, 3000)
    hb, he, ho = (S.shingle_hashes(t) for t in (base, edited, other))
    sb, se, so = (S.signature(h) for h in (hb, he, ho))
    assert S.jaccard(hb, he) > 0.6
    assert abs(S.estimate(sb, se) - S.jaccard(hb, he)) < 0.12
    assert S.jaccard(hb, ho) < 0.01
    assert set(S.band_keys(sb)) & set(S.band_keys(se))
    assert not set(S.band_keys(sb)) & set(S.band_keys(so))
    assert S.unpack(S.pack(sb)) == sb


def test_headings_and_punctuation_do_not_count() -> None:
    a = "背景与问题\n本支部开展了活动。"
    b = "背景与问题：我们组织了学习！"
    shared = set(S.shingle_hashes(a, R.TEMPLATE_HEADINGS)) & set(S.shingle_hashes(b, R.TEMPLATE_HEADINGS))
    assert not shared
    # Punctuation and spacing changes do not hide a copy.
    assert (
        S.jaccard(S.shingle_hashes("党建引领发展，服务师生成长"), S.shingle_hashes("党建引领 发展。服务师生 成长"))
        == 1.0
    )


def test_highlight_marks_shared_passages() -> None:
    copied = "把党建工作融入教学一线是增强支部组织力的有效途径"
    a = "甲乙丙丁戊己庚辛" + copied + "壬癸子丑寅卯"
    b = "天地玄黄宇宙洪荒" + copied
    shared = set(S.shingle_hashes(a)) & set(S.shingle_hashes(b))
    segs = S.highlight(a, shared)
    assert "".join(s.text for s in segs) == a
    assert [s.text for s in segs if s.shared] == [copied]
    # a shared phrase shorter than a passage is not marked
    assert not any(s.shared for s in S.highlight("甲乙丙丁戊己庚", set(S.shingle_hashes("甲乙丙丁戊")), min_run=8))
