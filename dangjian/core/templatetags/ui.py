"""Small display helpers shared by every page: countdowns and the navigation icons."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

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
