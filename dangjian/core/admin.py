"""Django admin for the working-day calendar; edits go through the same services as the UI."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from . import calendar as cal
from .calendar_services import calendar_day_delete, calendar_day_set, calendar_year_set
from .models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ("year", "complete", "source", "notes")
    list_filter = ("complete", "source")
    fields = ("year", "complete", "notes")

    def save_model(self, request: Any, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = calendar_year_set(actor=request.user, year=obj.year, complete=obj.complete, notes=obj.notes)
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: CalendarYear) -> None:
        super().delete_model(request, obj)
        cal.invalidate(obj.year)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ("date", "is_working", "name", "source")
    list_filter = ("is_working", "source")
    date_hierarchy = "date"
    search_fields = ("name",)
    fields = ("date", "is_working", "name")

    def get_readonly_fields(self, request: Any, obj: CalendarDay | None = None) -> tuple[str, ...]:
        return ("date",) if obj is not None else ()

    def save_model(self, request: Any, obj: CalendarDay, form: Any, change: bool) -> None:
        saved = calendar_day_set(actor=request.user, date=obj.date, is_working=obj.is_working, name=obj.name)
        if saved is not None:
            obj.pk = saved.pk

    def delete_model(self, request: Any, obj: CalendarDay) -> None:
        calendar_day_delete(actor=request.user, date=obj.date)
