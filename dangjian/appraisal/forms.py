from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from .rules import Grade, Handling, TalkMode, TalkOccasion
from .services import FollowUpData

FOLLOW_UPS = 2  # blank follow-up rows offered on the form


def date_widget() -> forms.DateInput:
    """A native date picker; its value must be ISO (the zh-hans input format is not)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TalkForm(forms.Form):
    """One talk: the people come from the branch roster; the topics from the committee's list."""

    held_on = forms.DateField(label="谈话日期", widget=date_widget())
    talker = forms.TypedChoiceField(label="谈话人", coerce=int)
    counterparts = forms.TypedMultipleChoiceField(
        label="谈话对象", coerce=int, widget=forms.CheckboxSelectMultiple, help_text="一对一或一对多"
    )
    mode = forms.ChoiceField(label="方式", choices=TalkMode.choices, initial=TalkMode.INDIVIDUAL)
    occasion = forms.ChoiceField(label="类型", choices=TalkOccasion.choices, initial=TalkOccasion.ANNUAL)
    place = forms.CharField(label="地点", required=False, max_length=200)
    topics = forms.MultipleChoiceField(label="谈话主题", required=False, widget=forms.CheckboxSelectMultiple)
    content = forms.CharField(label="主要内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    issues = forms.CharField(label="反映的问题", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        members: list[tuple[int, str]],
        topics: list[str],
        talkers: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["talker"].choices = [("", "请选择"), *(members if talkers is None else talkers)]  # type: ignore[attr-defined]
        self.fields["counterparts"].choices = members  # type: ignore[attr-defined]
        self.fields["topics"].choices = [(t, t) for t in topics]  # type: ignore[attr-defined]
        for i in range(1, FOLLOW_UPS + 1):
            self.fields[f"fu_measure_{i}"] = forms.CharField(label=f"落实事项{i}", required=False, max_length=300)
            self.fields[f"fu_owner_{i}"] = forms.TypedChoiceField(
                label=f"责任人{i}", required=False, coerce=int, empty_value=None, choices=[("", "—"), *members]
            )
            self.fields[f"fu_deadline_{i}"] = forms.DateField(
                label=f"完成期限{i}", required=False, widget=date_widget()
            )

    def follow_ups(self) -> list[FollowUpData]:
        out = []
        for i in range(1, FOLLOW_UPS + 1):
            measure = self.cleaned_data.get(f"fu_measure_{i}") or ""
            owner = self.cleaned_data.get(f"fu_owner_{i}")
            deadline = self.cleaned_data.get(f"fu_deadline_{i}")
            if not (measure or owner or deadline):
                continue
            if owner is None or deadline is None:
                self.add_error(f"fu_measure_{i}", "落实事项须填写责任人和完成期限")
                continue
            out.append(FollowUpData(measure=measure, owner_id=owner, deadline=deadline))
        return out


class TalkEditForm(TalkForm):
    """Correcting a recorded talk: the same fields without the follow-ups (they have their own page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in [n for n in self.fields if n.startswith("fu_")]:
            del self.fields[name]


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label="等次", choices=[("", "请选择"), *Grade.choices])
    handling = forms.ChoiceField(label="处置方式（不合格时）", required=False, choices=[("", "—"), *Handling.choices])
    handling_deadline = forms.DateField(label="改正期限", required=False, widget=date_widget())
    handling_outcome = forms.CharField(label="处置结果", required=False, max_length=300)
    note = forms.CharField(label="评议意见", required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    """The 组织生活会 of one reporting year: preparation and problems found."""

    theme = forms.CharField(label="会议主题", required=False, max_length=200)
    announced_on = forms.DateField(label="议题通知日期", required=False, widget=date_widget())
    held_on = forms.DateField(label="召开日期", required=False, widget=date_widget())
    self_exams_received = forms.IntegerField(label="收到对照检查材料（份）", min_value=0, max_value=1000, initial=0)
    opinions = forms.CharField(label="征求意见情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    problems = forms.CharField(label="查摆问题", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RectificationForm(forms.Form):
    problem = forms.CharField(label="问题", max_length=300)
    measure = forms.CharField(label="整改措施", max_length=300)
    owner = forms.TypedChoiceField(label="责任人", coerce=int)
    deadline = forms.DateField(label="整改时限", widget=date_widget())

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "请选择"), *members]  # type: ignore[attr-defined]


class EvaluationForm(forms.Form):
    self_review = forms.CharField(label="个人总结（自评）", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    votes_excellent = forms.IntegerField(label="测评“优秀”票", min_value=0, initial=0)
    votes_qualified = forms.IntegerField(label="测评“合格”票", min_value=0, initial=0)
    votes_basically_qualified = forms.IntegerField(label="测评“基本合格”票", min_value=0, initial=0)
    votes_unqualified = forms.IntegerField(label="测评“不合格”票", min_value=0, initial=0)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def votes(self) -> dict[str, int]:
        d = self.cleaned_data
        return {
            Grade.EXCELLENT: d["votes_excellent"],
            Grade.QUALIFIED: d["votes_qualified"],
            Grade.BASICALLY_QUALIFIED: d["votes_basically_qualified"],
            Grade.UNQUALIFIED: d["votes_unqualified"],
        }


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def parse_date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
