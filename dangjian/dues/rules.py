"""Party dues rules (党费): pure functions over plain values, each citing its regulation.

Sources (summarised in shared/reference/domain-rules.md §2):
- 中组部《关于中国共产党党费收缴、使用和管理的规定》(中组发〔2008〕3号) (DOC_2008 below);
- 中组部办公厅《关于进一步规范党费工作的通知》(组电明字〔2017〕5号) (DOC_2017 below).

Money is integer fen everywhere. Percentages are applied to the whole base at one rate (全额累进,
not marginal slices). Rounding happens exactly once, in `round_fen`, called from `monthly_due`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

from dangjian.core.findings import Finding, Severity

DOC_2008 = "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"
DOC_2017 = "中央组织部办公厅《关于进一步规范党费工作的通知》（组电明字〔2017〕5号）"
CITE_RATES = f"{DOC_2008}第二条（在职党员按月工资收入比例交纳，含上限）"
CITE_RETIRED = f"{DOC_2008}第五条（离退休党员：5000元以下（含）0.5%，以上1%）"
CITE_FLAT = f"{DOC_2008}第六条（农民党员每月0.2元至1元；学生、下岗失业、依靠抚恤或救济生活、领取低保的党员每月0.2元）"
CITE_BASE = f"{DOC_2008}第一条及{DOC_2017}（税后工资中相对固定、经常性的部分；五险一金、年金、改革性补贴等不计入）"
CITE_CAP = f"{DOC_2017}（党员每月交纳党费一般不超过1000元，自愿多交不限）"
CITE_LARGE = f"{DOC_2008}第十一条（自愿一次多交1000元以上的党费，全部上缴中央）"
CITE_RELIEF = f"{DOC_2008}第七条（确有困难的，经支部研究、报上一级党委批准，可以少交或免交）"
CITE_PROBATION = f"{DOC_2008}第八条（预备党员从支部大会通过其为预备党员之日起交纳党费）"
CITE_PROXY = f"{DOC_2008}第十二条（特殊情况经党支部同意，可以委托他人代交）"
CITE_ARREARS = f"{DOC_2008}第十三条；《中国共产党党员教育管理工作条例》第三十一条（连续6个月不交纳党费）"
CITE_FIXED_YEARLY = f"{DOC_2017}（年初核定党员每月应交党费数额，年度内一般不变）"
CITE_ROUNDING = "党费尾数处理无全国统一规定，由党委设置"

# Upper bounds in fen, inclusive (含3000、含5000、含10000).
IN_SERVICE_TIERS: tuple[tuple[int | None, Decimal], ...] = (
    (300_000, Decimal("0.005")),
    (500_000, Decimal("0.01")),
    (1_000_000, Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_TIERS: tuple[tuple[int | None, Decimal], ...] = (
    (500_000, Decimal("0.005")),
    (None, Decimal("0.01")),
)
FLAT_LOW_FEN = 20  # 0.2 yuan
FARMER_MIN_FEN = 20
FARMER_MAX_FEN = 100
DEFAULT_CAP_FEN = 100_000  # 1000 yuan (2017 通知)
LARGE_VOLUNTARY_FEN = 100_000  # ≥1000 yuan extra in one go: 大额党费
MAX_BASE_FEN = 1_000_000_000  # 10,000,000 yuan a month: anything above is a typing error
ARREARS_FLAG_MONTHS = 6  # national rule, not configurable
ARREARS_WARN_MONTHS = 3


class DuesCategory(models.TextChoices):
    """How a member's dues are assessed (a snapshot on the yearly base)."""

    IN_SERVICE = "in_service", "在职（按月领取工资）"
    ANNUAL_SALARY = "annual_salary", "年薪制（按当月实得）"
    SELF_EMPLOYED = "self_employed", "个体经营等（按上季度月平均纯收入）"
    RETIRED = "retired", "离退休"
    FARMER = "farmer", "农民"
    STUDENT = "student", "学生"
    UNEMPLOYED = "unemployed", "下岗失业"
    RELIEF = "relief", "依靠抚恤/救济生活或领取低保"


SALARIED = frozenset({DuesCategory.IN_SERVICE, DuesCategory.ANNUAL_SALARY, DuesCategory.SELF_EMPLOYED})
FLAT_LOW = frozenset({DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.RELIEF})

