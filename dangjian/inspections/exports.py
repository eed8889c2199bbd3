"""The result sheet (考核结果表, xlsx and PDF) of a visit and the rectification report (整改清单) of a
plan, generated from the stored items. Neither holds 身份证号 or phones; the result sheet shows what
its page shows (a read like the page, not audited); the rectification list of a whole plan is."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl.styles import Font

from dangjian.core import audit
from dangjian.core.xlsx import Workbook

from .models import Finding, Inspection, Plan
from .selectors import Sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _audit(user: Any, action: str, obj: Any, org_path: str, label: str) -> None:
    with transaction.atomic():
        audit.record(user, action, obj, org_path=org_path, after={"file": label})


def _xlsx_response(wb: Workbook, filename: str) -> HttpResponse:
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(), content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


def sheet_workbook(s: Sheet) -> Workbook:
    insp = s.inspection
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "考核结果"
    ws.append([f"{insp.org.name} · {insp.plan.name} 考核结果表"])
    ws["A1"].font = Font(bold=True, size=14)
    started = timezone.localtime(insp.started_at).strftime("%Y-%m-%d %H:%M") if insp.started_at else ""
    ws.append([f"检查时间：{started}　考核分：{s.result.total}{'（一票否决）' if s.result.vetoed else ''}"])
    ws.append(["考核项目", "考核内容", "评分说明", "标准分", "系统核验", "自查分", "考核分", "扣分说明"])
    for c in ws[3]:
        c.font = Font(bold=True)
    for cat in s.categories:
        ws.append(
            [
                f"{cat.category.name}（{cat.category.score}分）",
                "",
                "",
                float(cat.category.score),
                "",
                "",
                float(cat.score),
                "",
            ]
        )
        for si in cat.items:
            row = si.row
            ws.append(
                [
                    si.item.title,
                    si.item.content,
                    si.item.scoring,
                    float(si.item.standard),
                    row.system_detail if row else "",
                    None if si.self_score is None else float(si.self_score),
                    float(si.score),
                    row.note if row else "",
                ]
            )
    for col, width in zip("ABCDEFGH", (18, 24, 30, 8, 36, 8, 8, 24), strict=True):
        ws.column_dimensions[col].width = width
    return wb


def sheet_xlsx(s: Sheet) -> HttpResponse:
    insp = s.inspection
    name = f"{insp.org.name}-考核结果表.xlsx"
    return _xlsx_response(sheet_workbook(s), name)


def sheet_pdf(request: HttpRequest, s: Sheet) -> HttpResponse:
    from weasyprint import HTML

    insp = s.inspection
    html = render_to_string("inspections/sheet_print.html", {"s": s, "pdf": True}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="inspection-{insp.pk}.pdf"'
    return resp


def rectification_xlsx(user: Any, plan: Plan) -> HttpResponse:
    """整改清单 of a plan: one row per finding, its measure, owner, deadline and status (对单销号)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "整改清单"
    ws.append([f"{plan.name} 整改清单"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["序号", "被检查组织", "问题", "整改措施", "责任人", "整改时限", "整改情况", "状态", "销号日期"])
    findings = Finding.objects.filter(inspection__plan=plan).select_related("org", "owner").order_by("org_path", "id")
    n = 0
    for n, f in enumerate(findings, start=1):
        ws.append(
            [
                n,
                f.org.name,
                f.problem,
                f.measure,
                f.owner.name,
                f.deadline.isoformat(),
                f.outcome,
                f.get_status_display(),
                timezone.localdate(f.closed_at).isoformat() if f.closed_at else "",
            ]
        )
    _audit(user, "inspections.export_rectification", plan, plan.org_path, f"{plan.name}-整改清单.xlsx ({n})")
    return _xlsx_response(wb, f"{plan.name}-整改清单.xlsx")


__all__ = ["Inspection", "rectification_xlsx", "sheet_pdf", "sheet_workbook", "sheet_xlsx"]
