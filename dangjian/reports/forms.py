"""Forms of the reports pages: only the two short texts of a report are typed (the figures are
computed), plus a committee's quarterly indicators and exclusions."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import DutyGrade, RatingChoice
from .rules import ExclusionReason, ScoringRule
from .services import TEXT_MAX


class SignOffForm(forms.Form):
    highlights = forms.CharField(
        label="亮点", required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    problems = forms.CharField(
        label="问题", required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(label="更正原因", required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class IndicatorForm(forms.Form):
    label = forms.CharField(label="指标名称", max_length=100)
    figure = forms.ChoiceField(label="数据来源", choices=())
    target = forms.DecimalField(label="目标值", min_value=0, max_digits=9, decimal_places=1)
    weight = forms.DecimalField(label="权重（分）", min_value=0, max_digits=5, decimal_places=1)
    rule = forms.ChoiceField(label="计分规则", choices=ScoringRule.choices)

    def __init__(self, *args: Any, figures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["figure"].choices = figures  # type: ignore[attr-defined]


class ExclusionForm(forms.Form):
    branch = forms.TypedChoiceField(label="党支部", coerce=int, choices=())
    reason = forms.ChoiceField(label="原因", choices=ExclusionReason.choices)
    note = forms.CharField(label="说明（批准文件）", max_length=200)

    def __init__(self, *args: Any, branches: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = branches  # type: ignore[attr-defined]


class DutyForm(forms.Form):
    text = forms.CharField(label="述职报告", max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label="评价", choices=RatingChoice.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label="意见建议（选填，匿名）", required=False, max_length=300)


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label="评议等次（由评议会议确定）", choices=DutyGrade.choices)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DutyRectificationForm(forms.Form):
    problem = forms.CharField(label="问题", max_length=300)
    measure = forms.CharField(label="整改措施", max_length=300)
    deadline = forms.DateField(label="整改时限", widget=forms.DateInput(attrs={"type": "date"}))
