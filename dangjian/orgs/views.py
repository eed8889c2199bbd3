from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dangjian.core.scoping import Action, can

from .selectors import get_org_for_user, top_orgs_for


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/tree.html", {"roots": top_orgs_for(request.user)})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    children = org.get_children()
    return render(
        request,
        "orgs/detail.html",
        {"org": org, "children": children, "can_admin": can(request.user, Action.ADMIN, org.path)},
    )
