from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dangjian.orgs.selectors import get_org_for_user

from .selectors import can_see_sensitive, get_member_for_user, roster


@login_required
def roster_view(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    qs = roster(request.user, org.path).order_by("name", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "members/roster.html", {"org": org, "page": page})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk)
    return render(
        request,
        "members/detail.html",
        {"member": member, "sensitive": can_see_sensitive(request.user, member)},
    )
