from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from .models import FixedDaySetting


class SettingForm(forms.ModelForm):
    class Meta:
        model = FixedDaySetting
        fields = ["rule", "day_of_month", "time_of_day", "start_time", "min_hours", "allow_makeup_weekend", "place"]
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PlanForm(forms.Form):
    """Twelve months of themes and content, plus a note when adjusting a filed plan."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    change_note = forms.CharField(label="调整说明", required=False, max_length=300)

    def __init__(self, *args: Any, initial_items: dict[int, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for m in range(1, 13):
            item = (initial_items or {}).get(m)
            self.fields[f"theme_{m}"] = forms.CharField(
                label=f"{m}月主题", required=False, max_length=200, initial=item.theme if item else ""
            )
            self.fields[f"content_{m}"] = forms.CharField(
                label=f"{m}月计划内容",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=item.content if item else "",
            )

    def items(self) -> dict[int, tuple[str, str]]:
        return {m: (self.cleaned_data[f"theme_{m}"], self.cleaned_data[f"content_{m}"]) for m in range(1, 13)}

    def month_fields(self) -> list[tuple[int, Any, Any]]:
        return [(m, self[f"theme_{m}"], self[f"content_{m}"]) for m in range(1, 13)]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "同意"), ("reject", "不同意")], label="审批结果")
    comment = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("file", "备案"), ("return", "退回")], label="审核结果")
    comment = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ChangeRequestForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.IntegerField(label="月份", min_value=1, max_value=12)
    new_date = forms.DateField(label="调整后日期", widget=forms.DateInput(attrs={"type": "date"}))
    new_time = forms.TimeField(label="开始时间", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label="活动地点", required=False, max_length=200)
    reason = forms.CharField(label="调整理由", widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        y, m, d = data.get("year"), data.get("month"), data.get("new_date")
        if y and m and isinstance(d, dt.date) and abs((d - dt.date(y, m, 15)).days) > 45:
            self.add_error("new_date", "“调整后日期”应在该月前后，不能相差太远")
        return data
