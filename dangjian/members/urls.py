from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("org/<int:org_pk>/", views.roster_view, name="roster"),
    path("<int:pk>/", views.detail, name="detail"),
]
