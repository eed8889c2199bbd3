from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.replicas import replica_reads
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import errors_to_form, flash_errors, run_service
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import get_org_for_user

from . import ics, selectors, services
from .forms import ChangeRequestForm, DecisionForm, PlanDecisionForm, PlanForm, SettingForm
from .models import PlanState
from .rules import PLAN_STATUS_LABELS, PlanStatus


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    return year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()[:60]
    orgs = selectors.orgs_for_user(request.user)
    if q:
        orgs = orgs.filter(name__contains=q)
    page = Paginator(orgs.only("pk", "name", "kind", "path"), 30).get_page(request.GET.get("page"))
    pds = selectors.party_days_for_orgs([(o.pk, o.path) for o in page], today.year, today.month)
    rows = [(o, pds[o.pk]) for o in page]
    return render(
        request,
        "partyday/home.html",
        {
            "page": page,
            "rows": rows,
            "today": today,
            "q": q,
            "to_decide": selectors.changes_to_decide(request.user)[:20],
        },
    )


@login_required
def year_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    year = _year(year)
    schedule = selectors.year_schedule(org, year)
    plan = selectors.get_plan(org, year)
    token = ics.feed_token(org.pk, selectors.feed_version(org))
    feed = request.build_absolute_uri(reverse("partyday:ics", args=[org.pk, token]))
    return render(
        request,
        "partyday/year.html",
        {
            "org": org,
            "year": year,
            "schedule": schedule,
            "rule": selectors.rule_for_org(org),
            "plan": plan,
            "feed_url": feed,
            "webcal_url": feed.replace("https://", "webcal://").replace("http://", "webcal://"),
            "can_manage": can(request.user, Action.MANAGE, org.path),
            "changes": selectors.changes_visible_to(request.user).filter(org=org, year=year),
            "provisional": any(p.provisional for p in schedule),
        },
    )


@login_required
def setting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    own = selectors.own_setting(org)
    rif = selectors.rule_for_org(org)
    if request.method == "POST":
        form = SettingForm(request.POST, instance=None)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.fixed_day_setting_save(
                    actor=request.user, org=org, data=data, version=form.cleaned_data.get("version")
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "固定党日设置已保存")
                return redirect("partyday:year", org.pk, timezone.localdate().year)
        return render(
            request,
            "partyday/setting.html",
            {"org": org, "form": form, "own": own, "rif": rif, "this_year": timezone.localdate().year},
            status=400,
        )
    form = SettingForm(instance=own, initial={"version": own.version if own else None})
    return render(
        request,
        "partyday/setting.html",
        {"org": org, "form": form, "own": own, "rif": rif, "this_year": timezone.localdate().year},
    )


@login_required
@require_POST
def setting_clear(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    services.fixed_day_setting_clear(actor=request.user, org=org)
    messages.success(request, "已恢复为沿用上级党组织的设置")
    return redirect("partyday:setting", org.pk)


@login_required
def plan_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    year = _year(year)
    plan = selectors.get_plan(org, year)
    can_manage = can(request.user, Action.MANAGE, org.path)
    editable = can_manage and (plan is None or plan.status != PlanState.SUBMITTED)
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("无权执行此操作")
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.plan_save(
                    actor=request.user,
                    org=org,
                    year=year,
                    items=form.items(),
                    change_note=form.cleaned_data["change_note"],
                    version=form.cleaned_data.get("version"),
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "计划已保存")
                return redirect("partyday:plan", org.pk, year)
        status = 400
    else:
        form = PlanForm(
            initial_items=selectors.plan_items_current(plan), initial={"version": plan.version if plan else None}
        )
    return render(
        request,
        "partyday/plan.html",
        {
            "org": org,
            "year": year,
            "plan": plan,
            "form": form,
            "editable": editable,
            "can_manage": can_manage,
            "can_decide": plan is not None and selectors.can_decide_for(request.user, org),
            "history": selectors.plan_item_history(plan) if plan else {},
            "decision_form": PlanDecisionForm(initial={"version": plan.version if plan else None}),
        },
        status=status,
    )


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    plan = selectors.get_plan(org, _year(year))
    if plan is None:
        messages.error(request, "尚未填写计划，不能提交")
        return redirect("partyday:plan", org.pk, year)
    try:
        services.plan_submit(actor=request.user, plan=plan)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("partyday:plan", org.pk, year)
    messages.success(request, "计划已提交上级党组织备案")
    return redirect("partyday:plan", org.pk, year)


@login_required
@require_POST
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk, Action.APPROVE)
    form = PlanDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
        return redirect("partyday:plan", plan.org_id, plan.year)
    fn = services.plan_file if form.cleaned_data["decision"] == "file" else services.plan_return
    run_service(
        request,
        lambda: fn(
            actor=request.user,
            plan=plan,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data.get("version"),
        ),
        "已备案" if form.cleaned_data["decision"] == "file" else "已退回",
    )
    return redirect("partyday:plan", plan.org_id, plan.year)


