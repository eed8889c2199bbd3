"""Delivery channels for messages to people (邮件, and later 短信 / 微信), besides the in-app inbox.

Callers never use a channel directly: `core.notify.send` writes the inbox (the idempotency ledger)
and hands the new messages to every channel configured here after the transaction commits.

Which extra channels run is a setting, so an SMS or WeChat gateway plugs in without touching any
caller::

    DANGJIAN_NOTIFY_CHANNELS = ["inapp", "email", "myproject.sms.AliyunSmsChannel"]

An entry is either a registered name (`register_channel("sms", SmsChannel)`) or a dotted path to a
class implementing `Channel`.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

DEFAULT_CHANNELS = ("inapp", "email")


class Channel(Protocol):
    """A way of reaching a person. `send` returns True when the message left (or was stored)."""

    name: ClassVar[str]

    def send(self, user: Any, title: str, body: str, link: str) -> bool: ...


class EmailChannel:
    """Django's mail backend. People without an e-mail address are skipped (returns False)."""

    name: ClassVar[str] = "email"

    def send(self, user: Any, title: str, body: str, link: str) -> bool:
        address = (getattr(user, "email", "") or "").strip()
        if not address:
            return False
        text = body
        if link:
            base = getattr(settings, "DANGJIAN_SITE_URL", "").rstrip("/")
            text = f"{body}\n\n{base}{link}" if base or link.startswith("http") else f"{body}\n\n链接：{link}"
        send_mail(f"【党建工作平台】{title}", text, None, [address], fail_silently=False)
        return True


_REGISTRY: dict[str, type[Any]] = {"email": EmailChannel}


def register_channel(name: str, cls: type[Any]) -> None:
    """Make a channel available by short name (call from an AppConfig.ready())."""
    _REGISTRY[name] = cls


def configured_channels() -> list[Any]:
    """Instances of the extra channels named in settings (the inbox is always on and not listed)."""
    out: list[Any] = []
    for entry in getattr(settings, "DANGJIAN_NOTIFY_CHANNELS", DEFAULT_CHANNELS):
        if entry == "inapp":
            continue
        cls = _REGISTRY.get(entry)
        if cls is None:
            try:
                cls = import_string(entry)
            except ImportError:
                log.error("unknown notification channel %r", entry)
                continue
        out.append(cls())
    return out
