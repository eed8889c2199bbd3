from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import Indicator, Report, ReportVersion


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("org", "year", "month", "kind", "current", "late")
    list_filter = ("year", "month", "kind", "late")
    raw_id_fields = ("org", "receiver")


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnlyAdmin):
    list_display = ("report", "number", "signed_at", "late")
    raw_id_fields = ("report", "signed_by")


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("org", "year", "quarter", "label", "target", "weight")
    raw_id_fields = ("org", "created_by")
