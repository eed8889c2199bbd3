from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import RoleAssignment, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("name", "phone", "is_active", "is_staff")
    search_fields = ("name", "phone")
    exclude = ("password",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "org", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "org")
