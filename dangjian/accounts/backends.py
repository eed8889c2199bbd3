"""Authentication by phone number, throttled after repeated failures (throttle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User
from .services import login_attempt
from .throttle import client_address


class PhoneBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, phone: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        phone = phone or kwargs.get("username")
        if not phone or password is None:
            return None
        address = client_address(request) if request is not None else ""
        return login_attempt(phone=phone, password=password, address=address).user
