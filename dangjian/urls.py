from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from dangjian.core import urls as core_urls
from dangjian.site import views as site_views

admin.site.site_header = "党建工作平台 后台管理"
admin.site.site_title = "党建工作平台"

urlpatterns: list[URLPattern | URLResolver] = [
    # The site's home keeps its name `core:home`: it joins core's namespace here.
    path("", include(([path("", site_views.home, name="home"), *core_urls.urlpatterns], "core"))),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("partyday/", include("dangjian.partyday.urls")),
    path("assignments/", include("dangjian.assignments.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("points/", include("dangjian.points.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("openness/", include("dangjian.openness.urls")),
    path("appraisal/", include("dangjian.appraisal.urls")),
    path("community/", include("dangjian.community.urls")),
    path("study/", include("dangjian.study.urls")),
    path("brands/", include("dangjian.brands.urls")),
    path("inspections/", include("dangjian.inspections.urls")),
    path("admin/", admin.site.urls),
]
