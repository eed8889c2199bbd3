from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<int:org_pk>/", views.roster_view, name="roster"),
    path("org/<int:org_pk>/new/", views.create, name="create"),
    path("org/<int:org_pk>/transfer-in/", views.transfer_in, name="transfer_in"),
    path("org/<int:org_pk>/import/", views.import_upload, name="import_upload"),
    path("org/<int:org_pk>/template.xlsx", views.template, name="template"),
    path("org/<int:org_pk>/export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/contact/", views.contact, name="contact"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/transfer/", views.transfer_out, name="transfer_out"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:pk>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/run/", views.import_run, name="import_run"),
    path("imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
]
