"""Forms of the study pages: the shapes a person fills in; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from .models import Channel, ItemMode, ListSource, TrainingKind

AREA = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _member_choices(form: forms.Form, members: list[Any]) -> None:
    cast(forms.ChoiceField, form.fields["member"]).choices = [(m.pk, m.name) for m in members]


class TrainingForm(forms.Form):
    member = forms.TypedChoiceField(label="党员", coerce=int)
    title = forms.CharField(label="培训名称", max_length=200)
    organiser = forms.CharField(label="主办单位", max_length=200)
    kind = forms.ChoiceField(label="类别", choices=TrainingKind.choices)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    hours = forms.DecimalField(label="学时", max_digits=6, decimal_places=1, min_value=0)
    certificate = forms.CharField(label="结业证书编号（可不填）", max_length=100, required=False)
    induction = forms.BooleanField(label="任职培训（新任书记、委员）", required=False)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _member_choices(self, members)


class ContactForm(forms.Form):
    member = forms.TypedChoiceField(label="流动党员", coerce=int)
    on = forms.DateField(label="联系日期", widget=DATE)
    channel = forms.ChoiceField(label="方式", choices=Channel.choices, widget=forms.RadioSelect)
    contacted_by = forms.CharField(label="联系人", max_length=50)
    topic = forms.CharField(label="联系内容", max_length=300)
    location = forms.CharField(label="现在何处", max_length=200, required=False)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _member_choices(self, members)


class VisitForm(forms.Form):
    member = forms.TypedChoiceField(label="党员", coerce=int)
    on = forms.DateField(label="走访日期", widget=DATE)
    visitors = forms.CharField(label="走访人", max_length=100)
    study = forms.BooleanField(label="送学上门", required=False)
    study_content = forms.CharField(label="学习内容", max_length=300, required=False)
    study_hours = forms.DecimalField(label="学时", max_digits=4, decimal_places=1, min_value=0, required=False)
    dues = forms.BooleanField(label="代收党费", required=False)
    care = forms.CharField(label="关怀需求", max_length=300, required=False)

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _member_choices(self, members)


class StudyListForm(forms.Form):
    month = forms.DateField(label="月份（任一天）", widget=DATE)
    title = forms.CharField(label="清单名称", max_length=200)
    source = forms.ChoiceField(label="来源", choices=ListSource.choices)
    source_ref = forms.CharField(label="上级部署（任务编号或文件）", max_length=100, required=False)
    collective = forms.CharField(
        label="集体学习内容（每行一项）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    self_study = forms.CharField(
        label="个人自学内容（每行一项）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def items(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        out = [(line, ItemMode.COLLECTIVE.value) for line in d["collective"].splitlines() if line.strip()]
        return out + [(line, ItemMode.SELF.value) for line in d["self_study"].splitlines() if line.strip()]


class ReflectionForm(forms.Form):
    title = forms.CharField(label="题目", max_length=200)
    body = forms.CharField(label="心得（篇幅不限）", widget=forms.Textarea(attrs={"rows": 6}))


class LecturerForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    team = forms.CharField(label="宣讲队", max_length=100)
    subject = forms.CharField(label="宣讲专题", max_length=200, required=False)
    unit = forms.CharField(label="单位职务", max_length=200, required=False)


class LectureForm(forms.Form):
    lecturer = forms.TypedChoiceField(label="讲师", coerce=int)
    audience = forms.TypedChoiceField(label="听讲支部", coerce=int)
    topic = forms.CharField(label="题目", max_length=200)
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME)
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME)
    place = forms.CharField(label="地点", max_length=200, required=False)

    def __init__(self, *args: Any, lecturers: list[Any], branches: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["lecturer"]).choices = [(x.pk, f"{x.name}（{x.team}）") for x in lecturers]
        cast(forms.ChoiceField, self.fields["audience"]).choices = [(b.pk, b.name) for b in branches]
