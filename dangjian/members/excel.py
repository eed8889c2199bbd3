"""Roster workbooks: the column layout shared by template, import and export, and the file I/O.

Columns map 1:1 to `MemberForm` fields (plus 所在党组织), so the import validates exactly what the
member form validates. Choice columns hold the Chinese labels; the importer turns them into codes.
Every workbook is written with openpyxl's write-only mode (streamed to a temporary file).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core.uploads import MAX_INFLATE_FACTOR
from dangjian.core.xlsx import Workbook, neutralise

from .forms import MEMBER_FIELDS
from .models import Education, Member, MemberCategory, MemberStatus, Sex
from .xlsx_reader import SheetReader, XlsxError

ORG_HEADER = "所在党组织"
ERROR_HEADER = "错误说明"
DATA_SHEET = "党员名册"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"

DATE_FIELDS = {"birth_date", "joined_on", "converted_on", "mobile_last_contact", "exempt_on", "lost_contact_since"}
BOOL_FIELDS = {"is_mobile", "exempt", "lost_contact"}
CHOICE_FIELDS: dict[str, list[tuple[str, str]]] = {
    "sex": list(Sex.choices),
    "education": list(Education.choices),
    "status": list(MemberStatus.choices),
    "category": list(MemberCategory.choices),
}
# Short forms people type; mapped to the same codes.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "status": {"正式": "full", "预备": "probationary"},
    "sex": {"男性": "M", "女性": "F"},
}
REQUIRED_FIELDS = {"name", "sex", "birth_date", "id_number", "joined_on", "status", "category"}
YES, NO = "是", "否"
# Cells beginning with these are read as formulas by spreadsheet programs (CSV/formula injection).
EXCEL_SAFE_TYPES = (str, int, float, bool, dt.datetime, dt.date, dt.time)


@dataclass(frozen=True)
class Column:
    field: str  # MemberForm field name, or "org"
    header: str

    @property
    def kind(self) -> str:
        if self.field == "org":
            return "org"
        if self.field in DATE_FIELDS:
            return "date"
        if self.field in BOOL_FIELDS:
            return "bool"
        if self.field in CHOICE_FIELDS:
            return "choice"
        if self.field == "group":
            return "group"
        return "text"


def _header_for(field_name: str) -> str:
    f = Member._meta.get_field(field_name)
    return str(getattr(f, "verbose_name", field_name))


COLUMNS: list[Column] = [Column("org", ORG_HEADER), *(Column(f, _header_for(f)) for f in MEMBER_FIELDS)]
HEADER_TO_FIELD = {c.header: c.field for c in COLUMNS}
FIELD_TO_HEADER = {c.field: c.header for c in COLUMNS}
CODE_TO_LABEL = {f: dict(choices) for f, choices in CHOICE_FIELDS.items()}
LABEL_TO_CODE = {
    f: {**{label: code for code, label in choices}, **CHOICE_ALIASES.get(f, {})} for f, choices in CHOICE_FIELDS.items()
}


def _header_cells(ws: Any, headers: Sequence[str], required: set[str] | None = None) -> list[WriteOnlyCell]:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4E4")
    cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = bold
        if required and h in required:
            cell.fill = fill
        cells.append(cell)
    return cells


def _temp_xlsx() -> IO[bytes]:
    return tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)


# ---------------------------------------------------------------- template


def build_template(org_labels: Sequence[str], group_names: Sequence[str]) -> str:
    """Write the import template; returns the temporary file's path (the caller removes it)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    help_ws = wb.create_sheet(HELP_SHEET)
    headers = [c.header for c in COLUMNS]
    required_headers = {ORG_HEADER} | {FIELD_TO_HEADER[f] for f in REQUIRED_FIELDS}
    max_rows = 5000

    # Option lists live on their own sheet; data validation refers to their ranges.
    list_columns: list[tuple[str, list[str]]] = [
        (ORG_HEADER, list(org_labels)),
        *((FIELD_TO_HEADER[f], [label for _, label in CHOICE_FIELDS[f]]) for f in CHOICE_FIELDS),
        ("是否", [YES, NO]),
        (FIELD_TO_HEADER["group"], list(group_names)),
    ]
    longest = max(len(values) for _, values in list_columns)
    lists.append([name for name, _ in list_columns])
    for i in range(longest):
        lists.append([neutralise(values[i]) if i < len(values) else None for _, values in list_columns])

    def ref(idx: int, count: int) -> str:
        letter = _letter(idx)
        return f"'{LISTS_SHEET}'!${letter}$2:${letter}${count + 1}"

    list_index = {name: i for i, (name, _) in enumerate(list_columns)}
    for col_idx, col in enumerate(COLUMNS):
        source = None
        if col.kind == "org" and org_labels:
            source = ref(list_index[ORG_HEADER], len(org_labels))
        elif col.kind == "choice":
            source = ref(list_index[col.header], len(CHOICE_FIELDS[col.field]))
        elif col.kind == "bool":
            source = ref(list_index["是否"], 2)
        elif col.kind == "group" and group_names:
            source = ref(list_index[col.header], len(group_names))
        if source is None:
            continue
        letter = _letter(col_idx)
        dv = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=col.kind != "group")
        dv.error = "请从下拉列表中选择"
        dv.add(f"{letter}2:{letter}{max_rows}")
        ws.data_validations.append(dv)
    for col_idx, col in enumerate(COLUMNS):
        if col.kind == "date":
            letter = _letter(col_idx)
            dv = DataValidation(type="date", operator="greaterThan", formula1="1")
            dv.error = "请填写日期，如 2020-07-01"
            dv.add(f"{letter}2:{letter}{max_rows}")
            ws.data_validations.append(dv)

    ws.append(_header_cells(ws, headers, required_headers))

    help_ws.append(_header_cells(help_ws, ["列名", "是否必填", "说明"]))
    notes = {
        "org": "填写党支部名称（见“选项”表第一列；名称重复时填写“上级组织/党支部”完整名称）",
        "id_number": "18位身份证号，校验位须正确；同一文件中不得重复。已登记的身份证号将更新该党员信息",
        "phone": "11位手机号，可不填",
        "birth_date": "日期格式 2020-07-01，须与身份证号一致",
        "joined_on": "不得早于年满18周岁之日，不得晚于今天",
        "converted_on": "正式党员必填，须晚于入党日期；预备党员不填",
        "group": "填写本支部党小组名称，可不填",
        "is_mobile": "填“是”或“否”；选“是”须填写流向地",
        "exempt": "填“是”或“否”；选“是”须填写原因、书面申请和批准人",
        "lost_contact": "填“是”或“否”；选“是”须填写失联日期",
    }
    for col in COLUMNS:
        required = "必填" if col.field == "org" or col.field in REQUIRED_FIELDS else "选填"
        note = notes.get(col.field, "")
        if not note and col.kind == "choice":
            note = "从下拉列表选择：" + "、".join(label for _, label in CHOICE_FIELDS[col.field])
        if not note and col.kind == "date":
            note = "日期格式 2020-07-01"
        help_ws.append([col.header, required, note])
    help_ws.append([])
    warning = "不允许使用公式；请勿修改表头；每行一名党员。导入时如有任何一行有误，默认不写入任何数据。"
    help_ws.append(["注意", "", warning])

    out = _temp_xlsx()
    out.close()
    wb.save(out.name)
    return out.name


