"""Delivery channels for messages to people (站内通知, 邮件, and later 短信 / 微信).

Callers use one function, `deliver(user=, key=, title=, body=, link=)`. The in-app inbox is always
written first and is the idempotency ledger: `notify()` stores one row per (user, key), and the
other channels send only when that row is new, so a sweep run twice sends nothing twice.

Which extra channels run is a setting, so an SMS or WeChat gateway plugs in without touching any
caller::

    DANGJIAN_NOTIFY_CHANNELS = ["inapp", "email", "myproject.sms.AliyunSmsChannel"]

An entry is either a registered name (`register_channel("sms", SmsChannel)`) or a dotted path to a
class implementing `Channel`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from .services import notify

log = logging.getLogger(__name__)

DEFAULT_CHANNELS = ("inapp", "email")


class Channel(Protocol):
    """A way of reaching a person. `send` returns True when the message left (or was stored)."""

    name: ClassVar[str]

    def send(self, user: Any, title: str, body: str, link: str) -> bool: ...


class InAppChannel:
    """The in-app inbox. `deliver` writes it itself (with the idempotency key); this class exists so
    the inbox can also be used directly like any other channel."""

    name: ClassVar[str] = "inapp"

    def send(self, user: Any, title: str, body: str, link: str, key: str = "") -> bool:
        _, created = notify(user=user, key=key or f"direct:{title}", title=title, body=body, link=link)
        return created


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


_REGISTRY: dict[str, type[Any]] = {"inapp": InAppChannel, "email": EmailChannel}


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


def _send_outside(channels: list[Any], user: Any, title: str, body: str, link: str) -> None:
    for ch in channels:
        try:
            ch.send(user, title, body, link)
        except Exception:  # a gateway outage must not undo the inbox or stop the other recipients
            log.exception("channel %s failed for user %s", getattr(ch, "name", ch), getattr(user, "pk", None))


def deliver(*, user: Any, key: str, title: str, body: str = "", link: str = "") -> bool:
    """Send once per (user, key) on every configured channel; returns True if this call sent it.

    The inbox row is written in the caller's transaction; messages that leave the process (mail,
    SMS) go out only after that transaction commits.
    """
    _, created = notify(user=user, key=key, title=title, body=body, link=link)
    if not created:
        return False
    channels = configured_channels()
    if channels:
        transaction.on_commit(lambda: _send_outside(channels, user, title, body, link))
    return True


@dataclass(frozen=True)
class Message:
    user: Any
    key: str
    title: str
    body: str = ""
    link: str = ""


def deliver_bulk(messages: list[Message], chunk: int = 1000) -> int:
    """`deliver` for many messages at once (periodic sweeps): returns how many were new.

    Messages whose (user, key) is already in the inbox are skipped; the rest are inserted in bulk
    and then sent on the other channels after commit. Meant for one sweep process at a time (cron);
    the unique (user, key) constraint still keeps the inbox itself free of duplicates.
    """
    from .models import Notification

    sent = 0
    channels = configured_channels()
    for i in range(0, len(messages), chunk):
        part = messages[i : i + chunk]
        existing = set(
            Notification.objects.filter(
                user_id__in={m.user.pk for m in part}, key__in={m.key for m in part}
            ).values_list("user_id", "key")
        )
        new = [m for m in part if (m.user.pk, m.key) not in existing]
        if not new:
            continue
        with transaction.atomic():
            Notification.objects.bulk_create(
                [Notification(user=m.user, key=m.key, title=m.title, body=m.body, link=m.link) for m in new],
                ignore_conflicts=True,
            )
            if channels:
                transaction.on_commit(partial(_send_many, channels, new))
        sent += len(new)
    return sent


def _send_many(channels: list[Any], messages: list[Message]) -> None:
    for m in messages:
        _send_outside(channels, m.user, m.title, m.body, m.link)
