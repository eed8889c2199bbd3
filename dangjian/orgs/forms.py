"""Forms for the org tree. Every error message names the field in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .models import Organization, OrgKind, Post, Sector


class ChineseMessagesMixin:
    """Replace Django's generic messages ("这个字段是必填项") with ones that name the field."""

    fields: dict[str, forms.Field]

    def _name_fields(self) -> None:
        for f in self.fields.values():
            label = f.label or ""
            verb = "选择" if isinstance(f, forms.ChoiceField | forms.ModelChoiceField) else "填写"
            f.error_messages["required"] = f"请{verb}“{label}”"
            f.error_messages["invalid"] = f"“{label}”格式不正确"
            if isinstance(f, forms.ChoiceField | forms.ModelChoiceField):
                f.error_messages["invalid_choice"] = f"“{label}”的选项无效"
            if isinstance(f, forms.IntegerField):
                f.error_messages["min_value"] = f"“{label}”不能小于 %(limit_value)s"
                f.error_messages["max_value"] = f"“{label}”不能大于 %(limit_value)s"
            if isinstance(f, forms.CharField):
                f.error_messages["max_length"] = f"“{label}”不能超过 %(limit_value)d 个字"


def _not_future(label: str, value: dt.date | None) -> dt.date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"“{label}”不能晚于今天")
    return value


class OrgForm(ChineseMessagesMixin, forms.Form):
    name = forms.CharField(label="组织名称", max_length=120)
    kind = forms.ChoiceField(label="组织类别", choices=OrgKind.choices)
    joint = forms.BooleanField(label="联合党支部", required=False)
    temporary = forms.BooleanField(label="临时党组织", required=False)
    sector = forms.ChoiceField(label="单位类别", choices=Sector.choices)
    unit_name = forms.CharField(label="所在单位", max_length=200, required=False)
    established_on = forms.DateField(label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    has_committee = forms.BooleanField(label="设立支部委员会", required=False)
    term_started_on = forms.DateField(
        label="本届任期开始", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    term_years = forms.IntegerField(
        label="任期（年）",
        min_value=1,
        max_value=10,
        required=False,
        help_text="留空按默认：村、社区和基层党委5年，其他3年",
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            kind_field = self.fields["kind"]
            assert isinstance(kind_field, forms.ChoiceField)
            kind_field.choices = [(k, OrgKind(k).label) for k in kinds]
        self._name_fields()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("请填写“组织名称”")
        return name

    def clean_established_on(self) -> dt.date | None:
        return _not_future("成立日期", self.cleaned_data.get("established_on"))

    def clean_term_started_on(self) -> dt.date | None:
        return _not_future("本届任期开始", self.cleaned_data.get("term_started_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if data.get("joint") and kind and kind != OrgKind.BRANCH:
            self.add_error("joint", "“联合党支部”只适用于党支部")
        if data.get("has_committee") and kind == OrgKind.GROUP:
            self.add_error("has_committee", "党小组不设委员会")
        est, start = data.get("established_on"), data.get("term_started_on")
        if est and start and start < est:
            self.add_error("term_started_on", "“本届任期开始”不能早于“成立日期”")
        return data


class OrgEditForm(OrgForm):
    version = forms.IntegerField(widget=forms.HiddenInput, label="版本")


class MoveForm(ChineseMessagesMixin, forms.Form):
    new_parent: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="新的上级组织", queryset=Organization.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = queryset  # type: ignore[attr-defined]
        self._name_fields()


class PostAssignForm(ChineseMessagesMixin, forms.Form):
    member: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="党员", queryset=Organization.objects.none())
    post = forms.ChoiceField(label="职务", choices=Post.choices)
    started_on = forms.DateField(label="任职日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = queryset  # type: ignore[attr-defined]
        self._name_fields()

    def clean_started_on(self) -> dt.date | None:
        return _not_future("任职日期", self.cleaned_data.get("started_on"))


class PostEndForm(ChineseMessagesMixin, forms.Form):
    ended_on = forms.DateField(label="离任日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_fields()

    def clean_ended_on(self) -> dt.date | None:
        return _not_future("离任日期", self.cleaned_data.get("ended_on"))


class ChecksFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label="严重程度",
        required=False,
        choices=[("", "全部"), ("error", "违反规定"), ("warning", "需要关注"), ("advisory", "建议")],
    )
    code = forms.CharField(label="问题类型", required=False, max_length=40)
    q = forms.CharField(label="组织名称", required=False, max_length=60)