# Member.category (roster) → the dues category proposed when a base is first set.
FROM_MEMBER_CATEGORY = {
    "in_service": DuesCategory.IN_SERVICE,
    "retired": DuesCategory.RETIRED,
    "student": DuesCategory.STUDENT,
    "farmer": DuesCategory.FARMER,
    "unemployed": DuesCategory.UNEMPLOYED,
    "other": DuesCategory.IN_SERVICE,
}


class Rounding(models.TextChoices):
    FEN = "fen", "四舍五入到分"
    YUAN_UP = "yuan_up", "向上取整到元（只入不舍）"


class ReliefKind(models.TextChoices):
    REDUCE = "reduce", "少交"
    EXEMPT = "exempt", "免交"


# ---------------------------------------------------------------------------------------------
# Months


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    idx = d.year * 12 + (d.month - 1) + n
    return dt.date(idx // 12, idx % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month start from `first`'s month to `last`'s month, inclusive."""
    out: list[dt.date] = []
    m = month_start(first)
    end = month_start(last)
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def month_label(d: dt.date) -> str:
    return f"{d.year}年{d.month}月"


MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_month(raw: str) -> dt.date | None:
    """'2026-03' → 2026-03-01; None when malformed."""
    m = MONTH_RE.match((raw or "").strip())
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def is_month_due(month: dt.date, admitted_on: dt.date | None, left_on: dt.date | None) -> bool:
    """Whether a member owes the month that starts at `month`.

    Rule (2008 规定 第八条, decided here for whole months): dues are monthly and never prorated, so a
    member admitted on any day of a month owes that whole month (admitted 31 March → March is due;
    admitted 1 April → March is not). Symmetrically, a member pays through the month in which they
    leave the roll or transfer out (the introduction letter records dues paid up to that month), so
    the month of leaving is due and the next one is not.
    """
    if admitted_on is not None and month < month_start(admitted_on):
        return False
    return not (left_on is not None and month > month_start(left_on))


# ---------------------------------------------------------------------------------------------
# Money parsing and formatting


class MoneyError(ValueError):
    pass


def parse_yuan(raw: str | int | Decimal, label: str = "金额") -> int:
    """'5100', '5100.5', '5,100.50' → fen. Raises MoneyError with a Chinese message naming `label`."""
    text = str(raw).strip().replace(",", "").replace("，", "").replace("元", "")
    if text == "":
        raise MoneyError(f"请填写{label}")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(f"{label}应为数字（元，最多两位小数）") from exc
    if not value.is_finite():
        raise MoneyError(f"{label}应为数字（元，最多两位小数）")
    if value != value.quantize(Decimal("0.01")):
        raise MoneyError(f"{label}最多保留两位小数（到分）")
    return int(value * 100)


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def base_error(base_fen: int) -> str | None:
    """Bad base input: negative, or absurd (above 10,000,000 yuan a month)."""
    if base_fen < 0:
        return "缴费基数不能为负数"
    if base_fen > MAX_BASE_FEN:
        return "缴费基数超过每月1000万元，明显有误，请核对"
    return None


def base_change_needs_reason(*, effective_from: dt.date, has_earlier_base_this_year: bool) -> bool:
    """The base is fixed at the start of the year (2017 通知); any change inside the year needs a reason."""
    return effective_from.month != 1 or has_earlier_base_this_year


# ---------------------------------------------------------------------------------------------
# The base: which items count (§2.2)


@dataclass(frozen=True)
class BaseItem:
    code: str
    label: str
    kind: str  # "income" (counted) | "deduction" (subtracted) | "excluded" (listed, not counted)
    note: str = ""


BASE_ITEMS: tuple[BaseItem, ...] = (
    BaseItem("post_pay", "职务/岗位工资", "income"),
    BaseItem("grade_pay", "级别/薪级/技术等级工资", "income"),
    BaseItem("basic_perf", "基础性绩效工资", "income", "事业单位计入基础性绩效"),
    BaseItem("allowance", "规范性津贴补贴（工作性津贴、生活性补贴）", "income"),
    BaseItem("regular_bonus", "按月普发的奖金（企业）", "income"),
    BaseItem("pension", "离退休费/养老金", "income", "离退休党员按实际领取总额"),
    BaseItem("income_tax", "个人所得税", "deduction"),
    BaseItem("social_insurance", "五险一金个人缴纳部分", "deduction"),
    BaseItem("annuity", "职业年金/企业年金个人缴纳部分", "deduction"),
    BaseItem("incentive_perf", "奖励性绩效工资", "excluded", f"{DOC_2017}：不计入"),
    BaseItem("irregular_bonus", "非普发、不定期的奖金和绩效", "excluded", f"{DOC_2017}：不计入"),
    BaseItem("reform_subsidy", "改革性补贴（住房、交通、车改、通讯、加班、误餐、取暖、降温、物业等）", "excluded"),
    BaseItem(
        "special_allowance", "仅部分地区/单位/岗位/人员享受的津贴（艰苦边远、特殊岗位、政府特殊津贴等）", "excluded"
    ),
    BaseItem("employer_insurance", "单位缴纳的五险一金和年金", "excluded"),
    BaseItem("disability_pension", "伤残抚恤金", "excluded"),
)
BASE_ITEMS_BY_CODE = {i.code: i for i in BASE_ITEMS}


def excluded_items() -> list[BaseItem]:
    """What is left out of the base (§2.2), for the help text next to the declared base."""
    return [i for i in BASE_ITEMS if i.kind != "income"]


@dataclass(frozen=True)
class BaseComputation:
    base_fen: int
    counted: list[tuple[str, int]]
    deducted: list[tuple[str, int]]
    excluded: list[tuple[str, int]]
    citation: str = CITE_BASE


def compute_base(items: dict[str, int]) -> BaseComputation:
    """Base from a declared breakdown (fen per item code): counted income minus deductions.
    Excluded items are recorded but not counted. Unknown codes raise ValueError."""
    counted: list[tuple[str, int]] = []
    deducted: list[tuple[str, int]] = []
    excluded: list[tuple[str, int]] = []
    for code, fen in items.items():
        item = BASE_ITEMS_BY_CODE.get(code)
        if item is None:
            raise ValueError(f"unknown base item {code!r}")
        if fen < 0:
            raise MoneyError(f"“{item.label}”不能为负数")
        {"income": counted, "deduction": deducted, "excluded": excluded}[item.kind].append((item.label, fen))
    base = sum(f for _, f in counted) - sum(f for _, f in deducted)
    return BaseComputation(max(base, 0), counted, deducted, excluded)


# ---------------------------------------------------------------------------------------------
# Rates and the monthly amount


@dataclass(frozen=True)
class Rate:
    """Either a percentage of the base (`ratio`) or a flat monthly amount (`flat_fen`)."""

    label: str
    citation: str
    ratio: Decimal | None = None
    flat_fen: int | None = None


def _tier(base_fen: int, tiers: tuple[tuple[int | None, Decimal], ...]) -> Decimal:
    for upper, ratio in tiers:
        if upper is None or base_fen <= upper:
            return ratio
    raise AssertionError("the last tier has no upper bound")


def rate_for(category: str, base_fen: int, *, farmer_fen: int = FARMER_MIN_FEN) -> Rate:
    """The rate in force for a category and monthly base (fen)."""
    if category in SALARIED:
        ratio = _tier(base_fen, IN_SERVICE_TIERS)
        return Rate(f"{(ratio * 100).normalize():f}%", CITE_RATES, ratio=ratio)
    if category == DuesCategory.RETIRED:
        ratio = _tier(base_fen, RETIRED_TIERS)
        return Rate(f"{(ratio * 100).normalize():f}%", CITE_RETIRED, ratio=ratio)
    if category == DuesCategory.FARMER:
        if not FARMER_MIN_FEN <= farmer_fen <= FARMER_MAX_FEN:
            raise ValueError("farmer amount must be between 0.2 and 1 yuan")
        return Rate(f"每月{fen_to_yuan(farmer_fen)}元", CITE_FLAT, flat_fen=farmer_fen)
    if category in FLAT_LOW:
        return Rate(f"每月{fen_to_yuan(FLAT_LOW_FEN)}元", CITE_FLAT, flat_fen=FLAT_LOW_FEN)
    raise ValueError(f"unknown dues category {category!r}")


def round_fen(value: Decimal, mode: str) -> int:
    """The one place where money is rounded. `value` is in fen."""
    if mode == Rounding.YUAN_UP:
        return int((value / 100).to_integral_value(rounding=ROUND_CEILING)) * 100
    if mode == Rounding.FEN:
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))
    raise ValueError(f"unknown rounding mode {mode!r}")