def _letter(idx: int) -> str:
    return get_column_letter(idx + 1)


# ---------------------------------------------------------------- reading


@dataclass
class SheetRows:
    """The data sheet of an uploaded workbook: header mapping and a row iterator."""

    columns: list[str | None]  # field name per column index (None: ignored column)
    headers: list[str]
    total: int
    rows: Iterator[tuple[int, tuple[Any, ...]]]  # (Excel row number, values)
    close: Any = None
    missing: list[str] = field(default_factory=list)


DIMENSION_RE = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def declared_rows(f: Any) -> int | None:
    """Data rows as the first sheet's <dimension> tag declares them, read from the first few KB
    (no full parse); None when the tag is missing. Only used to choose inline vs background."""
    with zipfile.ZipFile(f) as zf:
        names = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not names:
            return None
        with zf.open(sorted(names)[0]) as sheet:
            head = sheet.read(4096)
    m = DIMENSION_RE.search(head)
    if m is None:
        return None
    return max(int(m.group(1) or 1) - 1, 0)


CORRUPT = "Excel 文件已损坏或格式不正确，无法读取"


def open_rows(f: Any) -> SheetRows:
    """Open the data sheet (“党员名册”, else the first) for streaming, and map its header row
    (the first non-empty row) to form fields."""
    try:
        total = declared_rows(f) or 0
        f.seek(0)
        reader = SheetReader(f, DATA_SHEET, max_inflated=settings.DANGJIAN_MAX_IMPORT_BYTES * MAX_INFLATE_FACTOR)
    except (XlsxError, zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(CORRUPT) from exc

    def raw() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from reader.rows()
        except XlsxError as exc:
            raise ValidationError(CORRUPT) from exc

    def blank(values: tuple[Any, ...]) -> bool:
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)

    it = (item for item in raw() if not blank(item[1]))
    try:
        header_rownum, header_row = next(it)
    except StopIteration:
        reader.close()
        raise ValidationError("Excel 文件中没有表头，请使用下载的模板") from None
    except ValidationError:
        reader.close()
        raise
    headers = [str(h).strip().lstrip("*").strip() if h is not None else "" for h in header_row]
    columns = [HEADER_TO_FIELD.get(h) for h in headers]
    present = {c for c in columns if c}
    missing = [c.header for c in COLUMNS if c.field not in present and (c.field in REQUIRED_FIELDS or c.field == "org")]
    total = max(total - (header_rownum - 1), 0)
    return SheetRows(columns=columns, headers=headers, total=total, rows=it, close=reader.close, missing=missing)


# ---------------------------------------------------------------- writing rows out


def write_rows(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = DATA_SHEET,
    date_columns: set[int] | None = None,
) -> tuple[str, int]:
    """Stream rows to a new workbook (write-only, constant memory). Text is neutralised.
    Returns (temporary file path, number of data rows)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(_header_cells(ws, headers))
    count = 0
    for row in rows:
        # Empty text is written as no cell at all (a third of a roster's cells are empty).
        ws.append([(neutralise(v) if v else None) if isinstance(v, str) else v for v in row])
        count += 1
    out = _temp_xlsx()
    out.close()
    wb.save(out.name)
    return out.name, count


def cell_to_text(value: Any) -> Any:
    """A cell value as the form expects it (strings; dates kept as dates)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)
    return str(value).strip()
