"""Pure rules of the points system (积分制) and star ratings (星级评定): no database, no request.

There is no national rule on points or stars (domain-rules §6): every committee keeps its own
积分制管理手册. The manual is data (`Manual`); the shipped default carries the thresholds of seed 002
(渔洋镇 2018: ≥90 三星, 80–89 二星, 60–79 一星, <60 无星) and a SAMPLE of items marked as local
practice. Points are Decimal with one decimal place; stars compare with `>=` and are never rounded
up (89.9 is 二星). Caps apply in order: the item's monthly cap, the item's yearly cap, the
category's cap, then the total cap; every ledger line says which cap cut it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import lru_cache
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError

ZERO = Decimal("0")
ONE_PLACE = Decimal("0.1")

SEED_CITATION = "《渔洋镇党员积分制考核评星活动方案》（种子 002）：90分以上三星，80-89分二星，60-79分一星，60分以下无星"
BRANCH_CITATION = (
    "《渔洋镇党员积分制考核评星活动方案》（种子 002）：支部评星以党员积分制管理考核情况和年终目标考核分数为基准，"
    "90分以上（含90分）三星党支部，80-89分二星，60-79分一星，60分以下无星，每年评定一次"
)
LOCAL_PRACTICE = "地方实践示例（无全国统一规定，由各党委在积分细则中确定）"


class Source:
    """Where an item's events come from. Derived sources are never typed in."""

    BASE = "base"  # once a year, for every member on the roll
    ATTEND = "attend"  # present at a filed meeting of one of `kinds`
    ABSENT = "absent"  # absent without leave from a filed meeting of one of `kinds`
    DUES_ON_TIME = "dues_on_time"  # a month's dues paid by the month's end (+ grace days, a setting)
    MANUAL = "manual"  # entered by the branch with a reason and a document, approved by a second person

    LABELS = {
        BASE: "基础分（在册党员每年一次）",
        ATTEND: "出席已归档的会议",
        ABSENT: "无故缺席已归档的会议",
        DUES_ON_TIME: "按月交纳党费（党费台账）",
        MANUAL: "支部录入、他人审核",
    }
    DERIVED = (BASE, ATTEND, ABSENT, DUES_ON_TIME)
    BUILT_IN = (*DERIVED, MANUAL)


CATEGORY_LABELS = {
    "base": "基础分",
    "study": "学习",
    "org_life": "组织生活",
    "duty": "履行义务",
    "vanguard": "先锋作用",
    "bonus": "加分",
    "deduction": "减分",
}


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    category: str
    points: Decimal  # per event; negative for a deduction
    source: str
    kinds: tuple[str, ...] = ()  # meeting kinds, for ATTEND/ABSENT
    monthly_cap: Decimal | None = None  # on the magnitude of the item's points in one month
    yearly_cap: Decimal | None = None  # on the magnitude of the item's points in the year
    needs_approval: bool = False
    note: str = LOCAL_PRACTICE
    veto: bool = False  # 一票否决: an event of this item sets the year's star to none


@dataclass(frozen=True)
class Threshold:
    min_points: Decimal  # inclusive lower bound
    stars: int
    label: str


DEFAULT_BRANCH_THRESHOLDS = (
    Threshold(Decimal(90), 3, "三星党支部"),
    Threshold(Decimal(80), 2, "二星党支部"),
    Threshold(Decimal(60), 1, "一星党支部"),
)


@dataclass(frozen=True)
class Manual:
    year: int
    items: tuple[Item, ...]
    category_caps: dict[str, Decimal]  # on the magnitude of a category's points in the year
    total_cap: Decimal | None
    thresholds: tuple[Threshold, ...]
    citation: str = SEED_CITATION
    # 星级党支部: the same shape, on the branch's weighted score (seed 002 by default).
    branch_thresholds: tuple[Threshold, ...] = DEFAULT_BRANCH_THRESHOLDS
    _index: dict[str, Item] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        # First item of a code wins (as a linear search would); duplicates are refused on saving.
        for i in reversed(self.items):
            self._index[i.code] = i

    def item(self, code: str) -> Item | None:
        return self._index.get(code)


