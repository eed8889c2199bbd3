from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import notifications_for
from .services import notification_mark_read


@login_required
def more(request: HttpRequest) -> HttpResponse:
    """我的: every navigation entry the user may open (the phone's tab bar holds only a few),
    plus notices, account and sign-out."""
    return render(request, "core/more.html")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notification_mark_read(actor=request.user)
    return redirect("core:notifications")
