from django.contrib import admin

from .models import RoleAssignment, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "is_active", "is_staff")
    search_fields = ("name", "phone")
    exclude = ("password",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "org", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "org")
