"""Small display helpers shared by every page: countdowns and the navigation icons."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.autoreload import file_changed
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dangjian.core.registry import NavItem, nav_url, nav_urls, reverse_key
from dangjian.core.views_util import PkUrl

register = template.Library()


def countdown_text(due: dt.date, today: dt.date) -> str:
    """ "今天" / "明天" / "还有 3 天" / "逾期 2 天" (calendar days)."""
    days = (due - today).days
    if days == 0:
        return "今天"
    if days == 1:
        return "明天"
    if days > 0:
        return f"还有 {days} 天"
    return f"逾期 {-days} 天"


@register.filter
def countdown(due: dt.date | None) -> str:
    return countdown_text(due, timezone.localdate()) if due else ""


@register.filter
def is_overdue(due: dt.date | None) -> bool:
    return due is not None and due < timezone.localdate()


@register.filter
def is_current(path: str, url: str) -> bool:
    """Is the page at `path` under the navigation entry `url`? (The home page only matches itself.)"""
    return path == url if url == "/" else path.startswith(url)


@register.filter
def with_pk(url: PkUrl, pk: object) -> str:
    """`{{ urls.pay|with_pk:row.pk }}`: a URL reversed once per page (PkUrl), completed per row."""
    return url.for_pk(pk)


# --- Navigation (base.html): the same links and icons on every page, built in Python ---------------
# A `{% for %}` over ~20 nav items with an `{% include %}` and two URL reversals each cost ~3 ms per
# page (issue 18); the icons are rendered once per process and the links are joined as strings.


@cache
def _icon_svg(name: str) -> SafeString:
    return mark_safe(get_template("core/_icon.html").render({"name": name}))


@register.simple_tag
def icon(name: str) -> SafeString:
    """`{% icon "bell" %}`: the line icon `core/_icon.html` draws for `name`, read once per process."""
    return _icon_svg(name or "")


_CURRENT = ' aria-current="page"'


@cache
def _nav_parts(item: NavItem, url: str, tab: bool) -> tuple[str, str]:
    """An entry's HTML around its aria-current slot, escaped once per process: ('<a href="…"', '>…</a>')."""
    if tab:
        rest = format_html(">{}<span>{}</span></a>", _icon_svg(item.icon), item.tab)
    else:
        empty = mark_safe('<span class="icon" aria-hidden="true"></span>')
        rest = format_html(">{}{}</a>", _icon_svg(item.icon) if item.icon else empty, item.label)
    return str(format_html('<a href="{}"', url)), str(rest)  # plain str: joined without SafeString.__add__


def _links(items: Iterable[NavItem], path: str, *, tab: bool) -> SafeString:
    out = []
    urls = nav_urls()
    for item in items:
        url = urls[item.url_name]
        head, rest = _nav_parts(item, url, tab)
        out.append(head)
        if path == url if url == "/" else path.startswith(url):  # is_current
            out.append(_CURRENT)
        out.append(rest)
    return mark_safe("".join(out))  # the parts were escaped by format_html


@register.simple_tag
def nav_links(items: Iterable[NavItem], path: str) -> SafeString:
    """The side navigation's links: icon (or an empty slot) and label, the current one marked."""
    return _links(items, path, tab=False)


@register.simple_tag
def tab_links(items: Iterable[NavItem], path: str) -> SafeString:
    """The phone's bottom tab bar entries: icon and short label, the current one marked."""
    return _links(items, path, tab=True)


# --- The layout's fixed links (base.html): resolved once per process -------------------------------
# Every page's layout names the same 7 static files and 8 URLs; `{% static %}` (the manifest lookup)
# and `{% url %}` (a reversal) cost ~0.4 ms per page between them (issue 18).

_ASSETS: dict[str, str] = {}


@receiver(setting_changed)
def _forget_assets(*, setting: str, **kwargs: object) -> None:
    if setting in ("STATIC_URL", "STATIC_ROOT", "STORAGES"):  # what `static()` depends on
        _ASSETS.clear()


