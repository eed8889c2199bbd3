"""Generated tables (零重复录入): the 主题党日活动总结表 of a branch, and a committee's monthly summary.

Every figure comes from the meeting records (orglife); nothing is typed a second time. The branch
table is produced as xlsx and PDF; the committee's summary over all target branches as xlsx, in a
constant number of queries and with openpyxl's write-only mode (10,000 branches stream through).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from dangjian.core.paths import parent_path, subtree_q
from dangjian.core.xlsx import Workbook
from dangjian.orglife.models import MeetingStatus
from dangjian.orgs.models import Organization

from . import records
from .models import Assignment, AssignmentTarget, TargetItem, TargetStatus
from .records import MeetingFacts

HEADER_FILL = "F6E3E3"


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def actions_done(required: Sequence[str], done: Sequence[str]) -> list[tuple[str, bool]]:
    """Each required action and whether the meeting record lists it. Wording differs between a
    notice and a record (重温誓词 / 重温入党誓词), so one matches the other when its characters
    appear in order in the other."""

    def norm(s: str) -> str:
        return "".join(str(s).split())

    done_n = [norm(d) for d in done if norm(d)]
    return [(r, any(_subsequence(norm(r), d) or _subsequence(d, norm(r)) for d in done_n)) for r in required if norm(r)]


def branch_month_facts(org: Organization, year: int, month: int, with_photos: bool = False) -> list[MeetingFacts]:
    start, end = month_bounds(year, month)
    return records.collect(records.party_days_in(Q(branch_path=org.path), start, end), with_photos)


def target_facts(t: AssignmentTarget, with_photos: bool = False) -> list[MeetingFacts]:
    """The target's linked meeting records; without links, its party days in the activity window."""
    linked = TargetItem.objects.filter(target=t, meeting__isnull=False).values("meeting_id")
    facts = records.collect(records.Meeting.objects.filter(pk__in=linked), with_photos)
    if facts:
        return facts
    a = t.assignment
    return records.collect(records.party_days_in(Q(branch_path=t.org_path), a.window_start, a.window_end), with_photos)


# ---------------------------------------------------------------- branch table (xlsx + PDF)