DEFAULT_THRESHOLDS = (
    Threshold(Decimal(90), 3, "三星"),
    Threshold(Decimal(80), 2, "二星"),
    Threshold(Decimal(60), 1, "一星"),
)
NO_STAR = "无星"

# Meeting kinds (orglife.MeetingKind values), named here so the rules need no model.
THREE_MEETINGS = ("general_meeting", "committee_meeting", "group_meeting")


def default_manual(year: int) -> Manual:
    """The shipped sample (domain-rules §6 "observed scheme shapes": a fixed base plus add and deduct
    items, each capped per year). Every item is local practice; a committee replaces it in its
    积分细则 settings. A member who attends everything and pays every month reaches 100.

    A meeting scores under the FIRST item whose kinds match, so item order is priority: a 主题党日
    held together with a 支部党员大会 counts once, as 主题党日."""
    d = Decimal
    items = (
        Item("base", "基础分", "base", d(60), Source.BASE, yearly_cap=d(60)),
        Item("lecture", "参加集体学习（党课）", "study", d(2), Source.ATTEND, ("party_lecture",), yearly_cap=d(12)),
        Item("party_day", "参加主题党日", "org_life", d(2), Source.ATTEND, ("party_day",), yearly_cap=d(8)),
        Item("three_meetings", "参加“三会一课”会议", "org_life", d(3), Source.ATTEND, THREE_MEETINGS, yearly_cap=d(12)),
        Item("dues", "按月交纳党费", "duty", d(1), Source.DUES_ON_TIME, monthly_cap=d(1), yearly_cap=d(12)),
        Item("commendation", "受到表彰", "bonus", d(5), Source.MANUAL, yearly_cap=d(10), needs_approval=True),
        Item("volunteer", "志愿服务", "vanguard", d(2), Source.MANUAL, yearly_cap=d(6), needs_approval=True),
        Item("urgent_task", "完成急难险重任务", "vanguard", d(3), Source.MANUAL, yearly_cap=d(6), needs_approval=True),
        Item(
            "absence",
            "无故缺席组织生活",
            "deduction",
            d(-2),
            Source.ABSENT,
            ("party_day", "party_lecture", *THREE_MEETINGS),
            yearly_cap=d(20),
        ),
        Item("violation", "违反纪律或规定", "deduction", d(-10), Source.MANUAL, yearly_cap=d(30), needs_approval=True),
        Item(
            "sanction",
            "受到党纪处分",
            "deduction",
            d(-10),
            Source.MANUAL,
            yearly_cap=d(30),
            needs_approval=True,
            note="一票否决：当年评为无星（地方实践示例，domain-rules §6）",
            veto=True,
        ),
    )
    caps = {
        "base": d(60),
        "study": d(12),
        "org_life": d(20),
        "duty": d(12),
        "vanguard": d(10),
        "bonus": d(10),
        "deduction": d(40),
    }
    return Manual(year, items, caps, d(100), DEFAULT_THRESHOLDS, SEED_CITATION, DEFAULT_BRANCH_THRESHOLDS)


# ---------------------------------------------------------------------------------------------
# Stars


def star_for(total: Decimal, thresholds: tuple[Threshold, ...]) -> Threshold | None:
    """The highest threshold `total` reaches (inclusive lower bound); never rounded up."""
    for t in sorted(thresholds, key=lambda t: t.min_points, reverse=True):
        if total >= t.min_points:
            return t
    return None


def star_label(total: Decimal, thresholds: tuple[Threshold, ...]) -> str:
    t = star_for(total, thresholds)
    return t.label if t else NO_STAR


def veto_reason(lines: list[Line]) -> str:
    """The first event of a veto item (一票否决) in the year, as the reason shown with the star."""
    line = next((ln for ln in lines if ln.item.veto), None)
    if line is None:
        return ""
    return f"一票否决：{line.item.label}（{line.event.on:%Y-%m-%d}，{line.event.ref_label}）"[:200]