@register.simple_tag
def asset(path: str) -> str:
    """`{% asset "css/site.css" %}`: `{% static %}` for a file the layout always names, looked up in
    the static manifest once per process (the hashed names do not change while it runs)."""
    url = _ASSETS.get(path)
    if url is None:
        url = _ASSETS[path] = static(path)
    return url


@register.simple_tag
def fixed_url(url_name: str) -> str:
    """`{% fixed_url "core:home" %}`: `{% url %}` for a view without arguments, reversed once per
    process and URLconf (`registry.nav_url`)."""
    return nav_url(url_name)


# --- The layout's chrome (base.html): rendered once per process, per-request values in slots --------
# The head's links and the signed-in chrome (top bar, side navigation, tab bar) are the same text on
# every page but for a few values: the CSRF token, the unread count, the user's name and which entry
# is current. Rendering them as template nodes cost ~0.5 ms per page (issue 18); they are rendered
# once per process with placeholders and joined around the request's values.

_SLOT = re.compile("\x00(\\w+)\x00")
_CHROME: dict[tuple[object, ...], tuple[str, ...]] = {}


class _Slots(dict[str, SafeString]):
    """`s.name` in a chrome template renders as the placeholder of slot `name`."""

    def __missing__(self, name: str) -> SafeString:
        return mark_safe(f"\x00{name}\x00")


@receiver(setting_changed)
def _forget_chrome(**kwargs: object) -> None:
    _CHROME.clear()


@receiver(file_changed)
def _forget_chrome_on_edit(**kwargs: object) -> None:
    _CHROME.clear()  # the development server reloads templates without restarting (DEBUG)


def _chrome(template_name: str, signed_in: bool) -> tuple[str, ...]:
    """The template's text split at its slots: (text, slot name, text, slot name, ..., text)."""
    key = (template_name, signed_in, *reverse_key())
    parts = _CHROME.get(key)
    if parts is None:
        text = get_template(template_name).render({"signed_in": signed_in, "s": _Slots()})
        parts = _CHROME[key] = tuple(_SLOT.split(text))
    return parts


def _fill(parts: tuple[str, ...], values: dict[str, str]) -> SafeString:
    out = list(parts)
    out[1::2] = [values[name] for name in parts[1::2]]
    return mark_safe("".join(out))  # the fixed text was rendered escaped, the values are escaped here


@register.simple_tag
def layout_head() -> SafeString:
    """The layout's favicon, stylesheet and script links."""
    return mark_safe(_chrome("core/_layout_head.html", False)[0])


@register.simple_tag(takes_context=True)
def layout_top(context: Context) -> SafeString:
    """`<body>` and, for a signed-in user, the top bar's bell, the side navigation and the tab bar:
    what `{{ csrf_token }}`, `{% csrf_token %}`, `{{ unread_notifications }}`, `{{ user.name }}` and
    `request.path` would render in their places."""
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    token = context.get("csrf_token")
    values = {"csrf": render_value_in_context(token, context) if token is not None else ""}
    if user is not None and signed_in:
        request = context.get("request")
        path = request.path if request is not None else ""
        unread = context.get("unread_notifications")
        n = render_value_in_context(unread, context) if unread else ""
        nav, tabs = context.get("nav") or (), context.get("tabs") or ()
        values |= {
            "bell_label": f"，{n} 条未读" if unread else "",
            "badge": f'<span class="badge">{n}</span>' if unread else "",
            "count": f' <span class="count">{n}</span>' if unread else "",
            "home_current": _CURRENT if path == "/" else "",
            "more_current": _CURRENT if path == nav_url("core:more") else "",
            "nav": nav_links(nav, path),
            "tabs": tab_links(tabs, path),
            "csrf_input": CsrfTokenNode().render(context),
            "user_name": render_value_in_context(user.name, context),
        }
    return _fill(_chrome("core/_layout_top.html", signed_in), values)
