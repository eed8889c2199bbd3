from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import Draw, Finding, Inspection, Plan


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("name", "org", "starts_on", "status")
    list_filter = ("status",)
    raw_id_fields = ("org", "scope", "checklist", "replaces", "created_by")


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("plan", "algorithm", "drawn_at")
    raw_id_fields = ("plan", "drawn_by")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("plan", "org", "status", "total")
    list_filter = ("status",)
    raw_id_fields = ("plan", "org")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("problem", "org", "deadline", "status")
    list_filter = ("status",)
    raw_id_fields = ("inspection", "org", "owner", "raised_by", "submitted_by", "verified_by", "closed_by")
