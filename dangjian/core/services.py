"""Core writes: the reader's side of the inbox (messages are sent through `core.notify`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import Notification
from .scoping import require_person


def notification_mark_read(*, actor: Any, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own messages read (all, or `notification_ids` among them)."""
    require_person(actor)
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
