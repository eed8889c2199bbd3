"""Pure rules of inspections: the reproducible draw, sample sizes, the checklist as data, scoring.

No database and no request here. The draw is a function of its stored inputs only (seed, strata as
sorted id lists, sizes, fixed picks), so any past draw can be re-derived and compared.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from dangjian.core.findings import Finding, Severity

ALGORITHM = "sha256-rank-v1"

CITE_BURDEN = "《关于进一步规范和精简督查检查考核事项的通知》（2024年）：检查考核须计划、从简，不得以留痕判断工作"
CITE_LOCAL = "地方做法（参照已公开的基层党建考核细则，本地可调整）"
CITE_BRANCH_RULES = "《中国共产党支部工作条例（试行）》"


# ---------------------------------------------------------------- the draw


def rank_key(seed: str, stratum: str, org_id: int) -> str:
    """The ordering key of one candidate: SHA-256 of the seed, the stratum and the id. Sorting the
    candidates by it is a uniformly random permutation that depends on nothing but these inputs."""
    return hashlib.sha256(f"{seed}|{stratum}|{org_id}".encode()).hexdigest()


def derive(
    seed: str, strata: Mapping[str, list[int]], sizes: Mapping[str, int], fixed: Iterable[int]
) -> list[tuple[str, int]]:
    """The sample: for each stratum in key order, the `sizes[stratum]` candidates (fixed picks left
    out) with the smallest rank keys, in key order. The same inputs always give the same sample."""
    fixed_set = set(fixed)
    out: list[tuple[str, int]] = []
    for key in sorted(strata):
        n = sizes.get(key, 0)
        candidates = [i for i in strata[key] if i not in fixed_set]
        ranked = sorted(candidates, key=lambda i: rank_key(seed, key, i))
        out.extend((key, i) for i in ranked[: max(0, n)])
    return out


def seal(
    *,
    algorithm: str,
    seed: str,
    strata: Mapping[str, list[int]],
    sizes: Mapping[str, int],
    fixed: list[int],
    picked: list[list[Any]] | list[tuple[str, int]],
) -> str:
    """The digest over every stored input and the result (canonical JSON): an edit of any shows."""
    payload = {
        "algorithm": algorithm,
        "seed": seed,
        "strata": {k: list(v) for k, v in sorted(strata.items())},
        "sizes": dict(sorted(sizes.items())),
        "fixed": list(fixed),
        "picked": [list(p) for p in picked],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class SizeSpec:
    """How many to draw from a stratum: a count, or a share with a minimum."""

    count: int | None = None
    share: Decimal | None = None
    minimum: int = 0

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SizeSpec:
        if data.get("count") not in (None, ""):
            return cls(count=int(data["count"]))
        share = data.get("share")
        return cls(share=Decimal(str(share)) if share not in (None, "") else None, minimum=int(data.get("min") or 0))

    def to_data(self) -> dict[str, Any]:
        if self.count is not None:
            return {"count": self.count}
        return {"share": str(self.share or 0), "min": self.minimum}


def sample_size(spec: SizeSpec, available: int) -> tuple[int, bool]:
    """(how many to draw, whether the request had to be capped at what the stratum has)."""
    wanted = spec.count if spec.count is not None else max(spec.minimum, math.ceil(float(spec.share or 0) * available))
    if wanted > available:
        return available, True
    return max(0, wanted), False


def size_findings(stratum_label: str, spec: SizeSpec, available: int) -> list[Finding]:
    n, capped = sample_size(spec, available)
    if capped:
        asked = spec.count if spec.count is not None else max(spec.minimum, 0)
        return [
            Finding(
                "stratum_capped",
                Severity.WARNING,
                f"“{stratum_label}”只有 {available} 个可抽取的组织，少于要求的 {asked} 个，已按 {n} 个抽取",
                CITE_LOCAL,
            )
        ]
    return []


# ---------------------------------------------------------------- checklists as data


class Method(StrEnum):
    RECORDS = "records"
    SITE = "site"
    INTERVIEW = "interview"

    @property
    def label(self) -> str:
        return {"records": "查阅台账", "site": "实地查看", "interview": "访谈党员"}[self.value]


# What the platform can judge from its own records ("系统核验"); the prefill computes each.
SOURCES: dict[str, str] = {
    "committee_meetings": "支委会按月召开（组织生活合规引擎）",
    "general_meetings": "支部党员大会按季度召开",
    "group_meetings": "党小组会按月召开",
    "party_lectures": "党课按季度讲授",
    "party_day": "主题党日按月开展",
    "org_life_meeting": "组织生活会年度召开",
    "partyday_plan": "年度主题党日计划报备",
    "dues_disclosure": "党费收缴按月公开",
    "structure": "组织设置检查（班子、换届、党小组）",
    "talks": "谈心谈话覆盖",
    "appraisal": "民主评议党员签发",
    "points": "积分制管理（积分台账与公示）",
}


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    content: str
    scoring: str  # 评分说明
    standard: Decimal  # 标准分
    per_unit: Decimal = Decimal("0")  # deduction per missing unit (system items) or suggested step
    cap: Decimal | None = None  # the most this item may lose (None: its standard score)
    veto: bool = False  # 一票否决
    method: str = Method.RECORDS
    evidence: str = ""
    source: str = ""  # a SOURCES key when the records can judge it
    citation: str = CITE_LOCAL
    local: bool = True  # local practice rather than a binding rule

    @property
    def max_loss(self) -> Decimal:
        return self.standard if self.cap is None else min(self.cap, self.standard)

    @property
    def method_label(self) -> str:
        return Method(self.method).label


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    score: Decimal
    items: tuple[Item, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChecklistSpec:
    name: str
    categories: tuple[Category, ...]

    @property
    def total(self) -> Decimal:
        return sum((c.score for c in self.categories), Decimal(0))

    def items(self) -> list[Item]:
        return [i for c in self.categories for i in c.items]

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items() if i.code == code), None)


def _dec(value: Any, where: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except Exception as exc:  # decimal.InvalidOperation and friends
        raise ValueError(f"{where}：分值“{value}”不是数字") from exc
    if not d.is_finite() or d < 0:
        raise ValueError(f"{where}：分值不能为负数")
    return d


def parse_checklist(data: Mapping[str, Any]) -> ChecklistSpec:
    """The checklist from its stored data; ValueError (Chinese, naming the category/item) if invalid:
    item scores exceeding their category, duplicate codes, unknown sources or methods."""
    cats: list[Category] = []
    seen: set[str] = set()
    raw_cats = data.get("categories") or []
    if not raw_cats:
        raise ValueError("检查细则至少需要一个类别")
    for ci, c in enumerate(raw_cats, start=1):
        cname = str(c.get("name") or "").strip()
        where_c = f"第{ci}类“{cname or '未命名'}”"
        if not cname:
            raise ValueError(f"{where_c}：请填写类别名称")
        cscore = _dec(c.get("score", 0), where_c)
        items: list[Item] = []
        for ii, it in enumerate(c.get("items") or [], start=1):
            code = str(it.get("code") or "").strip()
            title = str(it.get("title") or "").strip()
            where = f"{where_c}第{ii}项“{title or code or '未命名'}”"
            if not code or not title:
                raise ValueError(f"{where}：请填写项目编号和考核项目")
            if code in seen:
                raise ValueError(f"{where}：项目编号“{code}”重复")
            seen.add(code)
            method = str(it.get("method") or Method.RECORDS)
            if method not in Method.__members__.values():
                raise ValueError(f"{where}：检查方式无效")
            source = str(it.get("source") or "")
            if source and source not in SOURCES:
                raise ValueError(f"{where}：系统核验来源“{source}”无效")
            cap = it.get("cap")
            items.append(
                Item(
                    code=code,
                    title=title,
                    content=str(it.get("content") or ""),
                    scoring=str(it.get("scoring") or ""),
                    standard=_dec(it.get("standard", 0), where),
                    per_unit=_dec(it.get("per_unit", 0), where),
                    cap=None if cap in (None, "") else _dec(cap, where),
                    veto=bool(it.get("veto")),
                    method=method,
                    evidence=str(it.get("evidence") or ""),
                    source=source,
                    citation=str(it.get("citation") or CITE_LOCAL),
                    local=bool(it.get("local", True)),
                )
            )
        total = sum((i.standard for i in items), Decimal(0))
        if total > cscore:
            raise ValueError(f"{where_c}：各项标准分合计 {total} 分，超过本类分值 {cscore} 分")
        cats.append(Category(str(c.get("code") or ci), cname, cscore, tuple(items)))
    return ChecklistSpec(str(data.get("name") or "检查细则"), tuple(cats))


def checklist_to_data(spec: ChecklistSpec) -> dict[str, Any]:
    def item(i: Item) -> dict[str, Any]:
        d = asdict(i)
        for k in ("standard", "per_unit", "cap"):
            d[k] = None if d[k] is None else str(d[k])
        return d

    return {
        "name": spec.name,
        "categories": [
            {"code": c.code, "name": c.name, "score": str(c.score), "items": [item(i) for i in c.items]}
            for c in spec.categories
        ],
    }


def _i(code: str, title: str, standard: int | str, scoring: str, **kw: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "standard": str(standard),
        "scoring": scoring,
        "content": kw.pop("content", title),
        **kw,
    }


def default_checklist_data() -> dict[str, Any]:
    """The shipped 百分制 checklist, modelled on published branch assessments (三会一课 18 分, 主题党日 12,
    组织生活会 4, 民主评议 5, 谈心谈话 6 …). Every score is local practice; items the records can judge
    name their source, the rest are checked by looking or asking."""
    rules = CITE_BRANCH_RULES
    return {
        "name": "党支部工作检查考核细则（百分制）",
        "categories": [
            {
                "code": "A",
                "name": "组织建设",
                "score": "15",
                "items": [
                    _i(
                        "A1",
                        "组织设置规范",
                        8,
                        "设置不规范、应换届未换届、党小组设置不符合要求的，每项扣2分",
                        per_unit="2",
                        source="structure",
                        citation=f"{rules}第五条、第七条（扣分标准为地方做法）",
                    ),
                    _i(
                        "A2",
                        "党员队伍管理",
                        7,
                        "党员信息不准确、组织关系转接不及时的，每项扣1分",
                        per_unit="1",
                        evidence="党员名册",
                    ),
                ],
            },
            {
                "code": "B",
                "name": "三会一课",
                "score": "18",
                "items": [
                    _i(
                        "B1",
                        "支部委员会",
                        6,
                        "每缺1个月扣0.5分",
                        per_unit="0.5",
                        source="committee_meetings",
                        citation=f"{rules}第十八条：支部委员会一般每月召开1次（扣分标准为地方做法）",
                    ),
                    _i(
                        "B2",
                        "支部党员大会",
                        4,
                        "每缺1个季度扣1分",
                        per_unit="1",
                        source="general_meetings",
                        citation=f"{rules}第十八条：支部党员大会一般每季度召开1次",
                    ),
                    _i(
                        "B3",
                        "党小组会",
                        4,
                        "每缺1个月扣0.5分",
                        per_unit="0.5",
                        source="group_meetings",
                        citation=f"{rules}第十八条：党小组会一般每月召开1次",
                    ),
                    _i(
                        "B4",
                        "党课",
                        4,
                        "每缺1个季度扣1分",
                        per_unit="1",
                        source="party_lectures",
                        citation=f"{rules}第十八条：党课一般每季度1次",
                    ),
                ],
            },
            {
                "code": "C",
                "name": "主题党日",
                "score": "12",
                "items": [
                    _i(
                        "C1",
                        "按月开展主题党日",
                        8,
                        "每缺1个月扣1分",
                        per_unit="1",
                        source="party_day",
                        citation=f"{rules}第十八条：党支部每月相对固定1天开展主题党日",
                    ),
                    _i("C2", "年度计划报备", 4, "未制定或未报备年度计划扣4分", per_unit="4", source="partyday_plan"),
                ],
            },
            {
                "code": "D",
                "name": "组织生活会",
                "score": "4",
                "items": [
                    _i(
                        "D1",
                        "组织生活会",
                        4,
                        "年度未召开扣4分",
                        per_unit="4",
                        source="org_life_meeting",
                        citation=f"{rules}第十九条：组织生活会一般每年召开1次",
                    ),
                ],
            },
            {
                "code": "E",
                "name": "民主评议党员",
                "score": "5",
                "items": [
                    _i(
                        "E1",
                        "民主评议党员",
                        5,
                        "未开展或未签发扣5分",
                        per_unit="5",
                        source="appraisal",
                        citation=f"{rules}第二十条：每年开展民主评议党员",
                    ),
                ],
            },
            {
                "code": "F",
                "name": "谈心谈话",
                "score": "6",
                "items": [
                    _i(
                        "F1",
                        "谈心谈话全覆盖",
                        6,
                        "未覆盖的党员每人扣0.5分",
                        per_unit="0.5",
                        source="talks",
                        citation=f"{rules}第十九条：谈心谈话每年一般不少于1次",
                    ),
                ],
            },
            {
                "code": "G",
                "name": "党费收缴",
                "score": "10",
                "items": [
                    _i("G1", "党费按月公开", 6, "每缺1个月扣0.5分", per_unit="0.5", source="dues_disclosure"),
                    _i(
                        "G2",
                        "党费按时足额收缴",
                        4,
                        "查阅党费台账，发现少缴、漏缴的每人扣1分",
                        per_unit="1",
                        evidence="党费收缴台账",
                    ),
                ],
            },
            {
                "code": "H",
                "name": "积分制管理",
                "score": "10",
                "items": [
                    _i("H1", "积分台账与公示", 5, "未计算积分或未公示扣5分", per_unit="5", source="points"),
                    _i("H2", "积分结果运用", 5, "积分结果未运用于评先评优的扣2分", per_unit="2", method="interview"),
                ],
            },
            {
                "code": "I",
                "name": "阵地建设",
                "score": "10",
                "items": [
                    _i("I1", "活动场所", 5, "无固定活动场所或标识不规范的扣2分", per_unit="2", method="site"),
                    _i("I2", "党务公开栏", 5, "未设置或内容未更新的扣2分", per_unit="2", method="site"),
                ],
            },
            {
                "code": "J",
                "name": "党员访谈",
                "score": "10",
                "items": [
                    _i(
                        "J1",
                        "党员对支部工作的评价",
                        10,
                        "随机访谈党员，反映问题属实的每项扣1分",
                        per_unit="1",
                        method="interview",
                    ),
                    _i(
                        "J9",
                        "严重违纪违法问题",
                        0,
                        "支部班子成员发生严重违纪违法问题的，本次考核为0分（一票否决）",
                        veto=True,
                        method="interview",
                    ),
                ],
            },
        ],
    }


def default_checklist() -> ChecklistSpec:
    return parse_checklist(default_checklist_data())


# ---------------------------------------------------------------- scoring

ONE = Decimal("0.1")


def q1(d: Decimal) -> Decimal:
    return d.quantize(ONE, rounding=ROUND_HALF_UP)


def system_deduction(item: Item, missing: int) -> Decimal:
    """What a record-judged item loses: `per_unit` for each missing unit, never more than its cap."""
    return q1(min(item.max_loss, item.per_unit * max(0, missing)))


def item_score(item: Item, deduction: Decimal | None) -> Decimal:
    """The item's score: its standard less the deduction, the deduction capped, the score never below 0."""
    if deduction is None:
        return item.standard
    return q1(max(Decimal(0), item.standard - min(max(deduction, Decimal(0)), item.max_loss)))


