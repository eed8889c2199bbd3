"""Excel exports of the reports' tables (every table a dashboard shows): core.xlsx.Workbook only.
They carry organisations' figures, never personal data."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl.styles import Font

from dangjian.core.xlsx import Workbook

from .selectors import SHARE_LABELS, Dashboard, FigureSection

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _response(wb: Workbook, filename: str) -> HttpResponse:
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(), content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


def _sheet(title: str, heading: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append([heading])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(header))
    for c in ws[2]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(list(r))
    return wb


def _pct(v: int | None) -> str:
    return "" if v is None else f"{v}%"


def dashboard_response(d: Dashboard) -> HttpResponse:
    keys = list(SHARE_LABELS)
    header = ["下级组织", "党支部数", "已报送", *(f"{SHARE_LABELS[k]}占比" for k in keys)]
    rows = [[r.org.name, r.branches, r.submitted, *(_pct(r.shares[k]) for k in keys)] for r in [*d.rows, d.total]]
    rows[-1][0] = "合计"
    heading = f"{d.org.name} {d.year}年{d.month}月工作报告汇总（按占比，不排名）"
    return _response(
        _sheet(f"{d.year}年{d.month}月", heading, header, rows), f"{d.org.name}-{d.year}-{d.month:02d}-汇总.xlsx"
    )


def figures_response(org: Any, title: str, sections: list[FigureSection], filename: str) -> HttpResponse:
    rows = [[s.label, line.label, line.value] for s in sections for line in s.lines]
    return _response(_sheet(title, f"{org.name} {title}", ["类别", "指标", "数值"], rows), filename)


def scores_response(org: Any, year: int, quarter: int, scores: list[Any], labels: list[str]) -> HttpResponse:
    header = ["党支部", *labels, "得分", "不参与考评原因"]
    rows = []
    for s in scores:
        by_label = {d["label"]: d for d in s.details}
        cells = [f"{by_label[lb]['value']}（{by_label[lb]['score']}分）" if lb in by_label else "" for lb in labels]
        rows.append([s.org.name, *cells, float(s.total) if not s.excluded else "", s.excluded])
    heading = f"{org.name} {year}年第{quarter}季度重点工作考评（按组织顺序，不排名）"
    return _response(_sheet(f"{year}Q{quarter}", heading, header, rows), f"{org.name}-{year}Q{quarter}-考评.xlsx")
