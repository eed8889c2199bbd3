from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import Campaign, Project, Review


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "org", "application_deadline")
    raw_id_fields = ("org", "created_by")


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("brand_name", "org", "campaign", "stage", "grade")
    list_filter = ("stage", "grade")
    raw_id_fields = ("org", "campaign")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("project", "reviewer", "phase", "total", "submitted_at")
    raw_id_fields = ("project", "reviewer", "assigned_by")
