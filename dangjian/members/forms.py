"""The member form: the single validation used by the UI and by the Excel import."""

from __future__ import annotations

import copy
import functools
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone

from dangjian.core.paths import subtree_q
from dangjian.core.validators import phone_error
from dangjian.orgs.models import Organization, OrgKind

from .models import Member, MemberCategory, MemberStatus
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


class PrebuiltGroupField(forms.Field):
    """党小组 chosen from a dict prepared once (pk string -> group), so validating thousands of
    imported rows issues no query per row (a ModelChoiceField would run one `get()` each)."""

    def __init__(self, groups: dict[str, Any], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.groups = groups

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        key = str(value.pk if isinstance(value, models.Model) else value).strip()
        group = self.groups.get(key)
        if group is None:
            raise forms.ValidationError(f"党小组“{key}”不属于该党支部")
        return group


class MemberForm(forms.ModelForm):
    """Validates one member's data. `branch` limits 党小组 choices to that branch's groups.

    The Excel import uses this same form for every row; it passes `group_choices` (prebuilt) and
    `check_unique=False` because it resolves 身份证号 uniqueness for the whole file in bulk.
    """

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

    def __init__(
        self,
        *args: Any,
        branch: Any = None,
        group_choices: dict[str, Any] | None = None,
        group_field: PrebuiltGroupField | None = None,
        check_unique: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.branch = branch
        self.check_unique = check_unique
        if group_field is None and group_choices is not None:
            group_field = PrebuiltGroupField(group_choices, label="党小组")
        self.prebuilt_groups = group_field is not None
        if group_field is not None:
            self.fields["group"] = group_field
        else:
            groups = Organization.objects.filter(kind=OrgKind.GROUP).order_by("path")
            groups = groups.filter(subtree_q("path", branch.path)) if branch is not None else groups.none()
            self.fields["group"].queryset = groups  # type: ignore[attr-defined]
            self.fields["group"].empty_label = "（未分组）"  # type: ignore[attr-defined]
            self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def _get_validation_exclusions(self) -> Any:
        exclude = super()._get_validation_exclusions()  # type: ignore[misc]
        if self.prebuilt_groups:
            # The prebuilt choices already prove the group exists; ForeignKey.validate would query.
            exclude.add("group")
        return exclude

    def validate_unique(self) -> None:
        if not self.check_unique:
            return
        # 身份证号 uniqueness is the service's: only it knows who asks, and answers a number
        # registered outside their scope without confirming that it exists (no existence oracle).
        exclude = self._get_validation_exclusions()
        exclude.add("id_number")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as e:
            self._update_errors(e)  # type: ignore[attr-defined]

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
        today = timezone.localdate()
        errors = member_date_errors(
            birth_date=data.get("birth_date"),
            joined_on=data.get("joined_on"),
            converted_on=data.get("converted_on"),
            status=data.get("status", ""),
            today=today,
            id_number=data.get("id_number", ""),
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        for name in ("mobile_last_contact", "exempt_on", "lost_contact_since"):
            value = data.get(name)
            if value is not None and value > today and name not in self.errors:
                self.add_error(name, "日期不能晚于今天")
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


class _BulkCleaning:
    """Field cleaning without building a BoundField per field and row (same field.clean and
    clean_<name> calls as Django's `_clean_fields`; the import passes plain values, no widgets
    with sub-values and no disabled fields)."""

    def _clean_fields(self) -> None:
        form: Any = self
        for name, field in form.fields.items():
            value = field.widget.value_from_datadict(form.data, form.files, name)
            try:
                form.cleaned_data[name] = field.clean(value)
                clean_method = getattr(form, f"clean_{name}", None)
                if clean_method is not None:
                    form.cleaned_data[name] = clean_method()
            except forms.ValidationError as e:
                form.add_error(name, e)

    def _post_clean(self) -> None:
        """Build the instance without re-running the model's field validators: each form field was
        generated from its model field and has already applied the same validators (length,
        choices, dates), and uniqueness is checked for the whole file at once by the importer.
        Assignment follows `construct_instance`: a field with a default keeps it when its column
        is absent from the row."""
        form: Any = self
        data, cleaned, instance = form.data, form.cleaned_data, form.instance
        for model_field, name, keep_default in _instance_fields():
            if name not in cleaned or (keep_default and name not in data):
                continue
            model_field.save_form_data(instance, cleaned[name])


@functools.cache
def _instance_fields() -> list[tuple[Any, str, bool]]:
    fields = []
    for name in MEMBER_FIELDS:
        f = Member._meta.get_field(name)
        assert isinstance(f, models.Field)
        keep_default = f.has_default() and not isinstance(f, models.BooleanField)
        fields.append((f, name, keep_default))
    return fields


def _fast_choices(field: forms.Field) -> None:
    """ChoiceField.valid_value scans the choice list for every value; a set gives the same answer."""
    if not isinstance(field, forms.ChoiceField) or isinstance(field, forms.ModelChoiceField):
        return
    allowed: set[str] = set()
    for key, value in list(field.choices):  # type: ignore[arg-type]
        if isinstance(value, list | tuple):  # an option group
            allowed.update(str(k) for k, _ in value)
        else:
            allowed.add(str(key))
    field.valid_value = lambda value: str(value) in allowed  # type: ignore[method-assign]


class _SharedFields(dict[str, Any]):
    """A field dict whose deep copy is shallow: form instances share the (stateless) field objects."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return dict(self)


class BulkMemberForms:
    """Member forms for many rows, cheaply: one fully initialised prototype, then a shallow copy per
    row carrying that row's data and a fresh instance. Validation is MemberForm's, unchanged."""

    def __init__(self) -> None:
        self.form_class = bulk_member_form_class()
        self.proto = self.form_class(data={}, group_field=PrebuiltGroupField({}), check_unique=False)

    def form(self, data: dict[str, Any], *, branch: Any, group_field: PrebuiltGroupField) -> MemberForm:
        form = copy.copy(self.proto)
        form.data = data
        form.branch = branch
        form.instance = Member()
        form.fields = {**self.proto.fields, "group": group_field}
        form.__dict__.update(_errors=None, _bound_fields_cache={})
        form.__dict__.pop("cleaned_data", None)
        return form


def bulk_member_form_class() -> type[MemberForm]:
    """MemberForm for validating many rows: identical fields and cleaning, but the field objects are
    built once instead of deep-copied for every row (that copy dominated the import's run time)."""
    cls = type("BulkMemberForm", (_BulkCleaning, MemberForm), {"__module__": __name__})
    cls.base_fields = _SharedFields(copy.deepcopy(MemberForm.base_fields))  # type: ignore[attr-defined]
    for field in cls.base_fields.values():  # type: ignore[attr-defined]
        _fast_choices(field)
    return cls


class MemberEditForm(MemberForm):
    """The edit page: the member form plus the version the user started from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RosterFilterForm(forms.Form):
    """Search and filters on a roster page; every field optional."""

    q = forms.CharField(label="搜索", required=False, max_length=50)
    status = forms.ChoiceField(label="党员状态", required=False)
    category = forms.ChoiceField(label="人员类别", required=False)
    group = forms.TypedChoiceField(label="党小组", required=False, coerce=int, empty_value=None)
    flag = forms.ChoiceField(
        label="标记",
        required=False,
        choices=[("", "全部"), ("mobile", "流动党员"), ("exempt", "免参党员"), ("lost", "失联党员")],
    )
    active = forms.ChoiceField(
        label="在册情况", required=False, choices=[("", "在册"), ("left", "已离册"), ("all", "全部")]
    )

    def __init__(
        self, *args: Any, groups: list[tuple[int, str]] | None = None, limited: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)

        if limited:
            # Names and posts only (see core.masking): no filter on what the page does not show.
            for name in ("status", "category", "flag", "active"):
                del self.fields[name]

        if not limited:
            self._set_choices("status", [("", "全部"), *MemberStatus.choices])
            self._set_choices("category", [("", "全部"), *MemberCategory.choices])
        self._set_choices("group", [("", "全部"), *(groups or [])])
        if not groups:
            del self.fields["group"]

    def _set_choices(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


LEAVE_REASONS = [
    ("死亡", "去世"),
    ("出党", "出党（自行脱党、劝退、除名）"),
    ("退党", "退党"),
    ("开除党籍", "开除党籍"),
    ("停止党籍", "停止党籍"),
    ("其他", "其他"),
]


class LeaveForm(forms.Form):
    reason = forms.ChoiceField(label="离册原因", choices=LEAVE_REASONS)
    left_on = forms.DateField(label="离册日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", required=False, max_length=150)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_left_on(self) -> Any:
        value = self.cleaned_data["left_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("离册日期不能晚于今天")
        return value


class TransferOutForm(forms.Form):
    """转出. Either a branch on this platform (`to_org`) or an organization outside it (`to_org_name`)."""

    to_org = forms.TypedChoiceField(label="转入党支部（平台内）", required=False, coerce=int, empty_value=None)
    to_org_name = forms.CharField(label="转入组织名称（平台外）", required=False, max_length=200)
    out_on = forms.DateField(label="转出日期", widget=forms.DateInput(attrs={"type": "date"}))
    letter_number = forms.CharField(label="介绍信编号", required=False, max_length=60)
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args: Any, targets: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_org"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "（平台外组织）"), *(targets or [])]

    def clean_out_on(self) -> Any:
        value = self.cleaned_data["out_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("转出日期不能晚于今天")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("to_org") and not (data.get("to_org_name") or "").strip():
            self.add_error("to_org_name", "请选择平台内的转入党支部，或填写平台外的转入组织名称")
        return data


class TransferAcceptForm(forms.Form):
    in_on = forms.DateField(label="转入日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_in_on(self) -> Any:
        value = self.cleaned_data["in_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("转入日期不能晚于今天")
        return value


class TransferInForm(forms.Form):
    """转入 from an organization outside the platform (the member's data comes from MemberForm)."""

    from_org_name = forms.CharField(label="转出组织名称", max_length=200)
    in_on = forms.DateField(label="转入日期", widget=forms.DateInput(attrs={"type": "date"}))
    letter_number = forms.CharField(label="介绍信编号", required=False, max_length=60)

    def clean_in_on(self) -> Any:
        value = self.cleaned_data["in_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("转入日期不能晚于今天")
        return value


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="名册文件（.xlsx）")
    mode = forms.ChoiceField(
        label="导入方式",
        choices=[("commit", "校验全部无误后导入（推荐）"), ("validate", "仅校验，不写入")],
        initial="commit",
        widget=forms.RadioSelect,
    )


class ImportRunForm(forms.Form):
    mode = forms.ChoiceField(choices=[("commit", "导入"), ("good_only", "只导入无误的行"), ("validate", "重新校验")])
    confirm_partial = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "good_only" and not data.get("confirm_partial"):
            self.add_error("confirm_partial", "只导入无误的行须勾选确认：有错误的行不会导入")
        return data
