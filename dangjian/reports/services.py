"""Writes on upward reports: the secretary's sign-off (a frozen snapshot, a new version on each
resubmission), quarterly indicators and their scoring, and the 督办 sweep for missing reports."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by
from dangjian.core import audit, notify
from dangjian.core.bulk import insert_rows
from dangjian.core.paths import parent_path, subtree_q
from dangjian.core.scoping import (
    PLATFORM,
    Action,
    SystemActor,
    require,
    require_four_eyes,
    user_or_none,
)
from dangjian.core.versioning import bump, check_version
from dangjian.orgs.config import effective_for_paths_keys
from dangjian.orgs.models import Organization, OrgKind

from . import rules
from . import selectors as S
from .models import (
    DutyGrade,
    DutyRater,
    DutyRating,
    DutyRectification,
    DutyReport,
    Indicator,
    IndicatorExclusion,
    QuarterScore,
    RatingChoice,
    Report,
    ReportKind,
    ReportVersion,
)

TEXT_MAX = 500
OWN_ORG_ONLY = "报告由本组织书记签发；上级组织可以查看，不能修改下级的报告"
SKIPS_LEVEL = "本组织设为“本级不汇总”：所属党支部直接报送上一级，本级不单独汇总报送（见组织设置“本级不汇总”）"


def _require_own_org(actor: Any, org: Organization) -> None:
    """Sign-off is the org's own: APPROVE held at the org itself (its secretary or admin), never
    inherited from a committee above — a committee cannot change a child's report."""
    require(actor, Action.APPROVE, org.path, OWN_ORG_ONLY)
    if isinstance(actor, SystemActor):
        return
    if not S.signs_for(actor, org):
        raise PermissionDenied(OWN_ORG_ONLY)


def _clean_text(value: str, field: str, label: str) -> str:
    text = (value or "").strip()
    if len(text) > TEXT_MAX:
        raise ValidationError({field: f"“{label}”不超过 {TEXT_MAX} 字（现 {len(text)} 字）"})
    return text


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    org: Organization,
    year: int,
    month: int,
    highlights: str = "",
    problems: str = "",
    reason: str = "",
    version: int | None = None,
    today: dt.date | None = None,
) -> ReportVersion:
    """Sign off and submit `org`'s report for the month: the figures are computed now from the
    records (a branch) or summed from the subtree's snapshots (a committee) and frozen in a new
    version. Only the two texts are typed. A report already submitted is resubmitted only with a
    reason, as a new version; the earlier versions stay."""
    _require_own_org(actor, org)
    if org.kind == OrgKind.GROUP:
        raise ValidationError("党小组不单独报送工作报告")
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValidationError({"month": "月份无效"})
    today = today or timezone.localdate()
    settings = S.settings_for_paths([org.path])[org.path]
    period, due = S.period_and_due(settings, year, month)
    refusal = rules.period_refusal(period, today)
    if refusal:
        raise ValidationError({"month": refusal})
    highlights = _clean_text(highlights, "highlights", "亮点")
    problems = _clean_text(problems, "problems", "问题")
    reason = (reason or "").strip()[:200]
    rollup = S.is_rollup_org(org)
    if rollup and S.skips_level(org):
        raise ValidationError(SKIPS_LEVEL)
    report = Report.objects.select_for_update().filter(org=org, year=year, month=month).first()
    if report is not None:
        check_version(report, version)
        if report.submitted and not reason:
            raise ValidationError(
                {"reason": f"{period.label}报告已报送（第 {report.current} 版）；如需更正，请填写更正原因，生成新版本"}
            )
    else:
        receiver = S.receiver_of(org)
        report = Report(
            org=org,
            org_path=org.path,
            kind=ReportKind.ROLLUP if rollup else ReportKind.BRANCH,
            year=year,
            month=month,
            period_start=period.start,
            period_end=period.end,
            period_mode=period.mode,
            due_on=due.on,
            due_note=due.note,
            receiver=receiver,
        )
    if rollup:
        r = S.rollup(org, year, month)
        figures, tree, branches, coverage = r.figures, r.tree_version, r.branches, r.coverage
    else:
        figures = S.compute_figures([org.path], report.period_start, report.period_end)[org.path]
        tree, branches, coverage = S.tree_version(org)[0], 1, {}
    now = timezone.now()
    late = rules.is_late(timezone.localtime(now).date(), report.due_on)
    before = audit.snapshot(report, ["current", "figures"]) if report.pk else None
    report.figures = figures
    report.current += 1
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    report.late = report.late if report.current > 1 else late
    if report.pk:
        bump(report)
    report.full_clean()
    report.save()
    v = ReportVersion(
        report=report,
        org_path=org.path,
        number=report.current,
        figures=figures,
        sources=S.source_versions(),
        tree_version=tree,
        branches=branches,
        coverage=coverage,
        highlights=highlights,
        problems=problems,
        reason=reason,
        signed_by=user_or_none(actor),
        signed_at=now,
        late=late,
    )
    v.full_clean()
    v.save()
    audit.record(
        actor,
        "reports.submit",
        report,
        before=before,
        after={"current": v.number, "late": late, "reason": reason, "tree_version": tree},
    )
    if report.receiver_id:
        ids = holder_ids_by([Role.SECRETARY, Role.ORG_ADMIN], org_ids=[report.receiver_id]).get(report.receiver_id, [])
        notify.send(
            ids,
            key=f"reports.submitted:{report.pk}:{v.number}",
            title=f"{org.name}报送了{period.label}工作报告" + (f"（第 {v.number} 版）" if v.number > 1 else ""),
            link=reverse("reports:version", args=[v.pk]),
        )
    return v


