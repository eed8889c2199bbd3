"""Pages for the working-day calendar: everyone may look; top-level org admins may edit."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import calendar as cal
from .calendar_services import calendar_day_delete, calendar_day_set, calendar_year_set
from .models import CalendarDay, CalendarYear
from .selectors import can_edit_calendar
from .views_util import flash_errors, flash_form_errors


class YearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=2000, max_value=2100)
    complete = forms.BooleanField(label="已按国办通知完整录入", required=False)
    notes = forms.CharField(label="说明（如国办通知文号）", required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_working = forms.TypedChoiceField(
        label="类型", choices=[("0", "放假（休息）"), ("1", "调休上班")], coerce=lambda v: v == "1"
    )
    name = forms.CharField(label="名称", max_length=50, required=False)


@login_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    counts = dict(
        CalendarDay.objects.annotate(y=ExtractYear("date")).values("y").annotate(n=Count("id")).values_list("y", "n")
    )
    years = [(cy, counts.get(cy.year, 0)) for cy in CalendarYear.objects.order_by("-year")]
    return render(
        request,
        "core/calendar.html",
        {
            "years": years,
            "can_edit": can_edit_calendar(request.user),
            "form": YearForm(initial={"year": timezone.localdate().year + 1}),
            "today": timezone.localdate(),
        },
    )


@login_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    if not 2000 <= year <= 2100:
        raise Http404("年份无效")
    cy = CalendarYear.objects.filter(year=year).first()
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    return render(
        request,
        "core/calendar_year.html",
        {
            "year": year,
            "cy": cy,
            "days": days,
            "provisional": cal.is_provisional(dt.date(year, 1, 1)),
            "can_edit": can_edit_calendar(request.user),
            "year_form": YearForm(
                initial={
                    "year": year,
                    "complete": cy.complete if cy else False,
                    "notes": cy.notes if cy else "",
                    "version": cy.version if cy else None,
                }
            ),
            "day_form": DayForm(),
        },
    )


@login_required
@require_POST
def calendar_year_save(request: HttpRequest) -> HttpResponse:
    if not can_edit_calendar(request.user):
        raise PermissionDenied("只有上级组织部管理员可以维护工作日历")
    form = YearForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("core:calendar")
    d = form.cleaned_data
    try:
        calendar_year_set(
            actor=request.user, year=d["year"], complete=d["complete"], notes=d["notes"], version=d.get("version")
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"{d['year']}年度已保存")
    return redirect("core:calendar_year", d["year"])


@login_required
@require_POST
def calendar_day_save(request: HttpRequest, year: int) -> HttpResponse:
    if not can_edit_calendar(request.user):
        raise PermissionDenied("只有上级组织部管理员可以维护工作日历")
    form = DayForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("core:calendar_year", year)
    d = form.cleaned_data
    if d["date"].year != year:
        messages.error(request, f"日期：{d['date']:%Y-%m-%d} 不在 {year} 年内")
        return redirect("core:calendar_year", year)
    try:
        calendar_day_set(actor=request.user, date=d["date"], is_working=d["is_working"], name=d["name"])
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"{d['date']:%Y-%m-%d} 已保存")
    return redirect("core:calendar_year", year)


@login_required
@require_POST
def calendar_day_remove(request: HttpRequest, year: int) -> HttpResponse:
    if not can_edit_calendar(request.user):
        raise PermissionDenied("只有上级组织部管理员可以维护工作日历")
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, "日期：格式无效")
        return redirect("core:calendar_year", year)
    calendar_day_delete(actor=request.user, date=date)
    messages.success(request, f"{date:%Y-%m-%d} 已删除")
    return redirect("core:calendar_year", year)
