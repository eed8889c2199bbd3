from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("org/<int:org_pk>/", views.org_reports, name="org"),
    path("org/<int:org_pk>/<int:year>/<int:month>/", views.month, name="month"),
    path("org/<int:org_pk>/<int:year>/<int:month>/submit/", views.submit, name="submit"),
    path("v/<int:pk>/", views.version, name="version"),
    path("org/<int:org_pk>/dashboard/", views.dashboard, name="dashboard"),
    path("org/<int:org_pk>/dashboard.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("org/<int:org_pk>/indicators/", views.indicators, name="indicators"),
    path("org/<int:org_pk>/indicators/add/", views.indicator_add, name="indicator_add"),
    path("org/<int:org_pk>/indicators/exclude/", views.indicator_exclude, name="indicator_exclude"),
    path("org/<int:org_pk>/scores/<int:year>/<int:quarter>/", views.scores, name="scores"),
    path("org/<int:org_pk>/scores/<int:year>/<int:quarter>/score/", views.score, name="score"),
    path("org/<int:org_pk>/scores/<int:year>/<int:quarter>.xlsx", views.scores_xlsx, name="scores_xlsx"),
    path("org/<int:org_pk>/gaps/", views.gaps, name="gaps"),
    path("org/<int:org_pk>/year/<int:year>/", views.year_table, name="year"),
    path("org/<int:org_pk>/year/<int:year>.xlsx", views.year_xlsx, name="year_xlsx"),
    path("org/<int:org_pk>/duty/<int:year>/", views.duty, name="duty"),
    path("org/<int:org_pk>/duty/<int:year>/submit/", views.duty_submit, name="duty_submit"),
    path("duty/<int:pk>/rate/", views.duty_rate, name="duty_rate"),
    path("duty/<int:pk>/decide/", views.duty_decide, name="duty_decide"),
    path("duty/<int:pk>/rectification/", views.duty_rectification_add, name="duty_rectification_add"),
]
