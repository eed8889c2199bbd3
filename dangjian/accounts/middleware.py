"""Session lifetimes: an idle timeout unless 保持登录 was chosen, and an absolute limit for all."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

AUTH_AT = "dj_auth_at"  # when the user logged in (epoch seconds)
SEEN_AT = "dj_seen_at"  # the last request, kept to the minute
REMEMBER = "dj_remember"


def _now() -> float:
    return time.time()


def on_login(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Every login (the login page, the admin, tests) starts a session that is not remembered;
    the login page then calls `start_session` with the user's choice."""
    if request is not None and hasattr(request, "session"):
        start_session(request, remember=False)


def start_session(request: HttpRequest, *, remember: bool) -> None:
    """Call right after `login()`: a remembered session keeps its cookie for the full lifetime;
    any other ends with the browser or after `DANGJIAN_SESSION_IDLE_MINUTES` without a request."""
    now = int(_now())
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now
    request.session[REMEMBER] = remember
    request.session.set_expiry(settings.SESSION_COOKIE_AGE if remember else 0)


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(_now())
        auth_at = session.get(AUTH_AT)
        if auth_at is None:  # a session from before these limits existed
            session[AUTH_AT] = session[SEEN_AT] = now
            return
        seen_at = int(session.get(SEEN_AT, auth_at))
        idle = now - seen_at > settings.DANGJIAN_SESSION_IDLE_MINUTES * 60
        too_old = now - int(auth_at) > settings.DANGJIAN_SESSION_REMEMBER_DAYS * 24 * 3600
        if too_old or (idle and not session.get(REMEMBER)):
            logout(request)
        elif now - seen_at >= 60:
            session[SEEN_AT] = now
