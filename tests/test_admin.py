"""The Django admin writes around no service: every domain model's admin is read-only, even for a superuser."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from dangjian.core.admin import ReadOnlyAdmin
from dangjian.core.calendar_services import calendar_day_set
from dangjian.core.models import AuditEvent, CalendarDay
from dangjian.site.testing.factories import World

# The working-day calendar is no domain record: its admin saves through core.calendar_services.
SERVICE_BACKED = {"core.calendaryear", "core.calendarday"}


def dangjian_admins() -> list[tuple[Any, admin.ModelAdmin[Any]]]:
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith("dangjian.") and model._meta.label_lower not in SERVICE_BACKED
    ]


def test_every_domain_model_admin_is_read_only(world: World) -> None:
    world.admin.is_superuser = world.admin.is_staff = True
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    admins = dangjian_admins()
    assert {m._meta.label for m, _ in admins} >= {
        "accounts.User",
        "accounts.RoleAssignment",
        "members.Member",
        "assignments.Assignment",
        "dues.DuesPayment",
    }
    for model, model_admin in admins:
        assert isinstance(model_admin, ReadOnlyAdmin), model
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert model_admin.has_view_permission(request), model
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), inline
            assert not inline.has_change_permission(request), inline
            assert not inline.has_delete_permission(request), inline


@pytest.mark.parametrize("label", ["members.Member", "accounts.RoleAssignment", "dues.DuesPayment"])
def test_superuser_gets_403_on_add_and_post_changes_nothing(world: World, label: str) -> None:
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save(update_fields=["is_superuser", "is_staff"])
    client = Client()
    client.force_login(world.admin, backend="dangjian.accounts.backends.PhoneBackend")
    app, model = label.lower().split(".")
    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
    assert client.post(reverse(f"admin:{app}_{model}_add"), {}).status_code == 403


def test_member_change_page_is_view_only_and_post_is_refused(world: World) -> None:
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save(update_fields=["is_superuser", "is_staff"])
    client = Client()
    client.force_login(world.admin, backend="dangjian.accounts.backends.PhoneBackend")
    url = reverse("admin:members_member_change", args=[world.member.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"name": "改名"}).status_code == 403
    assert (
        client.post(reverse("admin:members_member_delete", args=[world.member.pk]), {"post": "yes"}).status_code == 403
    )
    world.member.refresh_from_db()
    assert world.member.name != "改名"


def test_calendar_bulk_delete_goes_through_the_service(world: World) -> None:
    world.admin.is_superuser = world.admin.is_staff = True
    world.admin.save(update_fields=["is_superuser", "is_staff"])
    calendar_day_set(actor=world.admin, date=dt.date(2031, 5, 1), is_working=False, name="劳动节")
    client = Client()
    client.force_login(world.admin, backend="dangjian.accounts.backends.PhoneBackend")
    day = CalendarDay.objects.get(date=dt.date(2031, 5, 1))
    before = AuditEvent.objects.count()
    resp = client.post(
        reverse("admin:core_calendarday_changelist"),
        {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"},
    )
    assert resp.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert AuditEvent.objects.filter(action="calendar.day_clear").count() == 1
    assert AuditEvent.objects.count() == before + 1
