from django.urls import path

from . import views

app_name = "appraisal"
urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:pk>/coverage/<int:year>/", views.coverage_view, name="coverage"),
    path("org/<int:pk>/talks/<int:year>/", views.talks_view, name="talks"),
    path("org/<int:pk>/talks/<int:year>/xlsx/", views.talks_xlsx, name="talks_xlsx"),
    path("org/<int:pk>/talk/new/", views.talk_new, name="talk_new"),
    path("talk/<int:pk>/", views.talk_detail, name="talk"),
    path("talk/<int:pk>/edit/", views.talk_edit, name="talk_edit"),
    path("talk/<int:pk>/delete/", views.talk_delete, name="talk_delete"),
    path("follow-up/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("org/<int:pk>/appraisal/<int:year>/", views.appraisal_view, name="appraisal"),
    path("org/<int:pk>/appraisal/<int:year>/open/", views.appraisal_open, name="appraisal_open"),
    path("entry/<int:pk>/grade/", views.entry_grade, name="entry_grade"),
    path("entry/<int:pk>/evaluation/", views.entry_evaluation, name="entry_evaluation"),
    path("appraisal/<int:pk>/submit/", views.appraisal_submit, name="appraisal_submit"),
    path("appraisal/<int:pk>/sign-off/", views.appraisal_sign_off, name="appraisal_sign_off"),
    path("org/<int:pk>/summary/<int:year>/", views.summary_view, name="summary"),
    path("org/<int:pk>/summary/<int:year>/xlsx/", views.summary_xlsx, name="summary_xlsx"),
    path("org/<int:pk>/review/<int:year>/", views.review_view, name="review"),
    path("org/<int:pk>/review/<int:year>/rectification/", views.rectification_add, name="rectification_add"),
    path("rectification/<int:pk>/done/", views.rectification_done, name="rectification_done"),
    path("rectification/<int:pk>/verify/", views.rectification_verify, name="rectification_verify"),
    path("org/<int:pk>/shares/", views.shares_view, name="shares"),
    path("org/<int:pk>/cross/<int:year>/", views.cross_view, name="cross"),
    path("org/<int:pk>/review/<int:year>/pdf/", views.review_pdf, name="review_pdf"),
    path("org/<int:pk>/appraisal/<int:year>/pdf/", views.appraisal_pdf, name="appraisal_pdf"),
    path("org/<int:pk>/summary/<int:year>/pdf/", views.summary_pdf, name="summary_pdf"),
]
