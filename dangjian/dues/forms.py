"""Forms: parse and check what a person typed; the services enforce the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .models import PaymentMethod
from .rules import (
    BASE_ITEMS,
    DuesCategory,
    MoneyError,
    ReliefKind,
    add_months,
    base_error,
    month_label,
    parse_month,
    parse_yuan,
)


class YuanField(forms.CharField):
    """Money typed in yuan ('76.5'), cleaned to integer fen."""

    def __init__(self, *args: Any, allow_zero: bool = True, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> int | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            fen = parse_yuan(value, str(self.label or "金额"))
        except MoneyError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if fen < 0:
            raise forms.ValidationError(f"{self.label}不能为负数")
        if not self.allow_zero and fen == 0:
            raise forms.ValidationError(f"{self.label}应大于0")
        return fen


class MonthField(forms.CharField):
    """'2026-03' → date(2026, 3, 1)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month"}))
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> dt.date | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError(f"{self.label}格式应为“年-月”，如 2026-03")
        return month


class BaseForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    category = forms.ChoiceField(label="党费类别", choices=DuesCategory.choices)
    monthly_base = YuanField(label="月缴费基数（元）", required=False, help_text="税后工资中相对固定、经常性的部分")
    effective_from = MonthField(label="起始月份", required=False, help_text="年初核定从1月起；年度内调整须写明原因")
    reason = forms.CharField(label="调整原因", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in BASE_ITEMS:
            self.fields[f"item_{item.code}"] = YuanField(
                label=item.label,
                required=False,
                help_text={"deduction": "扣除", "excluded": "不计入"}.get(item.kind, ""),
            )

    @property
    def item_fields(self) -> list[Any]:
        return [self[f"item_{i.code}"] for i in BASE_ITEMS]

    def items(self) -> dict[str, int]:
        return {
            i.code: self.cleaned_data[f"item_{i.code}"]
            for i in BASE_ITEMS
            if self.cleaned_data.get(f"item_{i.code}") is not None
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        base = data.get("monthly_base")
        has_items = any(data.get(f"item_{i.code}") is not None for i in BASE_ITEMS)
        category = data.get("category")
        flat = category in {
            DuesCategory.STUDENT,
            DuesCategory.UNEMPLOYED,
            DuesCategory.RELIEF,
            DuesCategory.FARMER,
        }
        if base is None and not has_items and not flat:
            self.add_error("monthly_base", "请填写月缴费基数，或填写下方收入明细由系统计算")
        if base is not None and (err := base_error(base)):
            self.add_error("monthly_base", err)
        return data


class QuickPaymentForm(forms.Form):
    """One tap on the party day: the expected amount is prefilled and may be edited."""

    amount = YuanField(label="实缴金额（元）", allow_zero=False)
    method = forms.ChoiceField(label="方式", choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    note = forms.CharField(label="备注", max_length=300, required=False)


class PaymentForm(forms.Form):
    months = forms.CharField(
        label="缴纳月份",
        help_text="一个或多个月份，用逗号分隔，如 2026-01,2026-02,2026-03（按季度或预交）",
    )
    amount = YuanField(label="实缴金额（元）", allow_zero=False)
    paid_on = forms.DateField(label="缴纳日期", widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label="缴纳方式", choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    collector_name = forms.CharField(label="收缴人", max_length=50, required=False)
    by_proxy = forms.BooleanField(label="他人代交", required=False)
    proxy_name = forms.CharField(label="代交人", max_length=50, required=False)
    proxy_reason = forms.CharField(label="代交原因（特殊情况）", max_length=300, required=False)
    proxy_consent = forms.BooleanField(label="已经党支部同意", required=False)
    note = forms.CharField(label="备注", max_length=300, required=False, help_text="金额与应缴不一致时必填")

    def clean_months(self) -> list[dt.date]:
        raw = self.cleaned_data["months"].replace("，", ",").replace(" ", ",")
        out: list[dt.date] = []
        for part in [p for p in raw.split(",") if p.strip()]:
            m = parse_month(part)
            if m is None:
                raise forms.ValidationError(f"月份“{part.strip()}”格式应为“年-月”，如 2026-03")
            out.append(m)
        if not out:
            raise forms.ValidationError("请填写缴纳月份")
        return out

    def clean_paid_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["paid_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("缴纳日期不能晚于今天")
        return value


class ExemptionForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=ReliefKind.choices)
    reduced = YuanField(label="减免后每月交纳（元）", required=False, help_text="少交时填写")
    start_month = MonthField(label="起始月份")
    end_month = MonthField(label="截止月份")
    reason = forms.CharField(label="困难情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    application = forms.CharField(label="书面申请（编号或说明）", max_length=200)
    branch_discussed_on = forms.DateField(
        label="支部研究日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def month_choices(center: dt.date, before: int = 12, after: int = 3) -> list[tuple[str, str]]:
    return [(f"{m:%Y-%m}", month_label(m)) for m in (add_months(center, i) for i in range(after, -before - 1, -1))]
