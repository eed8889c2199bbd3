from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import Appraisal, AppraisalEntry, ContactShare, Talk, TalkTodo


@admin.register(Talk)
class TalkAdmin(ReadOnlyAdmin):
    """That a talk happened, never what was said: content stays with the participants and secretary."""

    list_display = ("held_on", "org", "mode", "occasion")
    list_filter = ("year", "mode", "occasion")
    exclude = ("topics", "content", "issues")
    raw_id_fields = ("org", "talker", "created_by")


@admin.register(TalkTodo)
class TalkTodoAdmin(ReadOnlyAdmin):
    list_display = ("member", "org", "event", "event_on", "due_on", "talk")
    raw_id_fields = ("org", "member", "talk")


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyAdmin):
    list_display = ("org", "year", "status", "signed_at")
    list_filter = ("year", "status")
    raw_id_fields = ("org", "submitted_by", "signed_by", "created_by")


@admin.register(AppraisalEntry)
class AppraisalEntryAdmin(ReadOnlyAdmin):
    list_display = ("appraisal", "member", "graded", "grade", "handling")
    raw_id_fields = ("appraisal", "member")


@admin.register(ContactShare)
class ContactShareAdmin(ReadOnlyAdmin):
    list_display = ("org", "committee_member", "member")
    raw_id_fields = ("org", "committee_member", "member", "created_by")
