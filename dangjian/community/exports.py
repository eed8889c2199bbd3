"""The quarter's report-in list as xlsx: one row per in-service member of the branch (a committee gets
its children's coverage figures), written through the one formula-neutralising writer and audited.
Phones follow the one masking policy; no residence address and no 身份证号 ever leave in it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.http import HttpResponse
from openpyxl.styles import Font

from dangjian.core import audit
from dangjian.core.xlsx import XLSX_CONTENT_TYPE, Workbook, workbook_bytes
from dangjian.orgs.models import Organization, OrgKind

from . import selectors

NOTE = (
    "活动和实事以报到社区党组织的确认为准（十堰市委组织部“五亮五共”通知：至少领办1件实事，每季度参与活动不少于1次）。"
)


def _title(ws: Any, text: str, header: list[str]) -> None:
    ws.append([text])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(header)
    for c in ws[2]:
        c.font = Font(bold=True)


def quarter_workbook(user: Any, org: Organization, year: int, quarter: int, today: dt.date) -> tuple[Workbook, int]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年第{quarter}季度"
    if org.kind == OrgKind.BRANCH:
        rows = selectors.quarter_sheet(user, org, year, quarter, today)
        header = ["序号", "姓名", "联系电话", "报到社区", "报到日期"]
        header += ["本季活动（次）", "本年实事（件）", "情况", "说明"]
        _title(ws, f"{org.name} {year}年第{quarter}季度在职党员到社区报到情况", header)
        for i, r in enumerate(rows, start=1):
            on = r.reported_on.isoformat() if r.reported_on else ""
            ws.append(
                [i, r.name, r.phone, r.community or "未报到", on, r.activities, r.deeds_year, r.label, r.findings]
            )
        widths: tuple[int, ...] = (6, 10, 16, 20, 12, 10, 10, 16, 40)
    else:
        coverage = selectors.committee_coverage(org, year, quarter)
        header = ["下级党组织", "在职党员", "已报到", "未报到", "本季应参加", "未参加"]
        _title(ws, f"{org.name} {year}年第{quarter}季度在职党员到社区报到情况", header)
        for c in coverage:
            ws.append([c.name, c.in_service, c.reported, c.unreported, c.owing, c.behind])
        widths = (24, 10, 10, 10, 10, 10)
    ws.append([])
    ws.append([NOTE])
    for col, w in zip("ABCDEFGHI", widths, strict=False):
        ws.column_dimensions[col].width = w
    return wb, ws.max_row - 4


def quarter_response(user: Any, org: Organization, year: int, quarter: int, today: dt.date) -> HttpResponse:
    """The download; an export of personal data is an audit event (DESIGN.md §5)."""
    wb, count = quarter_workbook(user, org, year, quarter, today)
    with transaction.atomic():
        audit.record(
            user,
            "community.export_quarter",
            org,
            org_path=org.path,
            after={"year": year, "quarter": quarter, "rows": count},
        )
    resp = HttpResponse(workbook_bytes(wb), content_type=XLSX_CONTENT_TYPE)
    filename = f"{org.name}-{year}年第{quarter}季度在职党员报到.xlsx"
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp
