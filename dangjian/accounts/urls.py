from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("me/", views.me, name="me"),
    path("roles/", views.roles, name="roles"),
    path("roles/org/<int:org_pk>/grant/", views.role_grant_view, name="role_grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("users/<int:pk>/", views.user_admin, name="user"),
]
