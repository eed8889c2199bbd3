from django.urls import path

from . import views

app_name = "points"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my, name="my"),
    path("member/<int:pk>/", views.member, name="member"),
    path("org/<int:org_pk>/", views.branch, name="branch"),
    path("org/<int:org_pk>/enter/", views.enter, name="enter"),
    path("org/<int:org_pk>/recompute/", views.recompute, name="recompute"),
    path("org/<int:org_pk>/manual/", views.manual, name="manual"),
    path("org/<int:org_pk>/overview/", views.overview, name="overview"),
    path("org/<int:org_pk>/annual.xlsx", views.annual_xlsx, name="annual_xlsx"),
    path("item/<int:pk>/decide/", views.decide, name="decide"),
    path("org/<int:org_pk>/notice/publish/", views.notice_publish, name="notice_publish"),
    path("notice/<int:pk>/", views.notice, name="notice"),
    path("notice/<int:pk>/object/", views.objection_raise, name="objection_raise"),
    path("objection/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("org/<int:org_pk>/ratings/", views.ratings, name="ratings"),
    path("org/<int:org_pk>/ratings/enter/", views.rating_enter, name="rating_enter"),
    path("rating/<int:pk>/decide/", views.rating_decide, name="rating_decide"),
    path("org/<int:org_pk>/branch-board/", views.branch_board, name="branch_board"),
    path("org/<int:org_pk>/branch-board.pdf", views.branch_board_pdf, name="branch_board_pdf"),
    path("org/<int:org_pk>/member-board/", views.member_board, name="member_board"),
    path("org/<int:org_pk>/member-board.pdf", views.member_board_pdf, name="member_board_pdf"),
]