@login_required
@replica_reads
def board(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    year = _year(year)
    status = request.GET.get("status", "")
    if status and status not in PLAN_STATUS_LABELS:
        status = ""
    rows, counts = selectors.plan_board(request.user, org, year, timezone.localdate(), status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "partyday/board.html",
        {
            "org": org,
            "year": year,
            "page": page,
            "counts": [(s, PLAN_STATUS_LABELS[s], counts[s]) for s in PlanStatus],
            "status": status,
        },
    )


@login_required
def change_new(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = ChangeRequestForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.change_request_create(
                    actor=request.user,
                    org=org,
                    year=d["year"],
                    month=d["month"],
                    new_date=d["new_date"],
                    new_time=d["new_time"],
                    place=d["place"],
                    reason=d["reason"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "调整申请已提交上级党组织")
                return redirect("partyday:year", org.pk, d["year"])
        status = 400
    else:
        y = request.GET.get("year", "")
        m = request.GET.get("month", "")
        year = int(y) if y.isdigit() and 2000 <= int(y) <= 2100 else today.year
        month = int(m) if m.isdigit() and 1 <= int(m) <= 12 else today.month
        original = selectors.scheduled_party_day(org, year, month)
        form = ChangeRequestForm(
            initial={
                "year": year,
                "month": month,
                "new_date": original.date,
                "new_time": original.start_time,
                "place": original.place,
            }
        )
    year, month = _form_month(form, today)
    return render(
        request,
        "partyday/change_form.html",
        {
            "org": org,
            "form": form,
            "lead": selectors.change_lead_days(org),
            "original": selectors.scheduled_party_day(org, year, month),
        },
        status=status,
    )


def _form_month(form: ChangeRequestForm, today: dt.date) -> tuple[int, int]:
    """The year and month the (bound or initial) change form is about, for showing the original date."""
    raw_y, raw_m = form["year"].value(), form["month"].value()
    try:
        year, month = int(str(raw_y)), int(str(raw_m))
    except (TypeError, ValueError):
        return today.year, today.month
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return today.year, today.month
    return year, month


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.changes_visible_to(request.user), 30).get_page(request.GET.get("page"))
    decidable = {cr.pk for cr in page if cr.status == "pending" and selectors.can_decide_for(request.user, cr.org)}
    return render(
        request,
        "partyday/changes.html",
        {"page": page, "decidable": decidable, "form": DecisionForm()},
    )


@login_required
@require_POST
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    cr = selectors.get_change_for_user(request.user, pk, Action.APPROVE)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审批结果")
        return redirect("partyday:changes")
    run_service(
        request,
        lambda: services.change_request_decide(
            actor=request.user,
            change=cr,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        ),
        "审批完成",
    )
    return redirect("partyday:changes")


def ics_feed(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The org's party days as iCalendar (this year and next); the token replaces a session."""
    org = Organization.objects.filter(pk=pk).first()
    if org is None or not ics.org_for_token(pk, token, selectors.feed_version(org)):
        raise Http404("订阅地址无效")
    today = timezone.localdate()
    events = []
    for year in (today.year, today.year + 1):
        for pd in selectors.year_schedule(org, year):
            if pd.starts_at is None:
                continue
            start = pd.starts_at
            desc = "\n".join(
                x
                for x in (pd.content, pd.reason, "（日历为暂定：该年度放假安排尚未公布）" if pd.provisional else "")
                if x
            )
            events.append(
                ics.IcsEvent(
                    uid=f"partyday-{org.pk}-{pd.year}-{pd.month:02d}@dangjian",
                    start=start,
                    end=start + dt.timedelta(hours=pd.min_hours),
                    summary=f"主题党日：{pd.theme}" if pd.theme else f"{org.name} 主题党日",
                    location=pd.place,
                    description=desc,
                )
            )
    body = ics.render(f"{org.name} 主题党日", events, timezone.now())
    resp = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="partyday-{org.pk}.ics"'
    resp["Cache-Control"] = "private, max-age=3600"
    return resp
