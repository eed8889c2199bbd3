"""Excel exports: the 民主评议结果汇总表 of a committee — grade counts per branch, no names, so no
personal data (and no audit event) — and a branch's 谈心谈话记录, which names people and is audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.http import HttpResponse
from openpyxl.styles import Font

from dangjian.core import audit
from dangjian.core.xlsx import XLSX_CONTENT_TYPE, Workbook, workbook_bytes

from .rules import Grade
from .selectors import BranchResult, ChildResult, TalkExportRow


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
    return _attachment(workbook_bytes(summary_workbook(org, year, rows)), f"{org.name}{year}年民主评议结果汇总表.xlsx")


def summary_totals(rows: list[BranchResult]) -> dict[str, int]:
    """Grade totals over the branches, plus the graded and not graded counts."""
    totals = {g: sum(r.counts[g] for r in rows) for g in Grade.values}
    return {**totals, "graded": sum(totals.values()), "not_graded": sum(r.not_graded for r in rows)}


def child_totals(rows: list[ChildResult]) -> dict[str, int]:
    """`summary_totals` over the per-child rows."""
    totals = {g: sum(r.counts[g] for r in rows) for g in Grade.values}
    return {**totals, "graded": sum(totals.values()), "not_graded": sum(r.not_graded for r in rows)}


def audit_export(user: Any, org: Any, label: str, rows: int) -> None:
    """Write an export of personal data (names with grades) to the audit log."""
    with transaction.atomic():
        audit.record(
            user,
            "appraisal.export_results",
            object_type="orgs.Organization",
            object_id=str(org.pk),
            object_label=label,
            org_path=org.path,
            after={"rows": rows},
        )


HIDDEN = "（仅谈话双方和支部书记可见）"


def talks_workbook(org: Any, year: int, rows: list[TalkExportRow]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{year}年"
    ws.append([f"{org.name} {year}年谈心谈话记录"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["日期", "谈话人", "谈话对象", "方式", "类型", "地点", "谈话主题", "主要内容", "反映的问题"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for r in rows:
        content = list(r.content) if r.content is not None else [HIDDEN, HIDDEN, HIDDEN]
        ws.append([r.held_on, r.talker, r.counterparts, r.mode, r.occasion, r.place, *content])
    ws.column_dimensions["C"].width = 24
    ws.column_dimensions["H"].width = 40
    return wb


def talks_response(user: Any, org: Any, year: int, rows: list[TalkExportRow]) -> HttpResponse:
    """The workbook, with the export written to the audit log (it names people; no content in the event)."""
    data = workbook_bytes(talks_workbook(org, year, rows))
    with transaction.atomic():
        audit.record(
            user,
            "appraisal.export_talks",
            object_type="orgs.Organization",
            object_id=str(org.pk),
            object_label=f"{org.name} {year}年谈心谈话记录",
            org_path=org.path,
            after={"rows": len(rows), "with_content": sum(r.content is not None for r in rows)},
        )
    return _attachment(data, f"{org.name}{year}年谈心谈话记录.xlsx")


def _attachment(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp
