from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my, name="my"),
    path("report/", views.report, name="report"),
    path("join/<str:token>/", views.join, name="join"),
    path("link/<int:pk>/", views.link, name="link"),
    path("link/<int:pk>/leave/", views.leave, name="leave"),
    path("link/<int:pk>/activity/", views.activity_record, name="activity_record"),
    path("need/<int:pk>/claim/", views.claim, name="claim"),
    path("need/<int:pk>/close/", views.need_close, name="need_close"),
    path("deed/<int:pk>/done/", views.done, name="done"),
    path("deed/<int:pk>/decide/", views.decide, name="decide"),
    path("activity/", views.activity_report, name="activity_report"),
    path("pledge/", views.pledge, name="pledge"),
    path("org/<int:org_pk>/desk/", views.desk, name="desk"),
    path("org/<int:org_pk>/poster/", views.poster, name="poster"),
    path("org/<int:org_pk>/need/", views.need_publish, name="need_publish"),
    path("org/<int:org_pk>/quarter/", views.employer, name="employer"),
    path("org/<int:org_pk>/quarter.xlsx", views.employer_xlsx, name="employer_xlsx"),
    path("org/<int:org_pk>/three-ones/", views.three_ones, name="three_ones"),
    path("org/<int:org_pk>/three-ones/save/", views.three_ones_save, name="three_ones_save"),
    path("three-ones/<int:pk>/publish/", views.three_ones_publish, name="three_ones_publish"),
    path("three-ones/<int:pk>/visit/", views.visit_log, name="visit_log"),
    path("three-ones/<int:pk>/notice/", views.three_ones_notice, name="three_ones_notice"),
    path("three-ones/<int:pk>/report/", views.three_ones_report, name="three_ones_report"),
]
