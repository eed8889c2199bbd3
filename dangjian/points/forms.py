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


def manual_fields(manual: R.Manual, sources: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The editable numbers of a manual, as rows for the settings page."""
    labels = {**R.Source.LABELS, **(sources or {})}
    return [
        {
            "code": i.code,
            "label": i.label,
            "category": R.category_label(i.category),
            "source": labels.get(i.source, f"{i.source}（来源模块未启用）"),
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
    branch = []
    for n in range(1, 6):
        label = post.get(f"bstar{n}-label", "").strip()
        minimum = post.get(f"bstar{n}-min", "").strip()
        if label or minimum:
            branch.append([minimum, n, label or f"{n}星党支部"])
    if any(k.startswith("bstar") for k in post):
        data["branch_thresholds"] = branch
    new = _new_item(data, post)
    if new is not None:
        data["items"].append(new)
    return data


def _new_item(data: dict[str, Any], post: Any) -> dict[str, Any] | None:
    """An item the committee adds: entered by the branch, or derived from another app's records
    (a confirmed community deed, a completed training) through a registered source."""
    label = post.get("new-label", "").strip()
    if not label:
        return None
    taken = {i["code"] for i in data["items"]}
    source = post.get("new-source", "").strip()
    stem = source if source and source != R.Source.MANUAL else "item"
    code = next(f"{stem}_{n}" for n in range(1, 1000) if f"{stem}_{n}" not in taken)
    return {
        "code": code,
        "label": label[:100],
        "category": post.get("new-category", "").strip(),
        "points": post.get("new-points", "").strip(),
        "source": source,
        "kinds": [],
        "monthly_cap": post.get("new-monthly_cap", "").strip() or None,
        "yearly_cap": post.get("new-yearly_cap", "").strip() or None,
        "needs_approval": source == R.Source.MANUAL,
        "note": post.get("new-note", "").strip()[:200] or R.LOCAL_PRACTICE,
        "veto": False,
    }
