"""Display of report figures: amounts in fen as yuan, shares as percentages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(value: Any, key: str) -> str:
    if key.endswith("_fen") and isinstance(value, int):
        return f"{value / 100:.2f} 元"
    if value in (None, ""):
        return "—"
    return str(value)


@register.filter
def pct(value: int | None) -> str:
    return "—" if value is None else f"{value}%"
