"""Extension points so each app can add to the shared layout without core knowing the app.

- `nav_item(...)`: a navigation link, shown when the user holds the action anywhere.
- `attention_provider(fn)`: `fn(user) -> list[Attention]` items for the home page (待办/提醒).
- `meeting_panel(fn)`: `fn(request, meeting) -> str` HTML shown on a meeting's page ("" for none),
  e.g. dues shows 本月党费 on a party-day record without orglife importing dues.
Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from .findings import Severity


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    action: str | None  # None: any logged-in user
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Attention:
    title: str
    detail: str
    link: str
    severity: Severity = Severity.WARNING


_NAV: list[NavItem] = []
_ATTENTION: list[Callable[[Any], list[Attention]]] = []
_MEETING_PANELS: list[Callable[[Any, Any], str]] = []


def nav_item(label: str, url_name: str, action: str | None = None, order: int = 100) -> None:
    if not any(i.url_name == url_name for i in _NAV):
        _NAV.append(NavItem(label, url_name, action, order))
        _NAV.sort(key=lambda i: i.order)


def nav_items() -> list[NavItem]:
    return list(_NAV)


def attention_provider(fn: Callable[[Any], list[Attention]]) -> Callable[[Any], list[Attention]]:
    if fn not in _ATTENTION:
        _ATTENTION.append(fn)
    return fn


def attention_for(user: Any) -> list[Attention]:
    items: list[Attention] = []
    for fn in _ATTENTION:
        items.extend(fn(user))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.ADVISORY: 2}
    return sorted(items, key=lambda a: order[a.severity])


def meeting_panel(fn: Callable[[Any, Any], str]) -> Callable[[Any, Any], str]:
    if fn not in _MEETING_PANELS:
        _MEETING_PANELS.append(fn)
    return fn


def meeting_panels(request: Any, meeting: Any) -> list[str]:
    """The other apps' panels for this meeting's page, in registration (INSTALLED_APPS) order."""
    return [html for fn in _MEETING_PANELS if (html := fn(request, meeting))]
