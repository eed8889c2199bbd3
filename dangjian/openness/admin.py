from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import CatalogueItem, Deliberation, Disclosure


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "org", "scope", "timing", "frequency", "active")
    list_filter = ("timing", "scope", "active")
    raw_id_fields = ("org", "created_by")


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    list_display = ("title", "org", "scope", "status", "published_at")
    list_filter = ("status", "scope")
    raw_id_fields = ("org", "item", "proposed_by", "reviewed_by", "approved_by", "published_by")


@admin.register(Deliberation)
class DeliberationAdmin(ReadOnlyAdmin):
    list_display = ("topic", "org", "procedure", "status")
    list_filter = ("procedure", "status")
    raw_id_fields = ("org", "created_by", "closed_by", "decision_disclosure", "result_disclosure")
