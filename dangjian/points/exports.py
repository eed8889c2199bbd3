"""Excel export: the branch's 年度积分汇总表 (one row per member, a 签字确认 column), audited."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.http import HttpResponse
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dangjian.core import audit
from dangjian.core.xlsx import Workbook

from . import rules as R
from .selectors import annual_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def annual_workbook(org: Any, year: int) -> tuple[Workbook, int]:
    categories, rows, notice = annual_sheet(org, year)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年"
    ws.append([f"{org.name} {year}年度党员积分汇总表"])
    ws["A1"].font = Font(bold=True, size=14)
    period = f"公示期：{notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}" if notice else "尚未公示"
    ws.append([f"按姓名排列，不排名。{period}"])
    header = ["序号", "姓名", *(R.category_label(c) for c in categories), "年度积分", "星级", "签字确认"]
    ws.append(header)
    for c in ws[3]:
        c.font = Font(bold=True)
    for i, r in enumerate(rows, start=1):
        ws.append(
            [
                i,
                r.name,
                *(float(r.by_category[c]) for c in categories),
                None if r.total is None else float(r.total),
                r.star_label,
                "",
            ]
        )
    ws.append([])
    ws.append(["说明：积分由会议出勤、党费台账和经审核的手工项目生成；免于参加集体活动的党员不参与评星。"])
    for idx, w in enumerate([6, 12, *([10] * len(categories)), 10, 12, 16], start=1):
        ws.column_dimensions[get_column_letter(idx)].width = w
    return wb, len(rows)


def annual_response(user: Any, org: Any, year: int) -> HttpResponse:
    wb, count = annual_workbook(org, year)
    with transaction.atomic():
        audit.record(
            user,
            "points.export_annual",
            object_type="orgs.Organization",
            object_id=str(org.pk),
            object_label=f"{org.name} {year}年度党员积分汇总表",
            org_path=org.path,
            after={"rows": count, "year": year},
        )
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(), content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{org.name}-{year}年度党员积分汇总表.xlsx')}"
    return resp
