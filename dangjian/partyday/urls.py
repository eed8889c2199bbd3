from django.urls import path

from . import views

app_name = "partyday"
urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:pk>/<int:year>/", views.year_view, name="year"),
    path("org/<int:pk>/rule/", views.setting_edit, name="setting"),
    path("org/<int:pk>/rule/clear/", views.setting_clear, name="setting_clear"),
    path("org/<int:pk>/plan/<int:year>/", views.plan_view, name="plan"),
    path("org/<int:pk>/plan/<int:year>/submit/", views.plan_submit, name="plan_submit"),
    path("plan/<int:pk>/decide/", views.plan_decide, name="plan_decide"),
    path("org/<int:pk>/plans/<int:year>/", views.board, name="board"),
    path("org/<int:pk>/change/new/", views.change_new, name="change_new"),
    path("changes/", views.changes, name="changes"),
    path("change/<int:pk>/decide/", views.change_decide, name="change_decide"),
    path("ics/<int:pk>/<str:token>.ics", views.ics_feed, name="ics"),
]
