"""The Django admin: read-only for domain records; the calendar's edits go through its services.

Domain apps register their models with `ReadOnlyAdmin` (and `ReadOnlyTabularInline`): the admin is
for looking. A change made here would bypass the service's scope check, validation and audit chain,
so every write belongs in the app's pages (which call the services).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .calendar_services import calendar_day_delete, calendar_day_set, calendar_year_set
from .models import CalendarDay, CalendarYear


class ReadOnlyMixin:
    """No add, change or delete in the admin (superusers included); viewing stays."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin[Any]):
    """The base of every domain model's admin."""


class ReadOnlyTabularInline(ReadOnlyMixin, admin.TabularInline[Any, Any]):
    """An inline under a `ReadOnlyAdmin`."""


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ("year", "complete", "source", "notes")
    list_filter = ("complete", "source")
    fields = ("year", "complete", "notes")

    def save_model(self, request: Any, obj: CalendarYear, form: Any, change: bool) -> None:
        saved = calendar_year_set(actor=request.user, year=obj.year, complete=obj.complete, notes=obj.notes)
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: CalendarYear | None = None) -> bool:
        return False  # no service deletes a year's record; mark it incomplete instead


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

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        # The "delete selected" action too: one audited service call per day, never a bulk DELETE.
        for day in queryset:
            calendar_day_delete(actor=request.user, date=day.date)
