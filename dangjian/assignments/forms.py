"""Forms for publishing an assignment and for the target's actions (parsing only; rules live in services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from dangjian.orgs.models import Organization

from .models import DeliverableKind, TargetMode
from .rules import DeliverableSpec, parse_lines

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LINES = forms.Textarea(attrs={"rows": 4, "placeholder": "每行一项"})


class PublishForm(forms.Form):
    publisher_org = forms.ModelChoiceField(queryset=Organization.objects.none(), label="发布组织", empty_label=None)
    title = forms.CharField(label="任务标题", max_length=200)
    theme = forms.CharField(label="活动主题", max_length=300)
    notice = forms.CharField(label="通知正文", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    window_start = forms.DateField(label="活动开始日期", widget=DATE)
    window_end = forms.DateField(label="活动结束日期", widget=DATE)
    min_hours = forms.DecimalField(
        label="最少时长（小时）", initial=Decimal(4), max_digits=4, decimal_places=1, help_text="半天按 4 小时计"
    )
    required_actions = forms.CharField(label="规定动作", widget=LINES, required=False)
    collective_study = forms.CharField(label="集中学习内容", widget=LINES, required=False)
    self_study = forms.CharField(label="自学内容", widget=LINES, required=False)
    practical_deeds = forms.CharField(label="办实事", widget=LINES, required=False)
    target_mode = forms.ChoiceField(
        label="发布范围", choices=TargetMode.choices, initial=TargetMode.SUBTREE, widget=forms.RadioSelect
    )
    chosen_orgs = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.none(),
        label="指定组织",
        required=False,
        help_text="选择党委或党总支即发布到其下全部党支部",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, publisher_orgs: Any, chosen_orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publisher_org"].queryset = publisher_orgs  # type: ignore[attr-defined]
        self.fields["chosen_orgs"].queryset = chosen_orgs  # type: ignore[attr-defined]

    def lists(self) -> dict[str, list[str]]:
        return {
            k: parse_lines(self.cleaned_data.get(k) or "")
            for k in ("required_actions", "collective_study", "self_study", "practical_deeds")
        }


class DeliverableForm(forms.Form):
    title = forms.CharField(label="材料名称", max_length=200, required=False)
    kind = forms.ChoiceField(label="类型", choices=DeliverableKind.choices, required=False)
    due_on = forms.DateField(label="截止日期", widget=DATE, required=False)

    def spec(self) -> DeliverableSpec | None:
        d = self.cleaned_data
        if not d.get("title") and not d.get("due_on"):
            return None
        if not d.get("due_on"):
            raise forms.ValidationError(f"报送材料“{d.get('title')}”：请填写截止日期")
        if not d.get("kind"):
            raise forms.ValidationError(f"报送材料“{d.get('title')}”：请选择类型")
        return DeliverableSpec(title=d.get("title") or "", kind=d["kind"], due_on=d["due_on"])


DeliverableFormSet = forms.formset_factory(DeliverableForm, extra=4, max_num=10)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("return", "退回")])
    comment = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(required=False)


class UploadForm(forms.Form):
    deliverable = forms.IntegerField()
    file = forms.FileField(label="文件")


class LinkMeetingForm(forms.Form):
    deliverable = forms.IntegerField()
    meeting = forms.IntegerField(label="会议记录")
