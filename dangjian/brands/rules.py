"""Pure rules of 一支部一特色: the application's and case's parts, brand names, criteria and
weights, aggregation of scores, 字 counting, grades within the 优秀 quota, overdue steps.

Citations: the seed notice 《关于开展“一支部一特色”支部党建品牌创建活动的通知》(seed 004), cited
by section as 通知X.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dangjian.core.findings import Finding, Severity
from dangjian.core.paths import ancestor_paths

CITE_NAME = "通知三2：品牌名称简短有力，精炼概括、特色突出、易懂易记"
CITE_REVISE = "通知四(三)：初步培育对象应根据专家评审意见对项目申报书进行修改完善，未修改完善的不得立项"
CITE_NOTICE = "通知四(三)：立项结果将进行公示，公示期为5个工作日"
CITE_PLAGIARISM = "通知四(三)：品牌建设项目不得抄袭，一经发现将取消申报资格"
CITE_CASE = "通知四(四)3：案例一般应包括背景与起因、做法与经过、成效与反响、分析与评价，字数控制在2500字以内"
CITE_NEWS = "通知四(四)4：结项时每个支部至少要在校级及以上平台刊发至少2篇新闻稿件"
CITE_MUST = "通知二：样板支部和“双带头人”教师党支部书记工作室及培育对象必须参与此项活动"

NAME_MIN, NAME_MAX = 4, 8
CASE_MAX_CHARS = 2500
NEWS_REQUIRED = 2
TRIM_MIN_REVIEWERS = 5
TWO = Decimal("0.01")

# The 申报书 (university form, 附件2): key, label, required.
APPLICATION_SECTIONS: tuple[tuple[str, str, bool], ...] = (
    ("background", "背景与问题", True),
    ("goals", "目标与阶段安排", True),
    ("measures", "主要措施与载体", True),
    ("team", "项目团队", True),
    ("results", "预期成果与指标", True),
    ("plan", "长期规划", True),
    ("honours", "已获荣誉", False),
)
CASE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("origin", "背景与起因"),
    ("practice", "做法与经过"),
    ("effect", "成效与反响"),
    ("analysis", "分析与评价"),
)
# Headings every form shares: they never count as overlap between two documents.
TEMPLATE_HEADINGS: tuple[str, ...] = tuple(label for _, label, _ in APPLICATION_SECTIONS) + tuple(
    label for _, label in CASE_SECTIONS
)

MUST_FLAGS = ("样板支部", "双带头人工作室", "培育对象")

DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {"code": "political", "label": "政治功能与党性原则", "weight": 25, "max": 10},
    {"code": "brand", "label": "品牌标示性", "weight": 20, "max": 10},
    {"code": "integration", "label": "“一融双高”融合度", "weight": 30, "max": 10},
    {"code": "sustainable", "label": "可持续性与可推广性", "weight": 25, "max": 10},
]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s")


def count_chars(text: str, mode: str = "nonspace") -> int:
    """字 of a text: every non-whitespace character (punctuation included), or Han characters only."""
    if mode == "han":
        return len(_HAN.findall(text))
    return len(_SPACE.sub("", text))


def brand_name_problem(name: str) -> str:
    """'' if the brand name is 4-8 字 (non-whitespace characters), else the Chinese reason."""
    n = count_chars(name)
    if not name.strip():
        return "请填写品牌名称"
    if n < NAME_MIN or n > NAME_MAX:
        return f"品牌名称应为 {NAME_MIN}–{NAME_MAX} 个字（现为 {n} 个字）"
    return ""


def normalise_name(name: str) -> str:
    """Names compared for duplicates: without spaces, quotes and brackets."""
    return re.sub(r"[\s“”\"'‘’《》「」()（）]", "", name)


def check_criteria(criteria: Sequence[Mapping[str, Any]]) -> list[str]:
    """Problems of a criteria list: labels, integer maxima 1-100, integer weights summing to 100."""
    problems: list[str] = []
    if not criteria:
        return ["请至少设置一项评审指标"]
    codes: set[str] = set()
    total = 0
    for i, c in enumerate(criteria, start=1):
        label = str(c.get("label", "")).strip()
        if not label:
            problems.append(f"第 {i} 项指标：请填写名称")
        code = str(c.get("code", "")).strip()
        if not code or code in codes:
            problems.append(f"第 {i} 项指标：代码为空或重复")
        codes.add(code)
        weight, top = c.get("weight"), c.get("max")
        if not isinstance(weight, int) or isinstance(weight, bool) or weight <= 0:
            problems.append(f"第 {i} 项指标“{label}”：权重应为正整数")
        else:
            total += weight
        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 100:
            problems.append(f"第 {i} 项指标“{label}”：满分应为 1–100 的整数")
    if not problems and total != 100:
        problems.append(f"各项指标权重之和应为 100（现为 {total}）")
    return problems


def score_problems(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, Any]) -> dict[str, str]:
    """Per criterion code, the reason its score is refused: missing, not an integer, out of 0..max."""
    problems: dict[str, str] = {}
    for c in criteria:
        raw = scores.get(c["code"])
        label = c["label"]
        if raw is None or str(raw).strip() == "":
            problems[c["code"]] = f"请为“{label}”打分"
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            problems[c["code"]] = f"“{label}”的评分应为整数"
            continue
        if str(value) != str(raw).strip().lstrip("+") or not 0 <= value <= int(c["max"]):
            problems[c["code"]] = f"“{label}”的评分应为 0–{c['max']} 的整数"
    return problems


def weighted_total(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, int]) -> Decimal:
    """Score on 100: each criterion's score as a share of its maximum, times its weight."""
    total = sum(
        (Decimal(int(scores[c["code"]])) / Decimal(int(c["max"])) * Decimal(int(c["weight"])) for c in criteria),
        Decimal(0),
    )
    return total.quantize(TWO, ROUND_HALF_UP)


