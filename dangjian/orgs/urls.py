from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("checks/", views.checks, name="checks"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/new/", views.create_child, name="create_child"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/posts/new/", views.post_assign, name="post_assign"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    path("<int:pk>/config/", views.config_view, name="config"),
]
