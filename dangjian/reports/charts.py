"""ECharts spec for the dashboard (rendered by static/js/charts.js): shares per child, in tree order."""

from __future__ import annotations

from typing import Any

from .selectors import Dashboard

SERIES = (
    ("reported", "已报送", "#1565c0"),
    ("party_day", "开展主题党日", "#c62828"),
    ("dues", "党费已缴人数", "#2e7d32"),
)


def dashboard_chart(d: Dashboard) -> dict[str, Any]:
    """Horizontal bars: each child's share (%) of branches reporting, holding the party day, members paid."""
    return {
        "horizontal": True,
        "stacked": False,
        "unit": "%",
        "categories": [r.org.name for r in d.rows],
        "series": [
            {"name": label, "color": colour, "data": [r.shares[key] or 0 for r in d.rows]}
            for key, label, colour in SERIES
        ],
    }
