"""The record types the gate can publish, registered in `core.registry.disclosable_kind`.

openness sits above dues, orglife, appraisal and points in the layers, so it reads their records
here instead of each app importing openness; apps built later (brands' 公示, community's 三个一)
register their own kinds from their AppConfig.ready() through the same slot.

Personal data is minimised in every snapshot: per-person lines go to `people` (shown only inside
the Party); the dues sheet lists each member's amounts only when the committee's setting allows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from dangjian.appraisal.models import Appraisal, AppraisalEntry, AppraisalState
from dangjian.appraisal.rules import Grade
from dangjian.community.selectors import disclosable_three_ones
from dangjian.core.paths import subtree_q
from dangjian.core.registry import DisclosableKind, SourceEvent, disclosable_kind
from dangjian.dues.selectors import collection_sheet
from dangjian.orglife.models import MeetingStatus, Resolution
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind
from dangjian.points.models import PublicNotice

from . import rules as R
from .models import Deliberation


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f} 元"


def _need(start: dt.date | None) -> dt.date:
    if start is None:
        raise ValidationError({"period_start": "请选择公开的期间"})
    return start


def dues_month(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    """党支部每月公开党费收缴情况 (seed 001): head counts and totals; names with amounts only 党内."""
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("党费收缴情况按党支部公开")
    month = _need(start)
    sheet = collection_sheet(org, month)
    content: dict[str, Any] = {
        "title": f"{org.name}{month.year}年{month.month}月党费收缴情况",
        "summary": [
            ["应缴人数", f"{sheet.due_count} 人"],
            ["已缴人数", f"{sheet.paid_count} 人"],
            ["未缴人数", f"{sheet.due_count - sheet.paid_count} 人"],
            ["应缴合计", _yuan(sheet.expected_total_fen)],
            ["实缴合计", _yuan(sheet.paid_total_fen)],
        ],
        "text": "",
    }
    if sheet.unassessed_count:
        content["summary"].append(["未核定基数", f"{sheet.unassessed_count} 人"])
    if config.effective(org.path, "openness.dues_people_inside"):
        content["columns"] = ["姓名", "应缴", "实缴", "状态"]
        content["people"] = [
            [
                r.name,
                _yuan(r.amount_fen),
                _yuan(r.paid_fen),
                "已缴" if r.is_paid else ("未核定基数" if r.missing_base else "未缴"),
            ]
            for r in sorted(sheet.rows, key=lambda r: (r.name, r.member_id))
        ]
    return content


def _resolution_pk(ref: str) -> int:
    kind, _, pk = ref.partition(":")
    if kind != "resolution" or not pk.isdigit():
        raise ValidationError({"source_ref": "请选择要公开的会议决议"})
    return int(pk)


def resolution(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    """A meeting's decision (决议) and its implementation plan: disclosed promptly after the meeting."""
    r = (
        Resolution.objects.select_related("meeting")
        .filter(subtree_q("org_path", org.path), pk=_resolution_pk(ref), meeting__status=MeetingStatus.FILED)
        .first()
    )
    if r is None:
        raise ValidationError({"source_ref": "没有该决议（须为本组织已归档会议的决议）"})
    actions = list(r.actions.order_by("deadline", "id"))
    return {
        "title": f"决议：{r.title}",
        "summary": [["会议", r.meeting.theme], ["会议日期", f"{r.meeting.meeting_date:%Y-%m-%d}"]],
        "text": r.content,
        "columns": ["落实措施", "责任人", "完成时限"],
        "people": [[a.measure, a.owner_name, f"{a.deadline:%Y-%m-%d}"] for a in actions],
    }


def resolution_events(prefixes: list[str], start: dt.date, end: dt.date) -> list[SourceEvent]:
    q = Q()
    for p in prefixes:
        q |= subtree_q("meeting__branch_path", p)
    rows = (
        Resolution.objects.filter(q, meeting__status=MeetingStatus.FILED, meeting__meeting_date__range=(start, end))
        .values_list("pk", "title", "meeting__branch_path", "meeting__meeting_date")
        .order_by("pk")
    )
    return [SourceEvent(path, on, f"resolution:{pk}", title) for pk, title, path, on in rows]