# ---------------------------------------------------------------------------------------------
# Quarterly indicators


def _quarter(year: int, quarter: int) -> None:
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        raise ValidationError({"quarter": "年度或季度无效"})


def _decimal(raw: Any, field: str, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: f"“{label}”应为数字"}) from exc
    if value < 0 or value > Decimal("9999999"):
        raise ValidationError({field: f"“{label}”应在 0 到 9999999 之间"})
    return value.quantize(Decimal("0.1"))


@transaction.atomic
def indicator_add(
    *,
    actor: Any,
    org: Organization,
    year: int,
    quarter: int,
    label: str,
    figure: str,
    target: Any,
    weight: Any,
    rule: str = rules.ScoringRule.PROPORTIONAL,
) -> Indicator:
    """A committee adds a quarterly indicator for its branches, reading one computed figure
    (`figure` = "source:key", a summable figure)."""
    require(actor, Action.ADMIN, org.path, "无权为该组织制定考评指标")
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise ValidationError("季度考评指标由党委或党总支制定")
    _quarter(year, quarter)
    if figure not in dict(S.figure_choices()):
        raise ValidationError({"figure": "请选择数据来源（系统已有的统计数据）"})
    if rule not in rules.ScoringRule.values:
        raise ValidationError({"rule": "计分规则无效"})
    source, key = figure.split(":", 1)
    ind = Indicator(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        label=(label or "").strip(),
        source=source,
        figure=key,
        target=_decimal(target, "target", "目标值"),
        weight=_decimal(weight, "weight", "权重"),
        rule=rule,
        created_by=user_or_none(actor),
    )
    if not ind.label:
        raise ValidationError({"label": "请填写指标名称"})
    ind.full_clean()
    ind.save()
    audit.record(actor, "reports.indicator_add", ind, after=audit.snapshot(ind))
    return ind


@transaction.atomic
def indicator_exclude(
    *, actor: Any, org: Organization, year: int, quarter: int, reason: str, note: str
) -> IndicatorExclusion:
    """Leave a branch out of a quarter's scoring, with the reason (decided by the committee above)."""
    require(actor, Action.ADMIN, org.path, "无权调整该支部的考评范围")
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("只能对党支部设置不参与考评")
    _quarter(year, quarter)
    if reason not in rules.ExclusionReason.values:
        raise ValidationError({"reason": "请选择原因"})
    if not (note or "").strip():
        raise ValidationError({"note": "请填写说明（批准文件或情况）"})
    if IndicatorExclusion.objects.filter(org=org, year=year, quarter=quarter).exists():
        raise ValidationError(f"{org.name}{year}年第{quarter}季度已设置不参与考评")
    row = IndicatorExclusion(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        reason=reason,
        note=note.strip()[:200],
        created_by=user_or_none(actor),
    )
    row.full_clean()
    row.save()
    audit.record(actor, "reports.indicator_exclude", row, after=audit.snapshot(row))
    return row


SCORE_CHUNK = 2000


