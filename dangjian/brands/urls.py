from django.urls import path

from . import views

app_name = "brands"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/<int:org_pk>/", views.campaign_new, name="campaign_new"),
    path("campaign/<int:pk>/", views.campaign, name="campaign"),
    path("campaign/<int:pk>/apply/", views.apply, name="apply"),
    path("campaign/<int:pk>/casebook.pdf", views.casebook, name="casebook"),
    path("notice/<int:pk>/", views.public_notice, name="public_notice"),
    path("project/<int:pk>/", views.project, name="project"),
    path("project/<int:pk>/edit/", views.project_edit, name="edit"),
    path("project/<int:pk>/submit/", views.project_submit, name="submit"),
    path("project/<int:pk>/opinion/", views.unit_opinion, name="opinion"),
    path("project/<int:pk>/assign/", views.assign, name="assign"),
    path("project/<int:pk>/shortlist/", views.shortlist, name="shortlist"),
    path("project/<int:pk>/revise/", views.revise, name="revise"),
    path("project/<int:pk>/approve/", views.approve, name="approve"),
    path("project/<int:pk>/objection/", views.objection_add, name="objection_add"),
    path("project/<int:pk>/establish/", views.establish, name="establish"),
    path("project/<int:pk>/disqualify/", views.disqualify, name="disqualify"),
    path("project/<int:pk>/progress/", views.progress_add, name="progress_add"),
    path("project/<int:pk>/progress/deeds/", views.progress_deeds_add, name="progress_deeds_add"),
    path("project/<int:pk>/news/", views.news_add, name="news_add"),
    path("project/<int:pk>/case/", views.case, name="case"),
    path("project/<int:pk>/case/submit/", views.case_submit, name="case_submit"),
    path("project/<int:pk>/grade/", views.grade, name="grade"),
    path("project/<int:pk>/application.pdf", views.application_pdf, name="pdf"),
    path("project/<int:pk>/logo/", views.logo, name="logo"),
    path("objection/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("document/<int:pk>/", views.document, name="document"),
    path("review/", views.queue, name="queue"),
    path("review/<int:pk>/", views.review, name="review"),
]
