"""Home-page items from the org tree: structure findings and terms, rolled up per finding type."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dangjian.core.registry import Attention
from dangjian.core.scoping import Action, can, scope_prefixes

from .models import Organization
from .selectors import structure_summary

# The summary is read from the stored findings (one grouped query, no member read); on the home page
# (opened many times a day) a large subtree's summary — `CACHE_MIN_ORGS` findings or more — is still
# reused for a short while. The structure list and org pages are always live.
CACHE_MIN_ORGS = 2000
CACHE_SECONDS = 120


def summary_for(prefix: str, today: Any) -> list[Any]:
    """A large subtree's summary from the cache when a recent one is there; only a large one is
    stored (its size is known once read, no COUNT first)."""
    key = f"orgs:structure_summary:{prefix}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = structure_summary(prefix)
        if sum(s.count for s in found) >= CACHE_MIN_ORGS:
            cache.set(key, found, CACHE_SECONDS)
    return found


def structure_attention(user: Any) -> list[Attention]:
    """For each subtree the user manages: one line per finding type ("12 个党组织正式党员不足3人")."""
    prefixes = scope_prefixes(user, Action.MANAGE)
    if prefixes is None:  # superuser: every root
        prefixes = list(Organization.objects.get_root_nodes().values_list("path", flat=True))
    if not prefixes:
        return []
    today = timezone.localdate()
    roots = {o.path: o for o in Organization.objects.filter(path__in=prefixes)}
    items: list[Attention] = []
    for prefix in prefixes:
        root = roots.get(prefix)
        if root is None:
            continue
        list_ok = can(user, Action.APPROVE, prefix)
        for s in summary_for(prefix, today):
            if s.count == 1:
                title = f"{s.first_org.name}：{s.label}"
                link = reverse("orgs:detail", args=[s.first_org.id])
            else:
                title = f"{s.count} 个党组织{s.label}"
                link = (
                    reverse("orgs:checks") + "?" + urlencode({"org": root.pk, "code": s.code})
                    if list_ok
                    else reverse("orgs:detail", args=[root.pk])
                )
            items.append(Attention(title, f"结构检查 · {root.name}", link, s.severity, standing=True))
    return items