def aggregate(totals: Iterable[Decimal], mode: str = "mean") -> Decimal | None:
    """The project's score from its reviewers' totals: the mean, or (mode "trimmed", >= 5 reviewers)
    the mean after dropping one highest and one lowest."""
    values = sorted(totals)
    if not values:
        return None
    if mode == "trimmed" and len(values) >= TRIM_MIN_REVIEWERS:
        values = values[1:-1]
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO, ROUND_HALF_UP)


def section_problems(sections: Mapping[str, str]) -> dict[str, str]:
    """Required 申报书 parts left empty."""
    return {
        key: f"请填写“{label}”"
        for key, label, required in APPLICATION_SECTIONS
        if required and not str(sections.get(key, "")).strip()
    }


def case_findings(sections: Mapping[str, str], mode: str, limit: int = CASE_MAX_CHARS) -> list[Finding]:
    """A case must have all four parts and stay within the limit of 字."""
    found = [
        Finding("case_section_missing", Severity.ERROR, f"案例缺少“{label}”部分", CITE_CASE, {"section": key})
        for key, label in CASE_SECTIONS
        if not str(sections.get(key, "")).strip()
    ]
    n = case_count(sections, mode)
    if n > limit:
        found.append(
            Finding("case_too_long", Severity.ERROR, f"案例共 {n} 字，超过 {limit} 字的上限", CITE_CASE, {"chars": n})
        )
    return found


def case_count(sections: Mapping[str, str], mode: str) -> int:
    return sum(count_chars(str(sections.get(key, "")), mode) for key, _ in CASE_SECTIONS)


QUALIFYING_NEWS = frozenset({"university", "province", "national"})


def news_finding(levels: Iterable[str]) -> Finding | None:
    n = sum(1 for lv in levels if lv in QUALIFYING_NEWS)
    if n >= NEWS_REQUIRED:
        return None
    return Finding(
        "news_missing",
        Severity.ERROR,
        f"结项前须在校级及以上平台刊发至少 {NEWS_REQUIRED} 篇新闻稿件（现有 {n} 篇）",
        CITE_NEWS,
        {"count": n},
    )


def excellent_quota_problem(already: int, quota: int) -> str:
    if already >= quota:
        return f"“优秀”名额为 {quota} 个，已评定 {already} 个，不能再评“优秀”"
    return ""


@dataclass(frozen=True)
class Step:
    label: str
    due: dt.date


def overdue_step(stage: str, c: Any, today: dt.date) -> Step | None:
    """The step a project in `stage` is late with under campaign `c`'s deadlines, if any."""
    steps: dict[str, Step] = {
        "draft": Step("提交申报书", c.application_deadline),
        "submitted": Step("基层党委审核", c.application_deadline),
        "candidate": Step("修改完善申报书", c.approval_deadline),
        "cultivating": Step("提交案例", c.cultivation_end),
        "case_submitted": Step("考核验收", c.acceptance_deadline),
    }
    step = steps.get(stage)
    return step if step is not None and today > step.due else None


def deadline_order_problem(dates: Sequence[dt.date]) -> str:
    """Stage deadlines must follow one another (incubation <= application <= ... <= acceptance)."""
    if any(a > b for a, b in itertools.pairwise(dates)):
        return "各阶段截止日期应依次排列：品牌酝酿 ≤ 项目申报 ≤ 项目立项 ≤ 培育建设 ≤ 考核验收"
    return ""


def unit_path(project_org_path: str, campaign_path: str) -> str:
    """The applicant's unit (基层党委/总支): the organisation directly below the campaign's committee
    on the way to the branch (the branch itself when it sits directly below)."""
    below = [p for p in ancestor_paths(project_org_path) if len(p) > len(campaign_path)]
    return below[0] if below else project_org_path


def application_text(brand_name: str, slogan: str, logo_meaning: str, sections: Mapping[str, str]) -> str:
    """The 申报书 as one text for comparison (headings are stripped before shingling)."""
    parts = [brand_name, slogan, logo_meaning]
    for key, label, _ in APPLICATION_SECTIONS:
        parts += [label, str(sections.get(key, ""))]
    return "\n".join(p for p in parts if p)


def case_text(sections: Mapping[str, str]) -> str:
    return "\n".join(f"{label}\n{sections.get(key, '')}" for key, label in CASE_SECTIONS)
