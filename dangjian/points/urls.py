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
]
