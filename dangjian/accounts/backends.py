"""Authentication by phone number, throttled after repeated failures (throttle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from dangjian.core.hotquery import HotQuery

from .models import User
from .services import login_attempt
from .throttle import client_address

# The signed-in user, read on every request: its SQL compiled once per process (issue 18).
_USER_BY_PK = HotQuery(User, lambda pk: User._default_manager.filter(pk=pk), int)


class PhoneBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """`ModelBackend.get_user` (the active user with this id, or None) without compiling the query
        each time."""
        if type(user_id) is not int:
            return super().get_user(user_id)
        found = _USER_BY_PK.objects(user_id)
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, phone: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        phone = phone or kwargs.get("username")
        if not phone or password is None:
            return None
        address = client_address(request) if request is not None else ""
        return login_attempt(phone=phone, password=password, address=address).user
