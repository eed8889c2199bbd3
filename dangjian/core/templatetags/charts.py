"""Chart data for ECharts: `{% load charts %}{{ r|dues_rollup_chart|json_script:"x-chart" }}`.

Each filter turns an object a page already received (no queries) into a small JSON-able spec that
`static/js/charts.js` renders into the element carrying `data-chart="<json_script id>"`:

    {"horizontal": bool, "stacked": bool, "unit": str, "categories": [str],
     "series": [{"name": str, "color": str, "data": [number]}]}

plus an optional "axis_labels" (short category labels for the axis; the tooltip shows `categories`).
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

GREEN, YELLOW, RED = "#2e7d32", "#f9a825", "#c62828"
EXPECTED_COLOUR, RECEIVED_COLOUR = "#90a4ae", "#c62828"


def _yuan(fen: int | None) -> float:
    """Integer fen → yuan as a JSON number (fen / 100 is the correctly rounded decimal)."""
    return int(fen or 0) / 100


@register.filter
def dues_rollup_chart(rollup: Any) -> dict[str, Any]:
    """Expected vs received (yuan) per row of a dues roll-up (`selectors.rollup`), in table order."""
    rows = list(getattr(rollup, "children", None) or [])
    return {
        "horizontal": True,
        "stacked": False,
        "unit": "元",
        "categories": [str(r.label) for r in rows],
        "series": [
            {"name": "应缴", "color": EXPECTED_COLOUR, "data": [_yuan(r.expected_fen) for r in rows]},
            {"name": "实缴", "color": RECEIVED_COLOUR, "data": [_yuan(r.received_fen) for r in rows]},
        ],
    }


@register.filter
def matrix_status_chart(mx: Any) -> dict[str, Any]:
    """Per month, how many of the shown matrix rows are green / yellow / red (`selectors.compliance_matrix`).

    Cells not yet due ("none") are not counted.
    """
    months = [int(m) for m in (getattr(mx, "months", None) or [])]
    index = {m: i for i, m in enumerate(months)}
    counts = {colour: [0] * len(months) for colour in ("green", "yellow", "red")}
    for row in getattr(mx, "rows", None) or []:
        for month, colour, _text in row.cells:
            i = index.get(month)
            if i is not None and colour in counts:
                counts[colour][i] += 1
    return {
        "horizontal": False,
        "stacked": True,
        "unit": "个",
        "categories": [f"{m // 100}年{m % 100}月" for m in months],
        "axis_labels": [f"{m % 100}月" for m in months],
        "series": [
            {"name": "按时完整", "color": GREEN, "data": counts["green"]},
            {"name": "逾期或不完整", "color": YELLOW, "data": counts["yellow"]},
            {"name": "缺失", "color": RED, "data": counts["red"]},
        ],
    }
