from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Assignment, AssignmentTarget, Deliverable, Reminder, Submission


class DeliverableInline(ReadOnlyTabularInline):
    model = Deliverable
    extra = 0


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("title", "publisher_org", "window_start", "window_end", "target_count", "published_at")
    search_fields = ("title", "theme")
    inlines = [DeliverableInline]
    raw_id_fields = ("publisher_org", "published_by")


@admin.register(AssignmentTarget)
class AssignmentTargetAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "org", "status", "rounds", "submitted_at")
    list_filter = ("status",)
    raw_id_fields = ("assignment", "org", "claimed_by")


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("target", "round", "decision", "submitted_at", "decided_at")
    raw_id_fields = ("target", "submitted_by", "decided_by")


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("target", "deliverable", "kind", "stage", "recipients", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("target", "deliverable")