@dataclass(frozen=True)
class Relief:
    """An approved reduction (少交, to `reduced_fen` a month) or exemption (免交)."""

    kind: str
    reduced_fen: int = 0


@dataclass(frozen=True)
class Due:
    amount_fen: int
    unrounded_fen: Decimal  # before rounding, cap and relief (kept for the audit trail)
    rate: Rate
    capped: bool = False
    relief: str = ""
    findings: list[Finding] = field(default_factory=list)


def monthly_due(
    *,
    category: str,
    base_fen: int,
    rounding: str = Rounding.FEN,
    cap_fen: int = DEFAULT_CAP_FEN,
    farmer_fen: int = FARMER_MIN_FEN,
    relief: Relief | None = None,
) -> Due:
    """A member's regular monthly dues.

    Order: rate × whole base → round once (percentage rates only; flat amounts are fixed by 第六条 and
    never rounded up to a yuan) → committee cap on the regular amount (0 = no cap; voluntary extra is
    always allowed at payment) → approved reduction or exemption.
    """
    if err := base_error(base_fen):
        raise ValueError(err)
    rate = rate_for(category, base_fen, farmer_fen=farmer_fen)
    findings: list[Finding] = []
    if rate.flat_fen is not None:
        unrounded = Decimal(rate.flat_fen)
        amount = rate.flat_fen
    else:
        assert rate.ratio is not None
        unrounded = Decimal(base_fen) * rate.ratio
        amount = round_fen(unrounded, rounding)
    capped = False
    if cap_fen > 0 and amount > cap_fen:
        amount, capped = cap_fen, True
        findings.append(
            Finding(
                "dues.capped",
                Severity.ADVISORY,
                f"按比例应交{fen_to_yuan(round_fen(unrounded, rounding))}元，"
                f"按党委规定的上限每月交纳{fen_to_yuan(cap_fen)}元，"
                "本人自愿多交的不受限制",
                CITE_CAP,
            )
        )
    relief_label = ""
    if relief is not None:
        if relief.kind == ReliefKind.EXEMPT:
            amount, relief_label = 0, ReliefKind.EXEMPT.label
        elif relief.kind == ReliefKind.REDUCE:
            amount, relief_label = min(amount, max(relief.reduced_fen, 0)), ReliefKind.REDUCE.label
        findings.append(Finding("dues.relief", Severity.ADVISORY, f"经批准{relief_label}党费", CITE_RELIEF))
    return Due(amount, unrounded, rate, capped, relief_label, findings)


