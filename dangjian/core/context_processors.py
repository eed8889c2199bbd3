from typing import Any

from django.db.models import Count
from django.http import HttpRequest

from .hotquery import HotQuery
from .memo import memoized
from .models import Notification
from .registry import nav_items, tabs_for
from .scoping import scope_prefixes

# The bell's count, on every page: compiled once per process (issue 18). No unread notice, no row.
_UNREAD = HotQuery(
    Notification,
    lambda user_id: (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("n")
    ),
    int,
)


def unread_count(user_id: int) -> int:
    """The user's unread notices; a page that has read them already gives the count to the memo
    (`memo.remember(("unread", user_id), n)`)."""
    return memoized(("unread", user_id), lambda: int(next(iter(_UNREAD.rows(user_id)), (0,))[0]))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "tabs": []}

    held: dict[str, bool] = {}

    def holds(action: str) -> bool:  # ~20 nav items ask about a handful of actions
        if action not in held:
            held[action] = scope_prefixes(user, action) != []
        return held[action]

    items = [item for item in nav_items() if item.action is None or holds(item.action)]
    return {"nav": items, "tabs": tabs_for(items, holds), "unread_notifications": unread_count(user.pk)}
