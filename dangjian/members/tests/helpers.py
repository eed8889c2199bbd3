"""Builders for roster workbooks used by the import tests (written with openpyxl, like a user's)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from dangjian.members.excel import CODE_TO_LABEL, COLUMNS, DATA_SHEET, NO, YES
from dangjian.site.testing.factories import member_data

HEADERS = [c.header for c in COLUMNS]


def row_for(org_label: str, **overrides: Any) -> dict[str, Any]:
    """One valid row (header -> cell value) as a person would type it."""
    d = member_data(**overrides)
    cells: dict[str, Any] = {"所在党组织": org_label}
    for col in COLUMNS:
        if col.field == "org":
            continue
        value = d.get(col.field)
        if col.field in CODE_TO_LABEL and value:
            value = CODE_TO_LABEL[col.field][value]
        elif isinstance(value, bool):
            value = YES if value else NO
        cells[col.header] = value
    return cells


def workbook_bytes(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    ws.append(headers)
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(content: bytes, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def read_sheet(content: bytes) -> list[list[Any]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def body_bytes(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def iso(d: dt.date) -> str:
    return d.isoformat()
