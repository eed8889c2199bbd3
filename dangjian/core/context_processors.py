from typing import Any

from django.http import HttpRequest

from .registry import nav_items, tabs_for
from .scoping import scope_prefixes


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
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"nav": items, "tabs": tabs_for(items, holds), "unread_notifications": unread}