def _style_header(ws: Any, row: int, ncols: int) -> None:
    for c in range(1, ncols + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def branch_summary_xlsx(
    *, org_name: str, period_label: str, facts: Sequence[MeetingFacts], assignment: Assignment | None = None
) -> bytes:
    """The 主题党日活动总结表 as a workbook: one block of rows per meeting, figures from records."""
    wb = Workbook()
    ws = wb.active
    ws.title = "活动总结表"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 70
    ws.append([f"{org_name} {period_label}主题党日活动总结表"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M") + "（系统根据组织生活记录自动生成）"])
    if assignment is not None:
        ws.append(["任务", assignment.title])
        ws.append(["任务主题", assignment.theme])
    if not facts:
        ws.append(["记录", "本期没有主题党日记录"])
    for i, f in enumerate(facts, start=1):
        ws.append([])
        ws.append([f"活动{i}", f.theme])
        _style_header(ws, ws.max_row, 2)
        required = list(assignment.required_actions) if assignment else []
        done = actions_done(required, f.required_actions) if required else [(a, True) for a in f.required_actions]
        rows: list[list[Any]] = [
            ["活动主题", f.theme],
            ["活动类型", "、".join(f.kinds)],
            ["活动时间", f"{f.time_label}（{f.hours} 小时）"],
            ["活动地点", f.place or "—"],
            ["应到人数", f.expected],
            ["实到人数", f.present],
            ["请假人数", f.leave],
            ["缺席人数", f.absent],
            ["出席率", f.attendance_rate],
            ["规定动作", "；".join(f"{a}{'（已完成）' if ok else '（未记录）'}" for a, ok in done) or "—"],
            ["学习内容", "\n".join(f.study_items) or "—"],
            ["决议事项", "\n".join(f.resolutions) or "—"],
            ["活动照片", f"{f.photo_count} 张"],
            ["记录状态", "已归档" if f.filed else "草稿"],
        ]
        for r in rows:
            ws.append(r)
            ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def branch_summary_pdf(
    *, org_name: str, period_label: str, facts: Sequence[MeetingFacts], assignment: Assignment | None = None
) -> bytes:
    """The same table as PDF (WeasyPrint; Chinese set in Noto Sans CJK), with photo thumbnails."""
    from weasyprint import HTML

    required = list(assignment.required_actions) if assignment else []
    blocks = [
        {
            "f": f,
            "done": actions_done(required, f.required_actions) if required else [(a, True) for a in f.required_actions],
            "photos": [str(settings.MEDIA_ROOT) + "/" + p for p in f.photos[:6]],
        }
        for f in facts
    ]
    html = render_to_string(
        "assignments/summary_pdf.html",
        {
            "org_name": org_name,
            "period_label": period_label,
            "blocks": blocks,
            "assignment": assignment,
            "generated_at": timezone.localtime(),
        },
    )
    return bytes(HTML(string=html, base_url=str(settings.MEDIA_ROOT)).write_pdf())


def target_summary_xlsx(t: AssignmentTarget) -> tuple[bytes, str]:
    a = t.assignment
    org = Organization.objects.get(pk=t.org_id)
    label = f"{a.window_start.year}年{a.window_start.month}月"
    content = branch_summary_xlsx(org_name=org.name, period_label=label, facts=target_facts(t), assignment=a)
    return content, f"主题党日活动总结表-{org.name}-{a.window_start:%Y%m}.xlsx"


def target_summary_pdf(t: AssignmentTarget) -> tuple[bytes, str]:
    a = t.assignment
    org = Organization.objects.get(pk=t.org_id)
    label = f"{a.window_start.year}年{a.window_start.month}月"
    content = branch_summary_pdf(
        org_name=org.name, period_label=label, facts=target_facts(t, with_photos=True), assignment=a
    )
    return content, f"主题党日活动总结表-{org.name}-{a.window_start:%Y%m}.pdf"


# ---------------------------------------------------------------- committee monthly summary


COMMITTEE_HEADERS = [
    "序号",
    "上级组织",
    "党支部",
    "任务状态",
    "提交轮次",
    "活动日期",
    "活动主题",
    "地点",
    "时长（小时）",
    "应到",
    "实到",
    "请假",
    "缺席",
    "出席率",
    "规定动作完成",
    "学习内容",
    "决议数",
    "照片数",
]


def committee_summary_rows(assignment: Assignment) -> Any:
    """Yield one row per target branch (and per extra meeting), reading in a constant number of queries:
    targets, parent names, meetings, attendance, resolutions, photos."""
    status_label = dict(TargetStatus.choices)
    targets = list(
        AssignmentTarget.objects.filter(assignment=assignment)
        .order_by("org_path")
        .values_list("org_path", "org__name", "status", "rounds")
    )
    parents = dict(
        Organization.objects.filter(subtree_q("path", assignment.org_path))
        .exclude(kind="branch")
        .exclude(kind="group")
        .values_list("path", "name")
    )
    linked = TargetItem.objects.filter(target__assignment=assignment, meeting__isnull=False).values("meeting_id")
    meetings = records.party_days_in(
        subtree_q("branch_path", assignment.org_path), assignment.window_start, assignment.window_end, linked
    )
    # Only filed records count as held; a branch with a draft only is shown as such, never as done.
    facts = records.by_branch(records.collect(meetings.filter(status=MeetingStatus.FILED)))
    drafts = set(meetings.exclude(status=MeetingStatus.FILED).values_list("branch_path", flat=True))
    required = list(assignment.required_actions)
    n = 0
    for path, name, status, rounds in targets:
        parent = parents.get(parent_path(path), "")
        found = facts.get(path)
        fs: list[MeetingFacts | None] = list(found) if found else [None]
        for f in fs:
            n += 1
            if f is None:
                yield [
                    n,
                    parent,
                    name,
                    status_label.get(status, status),
                    rounds,
                    "",
                    "记录尚未归档" if path in drafts else "无记录",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
                continue
            done = actions_done(required, f.required_actions) if required else [(a, True) for a in f.required_actions]
            yield [
                n,
                parent,
                name,
                status_label.get(status, status),
                rounds,
                f.date,
                f.theme,
                f.place,
                float(f.hours),
                f.expected,
                f.present,
                f.leave,
                f.absent,
                f.attendance_rate,
                f"{sum(1 for _, ok in done if ok)}/{len(done)}" if done else "",
                "；".join(f.study_items),
                len(f.resolutions),
                f.photo_count,
            ]


def committee_summary_xlsx(assignment: Assignment) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("月度汇总")
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 28
    ws.column_dimensions["G"].width = 30
    title = WriteOnlyCell(ws, value=f"{assignment.publisher_org.name} {assignment.title} 主题党日活动汇总表")
    title.font = Font(bold=True, size=13)
    ws.append([title])
    ws.append(
        [
            f"活动时间 {assignment.window_start:%Y-%m-%d} 至 {assignment.window_end:%Y-%m-%d}；"
            "根据各支部组织生活记录自动生成"
        ]
    )
    header = []
    for h in COMMITTEE_HEADERS:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        header.append(c)
    ws.append(header)
    for row in committee_summary_rows(assignment):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
