"""Forms of the points pages: the shapes a person fills in; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from . import rules as R


class ManualPointForm(forms.Form):
    member = forms.TypedChoiceField(label="党员", coerce=int)
    item_code = forms.ChoiceField(label="积分项目")
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="事由", max_length=300)
    document = forms.CharField(label="依据（文件号或记录）", max_length=200)

    def __init__(self, *args: Any, members: list[Any], manual: R.Manual, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["member"]).choices = [(m.pk, m.name) for m in members]
        cast(forms.ChoiceField, self.fields["item_code"]).choices = [
            (i.code, f"{i.label}（{R.fmt(i.points)} 分/次）") for i in manual.items if i.source == R.Source.MANUAL
        ]


def manual_fields(manual: R.Manual) -> list[dict[str, Any]]:
    """The editable numbers of a manual, as rows for the settings page."""
    return [
        {
            "code": i.code,
            "label": i.label,
            "category": R.category_label(i.category),
            "source": R.Source.LABELS.get(i.source, i.source),
            "points": R.fmt(i.points),
            "monthly_cap": "" if i.monthly_cap is None else R.fmt(i.monthly_cap),
            "yearly_cap": "" if i.yearly_cap is None else R.fmt(i.yearly_cap),
            "note": i.note,
        }
        for i in manual.items
    ]


def manual_data_from_post(manual: R.Manual, post: Any) -> dict[str, Any]:
    """The manual in force with the numbers a committee changed on the settings page."""
    data = R.manual_to_data(manual)
    for item in data["items"]:
        for key in ("points", "monthly_cap", "yearly_cap"):
            name = f"{item['code']}-{key}"
            if name in post:
                item[key] = post.get(name, "").strip() or (None if key != "points" else "")
    for cat in list(data["category_caps"]):
        if f"cap-{cat}" in post:
            data["category_caps"][cat] = post.get(f"cap-{cat}", "").strip() or "0"
    if "total_cap" in post:
        data["total_cap"] = post.get("total_cap", "").strip() or None
    thresholds = []
    for n in range(1, 6):
        label = post.get(f"star{n}-label", "").strip()
        minimum = post.get(f"star{n}-min", "").strip()
        if label or minimum:
            thresholds.append([minimum, n, label or f"{n}星"])
    if any(k.startswith("star") for k in post):
        data["thresholds"] = thresholds
    return data
