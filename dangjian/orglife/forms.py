"""Forms: parse and shape input; business checks live in services and rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from . import rules
from .models import ExclusionKind, MeetingKind
from .services import ActionData, MeetingData

DT_FORMAT = "%Y-%m-%dT%H:%M"
# Kinds a 党小组 may hold by itself (rules.kind_errors).
GROUP_KINDS = {MeetingKind.GROUP_MEETING, MeetingKind.PARTY_LECTURE}


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DT_FORMAT, attrs={"class": "field"}, **kwargs)


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MeetingForm(forms.Form):
    field_order = ["kinds", "group"]

    kinds = forms.MultipleChoiceField(
        label="会议类型（可多选：一次会议可同时计为多种）",
        choices=MeetingKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一种会议类型"},
    )
    theme = forms.CharField(label="主题", max_length=200, widget=forms.TextInput(attrs={"class": "field"}))
    started_at = forms.DateTimeField(
        label="开始时间",
        widget=DateTimeLocal(),
        input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M"],
        error_messages={"required": "请填写开始时间", "invalid": "开始时间格式无效"},
    )
    ended_at = forms.DateTimeField(
        label="结束时间",
        widget=DateTimeLocal(),
        input_formats=[DT_FORMAT, "%Y-%m-%d %H:%M"],
        error_messages={"required": "请填写结束时间", "invalid": "结束时间格式无效"},
    )
    place = forms.CharField(
        label="地点", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "field"})
    )
    host = MemberChoice(
        label="主持人", queryset=Member.objects.none(), required=False, widget=forms.Select(attrs={"class": "field"})
    )
    recorder = MemberChoice(
        label="记录人", queryset=Member.objects.none(), required=False, widget=forms.Select(attrs={"class": "field"})
    )
    lecturer = forms.CharField(
        label="授课人（党课）", max_length=50, required=False, widget=forms.TextInput(attrs={"class": "field"})
    )
    lecture_topic = forms.CharField(
        label="党课题目", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "field"})
    )
    study_items = forms.CharField(
        label="学习内容（每行一项）", required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "field"})
    )
    required_actions = forms.MultipleChoiceField(
        label="已完成的规定动作（主题党日）", required=False, widget=forms.CheckboxSelectMultiple
    )
    minutes = forms.CharField(
        label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 5, "class": "field"})
    )
    invitees = forms.CharField(
        label="列席人员（每行：姓名,身份；身份为 发展对象/入党积极分子/团员青年/群众代表）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "field"}),
    )
    group = forms.ModelChoiceField(
        label="召开党小组会的党小组（出勤名单为该党小组的党员）",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="（支部全体参加，不按党小组）",
        widget=forms.Select(attrs={"class": "field"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="更正原因（已归档记录必填）",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "field"}),
    )

    def __init__(
        self,
        *args: Any,
        branch: Any,
        checklist: list[str],
        extra_actions: list[str] | None = None,
        groups: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only a new record of a branch with 党小组 asks which group held a 党小组会.
        if groups is None or not groups.exists():
            del self.fields["group"]
        else:
            self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        roster = Member.objects.filter(org=branch, is_active=True).order_by("name")
        self.fields["host"].queryset = roster  # type: ignore[attr-defined]
        self.fields["recorder"].queryset = roster  # type: ignore[attr-defined]
        items = list(checklist) + [a for a in (extra_actions or []) if a not in checklist]
        self.fields["required_actions"].choices = [(a, a) for a in items]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "group" not in self.fields:
            return cleaned
        kinds = set(cleaned.get("kinds") or [])
        group_only = bool(kinds) and kinds <= GROUP_KINDS and MeetingKind.GROUP_MEETING in kinds
        if cleaned.get("group") is not None and not group_only:
            self.add_error("group", "选择党小组时只能记录党小组会（可同时为党课）；支部全体参加的会议请不选党小组")
        elif cleaned.get("group") is None and group_only:
            self.add_error("group", "请选择召开党小组会的党小组，出勤名单为该党小组的党员")
        return cleaned

    def clean_invitees(self) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for i, line in enumerate((self.cleaned_data.get("invitees") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 2 or not parts[0]:
                raise ValidationError(f"第 {i} 行格式应为“姓名,身份”")
            if parts[1] not in rules.INVITEE_CATEGORIES:
                raise ValidationError(f"第 {i} 行身份无效（可选：{'、'.join(rules.INVITEE_CATEGORIES)}）")
            out.append({"name": parts[0], "category": parts[1]})
        return out

    def to_data(self) -> MeetingData:
        c = self.cleaned_data
        return MeetingData(
            kinds=list(c["kinds"]),
            theme=c["theme"],
            started_at=c["started_at"],
            ended_at=c["ended_at"],
            place=c.get("place") or "",
            host=c.get("host"),
            recorder=c.get("recorder"),
            lecturer=c.get("lecturer") or "",
            lecture_topic=c.get("lecture_topic") or "",
            minutes=c.get("minutes") or "",
            study_items=c.get("study_items") or "",
            required_actions=list(c.get("required_actions") or []),
            invitees=c.get("invitees") or [],
        )


def initial_from(meeting: Any) -> dict[str, Any]:
    return {
        "kinds": meeting.kinds,
        "theme": meeting.theme,
        "started_at": timezone.localtime(meeting.started_at),
        "ended_at": timezone.localtime(meeting.ended_at),
        "place": meeting.place,
        "host": meeting.host_id,
        "recorder": meeting.recorder_id,
        "lecturer": meeting.lecturer,
        "lecture_topic": meeting.lecture_topic,
        "study_items": meeting.study_items,
        "required_actions": meeting.required_actions,
        "minutes": meeting.minutes,
        "invitees": "\n".join(f"{i['name']},{i['category']}" for i in meeting.invitees or []),
        "version": meeting.version,
    }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (Django's documented pattern); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data] if data else single(None, initial)
        return [single(data, initial)]


class PhotoForm(forms.Form):
    """Several photos at once (the view reads every file of `image`); the caption applies to all."""

    MAX_FILES = 20

    image = MultipleFileField(
        label="会议照片",
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
        error_messages={"required": "请选择照片"},
    )
    caption = forms.CharField(
        label="说明", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "field"})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件", error_messages={"required": "请选择文件"})


class VoteForm(forms.Form):
    matter = forms.CharField(label="表决事项", max_length=200, widget=forms.TextInput(attrs={"class": "field"}))
    yes = forms.IntegerField(label="赞成", min_value=0, widget=forms.NumberInput(attrs={"class": "field"}))
    no = forms.IntegerField(label="反对", min_value=0, initial=0, widget=forms.NumberInput(attrs={"class": "field"}))
    abstain = forms.IntegerField(
        label="弃权", min_value=0, initial=0, widget=forms.NumberInput(attrs={"class": "field"})
    )


ACTION_ROWS = 3


class ResolutionForm(forms.Form):
    title = forms.CharField(label="决议事项", max_length=200, widget=forms.TextInput(attrs={"class": "field"}))
    content = forms.CharField(
        label="决议内容", required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "field"})
    )

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roster = Member.objects.filter(org=branch, is_active=True).order_by("name")
        for i in range(1, ACTION_ROWS + 1):
            self.fields[f"measure_{i}"] = forms.CharField(
                label=f"措施 {i}", max_length=300, required=False, widget=forms.TextInput(attrs={"class": "field"})
            )
            self.fields[f"owner_{i}"] = MemberChoice(
                label=f"责任人 {i}", queryset=roster, required=False, widget=forms.Select(attrs={"class": "field"})
            )
            self.fields[f"deadline_{i}"] = forms.DateField(
                label=f"完成时限 {i}",
                required=False,
                widget=forms.DateInput(attrs={"type": "date", "class": "field"}),
                error_messages={"invalid": f"措施 {i} 的完成时限格式无效"},
            )

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"measure_{i}"], self[f"owner_{i}"], self[f"deadline_{i}"]) for i in range(1, ACTION_ROWS + 1)]

    def actions(self) -> list[ActionData]:
        out: list[ActionData] = []
        for i in range(1, ACTION_ROWS + 1):
            measure = self.cleaned_data.get(f"measure_{i}") or ""
            if not measure.strip():
                continue
            deadline = self.cleaned_data.get(f"deadline_{i}")
            owner = self.cleaned_data.get(f"owner_{i}")
            if deadline is None:
                raise ValidationError(f"措施 {i} 未填写完成时限")
            if owner is None:
                raise ValidationError(f"措施 {i} 未指定责任人")
            out.append(ActionData(measure=measure, deadline=deadline, owner=owner))
        return out


class CloseActionForm(forms.Form):
    close_note = forms.CharField(label="落实情况", max_length=300, widget=forms.TextInput(attrs={"class": "field"}))
    version = forms.IntegerField(widget=forms.HiddenInput)


def parse_month(raw: str | None, default: dt.date) -> int:
    """ "2026-03" → 202603; anything else → the default's month."""
    if raw:
        try:
            y, m = raw.split("-")
            yi, mi = int(y), int(m)
            if 2000 <= yi <= 2100 and 1 <= mi <= 12:
                return yi * 100 + mi
        except ValueError:
            pass
    return rules.month_key(default)


class ExclusionForm(forms.Form):
    """Record an approved exclusion from the expected count (domain-rules §0)."""

    member = MemberChoice(label="党员", queryset=Member.objects.none(), widget=forms.Select(attrs={"class": "field"}))
    kind = forms.ChoiceField(label="情形", widget=forms.Select(attrs={"class": "field"}))
    note = forms.CharField(
        label="批准情况（上级批准文件、党员大会决议）", max_length=200, widget=forms.TextInput(attrs={"class": "field"})
    )
    starts_on = forms.DateField(
        label="起始日期",
        widget=forms.DateInput(attrs={"type": "date", "class": "field"}),
        error_messages={"invalid": "起始日期格式无效", "required": "请填写起始日期"},
    )
    ends_on = forms.DateField(
        label="结束日期（可空）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "field"}),
        error_messages={"invalid": "结束日期格式无效"},
    )

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(org=branch, is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["kind"].choices = ExclusionKind.choices  # type: ignore[attr-defined]