def appraisal_suggestion(total: Decimal, thresholds: tuple[Threshold, ...]) -> str:
    """Below the lowest star: a SUGGESTION for the year's 民主评议 agenda, never a grade — only the
    支委会 or 党员大会 may find a member 不合格 (domain-rules §6, caution)."""
    if star_for(total, thresholds) is None and thresholds:
        return "年度积分低于最低星级，建议列入本年度民主评议党员议程（仅为建议，不作为评定等次）"
    return ""


# ---------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class Event:
    on: dt.date
    item_code: str
    ref: str  # the source record, e.g. "meeting:12", "dues:2026-03", "manual:5", "base:2026"
    ref_label: str  # what a person reads: "2026-03-05 主题党日：学习……"


@dataclass(slots=True)
class Line:
    event: Event
    item: Item
    raw: Decimal
    points: Decimal
    cap_note: str = ""


_event_order = attrgetter("on", "ref", "item_code")  # date order; ties by source record, then item


def score(manual: Manual, events: list[Event]) -> list[Line]:
    """Score `events` in date order under `manual`. Events of unknown items or another year raise
    ValidationError. Caps (on magnitudes, so they bound deductions too): item monthly → item yearly →
    category → total (the total cap bounds the points earned; deductions are taken off afterwards).

    Runs once per member in the city-wide sweep (≈200,000 times), so the steps are written out
    rather than looped over and the cap labels are made once per item; `test_rules` pins the
    behaviour at every cap."""
    lines: list[Line] = []
    append = lines.append
    month_used: dict[tuple[str, int], Decimal] = {}
    item_used: dict[str, Decimal] = {}
    cat_used: dict[str, Decimal] = {}
    earned = ZERO
    year = manual.year
    index = manual._index
    total_cap = manual.total_cap
    category_caps = manual.category_caps
    for ev in sorted(events, key=_event_order):
        on = ev.on
        if on.year != year:
            raise ValidationError({"on": f"{on:%Y-%m-%d} 不在 {year} 年度积分细则的范围内"})
        item = index.get(ev.item_code)
        if item is None:
            raise ValidationError({"item_code": f"{year} 年度积分细则中没有该项目（{ev.item_code}）"})
        code = item.code
        category = item.category
        positive = item.points >= ZERO
        raw = item.points if positive else -item.points
        value, note = raw, ""
        mcap = item.monthly_cap
        if mcap is not None:
            mkey = (code, on.month)
            m_used = month_used.get(mkey, ZERO)
            if mcap - m_used < value:
                value, note = max(mcap - m_used, ZERO), _cap_label("month", item, mcap)
        i_used = item_used.get(code, ZERO)
        cap = item.yearly_cap
        if cap is not None and cap - i_used < value:
            value = max(cap - i_used, ZERO)
            note = note or _cap_label("item", item, cap)
        c_used = cat_used.get(category, ZERO)
        cap = category_caps.get(category)
        if cap is not None and cap - c_used < value:
            value = max(cap - c_used, ZERO)
            note = note or _cap_label("category", item, cap)
        if positive:
            if total_cap is not None and total_cap - earned < value:
                value = max(total_cap - earned, ZERO)
                note = note or _cap_label("total", item, total_cap)
            earned += value
            append(Line(ev, item, raw, value, note))
        else:
            append(Line(ev, item, -raw, -value, note))
        if mcap is not None:
            month_used[mkey] = m_used + value
        item_used[code] = i_used + value
        cat_used[category] = c_used + value
    return lines


def _cap_label(which: str, item: Item, cap: Decimal) -> str:
    return _cap_text(which, item.label, item.category, cap)


@lru_cache(maxsize=4096)
def _cap_text(which: str, label: str, category: str, cap: Decimal) -> str:
    if which == "month":
        return f"月度上限 {fmt(cap)}"
    if which == "item":
        return f"“{label}”年度上限 {fmt(cap)}"
    if which == "category":
        return f"“{category_label(category)}”类上限 {fmt(cap)}"
    return f"年度总分上限 {fmt(cap)}"


def total_of(lines: list[Line]) -> Decimal:
    """The annual total: earned points less deductions, never below zero."""
    return max(sum((line.points for line in lines), ZERO), ZERO)