@transaction.atomic
def quarter_score(*, actor: Any, org: Organization, year: int, quarter: int, today: dt.date | None = None) -> int:
    """Score every branch under `org` on its indicators for the quarter, from the records (each
    source computes a chunk of branches at once). Rewrites the quarter's scores; returns how many."""
    require(actor, Action.ADMIN, org.path, "无权为该组织计分")
    _quarter(year, quarter)
    start, end = rules.quarter_span(year, quarter)
    if (today or timezone.localdate()) <= end:
        raise ValidationError({"quarter": f"{year}年第{quarter}季度尚未结束，不能计分"})
    inds = S.own_indicators(org, year, quarter)
    if not inds:
        raise ValidationError("本季度尚未制定考评指标")
    branches = list(S.branches_under(org).values_list("pk", "path", "established_on"))
    excluded = {
        e.org_id: f"{e.get_reason_display()}：{e.note}"
        for e in IndicatorExclusion.objects.filter(subtree_q("org_path", org.path), year=year, quarter=quarter)
    }
    QuarterScore.objects.filter(committee=org, year=year, quarter=quarter).delete()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    written = 0
    for i in range(0, len(branches), SCORE_CHUNK):
        chunk = branches[i : i + SCORE_CHUNK]
        figs = S.compute_figures([p for _, p, _ in chunk], start, end)
        rows = []
        for pk, path, founded in chunk:
            reason = excluded.get(pk, "")
            if not reason and founded and founded > start:
                reason = f"{rules.ExclusionReason.FOUNDED.label}（{founded:%Y-%m-%d}）"
            details, total = [], Decimal(0)
            if not reason:
                for ind in inds:
                    v = (figs[path].get(ind.source) or {}).get(ind.figure)
                    value = v if isinstance(v, int) else None
                    pts = rules.score(value, ind.target, ind.weight, ind.rule).quantize(Decimal("0.1"))
                    total += pts
                    details.append({"indicator": ind.pk, "label": ind.label, "value": value, "score": str(pts)})
            rows.append((org.pk, pk, path, year, quarter, total, json.dumps(details, ensure_ascii=False), reason, now))
        written += insert_rows(
            QuarterScore,
            ["committee_id", "org_id", "org_path", "year", "quarter", "total", "details", "excluded", "scored_at"],
            rows,
            analyze=True,
        )
    audit.record(
        actor,
        "reports.quarter_score",
        org,
        after={"year": year, "quarter": quarter, "branches": written, "indicators": len(inds)},
    )
    return written


# ---------------------------------------------------------------------------------------------
# 督办


def _skipping_paths(paths: list[str]) -> set[str]:
    """The committees among `paths` set to 本级不汇总 (`reports.skip_level`); branches never skip."""
    rollups = set(
        Organization.objects.filter(path__in=paths, kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH]).values_list(
            "path", flat=True
        )
    )
    flags = effective_for_paths_keys(sorted(rollups), ["reports.skip_level"])["reports.skip_level"] if rollups else {}
    return {p for p in rollups if flags.get(p)}


@transaction.atomic
def reports_remind(*, actor: Any, today: dt.date | None = None) -> int:
    """督办: for every branch or committee whose latest ended month's report is still missing
    `reports.missing_days` after its due date, notify its secretary and its receiver's. Idempotent
    (one notice per org, month and person). Returns the notices sent."""
    require(actor, Action.ADMIN, PLATFORM, "只有系统可以发出督办")
    today = today or timezone.localdate()
    orgs = list(Organization.objects.exclude(kind=OrgKind.GROUP).filter(depth__gt=1).values_list("pk", "path", "name"))
    settings = S.settings_for_paths([p for _, p, _ in orgs])
    due_orgs: dict[tuple[int, int], list[tuple[int, str, str, rules.Period, dt.date]]] = {}
    skipping = _skipping_paths([p for _, p, _ in orgs])
    for pk, path, name in orgs:
        if path in skipping:  # 本级不汇总: it owes no report of its own
            continue
        s = settings[path]
        y, m = S.latest_ended(s, today)
        period, due = S.period_and_due(s, y, m)
        if rules.missing_finding(name, period, due.on, today, s.missing_days) is not None:
            due_orgs.setdefault((y, m), []).append((pk, path, name, period, due.on))
    messages = []
    for (y, m), items in due_orgs.items():
        done = set(
            Report.objects.filter(year=y, month=m, current__gt=0, org_id__in=[pk for pk, *_ in items]).values_list(
                "org_id", flat=True
            )
        )
        missing = [it for it in items if it[0] not in done]
        if not missing:
            continue
        secretaries = holder_ids_by(Role.SECRETARY, org_ids=[pk for pk, *_ in missing])
        above = holder_ids_by(
            [Role.SECRETARY, Role.ORG_ADMIN], org_paths={parent_path(p) for _, p, *_ in missing}, key="org__path"
        )
        for pk, path, name, period, due_on in missing:
            finding = rules.missing_finding(name, period, due_on, today, 0)
            title = finding.message_zh if finding else f"{name}{period.label}工作报告未报送"
            link = reverse("reports:month", args=[pk, y, m])
            for uid in {*secretaries.get(pk, []), *above.get(parent_path(path), [])}:
                messages.append(notify.Message(uid, f"reports.missing:{pk}:{y}-{m}", "【督办】" + title, link=link))
    sent = notify.send_many(messages)
    if sent:
        audit.record(actor, "reports.remind", None, object_type="reports.sweep", after={"sent": sent})
    return sent


# ---------------------------------------------------------------------------------------------
# 书记述职 (the secretary's year)

DUTY_TEXT_MAX = 5000


