"""Login throttling: growing delays per phone number and per client address, kept in the cache.

A hard lock after N failures lets anyone lock the city admin out by typing wrong passwords.
Instead, after `DANGJIAN_LOGIN_FREE_FAILURES` failures in a row for one phone number (or
`…_PER_ADDRESS` from one client address) each further attempt must wait 2, 4, 8 … seconds,
capped at `DANGJIAN_LOGIN_MAX_DELAY_SECONDS`. While waiting, the password is not even checked.
Counters are kept for phone numbers whether or not an account exists, so the answers never
tell which numbers have accounts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .rules import login_delay

log = logging.getLogger("dangjian.security")

# How long a run of failures is remembered after the last one.
MEMORY_SECONDS = 24 * 3600


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry the trusted reverse proxies appended."""
    proxies = settings.DANGJIAN_TRUSTED_PROXIES
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(kind: str, value: str) -> str:
    # Hashed: the cache never holds phone numbers or addresses in clear.
    return f"login-throttle:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


def _subjects(phone: str, address: str) -> list[tuple[str, int]]:
    out = [(_key("phone", phone), settings.DANGJIAN_LOGIN_FREE_FAILURES)]
    if address:
        out.append((_key("addr", address), settings.DANGJIAN_LOGIN_FREE_FAILURES_PER_ADDRESS))
    return out


def wait_seconds(phone: str, address: str = "") -> int:
    """Seconds before the next attempt for this phone number from this address is looked at."""
    now = time.time()
    until = max((cache.get(f"{key}:until") or 0.0) for key, _ in _subjects(phone, address))
    return max(math.ceil(until - now), 0)


def record_failure(phone: str, address: str = "") -> None:
    now = time.time()
    cap = settings.DANGJIAN_LOGIN_MAX_DELAY_SECONDS
    for key, free in _subjects(phone, address):
        cache.add(f"{key}:n", 0, MEMORY_SECONDS)
        try:
            failures = cache.incr(f"{key}:n")
        except ValueError:  # expired between add and incr
            cache.set(f"{key}:n", 1, MEMORY_SECONDS)
            failures = 1
        cache.touch(f"{key}:n", MEMORY_SECONDS)
        delay = login_delay(failures, free, cap)
        if delay:
            cache.set(f"{key}:until", now + delay, MEMORY_SECONDS)
            if failures == free:
                log.warning("login throttling started (%s, %d failures)", key.split(":")[1], failures)


def record_success(phone: str) -> None:
    """A correct password clears the phone number's run (the address's run only decays)."""
    clear_account(phone)


def clear_account(phone: str) -> None:
    key = _key("phone", phone)
    cache.delete_many([f"{key}:n", f"{key}:until"])


def account_state(phone: str) -> tuple[int, int]:
    """(failures in the current run, seconds still to wait) for one phone number."""
    key = _key("phone", phone)
    until = cache.get(f"{key}:until") or 0.0
    return int(cache.get(f"{key}:n") or 0), max(math.ceil(until - time.time()), 0)