@dataclass
class ItemSummary:
    item: Item
    count: int = 0
    raw: Decimal = ZERO
    points: Decimal = ZERO
    notes: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        """ "主题党日 9 次 × 2 = 18，年度上限 8" — the member reads how the figure came about."""
        if self.item.source == Source.BASE:
            return f"{self.item.label} {fmt(self.points)}"
        text = f"{self.item.label} {self.count} 次 × {fmt(self.item.points)} = {fmt(self.raw)}"
        if self.points != self.raw:
            text += f"，{'；'.join(dict.fromkeys(self.notes))}，计 {fmt(self.points)}"
        return text


def summarise(lines: list[Line]) -> list[ItemSummary]:
    out: dict[str, ItemSummary] = {}
    for line in lines:
        s = out.setdefault(line.item.code, ItemSummary(line.item))
        s.count += 1
        s.raw += line.raw
        s.points += line.points
        if line.cap_note:
            s.notes.append(line.cap_note)
    return list(out.values())


def fmt(value: Decimal | None) -> str:
    if value is None:
        return "不限"
    q = value.quantize(ONE_PLACE)
    return str(int(q)) if q == q.to_integral() else str(q)


def category_label(code: str) -> str:
    return CATEGORY_LABELS.get(code, code)


def dues_on_time(month: dt.date, paid_on: dt.date, grace_days: int) -> bool:
    """Paid by the end of the month due, plus `grace_days` (a committee setting; "on time" has no
    national definition — domain-rules round 2 §1e, UNVERIFIED)."""
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return paid_on < nxt + dt.timedelta(days=grace_days)


# ---------------------------------------------------------------------------------------------
# The manual as stored data (JSON), validated


def _dec(raw: Any, label: str, *, allow_none: bool = False, allow_negative: bool = False) -> Decimal | None:
    if raw in (None, "") and allow_none:
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"“{label}”应为数字（可保留一位小数）") from exc
    if not value.is_finite() or value != value.quantize(ONE_PLACE):
        raise ValidationError(f"“{label}”最多保留一位小数")
    if value < 0 and not allow_negative:
        raise ValidationError(f"“{label}”不能为负数")
    if abs(value) > 1000:
        raise ValidationError(f"“{label}”不能超过 1000")
    return value


def manual_to_data(m: Manual) -> dict[str, Any]:
    def s(v: Decimal | None) -> str | None:
        return None if v is None else str(v)

    return {
        "items": [
            {
                "code": i.code,
                "label": i.label,
                "category": i.category,
                "points": str(i.points),
                "source": i.source,
                "kinds": list(i.kinds),
                "monthly_cap": s(i.monthly_cap),
                "yearly_cap": s(i.yearly_cap),
                "needs_approval": i.needs_approval,
                "note": i.note,
                "veto": i.veto,
            }
            for i in m.items
        ],
        "category_caps": {k: str(v) for k, v in m.category_caps.items()},
        "total_cap": s(m.total_cap),
        "thresholds": [[str(t.min_points), t.stars, t.label] for t in m.thresholds],
        "branch_thresholds": [[str(t.min_points), t.stars, t.label] for t in m.branch_thresholds],
        "citation": m.citation,
    }


def _thresholds(raw: Any, what: str) -> tuple[Threshold, ...]:
    out = []
    for t in raw or ():
        label = str(t[2]).strip()
        out.append(Threshold(_dec(t[0], f"{what}“{label}”·最低分") or ZERO, int(t[1]), label))
    return tuple(out)


