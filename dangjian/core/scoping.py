"""The one access primitive: a user's role assignments give org subtrees; data is filtered by path.

Superuser bypass and "no role → nothing" live here and nowhere else. Every selector, view and
export filters through `scope_q` / `ScopedQuerySet.visible_to` / `can`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from .paths import is_within, minimal_prefixes, subtree_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dangjian.accounts.models import User


class Action(StrEnum):
    VIEW = "view"  # see an org's records (names, meetings, totals)
    VIEW_SENSITIVE = "view_sensitive"  # see 身份证号 and phone unmasked
    MANAGE = "manage"  # enter and edit the org's records
    APPROVE = "approve"  # sign off: file plans, approve requests from below
    ADMIN = "admin"  # structure, roles, publishing tasks to the subtree
    REVIEW = "review"  # score brand-project applications


NOTHING = Q(pk__in=[])

_CACHE_ATTR = "_dangjian_scope_cache"


def scope_prefixes(user: User | AnonymousUser | None, action: str) -> list[str] | None:
    """Minimal org-path prefixes where `user` may do `action`; None means everywhere (superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache: dict[str, list[str]] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if action not in cache:
        from dangjian.accounts.selectors import role_paths_for_action

        cache[action] = minimal_prefixes(role_paths_for_action(user, action))
    return cache[action]


def forget_scope(user: Any) -> None:
    """Drop the per-request cache after the user's roles change."""
    user.__dict__.pop(_CACHE_ATTR, None)


def scope_q(user: User | AnonymousUser | None, action: str = Action.VIEW, field: str = "org_path") -> Q:
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return Q()
    if not prefixes:
        return NOTHING
    q = Q()
    for p in prefixes:
        q |= subtree_q(field, p)
    return q


def can(user: User | AnonymousUser | None, action: str, path: str) -> bool:
    """May `user` do `action` on the org whose path is `path`?"""
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return True
    return is_within(path, prefixes)


def require(user: User | AnonymousUser | None, action: str, path: str) -> None:
    if not can(user, action, path):
        raise PermissionDenied("无权执行此操作")


M = TypeVar("M", bound=models.Model)


def get_for_user(
    qs: models.QuerySet[M],
    pk: int | str,
    user: User | AnonymousUser | None,
    action: str = Action.VIEW,
    *,
    not_found: str,
    path_field: str = "org_path",
) -> M:
    """The row `pk` of `qs`: 404 (`not_found`) if missing or outside the user's VIEW scope, 403 if
    the user may see it but not do `action` on it (the `get_<obj>_for_user` selector contract)."""
    obj = qs.filter(pk=pk).first()
    if obj is None or not can(user, Action.VIEW, getattr(obj, path_field)):
        raise Http404(not_found)
    if action != Action.VIEW:
        require(user, action, getattr(obj, path_field))
    return obj


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """Queryset of an org-scoped table: `visible_to(user, action)` filters by the owning org's path."""

    scope_field = "org_path"

    def visible_to(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> ScopedQuerySet[M]:
        return self.filter(scope_q(user, action, self.scope_field))

    def in_subtree(self, path: str) -> ScopedQuerySet[M]:
        return self.filter(subtree_q(self.scope_field, path))
