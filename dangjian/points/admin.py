from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import ManualPoint, MemberYear, ScoringManual


@admin.register(ScoringManual)
class ScoringManualAdmin(ReadOnlyAdmin):
    list_display = ("org", "year", "document", "updated_at")
    list_filter = ("year",)
    raw_id_fields = ("org", "updated_by")


@admin.register(ManualPoint)
class ManualPointAdmin(ReadOnlyAdmin):
    list_display = ("member", "on", "item_label", "status")
    list_filter = ("status",)
    raw_id_fields = ("member", "entered_by", "decided_by")


@admin.register(MemberYear)
class MemberYearAdmin(ReadOnlyAdmin):
    list_display = ("member", "year", "star_label", "exempt")
    list_filter = ("year", "stars")
    raw_id_fields = ("member",)
