"""Excel export: the 民主评议结果汇总表 of a committee — grade counts per branch, no names, so no
personal data (and no audit event: the export is a plain read)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl.styles import Font

from dangjian.core.xlsx import XLSX_CONTENT_TYPE, Workbook, workbook_bytes

from .rules import Grade
from .selectors import BranchResult


def summary_workbook(org: Any, year: int, rows: list[BranchResult]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年"
    ws.append([f"{org.name} {year}年民主评议党员结果汇总表"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["党支部", "状态", *Grade.labels, "参评定等次", "不评定等次"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for r in rows:
        counts = [r.counts[g] for g in Grade.values]
        ws.append([r.name, r.status, *counts, sum(counts), r.not_graded])
    total = [sum(r.counts[g] for r in rows) for g in Grade.values]
    ws.append(["合计", "", *total, sum(total), sum(r.not_graded for r in rows)])
    ws.append([])
    ws.append(["说明：等次由各党支部决定；预备党员参加评议但不评定等次。优秀一般不超过参评党员的三分之一。"])
    ws.column_dimensions["A"].width = 32
    return wb


def summary_response(org: Any, year: int, rows: list[BranchResult]) -> HttpResponse:
    data = workbook_bytes(summary_workbook(org, year, rows))
    resp = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{org.name}{year}年民主评议结果汇总表.xlsx')}"
    return resp
