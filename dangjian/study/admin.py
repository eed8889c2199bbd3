from django.contrib import admin

from dangjian.core.admin import ReadOnlyAdmin

from .models import HomeVisit, MemberStudyYear, MobileContact, TrainingRecord


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ("member", "title", "kind", "starts_on", "ends_on", "hours")
    list_filter = ("kind",)
    raw_id_fields = ("member", "entered_by")


@admin.register(MemberStudyYear)
class MemberStudyYearAdmin(ReadOnlyAdmin):
    list_display = ("member", "year", "total", "target", "on_track", "exempt")
    list_filter = ("year",)
    raw_id_fields = ("member",)


@admin.register(MobileContact)
class MobileContactAdmin(ReadOnlyAdmin):
    list_display = ("member", "on", "channel", "contacted_by")
    raw_id_fields = ("member", "entered_by")


@admin.register(HomeVisit)
class HomeVisitAdmin(ReadOnlyAdmin):
    list_display = ("member", "on", "visitors", "study", "dues")
    raw_id_fields = ("member", "entered_by")
