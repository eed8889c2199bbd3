from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "xlsx|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "assignments"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.publish, name="publish"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/board.xlsx", views.board_export, name="board_export"),
    path("<int:pk>/summary.xlsx", views.committee_summary, name="committee_summary"),
    path("t/<int:pk>/", views.target, name="target"),
    path("t/<int:pk>/claim/", views.claim, name="claim"),
    path("t/<int:pk>/link/", views.link_meeting, name="link_meeting"),
    path("t/<int:pk>/party-day/", views.record_party_day, name="record_party_day"),
    path("t/<int:pk>/upload/", views.upload, name="upload"),
    path("t/<int:pk>/submit/", views.submit, name="submit"),
    path("t/<int:pk>/review/", views.review, name="review"),
    path("t/<int:pk>/summary.<fmt:fmt>", views.target_summary, name="target_summary"),
    path("t/<int:pk>/study/", views.study, name="study"),
    path("items/<int:pk>/", views.item_file, name="item_file"),
    path("items/<int:pk>/remove/", views.remove_item, name="remove_item"),
    path("submissions/<int:pk>/summary/", views.submission_file, name="submission_file"),
    path("org/<int:org_pk>/summary/<int:year>-<int:month>.<fmt:fmt>", views.branch_summary, name="branch_summary"),
]
