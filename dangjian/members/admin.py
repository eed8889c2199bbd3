from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import ImportJob, Member, MemberTransfer


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "org", "status", "category", "is_active"]
    list_filter = ["status", "category", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["org", "group", "user"]
    readonly_fields = ["org_path", "version"]


@admin.register(MemberTransfer)
class MemberTransferAdmin(ReadOnlyAdmin):
    list_display = ["member", "from_org_name", "to_org_name", "status", "out_on", "in_on"]
    list_filter = ["status"]
    raw_id_fields = ["member", "from_org", "to_org", "created_by"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "org", "user", "status", "total", "created_count", "updated_count", "created_at"]
    list_filter = ["status", "mode"]
    raw_id_fields = ["org", "user"]
    readonly_fields = ["errors"]
