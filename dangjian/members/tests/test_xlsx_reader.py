"""The lean sheet reader yields what openpyxl yields for the same workbook."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from dangjian.members.xlsx_reader import SheetReader, XlsxError


def sample(write_only: bool, epoch: Any = None) -> bytes:
    wb = Workbook(write_only=write_only)
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.create_sheet("其他") if write_only else wb.active
    assert ws is not None
    if not write_only:
        ws.title = "其他"
    ws.append(["不读这张表"])
    data = wb.create_sheet("党员名册")
    rows: list[list[Any]] = [
        ["姓名", "出生日期", "数量", "比例", "是否", "公式", None, "远列"],
        ["张三", dt.date(1980, 2, 29), 3, 2.5, True, "=SUM(C2:C3)", None, "x"],
        [None, None, None, None, None, None, None, None],
        ["李四", dt.datetime(2001, 7, 1, 8, 30), -7, 1e-3, False, None, "  空格  ", None],
        ["420300198001010011", "2020-07-01", 0, 12345678901234.0, None, '=A2&"x"', None, "=1+1"],
    ]
    for r in rows:
        data.append(r)
    if not write_only:
        data["A6"] = CellRichText(["王", TextBlock(InlineFont(b=True), "五")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def openpyxl_rows(content: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    ws = wb["党员名册"]
    out = []
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        trimmed = list(values)
        while trimmed and trimmed[-1] is None:
            trimmed.pop()
        if trimmed:
            out.append((i, tuple(str(v) if isinstance(v, CellRichText) else v for v in trimmed)))
    wb.close()
    return out


def ours(content: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    reader = SheetReader(io.BytesIO(content), "党员名册")
    try:
        return [(n, v) for n, v in reader.rows() if v]
    finally:
        reader.close()


@pytest.mark.parametrize("write_only", [False, True])
def test_same_values_as_openpyxl(write_only: bool) -> None:
    content = sample(write_only)
    expected = openpyxl_rows(content)
    got = ours(content)
    assert got == expected
    assert got[1][1][1] == dt.datetime(1980, 2, 29)
    assert got[1][1][5] == "=SUM(C2:C3)"


def test_1904_epoch_dates() -> None:
    content = sample(False, epoch=CALENDAR_MAC_1904)
    assert ours(content) == openpyxl_rows(content)


def test_not_a_workbook() -> None:
    with pytest.raises(XlsxError):
        SheetReader(io.BytesIO(b"PK\x03\x04 broken"))


def test_entity_declarations_are_refused() -> None:
    content = sample(False)
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                bomb = b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><workbook'
                data = data.replace(b"<workbook", bomb, 1)
                assert bomb in data
            dst.writestr(item, data)
    with pytest.raises(XlsxError):
        SheetReader(io.BytesIO(out.getvalue()), "党员名册")