# ---------------------------------------------------------------------------------------------
# Payments and arrears


def payment_findings(*, expected_fen: int, amount_fen: int) -> list[Finding]:
    """What the collector should know about an amount that differs from the expected one."""
    out: list[Finding] = []
    if amount_fen < expected_fen:
        out.append(
            Finding(
                "dues.underpaid",
                Severity.WARNING,
                f"实缴{fen_to_yuan(amount_fen)}元，少于应缴{fen_to_yuan(expected_fen)}元，"
                f"差额{fen_to_yuan(expected_fen - amount_fen)}元",
                f"{DOC_2008}第十二条（按月足额交纳）",
            )
        )
    elif amount_fen > expected_fen:
        extra = amount_fen - expected_fen
        out.append(
            Finding(
                "dues.overpaid",
                Severity.ADVISORY,
                f"实缴{fen_to_yuan(amount_fen)}元，多于应缴{fen_to_yuan(expected_fen)}元（多交{fen_to_yuan(extra)}元）",
                CITE_CAP,
            )
        )
        if extra >= LARGE_VOLUNTARY_FEN:
            out.append(
                Finding(
                    "dues.large_voluntary",
                    Severity.ADVISORY,
                    "自愿一次多交1000元以上，属大额党费，应全部上缴中央",
                    CITE_LARGE,
                )
            )
    return out


