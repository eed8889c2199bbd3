"""Forms of the openness pages: the shapes a person fills in; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from dangjian.core.registry import disclosable_kinds

from .models import AppliesTo, Category, Channel, Procedure, Scope, Secrecy, Timing

DATE = forms.DateInput(attrs={"type": "date"})


class ItemForm(forms.Form):
    title = forms.CharField(label="公开事项", max_length=120)
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    basis = forms.CharField(label="依据", max_length=200)
    kind = forms.ChoiceField(label="记录类型（由系统生成内容）", required=False)
    applies_to = forms.ChoiceField(label="适用于", choices=AppliesTo.choices, initial=AppliesTo.BRANCHES)
    scope = forms.ChoiceField(label="公开范围", choices=Scope.choices)
    timing = forms.ChoiceField(label="公开时间", choices=Timing.choices, initial=Timing.PERIODIC)
    frequency = forms.ChoiceField(
        label="频次（定期公开）",
        required=False,
        choices=[("", "—"), ("month", "每月"), ("quarter", "每季度"), ("year", "每年")],
    )
    due_days = forms.IntegerField(
        label="时限（定期：期末后天数；及时：工作日）", required=False, min_value=0, max_value=90
    )
    channel = forms.ChoiceField(label="公开方式", choices=Channel.choices)
    secrecy = forms.ChoiceField(label="密级", choices=Secrecy.choices, initial=Secrecy.INTERNAL)
    starts_on = forms.DateField(label="施行日期", required=False, widget=DATE)
    active = forms.BooleanField(label="有效", required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", "手工填写内容")] + [
            (k.code, k.label) for k in disclosable_kinds()
        ]


class ProposeForm(forms.Form):
    item = forms.TypedChoiceField(label="目录事项", coerce=int, required=False, empty_value=None)
    period_start = forms.DateField(label="所属期间（任选期间内一天）", required=False, widget=DATE)
    source_ref = forms.CharField(label="来源记录", required=False, max_length=60, widget=forms.HiddenInput)
    title = forms.CharField(label="标题", required=False, max_length=200)
    text = forms.CharField(label="公开内容（补充说明）", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    scope = forms.ChoiceField(label="公开范围（目录外事项）", choices=Scope.choices, initial=Scope.ORG)
    channel = forms.ChoiceField(label="公开方式（目录外事项）", choices=Channel.choices, initial=Channel.BOARD)

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["item"]).choices = [("", "目录外事项（报目录编制单位审批）")] + [
            (i.pk, i.title) for i in items
        ]


class DeliberationForm(forms.Form):
    topic = forms.CharField(label="议题", max_length=200)
    proposer = forms.CharField(label="提议人（或提议组织）", max_length=100)
    procedure = forms.ChoiceField(label="议事程序", choices=Procedure.choices)


class StageForm(forms.Form):
    stage = forms.CharField(widget=forms.HiddenInput)
    held_on = forms.DateField(label="日期", widget=DATE)
    expected = forms.IntegerField(label="应到人数", required=False, min_value=0, initial=0)
    present = forms.IntegerField(label="实到人数", required=False, min_value=0, initial=0)
    note = forms.CharField(label="情况", required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ImplementationForm(forms.Form):
    owner = forms.CharField(label="落实责任人", max_length=50)
    deadline = forms.DateField(label="落实期限", widget=DATE)
    resolutions = forms.TypedMultipleChoiceField(label="相关会议决议", coerce=int, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, resolutions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["resolutions"]).choices = [
            (r.pk, f"{r.meeting.meeting_date:%Y-%m-%d} {r.title}") for r in resolutions
        ]


class ResultForm(forms.Form):
    result = forms.CharField(label="实施结果", widget=forms.Textarea(attrs={"rows": 3}))
    result_on = forms.DateField(label="完成日期", widget=DATE)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RequestForm(forms.Form):
    """申请公开: a catalogue item of the branch, or the matter in the member's own words."""

    item = forms.TypedChoiceField(label="目录事项（可不选）", required=False, coerce=int, empty_value=None)
    matter = forms.CharField(label="申请公开的事项", max_length=200, required=False)
    reason = forms.CharField(
        label="申请理由（可不填）", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "—（在下面填写事项）"), *items]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    agree = forms.TypedChoiceField(
        label="答复", coerce=lambda v: v == "1", choices=[("1", "同意公开"), ("0", "不予公开")]
    )
    answer = forms.CharField(label="答复内容", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    disclosure = forms.TypedChoiceField(label="相应的公开事项（可不选）", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, disclosures: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["disclosure"].choices = [("", "—"), *disclosures]  # type: ignore[attr-defined]