def deduction_findings(item: Item, deduction: Decimal) -> list[Finding]:
    """Refuse a negative deduction; a deduction above the cap is allowed but capped (say so)."""
    if deduction < 0:
        return [Finding("negative", Severity.ERROR, f"“{item.title}”扣分不能为负数", CITE_LOCAL)]
    if deduction > item.max_loss:
        return [
            Finding(
                "capped",
                Severity.ADVISORY,
                f"“{item.title}”最多扣 {item.max_loss} 分，已按 {item.max_loss} 分计",
                item.citation,
            )
        ]
    return []


@dataclass(frozen=True)
class Result:
    total: Decimal
    vetoed: bool
    by_category: tuple[tuple[str, Decimal, Decimal], ...]  # (name, score, full)


def total_score(spec: ChecklistSpec, deductions: Mapping[str, Decimal | None], vetoes: Iterable[str] = ()) -> Result:
    """The visit's score: each category the sum of its items' scores (never below 0, never above its
    score); any veto item applied makes the total 0."""
    vetoed = any((spec.item(c) or Item("", "", "", "", Decimal(0))).veto for c in vetoes)
    rows: list[tuple[str, Decimal, Decimal]] = []
    for cat in spec.categories:
        lost = sum((i.standard - item_score(i, deductions.get(i.code)) for i in cat.items if not i.veto), Decimal(0))
        rows.append((cat.name, q1(max(Decimal(0), cat.score - lost)), cat.score))
    total = Decimal(0) if vetoed else q1(sum((r[1] for r in rows), Decimal(0)))
    return Result(total, vetoed, tuple(rows))


# ---------------------------------------------------------------- unit counting for the prefill


def quarters_elapsed(months_elapsed: int) -> int:
    """Quarters that have ended (or are running) by month `months_elapsed` of the year."""
    return (months_elapsed + 2) // 3
