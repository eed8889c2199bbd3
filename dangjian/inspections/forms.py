from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from dangjian.orgs.models import Sector

from .models import Strata


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


SECTOR_PREFIX = "size_sector_"
PARENT_PREFIX = "size_parent_"
MAX_PARENT_STRATA = 50  # size fields offered for parent strata (the first in tree order)


class PlanForm(forms.Form):
    """A plan: one size rule for every stratum (a count, or a share with a minimum), and optionally a
    count of its own for any stratum — by sector, or by parent organization (the committees and
    general branches of the scope) — which overrides the common rule for that stratum."""

    name = forms.CharField(label="计划名称", max_length=120)
    document = forms.CharField(label="依据文件", max_length=200)
    starts_on = forms.DateField(label="开始日期", widget=date_widget())
    ends_on = forms.DateField(label="结束日期", widget=date_widget())
    scope = forms.TypedChoiceField(label="检查范围", coerce=int)
    sectors = forms.MultipleChoiceField(
        label="单位类别（不选为全部）", required=False, choices=Sector.choices, widget=forms.CheckboxSelectMultiple
    )
    strata_by = forms.ChoiceField(label="分层方式", choices=Strata.choices, initial=Strata.NONE)
    count = forms.IntegerField(label="每层随机抽取（个）", required=False, min_value=0)
    share = forms.DecimalField(label="或按比例抽取（%）", required=False, min_value=0, max_value=100)
    minimum = forms.IntegerField(label="按比例时每层至少（个）", required=False, min_value=0, initial=1)
    fixed = forms.TypedMultipleChoiceField(label="指定检查的组织", required=False, coerce=int)
    onsite = forms.BooleanField(label="随机部分在现场抽取（“指定+现场随机”）", required=False)
    announced = forms.BooleanField(label="事先通知被检查组织", required=False, initial=True)
    exclude_inspected_months = forms.IntegerField(
        label="排除近几个月内已检查的（月，0为不排除）", min_value=0, max_value=60, initial=0
    )
    exclude_founded_months = forms.IntegerField(
        label="排除成立不满几个月的（月，0为不排除）", min_value=0, max_value=60, initial=0
    )
    inspectors = forms.TypedMultipleChoiceField(label="检查人员", coerce=int, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label="重新抽取的理由（替代原计划时填写）", required=False, max_length=300)

    def __init__(
        self,
        *args: Any,
        scopes: list[tuple[int, str]],
        branches: list[tuple[int, str]],
        inspectors: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes  # type: ignore[attr-defined]
        self.fields["fixed"].choices = branches  # type: ignore[attr-defined]
        self.fields["inspectors"].choices = inspectors  # type: ignore[attr-defined]
        # Per-stratum counts: placed after the common rule, blank = "use the common rule".
        for code, label in Sector.choices:
            self.fields[f"{SECTOR_PREFIX}{code}"] = forms.IntegerField(
                label=f"{label}（个）", required=False, min_value=0
            )
        for pk, name in scopes[:MAX_PARENT_STRATA]:
            self.fields[f"{PARENT_PREFIX}{pk}"] = forms.IntegerField(label=f"{name}（个）", required=False, min_value=0)

    def _bound(self, names: list[str]) -> list[Any]:
        return [self[n] for n in names]

    def common_fields(self) -> list[Any]:
        """The fields up to the common size rule (the page puts the per-stratum counts after them)."""
        names = list(self.fields)
        return self._bound(names[: names.index("minimum") + 1])

    def later_fields(self) -> list[Any]:
        names = [n for n in self.fields if not n.startswith((SECTOR_PREFIX, PARENT_PREFIX))]
        return self._bound(names[names.index("minimum") + 1 :])

    def sector_fields(self) -> list[Any]:
        return self._bound([n for n in self.fields if n.startswith(SECTOR_PREFIX)])

    def parent_fields(self) -> list[Any]:
        return self._bound([n for n in self.fields if n.startswith(PARENT_PREFIX)])

    def stratum_fields(self, strata_by: str) -> list[tuple[str, str]]:
        """(form field, stratum key) of the per-stratum counts that apply to `strata_by`."""
        prefixes: dict[str, str] = {Strata.SECTOR: SECTOR_PREFIX, Strata.PARENT: PARENT_PREFIX}
        prefix = prefixes.get(strata_by)
        if prefix is None:
            return []
        return [(name, name.removeprefix(prefix)) for name in self.fields if name.startswith(prefix)]

    def sizes(self) -> dict[str, dict[str, Any]]:
        d = self.cleaned_data
        out: dict[str, dict[str, Any]] = {}
        if d.get("count") is not None:
            out["*"] = {"count": d["count"]}
        elif d.get("share") is not None:
            out["*"] = {"share": str(Decimal(d["share"]) / 100), "min": d.get("minimum") or 0}
        for name, key in self.stratum_fields(d.get("strata_by", "")):
            if d.get(name) is not None:
                out[key] = {"count": d[name]}
        return out


class ScoreForm(forms.Form):
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    deduction = forms.DecimalField(label="扣分", min_value=0, max_value=100, decimal_places=1)
    note = forms.CharField(label="扣分说明", required=False, max_length=300)
    vetoed = forms.BooleanField(label="触发一票否决", required=False)
    photo = forms.FileField(label="现场照片（可选）", required=False)


class FindingForm(forms.Form):
    item_code = forms.ChoiceField(label="检查项目", required=False)
    problem = forms.CharField(label="问题", max_length=300)
    measure = forms.CharField(label="整改措施", max_length=300)
    owner = forms.TypedChoiceField(label="整改责任人", coerce=int)
    working_days = forms.IntegerField(label="整改期限（工作日）", min_value=1, max_value=250)

    def __init__(self, *args: Any, items: list[tuple[str, str]], owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [("", "—"), *items]  # type: ignore[attr-defined]
        self.fields["owner"].choices = [("", "请选择"), *owners]  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label="整改情况", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="核实结果", coerce=lambda v: v == "1", choices=[("1", "整改到位"), ("0", "退回重改")]
    )
    comment = forms.CharField(label="意见", required=False, max_length=300)


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消理由", max_length=300)


_TWO_ROWS = forms.Textarea(attrs={"rows": 2})


class ChecklistItemForm(forms.Form):
    """One checklist item as a committee admin edits it (source, citation and code stay as they are)."""

    based_on = forms.CharField(widget=forms.HiddenInput)
    category = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(widget=forms.HiddenInput, required=False)
    new_code = forms.CharField(label="项目编号（新项目）", max_length=20, required=False)
    title = forms.CharField(label="考核项目", max_length=100)
    content = forms.CharField(label="考核内容", max_length=500, required=False, widget=_TWO_ROWS)
    scoring = forms.CharField(label="评分说明", max_length=500, required=False, widget=_TWO_ROWS)
    standard = forms.DecimalField(label="标准分", min_value=0, max_value=100, decimal_places=1)
    per_unit = forms.DecimalField(label="每处扣分", min_value=0, max_value=100, decimal_places=1, initial=0)
    cap = forms.DecimalField(
        label="最多扣分（不填为标准分）", min_value=0, max_value=100, decimal_places=1, required=False
    )
    veto = forms.BooleanField(label="一票否决", required=False)
    method = forms.ChoiceField(
        label="检查方式", choices=[("records", "查阅台账"), ("site", "实地查看"), ("interview", "访谈党员")]
    )
    evidence = forms.CharField(label="查看材料", max_length=200, required=False)

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "content": d["content"],
            "scoring": d["scoring"],
            "standard": str(d["standard"]),
            "per_unit": str(d["per_unit"] if d["per_unit"] is not None else 0),
            "cap": None if d["cap"] is None else str(d["cap"]),
            "veto": d["veto"],
            "method": d["method"],
            "evidence": d["evidence"],
        }
