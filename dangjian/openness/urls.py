from django.urls import path

from . import views

app_name = "openness"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("org/<int:org_pk>/", views.org, name="org"),
    path("org/<int:org_pk>/propose/", views.propose, name="propose"),
    path("org/<int:org_pk>/catalogue/", views.catalogue, name="catalogue"),
    path("org/<int:org_pk>/board/", views.board, name="board"),
    path("org/<int:org_pk>/board/qr.svg", views.board_qr, name="board_qr"),
    path("org/<int:org_pk>/compliance/", views.compliance, name="compliance"),
    path("org/<int:org_pk>/deliberations/", views.deliberations, name="deliberations"),
    path("item/<int:pk>/", views.item, name="item"),
    path("disclosure/<int:pk>/", views.disclosure, name="disclosure"),
    path("disclosure/<int:pk>/review/", views.review, name="review"),
    path("disclosure/<int:pk>/approve/", views.approve, name="approve"),
    path("disclosure/<int:pk>/publish/", views.publish, name="publish"),
    path("disclosure/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("org/<int:org_pk>/withdrawn/", views.withdrawn, name="withdrawn"),
    path("request/", views.requests_mine, name="requests_mine"),
    path("request/file/", views.request_file, name="request_file"),
    path("org/<int:org_pk>/requests/", views.requests, name="requests"),
    path("request/<int:pk>/answer/", views.request_answer, name="request_answer"),
    path("deliberation/<int:pk>/", views.deliberation, name="deliberation"),
    path("deliberation/<int:pk>/stage/", views.stage, name="stage"),
    path("deliberation/<int:pk>/decision/", views.decision, name="decision"),
    path("deliberation/<int:pk>/implementation/", views.implementation, name="implementation"),
    path("deliberation/<int:pk>/result/", views.result, name="result"),
    path("deliberation/<int:pk>/disclose/", views.disclose, name="disclose"),
    path("deliberation/<int:pk>/close/", views.close, name="close"),
    # Public by design (no login): only published 向社会 disclosures, summaries only.
    path("public/<int:org_pk>/", views.public, name="public"),
    path("public/<int:org_pk>/qr.svg", views.public_qr, name="public_qr"),
    path("public/item/<int:pk>/", views.public_item, name="public_item"),
]
