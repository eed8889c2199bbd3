"""The one spreadsheet writer: every .xlsx the platform produces is an instance of `Workbook` here.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return would be run by Excel or
WPS as a formula (`=HYPERLINK(...)` in a study item became a live link in the summaries) — so such
text is written with a leading apostrophe and stored as text. Numbers stay numbers (a negative
amount is not text). Write-only workbooks neutralise each row as it is appended; normal workbooks
neutralise every cell when saved, whichever way the cell was filled.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _neutralise_cell(cell: Any) -> None:
    if cell.data_type == "f" or isinstance(cell.value, str):
        text = cell.value if isinstance(cell.value, str) else str(getattr(cell.value, "text", cell.value))
        safe = neutralise(text)
        if safe is not cell.value:
            cell.value = safe
            cell.data_type = "s"


class _NeutralisingWriteOnlyWorksheet(WriteOnlyWorksheet):
    def append(self, row: Any) -> None:
        out = []
        for v in row:
            if isinstance(v, Cell):
                _neutralise_cell(v)
                out.append(v)
            else:
                out.append(neutralise(v))
        super().append(out)


class Workbook(_OpenpyxlWorkbook):
    """`openpyxl.Workbook` that never writes a formula from text."""

    def create_sheet(self, title: str | None = None, index: int | None = None) -> Any:
        if not self.write_only:
            return super().create_sheet(title, index)
        ws = _NeutralisingWriteOnlyWorksheet(parent=self, title=title)
        self._add_sheet(sheet=ws, index=index)
        return ws

    def save(self, filename: Any) -> None:
        if not self.write_only:
            for ws in self.worksheets:
                for cell in getattr(ws, "_cells", {}).values():
                    _neutralise_cell(cell)
        super().save(filename)


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
