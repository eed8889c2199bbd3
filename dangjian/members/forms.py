"""The member form: the single validation used by the UI and by the Excel import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from dangjian.accounts.rules import phone_error

from .models import Member
from .rules import id_number_error, member_date_errors, normalize_id_number

MEMBER_FIELDS = [
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "unit",
    "job_title",
    "joined_on",
    "converted_on",
    "status",
    "category",
    "group",
    "is_mobile",
    "mobile_destination",
    "mobile_contact",
    "mobile_last_contact",
    "exempt",
    "exempt_reason",
    "exempt_application",
    "exempt_approved_by",
    "exempt_on",
    "lost_contact",
    "lost_contact_since",
]


class MemberForm(forms.ModelForm):
    """Validates one member's data. `branch` limits 党小组 choices to that branch's groups."""

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        widgets = {
            f: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            for f in (
                "birth_date",
                "joined_on",
                "converted_on",
                "mobile_last_contact",
                "exempt_on",
                "lost_contact_since",
            )
        }

    def __init__(self, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.branch = branch
        from dangjian.orgs.models import Organization, OrgKind

        groups = Organization.objects.filter(kind=OrgKind.GROUP)
        groups = groups.filter(path__startswith=branch.path) if branch is not None else groups.none()
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["group"].empty_label = "（未分组）"  # type: ignore[attr-defined]
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def clean_id_number(self) -> str:
        value = normalize_id_number(self.cleaned_data.get("id_number", ""))
        if err := id_number_error(value):
            raise forms.ValidationError(err)
        return value

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and (err := phone_error(value)):
            raise forms.ValidationError(err)
        return value

    def clean_name(self) -> str:
        value = (self.cleaned_data.get("name") or "").strip()
        if not value:
            raise forms.ValidationError("姓名不能为空")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = member_date_errors(
            birth_date=data.get("birth_date"),
            joined_on=data.get("joined_on"),
            converted_on=data.get("converted_on"),
            status=data.get("status", ""),
            today=timezone.localdate(),
            id_number=data.get("id_number", ""),
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        if data.get("is_mobile") and not data.get("mobile_destination"):
            self.add_error("mobile_destination", "流动党员应填写流向地")
        if data.get("exempt"):
            if not data.get("exempt_reason"):
                self.add_error("exempt_reason", "免于参加集体活动应填写原因")
            if not data.get("exempt_application"):
                self.add_error("exempt_application", "免于参加集体活动须有本人书面申请")
            if not data.get("exempt_approved_by"):
                self.add_error("exempt_approved_by", "免于参加集体活动须经党组织批准")
        if data.get("lost_contact") and not data.get("lost_contact_since"):
            self.add_error("lost_contact_since", "失联党员应填写失联日期")
        return data
