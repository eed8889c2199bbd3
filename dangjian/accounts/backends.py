"""Authentication by phone number, with lockout after repeated failures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User
from .services import login_attempt


class PhoneBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, phone: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        phone = phone or kwargs.get("username")
        if not phone or password is None:
            return None
        return login_attempt(phone=phone, password=password).user
