"""Excel exports: the 党费收缴登记表 of a branch's year, and a committee's monthly roll-up.

Each export of personal data is written to the audit log.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.http import HttpResponse
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dangjian.core import audit
from dangjian.core.xlsx import Workbook

from .rules import fen_to_yuan, month_label
from .selectors import RegisterRow, Rollup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def _response(wb: Workbook, filename: str) -> HttpResponse:
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(), content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


def register_workbook(org: Any, year: int, rows: list[RegisterRow]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年"
    ws.append([f"{org.name} {year}年党费收缴登记表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=17)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    header = ["序号", "姓名", "月缴费基数（元）", "比例/标准"]
    header += [f"{m}月" for m in range(1, 13)]
    header += ["全年实缴（元）"]
    ws.append(header)
    for c in ws[2]:
        c.font = Font(bold=True)
    for i, r in enumerate(rows, start=1):
        cells: list[Any] = [i, r.name, _yuan(r.base_fen), r.rate_label]
        for m in range(1, 13):
            if m in r.paid and (r.paid[m] or m in r.paid_on):
                cells.append(_yuan(r.paid[m]))
            elif m in r.amounts:
                cells.append(f"应缴{fen_to_yuan(r.amounts[m])}未缴" if r.amounts[m] else "免交")
            else:
                cells.append(None)
        cells.append(_yuan(sum(r.paid.values())))
        ws.append(cells)
    ws.append([])
    ws.append(["说明：每月一栏填写实缴金额（元）；“未缴”为应缴未缴。收缴人据党费证登记，按月公开。"])
    widths = [6, 12, 14, 10] + [11] * 12 + [14]
    for idx, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = w
    return wb


def register_response(user: Any, org: Any, year: int, rows: list[RegisterRow]) -> HttpResponse:
    wb = register_workbook(org, year, rows)
    with transaction.atomic():
        audit.record(
            user,
            "dues.export_register",
            object_type="orgs.Organization",
            object_id=str(org.pk),
            object_label=f"{org.name} {year}年党费收缴登记表",
            org_path=org.path,
            after={"rows": len(rows), "year": year},
        )
    return _response(wb, f"{org.name}-{year}年党费收缴登记表.xlsx")


def rollup_workbook(r: Rollup) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = month_label(r.month)
    ws.append([f"{r.org.name} {month_label(r.month)}党费收缴汇总"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["党员" if r.by_member else "组织", "应缴人数", "已缴人数", "应缴（元）", "实缴（元）", "未缴（元）"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for row in r.children:
        ws.append(
            [
                row.label,
                row.members,
                row.paid_members,
                _yuan(row.expected_fen),
                _yuan(row.received_fen),
                _yuan(row.outstanding_fen),
            ]
        )
    t = r.total
    ws.append(
        ["合计", t.members, t.paid_members, _yuan(t.expected_fen), _yuan(t.received_fen), _yuan(t.outstanding_fen)]
    )
    ws.column_dimensions["A"].width = 30
    for col in "BCDEF":
        ws.column_dimensions[col].width = 14
    return wb


def rollup_response(user: Any, r: Rollup) -> HttpResponse:
    wb = rollup_workbook(r)
    with transaction.atomic():
        audit.record(
            user,
            "dues.export_rollup",
            object_type="orgs.Organization",
            object_id=str(r.org.pk),
            object_label=f"{r.org.name} {month_label(r.month)}党费汇总",
            org_path=r.org.path,
            after={"rows": len(r.children)},
        )
    return _response(wb, f"{r.org.name}-{r.month:%Y-%m}-党费汇总.xlsx")