def appraisal_summary(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    """The year's 民主评议党员 result as counts per grade (names with grades are never posted)."""
    year = _need(start).year
    a = Appraisal.objects.filter(org=org, year=year, status=AppraisalState.SIGNED).first()
    if a is None:
        raise ValidationError({"period_start": f"{year}年度民主评议党员尚未签发"})
    counts = dict(AppraisalEntry.objects.filter(appraisal=a, graded=True).values_list("grade").annotate(n=Count("id")))
    total = AppraisalEntry.objects.filter(appraisal=a).count()
    return {
        "title": f"{org.name}{year}年度民主评议党员结果",
        "summary": [["参加评议", f"{total} 人"], *[[g.label, f"{counts.get(g.value, 0)} 人"] for g in Grade]],
        "text": "",
    }


def points_stars(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    """The year's star board: how many members at each star; names and stars only 党内, in name order
    (no ranking, 国办函〔2026〕12号)."""
    year = _need(start).year
    notice = PublicNotice.objects.filter(org=org, year=year).first()
    if notice is None:
        raise ValidationError({"period_start": f"{year}年度星级尚未公示"})
    rows = [r for r in notice.rows or [] if not r.get("exempt")]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.get("star_label") or "未评星"] = counts.get(r.get("star_label") or "未评星", 0) + 1
    return {
        "title": f"{org.name}{year}年度星级党员评定结果",
        "summary": [[label, f"{n} 人"] for label, n in sorted(counts.items())],
        "text": "",
        "columns": ["姓名", "星级"],
        "people": [[r.get("name", ""), r.get("star_label", "")] for r in sorted(rows, key=lambda r: r.get("name", ""))],
    }


def _deliberation(org: Organization, ref: str, which: str) -> Deliberation:
    kind, _, rest = ref.partition(":")
    pk, _, what = rest.partition(":")
    d = (
        Deliberation.objects.filter(org=org, pk=int(pk)).prefetch_related("stages", "options").first()
        if kind == "deliberation" and pk.isdigit() and what == which
        else None
    )
    if d is None:
        raise ValidationError({"source_ref": "没有该议事记录"})
    return d


def deliberation_decision(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    d = _deliberation(org, ref, "decision")
    stages = {s.code: s.label for s in R.STAGES[d.procedure]}
    summary = [["议题", d.topic], ["提议", d.proposer]]
    for s in d.stages.all():
        seen = f"，应到 {s.expected} 人、实到 {s.present} 人" if s.expected else ""
        summary.append([stages.get(s.stage, s.stage), f"{s.held_on:%Y-%m-%d}{seen}"])
    for o in d.options.all():
        summary.append(
            [f"方案：{o.label}", f"赞成 {o.yes}、反对 {o.no}、弃权 {o.abstain}{'（通过）' if o.chosen else ''}"]
        )
    return {"title": f"民主议事决议：{d.topic}", "summary": summary, "text": d.decision}


def deliberation_result(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    d = _deliberation(org, ref, "result")
    summary = [["议题", d.topic], ["决议日期", f"{d.decided_on:%Y-%m-%d}" if d.decided_on else ""]]
    if d.deadline:
        summary.append(["落实期限", f"{d.deadline:%Y-%m-%d}"])
    if d.result_on:
        summary.append(["完成日期", f"{d.result_on:%Y-%m-%d}"])
    return {"title": f"民主议事实施结果：{d.topic}", "summary": summary, "text": d.result}


def _deliberation_events(field: str, which: str) -> Any:
    def events(prefixes: list[str], start: dt.date, end: dt.date) -> list[SourceEvent]:
        q = Q()
        for p in prefixes:
            q |= subtree_q("org_path", p)
        rows = Deliberation.objects.filter(q, **{f"{field}__range": (start, end)}).values_list(
            "pk", "topic", "org_path", field
        )
        return [SourceEvent(path, on, f"deliberation:{pk}:{which}", topic) for pk, topic, path, on in rows]

    return events


def three_ones(org: Organization, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    """A 党委书记's "三个一" (seed 000): the pledge, the project with its goals and the contact point,
    as its 公示 publishes them (the secretary's name is on the seed's template; nothing else personal)."""
    year = _need(start).year
    record = next((r for r in disclosable_three_ones([org.path]) if r.org_id == org.pk and r.year == year), None)
    if record is None:
        raise ValidationError({"period_start": f"{org.name}{year}年的“三个一”尚未公示，请先在“三个一”页面发布公示"})
    return {
        "title": f"{org.name}{year}年党组织书记“三个一”",
        "summary": [
            ["书记", record.secretary_name],
            ["抓基层党建承诺", record.pledge],
            ["领办党建项目", record.project],
            ["项目目标", record.goals],
            ["基层党建联系点", record.contact_org.name],
        ],
        "text": "",
    }


def register() -> None:
    disclosable_kind(DisclosableKind("dues_month", "党费收缴情况（每月）", dues_month, period="month", order=10))
    disclosable_kind(
        DisclosableKind("orglife_resolution", "会议决议及落实方案", resolution, events=resolution_events, order=20)
    )
    disclosable_kind(
        DisclosableKind(
            "deliberation_decision", "民主议事决议", deliberation_decision,
            events=_deliberation_events("decided_on", "decision"), order=30,
        )
    )  # fmt: skip
    disclosable_kind(
        DisclosableKind(
            "deliberation_result", "民主议事实施结果", deliberation_result,
            events=_deliberation_events("result_on", "result"), order=31,
        )
    )  # fmt: skip
    disclosable_kind(
        DisclosableKind("appraisal_summary", "民主评议党员结果（汇总）", appraisal_summary, period="year", order=40)
    )
    disclosable_kind(DisclosableKind("points_stars", "星级党员评定结果", points_stars, period="year", order=50))
    disclosable_kind(DisclosableKind("community_three_ones", "书记“三个一”", three_ones, period="year", order=60))
