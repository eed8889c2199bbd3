from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_pk>/plan/new/", views.plan_new, name="plan_new"),
    path("org/<int:org_pk>/overview/", views.overview, name="overview"),
    path("org/<int:org_pk>/findings/", views.findings_board, name="findings"),
    path("org/<int:org_pk>/checklist/", views.checklist, name="checklist"),
    path("org/<int:org_pk>/checklist/adopt/", views.checklist_adopt, name="checklist_adopt"),
    path("org/<int:org_pk>/checklist/item/", views.checklist_item, name="checklist_item"),
    path("org/<int:org_pk>/checklist/item/save/", views.checklist_item_save, name="checklist_item_save"),
    path("plan/<int:pk>/", views.plan_detail, name="plan"),
    path("plan/<int:pk>/draw/", views.plan_draw, name="plan_draw"),
    path("plan/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("plan/<int:pk>/prefill/", views.plan_prefill, name="plan_prefill"),
    path("plan/<int:pk>/rectification.xlsx", views.rectification_xlsx, name="rectification_xlsx"),
    path("visit/<int:pk>/", views.inspection_detail, name="inspection"),
    path("visit/<int:pk>/start/", views.inspection_start, name="inspection_start"),
    path("visit/<int:pk>/score/", views.inspection_score, name="inspection_score"),
    path("visit/<int:pk>/self-score/", views.inspection_self_score, name="self_score"),
    path("visit/<int:pk>/finish/", views.inspection_finish, name="inspection_finish"),
    path("item/<int:pk>/photo/", views.item_photo, name="item_photo"),
    path("visit/<int:pk>/sheet.xlsx", views.sheet_xlsx, name="sheet_xlsx"),
    path("visit/<int:pk>/sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("visit/<int:pk>/finding/", views.finding_raise, name="finding_raise"),
    path("finding/<int:pk>/", views.finding_detail, name="finding"),
    path("finding/<int:pk>/submit/", views.finding_submit, name="finding_submit"),
    path("finding/<int:pk>/verify/", views.finding_verify, name="finding_verify"),
    path("finding/<int:pk>/close/", views.finding_close, name="finding_close"),
]
