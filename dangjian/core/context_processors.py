from typing import Any

from django.http import HttpRequest

from .registry import nav_items, tabs_for
from .scoping import scope_prefixes


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "tabs": []}

    def holds(action: str) -> bool:
        return scope_prefixes(user, action) != []

    items = [item for item in nav_items() if item.action is None or holds(item.action)]
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"nav": items, "tabs": tabs_for(items, holds), "unread_notifications": unread}
