from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dangjian.accounts.selectors import roles_of

from .registry import attention_for
from .scoping import Action, can
from .selectors import notifications_for
from .services import notification_mark_read


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's organizations (from their roles) and what needs their attention."""
    orgs: dict[int, tuple[Any, list[str], bool]] = {}
    for ra in roles_of(request.user):
        if ra.org_id not in orgs:
            orgs[ra.org_id] = (ra.org, [], can(request.user, Action.VIEW, ra.org.path))
        orgs[ra.org_id][1].append(ra.get_role_display())
    return render(
        request,
        "core/home.html",
        {"orgs": list(orgs.values()), "attention": attention_for(request.user)},
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notification_mark_read(actor=request.user)
    return redirect("core:notifications")
