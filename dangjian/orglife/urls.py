from django.urls import path

from . import views

app_name = "orglife"
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<int:org_pk>/", views.org_meetings, name="org_meetings"),
    path("org/<int:org_pk>/new/", views.meeting_new, name="meeting_new"),
    path("org/<int:org_pk>/exclusions/", views.exclusions, name="exclusions"),
    path("matrix/<int:org_pk>/", views.matrix, name="matrix"),
    path("matrix/<int:org_pk>/<int:month>/", views.branch_month, name="branch_month"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("<int:pk>/attendance/all-present/", views.meeting_all_present, name="all_present"),
    path("<int:pk>/file/", views.meeting_file, name="file"),
    path("<int:pk>/photos/", views.photo_upload, name="photo_upload"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/resolutions/", views.resolution_add, name="resolution_add"),
    path("<int:pk>/votes/", views.vote_add, name="vote_add"),
    path("<int:pk>/qr.svg", views.meeting_qr, name="qr"),
    path("<int:pk>/print/", views.meeting_print, name="print"),
    path("<int:pk>/pdf/", views.meeting_pdf, name="pdf"),
    path("photos/<int:photo_pk>/", views.photo_image, name="photo"),
    path("photos/<int:photo_pk>/review/", views.photo_review, name="photo_review"),
    path("photos/<int:photo_pk>/delete/", views.photo_delete, name="photo_delete"),
    path("attachments/<int:att_pk>/", views.attachment_download, name="attachment"),
    path("actions/<int:action_pk>/close/", views.action_close, name="action_close"),
    path("signin/<str:token>/", views.sign_in, name="sign_in"),
    path("my/", views.my_attendance, name="my_attendance"),
    path("review/", views.review, name="review"),
]
