"""Chart filters: exact specs from the objects the pages already hold, and from empty input."""

from __future__ import annotations

import datetime as dt
import json

from django.template import Context, Template

from dangjian.core.templatetags.charts import dues_rollup_chart, matrix_status_chart
from dangjian.dues.selectors import Rollup, RollupRow
from dangjian.orglife.selectors import Matrix, MatrixRow


def _rollup(rows: list[RollupRow]) -> Rollup:
    total = RollupRow(None, "合计", 0, 0, 0, 0, 0)
    return Rollup(None, dt.date(2026, 3, 1), total, rows, False)  # type: ignore[arg-type]


def test_dues_rollup_chart_yuan_per_row_in_table_order() -> None:
    rows = [
        RollupRow(None, "市教育局机关党支部", 13_650, 7_000, 6_650, 2, 1),
        RollupRow(None, "市财政局机关党支部", 5, 0, 5, 1, 0),
    ]
    assert dues_rollup_chart(_rollup(rows)) == {
        "horizontal": True,
        "stacked": False,
        "unit": "元",
        "categories": ["市教育局机关党支部", "市财政局机关党支部"],
        "series": [
            {"name": "应缴", "color": "#90a4ae", "data": [136.5, 0.05]},
            {"name": "实缴", "color": "#c62828", "data": [70.0, 0.0]},
        ],
    }


def test_dues_rollup_chart_empty() -> None:
    spec = dues_rollup_chart(_rollup([]))
    assert spec["categories"] == []
    assert [s["data"] for s in spec["series"]] == [[], []]
    assert dues_rollup_chart(None)["categories"] == []


def _matrix(months: list[int], rows: list[list[str]]) -> Matrix:
    mrows = [
        MatrixRow(None, True, 1, [(m, colour, "") for m, colour in zip(months, colours, strict=True)])  # type: ignore[arg-type]
        for colours in rows
    ]
    return Matrix(None, months, mrows, len(mrows), 1, 1)  # type: ignore[arg-type]


def test_matrix_status_chart_counts_colours_per_month() -> None:
    months = [202511, 202512, 202601]
    mx = _matrix(months, [["green", "yellow", "none"], ["red", "green", "none"], ["green", "red", "none"]])
    assert matrix_status_chart(mx) == {
        "horizontal": False,
        "stacked": True,
        "unit": "个",
        "categories": ["2025年11月", "2025年12月", "2026年1月"],
        "axis_labels": ["11月", "12月", "1月"],
        "series": [
            {"name": "按时完整", "color": "#2e7d32", "data": [2, 1, 0]},
            {"name": "逾期或不完整", "color": "#f9a825", "data": [0, 1, 0]},
            {"name": "缺失", "color": "#c62828", "data": [1, 1, 0]},
        ],
    }


def test_matrix_status_chart_empty() -> None:
    spec = matrix_status_chart(_matrix([], []))
    assert spec["categories"] == [] and spec["axis_labels"] == []
    assert [s["data"] for s in spec["series"]] == [[], [], []]
    no_rows = matrix_status_chart(_matrix([202601, 202602], []))
    assert [s["data"] for s in no_rows["series"]] == [[0, 0], [0, 0], [0, 0]]


def test_filters_emit_safe_json_script() -> None:
    rows = [RollupRow(None, "</script><b>支部</b>", 100, 50, 50, 1, 1)]
    html = Template('{% load charts %}{{ r|dues_rollup_chart|json_script:"c" }}').render(Context({"r": _rollup(rows)}))
    assert "</script><b>" not in html
    body = html.split(">", 1)[1].rsplit("</script>", 1)[0]
    assert json.loads(body)["categories"] == ["</script><b>支部</b>"]