@transaction.atomic
def duty_submit(*, actor: Any, org: Organization, year: int, text: str, today: dt.date | None = None) -> DutyReport:
    """The secretary submits the year's 述职: the statistics table is generated from the records now
    and frozen with the text. Resubmitting before the grade replaces both; after it, refused."""
    _require_own_org(actor, org)
    today = today or timezone.localdate()
    if not 2000 <= year <= today.year:
        raise ValidationError({"year": "年度无效"})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写述职报告"})
    if len(text) > DUTY_TEXT_MAX:
        raise ValidationError({"text": f"述职报告不超过 {DUTY_TEXT_MAX} 字（现 {len(text)} 字）"})
    end = min(dt.date(year, 12, 31), today)
    sections = S.year_sections(org, year, end)
    stats = [{"label": s.label, "lines": [[x.label, x.value, x.key] for x in s.lines]} for s in sections]
    duty = DutyReport.objects.select_for_update().filter(org=org, year=year).first()
    if duty is not None and duty.grade:
        raise ValidationError(f"{year}年度述职已评定等次，不能再修改")
    before = audit.snapshot(duty, ["text"]) if duty else None
    if duty is None:
        duty = DutyReport(org=org, org_path=org.path, year=year)
    else:
        bump(duty)
    duty.text, duty.stats = text, stats
    duty.submitted_by, duty.submitted_at = user_or_none(actor), timezone.now()
    duty.full_clean()
    duty.save()
    audit.record(actor, "reports.duty_submit", duty, before=before, after={"text_length": len(text)})
    return duty


def _reviewing_path(duty: DutyReport) -> str:
    return S.reviewing_path(duty.org_path)


@transaction.atomic
def duty_rate(*, actor: Any, duty: DutyReport, rating: str, comment: str = "") -> DutyRating:
    """A participant of the review (anyone holding a role at the reviewing committee, not the
    secretary who reported) rates anonymously, once."""
    require(actor, Action.VIEW, _reviewing_path(duty), "只有参加述职评议的人员可以测评")
    if isinstance(actor, SystemActor):
        raise PermissionDenied("测评由参加评议的人员本人进行")
    if duty.submitted_by_id == actor.pk:
        raise PermissionDenied("述职人不参加对本人的测评")
    if rating not in RatingChoice.values:
        raise ValidationError({"rating": "请选择评价"})
    if duty.grade:
        raise ValidationError("已评定等次，测评已结束")
    if DutyRater.objects.filter(duty=duty, user_id=actor.pk).exists():
        raise ValidationError("您已测评过，每人只测评一次")
    DutyRater.objects.create(duty=duty, user_id=actor.pk, org_path=duty.org_path)
    row = DutyRating(duty=duty, org_path=duty.org_path, rating=rating, comment=(comment or "").strip()[:300])
    row.full_clean()
    row.save()
    # The audit names the 述职 and that a rating was cast, never which.
    audit.record(actor, "reports.duty_rate", duty, after={"rated": True})
    return row


@transaction.atomic
def duty_decide(*, actor: Any, duty: DutyReport, grade: str, version: int | None = None) -> DutyReport:
    """The reviewing committee enters the grade its people decided (好/较好/一般/差); never the
    secretary who reported (four eyes)."""
    require(actor, Action.ADMIN, _reviewing_path(duty), "由上级党组织评定述职等次")
    current = DutyReport.objects.select_for_update().get(pk=duty.pk)
    require_four_eyes(actor, current.submitted_by_id)
    check_version(current, version)
    if grade not in DutyGrade.values:
        raise ValidationError({"grade": "请选择评议等次"})
    before = audit.snapshot(current, ["grade"])
    current.grade, current.graded_by, current.graded_at = grade, user_or_none(actor), timezone.now()
    bump(current)
    current.save(update_fields=["grade", "graded_by", "graded_at", "version"])
    audit.record(actor, "reports.duty_decide", current, before=before, after={"grade": grade})
    return current


@transaction.atomic
def duty_rectification_add(
    *, actor: Any, duty: DutyReport, problem: str, measure: str, deadline: dt.date
) -> DutyRectification:
    """A line of the 整改清单 after the review, entered by the org that reported."""
    require(actor, Action.MANAGE, duty.org_path, "无权为该述职登记整改事项")
    if not (problem or "").strip():
        raise ValidationError({"problem": "请填写问题"})
    if not (measure or "").strip():
        raise ValidationError({"measure": "请填写整改措施"})
    row = DutyRectification(
        duty=duty,
        org_path=duty.org_path,
        problem=problem.strip()[:300],
        measure=measure.strip()[:300],
        deadline=deadline,
        created_by=user_or_none(actor),
    )
    row.full_clean()
    row.save()
    audit.record(actor, "reports.duty_rectification_add", row, after=audit.snapshot(row))
    return row
