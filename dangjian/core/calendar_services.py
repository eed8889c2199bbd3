"""Writes on the working-day calendar (admins enter next year's State Council arrangement)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import calendar as cal
from .audit import record, snapshot
from .models import CalendarDay, CalendarSource, CalendarYear
from .scoping import SYSTEM, user_or_none
from .selectors import can_edit_calendar
from .versioning import bump, check_version


def _require(user: Any) -> None:
    if user is not SYSTEM and not can_edit_calendar(user):
        raise PermissionDenied("只有上级组织部管理员可以维护工作日历")


def _after_commit(year: int) -> None:
    cal.invalidate(year)
    transaction.on_commit(lambda: cal.invalidate(year))


@transaction.atomic
def calendar_year_set(
    *, actor: Any, year: int, complete: bool, notes: str = "", version: int | None = None
) -> CalendarYear:
    _require(actor)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "“年份”应在 2000–2100 之间"})
    cy = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = snapshot(cy, ["complete", "notes", "source"]) if cy else None
    if cy is None:
        cy = CalendarYear(year=year)
    else:
        check_version(cy, version)
        bump(cy)
    cy.complete = complete
    cy.notes = notes.strip()
    cy.source = CalendarSource.ADMIN
    cy.full_clean()
    cy.save()
    record(actor, "calendar.year_set", cy, before=before, after=snapshot(cy, ["complete", "notes", "source"]))
    _after_commit(year)
    return cy


@transaction.atomic
def calendar_day_set(*, actor: Any, date: dt.date, is_working: bool, name: str) -> CalendarDay | None:
    """Record a holiday on a weekday or a 调休 working weekend day. Setting a day back to its plain
    Mon–Fri meaning removes the entry (the table holds exceptions only)."""
    _require(actor)
    name = name.strip()
    if not name and is_working != (date.weekday() < 5):
        raise ValidationError({"name": "请填写“名称”，如 国庆节、调休上班"})
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(day, ["is_working", "name"]) if day else None
    if is_working == (date.weekday() < 5):
        if day is not None:
            day.delete()
            record(
                actor,
                "calendar.day_clear",
                None,
                object_type="core.CalendarDay",
                object_id=str(date),
                object_label=str(date),
                before=before,
            )
        _after_commit(date.year)
        return None
    if day is None:
        day = CalendarDay(date=date)
    day.is_working = is_working
    day.name = name
    day.source = CalendarSource.ADMIN
    day.updated_by = user_or_none(actor)
    day.full_clean()
    day.save()
    record(actor, "calendar.day_set", day, before=before, after=snapshot(day, ["is_working", "name"]))
    _after_commit(date.year)
    return day


@transaction.atomic
def calendar_day_delete(*, actor: Any, date: dt.date) -> None:
    _require(actor)
    day = CalendarDay.objects.filter(date=date).first()
    if day is None:
        return
    record(actor, "calendar.day_clear", day, before=snapshot(day, ["is_working", "name"]))
    day.delete()
    _after_commit(date.year)
