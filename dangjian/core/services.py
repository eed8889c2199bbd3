"""Core writes: notifications (idempotent by key)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification
from .scoping import require_person


def notify(*, user: Any, key: str, title: str, body: str = "", link: str = "") -> tuple[Notification, bool]:
    """Put a message in `user`'s inbox once per `key`; sending the same key again creates nothing."""
    existing = Notification.objects.filter(user_id=user.pk, key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Notification.objects.create(user=user, key=key, title=title, body=body, link=link), True
    except IntegrityError:  # a concurrent sender won the race
        return Notification.objects.get(user_id=user.pk, key=key), False


def notification_mark_read(*, actor: Any, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own messages read (all, or `notification_ids` among them)."""
    require_person(actor)
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
