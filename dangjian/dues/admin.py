from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import DuesBase, DuesDisclosure, DuesExemption, DuesPayment


@admin.register(DuesBase)
class DuesBaseAdmin(ReadOnlyAdmin):
    list_display = ("member", "year", "effective_from", "monthly_base_fen", "category", "reason")
    list_filter = ("year", "category")
    raw_id_fields = ("member", "created_by")


@admin.register(DuesExemption)
class DuesExemptionAdmin(ReadOnlyAdmin):
    list_display = ("member", "kind", "start_month", "end_month", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("member", "applied_by", "decided_by")
    readonly_fields = ("status", "decided_by", "decided_at", "version")


@admin.register(DuesPayment)
class DuesPaymentAdmin(ReadOnlyAdmin):
    list_display = ("member", "paid_on", "amount_fen", "method", "collector_name", "mismatch")
    list_filter = ("method", "mismatch")
    raw_id_fields = ("member", "org", "collector", "recorded_by")


@admin.register(DuesDisclosure)
class DuesDisclosureAdmin(ReadOnlyAdmin):
    list_display = ("org", "month", "member_count", "paid_count", "published_at")
    raw_id_fields = ("org", "published_by")
    readonly_fields = ("rows",)