MAX_ADVANCE_MONTHS = 12  # 预交: at most a year ahead of the month of payment


def advance_months_error(months: Sequence[dt.date], paid_on: dt.date) -> str | None:
    """Months paid in advance may reach `MAX_ADVANCE_MONTHS` past the month of payment, no further."""
    if months and max(month_start(m) for m in months) > add_months(month_start(paid_on), MAX_ADVANCE_MONTHS):
        return f"预交党费最多预交{MAX_ADVANCE_MONTHS}个月"
    return None


@dataclass(frozen=True)
class Allocation:
    """How one payment is split across the months it covers (the 缴费月份 rows of a payment)."""

    expected_fen: int  # what the months were due in total
    shares: tuple[tuple[dt.date, int], ...]  # (month, fen) in month order; the shares add up to the payment

    @property
    def mismatch(self) -> bool:
        return sum(fen for _, fen in self.shares) != self.expected_fen


def allocate_payment(amount_fen: int, due: Sequence[tuple[dt.date, int]]) -> Allocation:
    """Split `amount_fen` across `due` = (month, expected fen) pairs, earliest month first.

    Each month gets its expected amount while the money lasts; the last month takes the rest, so an
    overpayment (自愿多交) lands on the last month and a shortfall leaves the last months short. A
    payment for several months at once (quarterly, in advance) is one payment with several shares.
    """
    months = sorted(due)
    shares: list[tuple[dt.date, int]] = []
    remaining = amount_fen
    for k, (month, expected) in enumerate(months):
        share = remaining if k == len(months) - 1 else min(remaining, expected)
        remaining -= share
        shares.append((month, share))
    return Allocation(sum(expected for _, expected in months), tuple(shares))


@dataclass(frozen=True, slots=True)
class MonthStatus:
    month: dt.date
    due_fen: int
    paid: bool  # a payment is recorded for the month


def consecutive_unpaid(statuses: Iterable[MonthStatus], through: dt.date) -> int:
    """Consecutive unpaid months ending at `through`'s month, counting backwards.

    A month counts when something was due (> 0) and no payment is recorded. The run stops at a paid
    month, a month with nothing due (approved exemption) or a month not on record (not yet a member,
    or outside the ledger). A month paid short still counts as paid here (the shortfall shows as money
    outstanding, not as a missed month).
    """
    by_month = {s.month: s for s in statuses}
    count = 0
    m = month_start(through)
    while True:
        s = by_month.get(m)
        if s is None or s.paid or s.due_fen <= 0:
            return count
        count += 1
        m = add_months(m, -1)


def arrears_findings(streak: int, *, exempted: bool = False) -> list[Finding]:
    """6 consecutive unpaid months is flagged to the branch; the system never changes a status itself."""
    if exempted or streak <= 0:
        return []
    if streak >= ARREARS_FLAG_MONTHS:
        return [
            Finding(
                "dues.arrears_6",
                Severity.ERROR,
                f"已连续{streak}个月未交纳党费。请支部了解情况、批评教育并限期改正；"
                "无正当理由的，由支部按程序研究处理（系统不会自动变更党员身份）",
                CITE_ARREARS,
                {"months": streak},
            )
        ]
    sev = Severity.WARNING if streak >= ARREARS_WARN_MONTHS else Severity.ADVISORY
    return [
        Finding(
            "dues.arrears",
            sev,
            f"已连续{streak}个月未交纳党费",
            f"{DOC_2008}第十三条（不按期交纳的，支部应批评教育，限期改正）",
            {"months": streak},
        )
    ]


def proxy_error(*, by_proxy: bool, proxy_name: str, proxy_reason: str, consent: bool) -> str | None:
    """Payment on a member's behalf needs the branch's consent, a named payer and a reason."""
    if not by_proxy:
        return None
    if not proxy_name.strip():
        return "代交党费须填写代交人姓名"
    if not proxy_reason.strip():
        return "代交党费须填写特殊情况说明（没有特殊情况不得由他人代交）"
    if not consent:
        return "代交党费须经党支部同意"
    return None


def months_label(months: Sequence[dt.date]) -> str:
    return "、".join(month_label(m) for m in sorted(months))
