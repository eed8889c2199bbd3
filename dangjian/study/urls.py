from django.urls import path

from . import views

app_name = "study"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my, name="my"),
    path("member/<int:pk>/", views.member, name="member"),
    path("item/<int:pk>/done/", views.item_done, name="item_done"),
    path("item/<int:pk>/link/", views.item_link, name="item_link"),
    path("reflection/new/", views.reflection_new, name="reflection_new"),
    path("reflection/<int:pk>/", views.reflection, name="reflection"),
    path("reflection/<int:pk>/feature/", views.reflection_feature, name="reflection_feature"),
    path("org/<int:org_pk>/", views.branch, name="branch"),
    path("org/<int:org_pk>/recompute/", views.recompute, name="recompute"),
    path("org/<int:org_pk>/training/", views.training_add, name="training_add"),
    path("org/<int:org_pk>/list/", views.list_add, name="list_add"),
    path("org/<int:org_pk>/mobile/", views.mobile, name="mobile"),
    path("org/<int:org_pk>/contact/", views.contact_add, name="contact_add"),
    path("org/<int:org_pk>/visits/", views.visits, name="visits"),
    path("org/<int:org_pk>/visit/", views.visit_add, name="visit_add"),
    path("org/<int:org_pk>/overview/", views.overview, name="overview"),
    path("org/<int:org_pk>/lecturers/", views.lecturers, name="lecturers"),
    path("org/<int:org_pk>/lecturer/", views.lecturer_add, name="lecturer_add"),
    path("org/<int:org_pk>/lecture/", views.lecture_add, name="lecture_add"),
    path("lecture/<int:pk>/record/", views.lecture_record, name="lecture_record"),
    path("org/<int:org_pk>/featured.pdf", views.featured_pdf, name="featured_pdf"),
]
