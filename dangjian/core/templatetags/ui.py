"""Small display helpers shared by every page: countdowns and the navigation icons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dangjian.core.registry import NavItem, nav_url, nav_urls
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


def _current(path: str, url: str) -> str:
    return ' aria-current="page"' if is_current(path, url) else ""


@cache
def _nav_parts(item: NavItem, url: str, tab: bool) -> tuple[str, str]:
    """An entry's HTML around its aria-current slot, escaped once per process: ('<a href="…"', '>…</a>')."""
    if tab:
        rest = format_html(">{}<span>{}</span></a>", _icon_svg(item.icon), item.tab)
    else:
        empty = mark_safe('<span class="icon" aria-hidden="true"></span>')
        rest = format_html(">{}{}</a>", _icon_svg(item.icon) if item.icon else empty, item.label)
    return format_html('<a href="{}"', url), rest


def _links(items: Iterable[NavItem], path: str, *, tab: bool) -> SafeString:
    out = []
    urls = nav_urls()
    for item in items:
        url = urls[item.url_name]
        head, rest = _nav_parts(item, url, tab)
        out.append(head + _current(path, url) + rest)
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
