"""Reads on core records: the user's inbox and the audit trail of what they can see."""

from __future__ import annotations

from typing import Any

from django.db import router
from django.db.models import Count, QuerySet, Window

from .hotquery import HotQuery
from .memo import remember
from .models import AuditEvent, Notification
from .paths import depth_of
from .scoping import Action, scope_prefixes, scope_q


def notifications_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=user.pk)


NEWEST_UNREAD = 3  # the home page lists this many
_NEWEST_FIELDS = ("id", "user_id", "title", "link", "created_at")
# The newest unread notices with the count of all unread ones (a window over the rows before the
# LIMIT): the home page's list and the bell's count in one query, compiled once per process.
_NEWEST_UNREAD = HotQuery(
    Notification,
    lambda user_id: (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .order_by("-created_at", "-id")
        .annotate(unread_total=Window(Count("id")))
        .values_list(*_NEWEST_FIELDS, "unread_total")[:NEWEST_UNREAD]
    ),
    int,
)


def newest_unread(user: Any) -> tuple[list[Notification], int]:
    """The user's `NEWEST_UNREAD` newest unread notices (other fields deferred) and how many are
    unread in all; the count is also handed to the layout's bell for this page (`memo`)."""
    rows = _NEWEST_UNREAD.rows(user.pk)
    alias = router.db_for_read(Notification) or "default"
    notices = [Notification.from_db(alias, list(_NEWEST_FIELDS), row[:-1]) for row in rows]
    total = int(rows[0][-1]) if rows else 0
    remember(("unread", user.pk), total)
    return notices, total


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
