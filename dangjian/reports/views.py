"""Reports pages: thin views that parse input, call one service or selector, and render.

Shares, never worst-case lists or rankings (the burden rules; 国办函〔2026〕12号): the dashboards show
each child's share of branches that reported, held their party day, paid dues…, in tree order."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import flash_errors, flash_form_errors, run_form_service, run_service
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import get_org_for_user

from . import exports, rules, services
from . import selectors as S
from .charts import dashboard_chart
from .forms import (
    DutyForm,
    DutyRectificationForm,
    ExclusionForm,
    GradeForm,
    IndicatorForm,
    RatingForm,
    SignOffForm,
)

LABELS = {"highlights": "亮点", "problems": "问题", "reason": "更正原因", "month": "月份", "quarter": "季度"}


def _check_month(year: int, month: int) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404("月份无效")


def _month_param(request: HttpRequest, org: Organization) -> tuple[int, int]:
    raw = request.GET.get("month", "")
    if raw:
        try:
            y, m = (int(x) for x in raw.split("-"))
        except ValueError as exc:
            raise Http404("月份格式应为“年-月”") from exc
        _check_month(y, m)
        return y, m
    s = S.settings_for_paths([org.path])[org.path]
    return S.latest_ended(s, timezone.localdate())


def _may_sign(user: object, org: Organization) -> bool:
    return S.signs_for(user, org)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    orgs = S.manageable_orgs(request.user)
    today = timezone.localdate()
    cards = []
    for org in orgs[:50]:
        s = S.settings_for_paths([org.path])[org.path]
        y, m = S.latest_ended(s, today)
        cards.append((org, y, m, S.report_of(org, y, m), S.is_rollup_org(org)))
    return render(request, "reports/index.html", {"cards": cards})


@login_required
def org_reports(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    return render(
        request,
        "reports/org.html",
        {"org": org, "reports": S.reports_of_org(org), "rollup": S.is_rollup_org(org), "receiver": S.receiver_of(org)},
    )


@login_required
def month(request: HttpRequest, org_pk: int, year: int, month: int) -> HttpResponse:
    _check_month(year, month)
    org = get_org_for_user(request.user, org_pk)
    if org.kind == OrgKind.GROUP:
        raise Http404("党小组不单独报送工作报告")
    s = S.settings_for_paths([org.path])[org.path]
    period, due = S.period_and_due(s, year, month)
    report = S.report_of(org, year, month)
    rollup = S.is_rollup_org(org)
    latest = S.versions_of(report).first() if report and report.submitted else None
    coverage = None
    if latest is not None:
        figures = latest.figures
        coverage = latest.coverage
    elif rollup:
        r = S.rollup(org, year, month)
        figures, coverage = r.figures, r.coverage
    else:
        figures = S.compute_figures([org.path], period.start, period.end)[org.path]
    ended = rules.period_refusal(period, timezone.localdate()) is None
    skips = rollup and S.skips_level(org)  # 本级不汇总: nothing to sign here
    form = SignOffForm(
        initial={
            "version": report.version if report else None,
            "highlights": latest.highlights if latest else "",
            "problems": latest.problems if latest else "",
        }
    )
    return render(
        request,
        "reports/month.html",
        {
            "org": org,
            "period": period,
            "due": due,
            "report": report,
            "latest": latest,
            "sections": S.sections(figures, org.pk, period.start, period.end, rollup=rollup),
            "coverage": coverage,
            "rollup": rollup,
            "ended": ended,
            "may_sign": ended and not skips and _may_sign(request.user, org),
            "skips": skips,
            "form": form,
            "receiver": report.receiver if report else S.receiver_of(org),
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, org_pk: int, year: int, month: int) -> HttpResponse:
    _check_month(year, month)
    org = get_org_for_user(request.user, org_pk, Action.APPROVE)
    form = SignOffForm(request.POST)
    back = reverse("reports:month", args=[org.pk, year, month])
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(back)
    d = form.cleaned_data
    try:
        v = services.report_submit(
            actor=request.user,
            org=org,
            year=year,
            month=month,
            highlights=d["highlights"],
            problems=d["problems"],
            reason=d["reason"],
            version=d["version"],
        )
    except ValidationError as exc:
        flash_errors(request, exc, LABELS)
        return redirect(back)
    messages.success(request, f"已签发报送（第 {v.number} 版）" + ("，已逾期" if v.late else ""))
    return redirect(back)


@login_required
def version(request: HttpRequest, pk: int) -> HttpResponse:
    v = S.get_version_for_user(request.user, pk)
    report = v.report
    rollup = report.kind == "rollup"
    return render(
        request,
        "reports/version.html",
        {
            "v": v,
            "report": report,
            "org": report.org,
            "sections": S.sections(v.figures, report.org_id, report.period_start, report.period_end, rollup=rollup),
            "versions": S.versions_of(report),
            "rollup": rollup,
        },
    )


@login_required
def dashboard(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    year, month = _month_param(request, org)
    d = S.dashboard(request.user, org, year, month)
    reports = list(S.branch_reports(org, year, month)[:200]) if org.kind != OrgKind.COMMITTEE or len(d.rows) < 2 else []
    return render(
        request,
        "reports/dashboard.html",
        {
            "d": d,
            "org": org,
            "chart": dashboard_chart(d),
            "labels": S.SHARE_LABELS,
            "month_value": f"{year}-{month:02d}",
            "reports": reports,
        },
    )


@login_required
def dashboard_xlsx(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    year, month = _month_param(request, org)
    return exports.dashboard_response(S.dashboard(request.user, org, year, month))


def _quarter_param(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
        quarter = int(request.GET.get("quarter") or request.POST.get("quarter") or rules.quarter_of(today))
    except ValueError as exc:
        raise Http404("年度或季度无效") from exc
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        raise Http404("年度或季度无效")
    return year, quarter


@login_required
def indicators(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.ADMIN)
    year, quarter = _quarter_param(request)
    branches = list(S.branches_under(org).values_list("pk", "name")[:500])
    return render(
        request,
        "reports/indicators.html",
        {
            "org": org,
            "year": year,
            "quarter": quarter,
            "indicators": S.own_indicators(org, year, quarter),
            "exclusions": list(S.exclusions_in(org, year, quarter)),
            "form": IndicatorForm(figures=S.figure_choices()),
            "exclusion_form": ExclusionForm(branches=branches),
            "quarter_over": rules.quarter_span(year, quarter)[1] < timezone.localdate(),
        },
    )


def _to_indicators(org: Organization, year: int, quarter: int) -> HttpResponse:
    return redirect(f"{reverse('reports:indicators', args=[org.pk])}?year={year}&quarter={quarter}")


@login_required
@require_POST
def indicator_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.ADMIN)
    year, quarter = _quarter_param(request)
    form = IndicatorForm(request.POST, figures=S.figure_choices())
    run_form_service(
        request,
        form,
        lambda d: services.indicator_add(
            actor=request.user,
            org=org,
            year=year,
            quarter=quarter,
            label=d["label"],
            figure=d["figure"],
            target=d["target"],
            weight=d["weight"],
            rule=d["rule"],
        ),
        "已添加考评指标",
        {"label": "指标名称", "figure": "数据来源", "target": "目标值", "weight": "权重"},
    )
    return _to_indicators(org, year, quarter)


@login_required
@require_POST
def indicator_exclude(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.ADMIN)
    year, quarter = _quarter_param(request)
    branches = list(S.branches_under(org).values_list("pk", "name")[:500])
    form = ExclusionForm(request.POST, branches=branches)
    if not form.is_valid():
        flash_form_errors(request, form)
        return _to_indicators(org, year, quarter)
    d = form.cleaned_data
    branch = get_org_for_user(request.user, d["branch"], Action.ADMIN)
    run_service(
        request,
        lambda: services.indicator_exclude(
            actor=request.user, org=branch, year=year, quarter=quarter, reason=d["reason"], note=d["note"]
        ),
        "已设置不参与考评",
        {"reason": "原因", "note": "说明"},
    )
    return _to_indicators(org, year, quarter)


@login_required
def scores(request: HttpRequest, org_pk: int, year: int, quarter: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    if not 1 <= quarter <= 4:
        raise Http404("季度无效")
    rows = list(S.scores_of(request.user, org, year, quarter)[:500])
    labels = [i.label for i in S.own_indicators(org, year, quarter)]
    return render(
        request,
        "reports/scores.html",
        {
            "org": org,
            "year": year,
            "quarter": quarter,
            "rows": rows,
            "labels": labels,
            "can_score": can(request.user, Action.ADMIN, org.path),
        },
    )


@login_required
@require_POST
def score(request: HttpRequest, org_pk: int, year: int, quarter: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.ADMIN)
    run_service(
        request,
        lambda: services.quarter_score(actor=request.user, org=org, year=year, quarter=quarter),
        lambda n: f"已为 {n} 个党支部计分",
        LABELS,
    )
    return redirect("reports:scores", org.pk, year, quarter)


@login_required
def scores_xlsx(request: HttpRequest, org_pk: int, year: int, quarter: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    if not 1 <= quarter <= 4:
        raise Http404("季度无效")
    labels = [i.label for i in S.own_indicators(org, year, quarter)]
    return exports.scores_response(org, year, quarter, list(S.scores_of(request.user, org, year, quarter)), labels)


@login_required
def gaps(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    if org.kind != OrgKind.BRANCH:
        raise Http404("考漏补缺按党支部查看")
    year, quarter, items = S.gaps(org, timezone.localdate())
    return render(request, "reports/gaps.html", {"org": org, "year": year, "quarter": quarter, "items": items})


def _year_sections(org: Organization, year: int) -> tuple[list[S.FigureSection], dt.date]:
    end = min(dt.date(year, 12, 31), timezone.localdate())
    if year > timezone.localdate().year:
        raise Http404("年度尚未开始")
    return S.year_sections(org, year, end), end


@login_required
def year_table(request: HttpRequest, org_pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    sections, end = _year_sections(org, year)
    return render(request, "reports/year.html", {"org": org, "year": year, "end": end, "sections": sections})


@login_required
def year_xlsx(request: HttpRequest, org_pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    sections, _ = _year_sections(org, year)
    title = f"{year}年重点指标完成情况统计表"
    return exports.figures_response(org, title, sections, f"{org.name}-{title}.xlsx")


# ---------------------------------------------------------------------------------------------
# 书记述职


@login_required
def duty(request: HttpRequest, org_pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    today = timezone.localdate()
    if not 2000 <= year <= today.year or org.kind == OrgKind.GROUP:
        raise Http404("年度无效")
    d = S.duty_of(org, year)
    reviewing = S.reviewing_path(org.path)
    may_sign = _may_sign(request.user, org)
    stats = d.stats if d else None
    sections = None if d else S.year_sections(org, year, min(dt.date(year, 12, 31), today))
    return render(
        request,
        "reports/duty.html",
        {
            "org": org,
            "year": year,
            "d": d,
            "stats": stats,
            "sections": sections,
            "may_sign": may_sign and not (d and d.grade),
            "form": DutyForm(initial={"text": d.text if d else ""}),
            "counts": S.rating_counts(d) if d else [],
            "comments": S.rating_comments(d) if d and can(request.user, Action.ADMIN, reviewing) else [],
            "may_rate": bool(d)
            and not (d and d.grade)
            and can(request.user, Action.VIEW, reviewing)
            and d is not None
            and d.submitted_by_id != request.user.pk
            and not S.has_rated(request.user, d),
            "rating_form": RatingForm(),
            "may_grade": bool(d) and can(request.user, Action.ADMIN, reviewing),
            "grade_form": GradeForm(initial={"version": d.version if d else None, "grade": d.grade if d else ""}),
            "may_rectify": bool(d) and can(request.user, Action.MANAGE, org.path),
            "rect_form": DutyRectificationForm(),
            "rectifications": list(d.rectifications.all()) if d else [],
        },
    )


@login_required
@require_POST
def duty_submit(request: HttpRequest, org_pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.APPROVE)
    form = DutyForm(request.POST)
    run_form_service(
        request,
        form,
        lambda c: services.duty_submit(actor=request.user, org=org, year=year, text=c["text"]),
        "已提交述职报告",
        {"text": "述职报告", "year": "年度"},
    )
    return redirect("reports:duty", org.pk, year)


@login_required
@require_POST
def duty_rate(request: HttpRequest, pk: int) -> HttpResponse:
    d = S.get_duty_for_reviewer(request.user, pk, Action.VIEW)
    form = RatingForm(request.POST)
    run_form_service(
        request,
        form,
        lambda c: services.duty_rate(actor=request.user, duty=d, rating=c["rating"], comment=c["comment"]),
        "已匿名测评",
        {"rating": "评价"},
    )
    return redirect("reports:duty", d.org_id, d.year)


@login_required
@require_POST
def duty_decide(request: HttpRequest, pk: int) -> HttpResponse:
    d = S.get_duty_for_reviewer(request.user, pk, Action.ADMIN)
    form = GradeForm(request.POST)
    run_form_service(
        request,
        form,
        lambda c: services.duty_decide(actor=request.user, duty=d, grade=c["grade"], version=c["version"]),
        "已登记评议等次",
        {"grade": "评议等次"},
    )
    return redirect("reports:duty", d.org_id, d.year)


@login_required
@require_POST
def duty_rectification_add(request: HttpRequest, pk: int) -> HttpResponse:
    d = S.get_duty_for_user(request.user, pk, Action.MANAGE)
    form = DutyRectificationForm(request.POST)
    run_form_service(
        request,
        form,
        lambda c: services.duty_rectification_add(actor=request.user, duty=d, **c),
        "已登记整改事项",
        {"problem": "问题", "measure": "整改措施"},
    )
    return redirect("reports:duty", d.org_id, d.year)
