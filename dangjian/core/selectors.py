"""Reads on core records: the user's inbox and the audit trail of what they can see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import AuditEvent, Notification
from .paths import depth_of
from .scoping import Action, scope_prefixes, scope_q


def notifications_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk)


def audit_events_visible_to(user: Any) -> QuerySet[AuditEvent]:
    """Audit trail of the subtrees the user administers."""
    return AuditEvent.objects.filter(scope_q(user, Action.ADMIN, "org_path")).select_related("actor")


def can_edit_calendar(user: Any) -> bool:
    """Superusers and the 组织部 admins of a top-level organization maintain the national calendar:
    whoever may ADMIN a whole tree, i.e. one of their admin scopes is a root (depth 1) path."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    prefixes = scope_prefixes(user, Action.ADMIN)
    return prefixes is None or any(depth_of(p) == 1 for p in prefixes)
