"""Forms of the community pages: the shapes a person fills in; the services check the rules."""

from __future__ import annotations

from django import forms

from .models import DeedRole, ServiceCategory


class ReportInForm(forms.Form):
    address = forms.CharField(label="居住地址（仅本人和社区可见）", max_length=200)
    compound = forms.CharField(label="小区/网格", max_length=100, required=False)
    skills = forms.CharField(label="特长", max_length=200, required=False)
    categories = forms.MultipleChoiceField(
        label="愿意参与的服务类别",
        choices=ServiceCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class NeedForm(forms.Form):
    title = forms.CharField(label="实事名称", max_length=100)
    category = forms.ChoiceField(label="类别", choices=ServiceCategory.choices)
    due_on = forms.DateField(label="完成期限", widget=forms.DateInput(attrs={"type": "date"}))
    slots = forms.IntegerField(label="可领办人数", min_value=1, max_value=500, initial=1)
    description = forms.CharField(label="说明", max_length=500, required=False)


class ActivityForm(forms.Form):
    title = forms.CharField(label="活动内容", max_length=100)
    on = forms.DateField(label="活动日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label="时长（小时）", min_value=0.1, max_value=24, decimal_places=1, initial=2)
    role = forms.ChoiceField(label="角色", choices=DeedRole.choices, initial=DeedRole.VOLUNTEER)


class DoneForm(forms.Form):
    note = forms.CharField(label="完成情况", max_length=300)
    hours = forms.DecimalField(label="时长（小时）", min_value=0.1, max_value=24, decimal_places=1, initial=2)


class PledgeForm(forms.Form):
    text = forms.CharField(label="承诺内容", max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))
    public = forms.BooleanField(label="在社区公示", required=False)


class ThreeOnesForm(forms.Form):
    secretary_name = forms.CharField(label="书记", max_length=50)
    pledge = forms.CharField(label="公开1个抓基层党建承诺", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    project = forms.CharField(label="领办1个基层党建项目（名称）", max_length=100)
    goals = forms.CharField(label="项目目标", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    contact_org = forms.TypedChoiceField(label="建立1个基层党建联系点", coerce=int)


class VisitForm(forms.Form):
    on = forms.DateField(label="走访日期", widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label="调研指导内容", max_length=500)
    outcome = forms.CharField(label="解决的问题", max_length=500, required=False)
