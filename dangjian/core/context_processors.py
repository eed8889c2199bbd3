from typing import Any

from django.http import HttpRequest

from .registry import nav_items
from .scoping import scope_prefixes


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for item in nav_items():
        if item.action is None or scope_prefixes(user, item.action) != []:
            items.append(item)
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"nav": items, "unread_notifications": unread}
