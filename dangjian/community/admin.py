"""Read-only admin of the community records: every change goes through the services."""

from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import ContactVisit, Deed, Need, Pledge, SecretaryPledge, ServiceLink


@admin.register(ServiceLink)
class ServiceLinkAdmin(ReadOnlyAdmin):
    list_display = ("member", "community", "reported_on", "ended_on")
    exclude = ("address",)  # the residence address is for the member and the community only


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ("title", "community", "category", "due_on", "status")


@admin.register(Deed)
class DeedAdmin(ReadOnlyAdmin):
    list_display = ("member", "kind", "title", "on", "status")


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ("member", "year", "public")


@admin.register(SecretaryPledge)
class SecretaryPledgeAdmin(ReadOnlyAdmin):
    list_display = ("org", "year", "secretary_name", "project", "notice_from")


@admin.register(ContactVisit)
class ContactVisitAdmin(ReadOnlyAdmin):
    list_display = ("pledge", "on")