def manual_from_data(year: int, data: dict[str, Any], sources: dict[str, str] | None = None) -> Manual:
    """Parse and validate a stored or submitted manual; ValidationError in Chinese names the field.

    `sources`: the derived sources other apps registered (code → label). Given when a committee saves
    a manual, so an item can only pick a source that exists; None when reading a stored manual (it
    was checked when saved; an item whose app is gone simply scores nothing)."""
    items: list[Item] = []
    caps = {str(k): _dec(v, f"“{category_label(str(k))}”类上限") for k, v in (data.get("category_caps") or {}).items()}
    for raw in data.get("items") or []:
        label = str(raw.get("label", "")).strip()
        if not label:
            raise ValidationError("积分项目须有名称")
        source = str(raw.get("source") or "")
        known = source in Source.LABELS or (source in sources if sources is not None else bool(source))
        if not known:
            raise ValidationError(f"“{label}”的积分来源无效")
        points = _dec(raw.get("points"), f"{label}·每次分值", allow_negative=True)
        assert points is not None
        category = str(raw.get("category", ""))
        item = Item(
            code=str(raw.get("code", "")),
            label=label,
            category=category,
            points=points,
            source=source,
            kinds=tuple(raw.get("kinds") or ()),
            monthly_cap=_dec(raw.get("monthly_cap"), f"{label}·月度上限", allow_none=True),
            yearly_cap=_dec(raw.get("yearly_cap"), f"{label}·年度上限", allow_none=True),
            needs_approval=bool(raw.get("needs_approval")) or source == Source.MANUAL,
            note=str(raw.get("note", "")),
            veto=bool(raw.get("veto")),
        )
        items.append(item)
    thresholds = _thresholds(data.get("thresholds"), "党员星级")
    raw_branch = data.get("branch_thresholds")
    branch_thresholds = DEFAULT_BRANCH_THRESHOLDS if raw_branch is None else _thresholds(raw_branch, "支部星级")
    m = Manual(
        year=year,
        items=tuple(items),
        category_caps={k: v for k, v in caps.items() if v is not None},
        total_cap=_dec(data.get("total_cap"), "年度总分上限", allow_none=True),
        thresholds=thresholds,
        citation=str(data.get("citation", "")),
        branch_thresholds=branch_thresholds,
    )
    errors = manual_problems(m)
    if errors:
        raise ValidationError(errors)
    return m


def manual_problems(m: Manual) -> list[str]:
    """Contradictions a committee must fix before the manual is saved."""
    out: list[str] = []
    codes = [i.code for i in m.items]
    if len(set(codes)) != len(codes) or any(not c for c in codes):
        out.append("积分项目代码须唯一且不能为空")
    for i in m.items:
        if i.category not in CATEGORY_LABELS:
            out.append(f"“{i.label}”的类别无效")
        if i.points == 0:
            out.append(f"“{i.label}”的每次分值不能为 0")
        if i.source in (Source.ATTEND, Source.ABSENT) and not i.kinds:
            out.append(f"“{i.label}”须指明会议类型")
        if i.source == Source.ABSENT and i.points > 0:
            out.append(f"“{i.label}”（缺席）应为减分，分值须为负数")
        cat_cap = m.category_caps.get(i.category)
        if i.yearly_cap is not None and cat_cap is not None and i.yearly_cap > cat_cap:
            out.append(
                f"“{i.label}”的年度上限 {fmt(i.yearly_cap)} 高于“{category_label(i.category)}”类上限 {fmt(cat_cap)}"
            )
        if i.monthly_cap is not None and i.yearly_cap is not None and i.monthly_cap > i.yearly_cap:
            out.append(f"“{i.label}”的月度上限 {fmt(i.monthly_cap)} 高于年度上限 {fmt(i.yearly_cap)}")
    out.extend(threshold_problems(m.thresholds, "党员"))
    out.extend(threshold_problems(m.branch_thresholds, "党支部"))
    return out


def threshold_problems(thresholds: tuple[Threshold, ...], who: str) -> list[str]:
    out: list[str] = []
    mins = [t.min_points for t in thresholds]
    if not thresholds:
        out.append(f"请至少设置一个{who}星级")
    if len(set(mins)) != len(mins) or len({t.stars for t in thresholds}) != len(thresholds):
        out.append(f"{who}各星级的最低分和星数不能重复")
    by_min = sorted(thresholds, key=lambda t: t.min_points)
    if [t.stars for t in by_min] != sorted(t.stars for t in by_min):
        out.append(f"{who}星级越高，最低分应越高")
    if any(t.stars < 1 or t.stars > 10 for t in thresholds):
        out.append(f"{who}星数应在 1 到 10 之间")
    if any(not t.label for t in thresholds):
        out.append(f"{who}星级须有名称")
    return out


