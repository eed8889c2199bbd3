"""Checks on values that several apps store (accounts' login phone, the roster's phone)."""

from __future__ import annotations

import re

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def phone_error(phone: str) -> str | None:
    """Mainland mobile numbers: 11 digits starting 13–19."""
    if not PHONE_RE.match(phone or ""):
        return "手机号应为 11 位数字，以 13–19 开头"
    return None
