from django.urls import path

from . import views

app_name = "dues"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my, name="my"),
    path("my/card/", views.my_card, name="my_card"),
    path("member/<int:pk>/", views.member, name="member"),
    path("member/<int:pk>/card/", views.member_card, name="member_card"),
    path("member/<int:pk>/base/", views.base_set, name="base_set"),
    path("member/<int:pk>/pay/", views.pay, name="pay"),
    path("member/<int:pk>/exemption/", views.exemption_apply, name="exemption_apply"),
    path("payment/<int:pk>/void/", views.payment_void, name="payment_void"),
    path("exemption/<int:pk>/decide/", views.exemption_decide, name="exemption_decide"),
    path("org/<int:org_pk>/sheet/", views.sheet, name="sheet"),
    path("org/<int:org_pk>/sheet/<int:member_pk>/pay/", views.quick_pay, name="quick_pay"),
    path("org/<int:org_pk>/compute/", views.compute, name="compute"),
    path("org/<int:org_pk>/disclosure/<int:year>/<int:month>/", views.disclosure, name="disclosure"),
    path("org/<int:org_pk>/disclosure/publish/", views.disclosure_publish, name="disclosure_publish"),
    path("org/<int:org_pk>/register.xlsx", views.register_xlsx, name="register_xlsx"),
    path("org/<int:org_pk>/rollup/", views.rollup, name="rollup"),
    path("org/<int:org_pk>/rollup.xlsx", views.rollup_xlsx, name="rollup_xlsx"),
]