# ---------------------------------------------------------------------------------------------
# 星级党支部: a weighted score of two assessments, quotas, direct ratings


def branch_score(points_score: Decimal, target_score: Decimal, points_weight: int) -> Decimal:
    """`points_weight` % of the 积分制管理考核 score plus the rest of the 年终目标考核 score (seed 002
    names both inputs; the weights are UNVERIFIED local practice, a committee setting). Cut to one
    decimal place downwards, so a weighted 89.95 is 89.9 and never rounded up into a higher star."""
    w = Decimal(points_weight) / 100
    return (points_score * w + target_score * (1 - w)).quantize(ONE_PLACE, rounding=ROUND_DOWN)


def target_input(entered: Decimal | None, sourced: Decimal | None) -> tuple[Decimal | None, bool]:
    """The 年终目标考核 score the formula uses, and whether it came from the committee's chosen source
    (the year's inspection score): the recorded score wins, cut to one decimal place downwards like
    the formula; with no recorded score (the branch was not inspected that year) the committee's
    entered score stands -- the documented fallback, so a branch is never rated without an input."""
    if sourced is not None:
        return sourced.quantize(ONE_PLACE, rounding=ROUND_DOWN), True
    return entered, False


def stars_label(stars: int, thresholds: tuple[Threshold, ...]) -> str:
    return next((t.label for t in thresholds if t.stars == stars), NO_STAR)


def parse_quotas(raw: str) -> dict[int, int]:
    """ "3:10,2:40" → {3: 10, 2: 40}: at most 10 % of the committee's branches 三星, 40 % 二星."""
    out: dict[int, int] = {}
    for part in str(raw or "").replace("，", ",").replace("：", ":").split(","):
        part = part.strip()
        if not part:
            continue
        stars, sep, pct = part.partition(":")
        if not sep or not stars.strip().isdigit() or not pct.strip().isdigit():
            raise ValidationError(f"星级名额“{part}”格式应为 星数:百分比，如 3:10")
        s, p = int(stars), int(pct)
        if not 1 <= s <= 10 or not 0 <= p <= 100:
            raise ValidationError(f"星级名额“{part}”：星数应为 1-10，百分比应为 0-100")
        out[s] = p
    return out


def quota_limit(percent: int, branches: int) -> int:
    """How many branches may hold a star with a quota of `percent` among `branches` (rounded down:
    a 10 % quota over 25 branches allows 2)."""
    return percent * branches // 100


def quota_problem(stars: int, label: str, quotas: dict[int, int], taken: int, branches: int) -> str:
    """A refusal when one more `stars` rating would exceed the committee's quota ("" when it fits)."""
    if stars not in quotas:
        return ""
    limit = quota_limit(quotas[stars], branches)
    if taken + 1 > limit:
        return (
            f"{label}名额已满：不超过 {quotas[stars]}%，本党委共 {branches} 个党支部，最多 {limit} 个，"
            f"已审定 {taken} 个；请调整评定（可直接评定为较低星级并注明依据）"
        )
    return ""


def points_reference(totals: list[Decimal]) -> Decimal | None:
    """A reference for the branch's 积分制管理考核 score: the mean annual total of the members in the
    rating (exempted members are out of the denominator, seed 002), cut to one decimal place."""
    if not totals:
        return None
    return (sum(totals, ZERO) / len(totals)).quantize(ONE_PLACE, rounding=ROUND_DOWN)


def appraisal_hint(total: Decimal, star: str, *, exempt: bool, veto: str, suggestion: str) -> str:
    """The short line the appraisal (民主评议) page shows beside a member: points and star as an input,
    never a grade (only the 支委会 or 党员大会 grades a member, domain-rules §6)."""
    if exempt:
        return "经批准不参与本年度评星"
    text = f"积分 {fmt(total)}，{star}"
    if veto:
        return f"{text}；{veto}（仅供评议参考）"
    if suggestion:
        return f"{text}；低于最低星级，建议列入民主评议议程（仅供参考，不作为评定等次）"
    return f"{text}（仅供评议参考）"
