from django.contrib import admin

from .models import DuesBase, DuesDisclosure, DuesExemption, DuesPayment


@admin.register(DuesBase)
class DuesBaseAdmin(admin.ModelAdmin):
    list_display = ("member", "year", "effective_from", "monthly_base_fen", "category", "reason")
    list_filter = ("year", "category")
    raw_id_fields = ("member", "created_by")

    def has_change_permission(self, request, obj=None):
        return False  # history is never overwritten: new rows go through the service


@admin.register(DuesExemption)
class DuesExemptionAdmin(admin.ModelAdmin):
    list_display = ("member", "kind", "start_month", "end_month", "status")
    list_filter = ("status", "kind")
    raw_id_fields = ("member", "applied_by", "decided_by")
    readonly_fields = ("status", "decided_by", "decided_at", "version")


@admin.register(DuesPayment)
class DuesPaymentAdmin(admin.ModelAdmin):
    list_display = ("member", "paid_on", "amount_fen", "method", "collector_name", "mismatch")
    list_filter = ("method", "mismatch")
    raw_id_fields = ("member", "org", "collector", "recorded_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DuesDisclosure)
class DuesDisclosureAdmin(admin.ModelAdmin):
    list_display = ("org", "month", "member_count", "paid_count", "published_at")
    raw_id_fields = ("org", "published_by")
    readonly_fields = ("rows",)
