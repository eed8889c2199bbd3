"""The one access primitive: a user's role assignments give org subtrees; data is filtered by path.

Superuser bypass, the explicit system actor (`SYSTEM`) and "no role → nothing" live here and nowhere
else; `None` is never an actor. Every selector, view and export filters through `scope_q` /
`ScopedQuerySet.visible_to` / `can`; every public service starts with `require` (the write gate,
proved for each service by tests/test_service_gate.py); every `get_<obj>_for_user` is `get_for_user`;
decisions call `require_four_eyes`. Cross-tree links (DESIGN.md §1: an in-service member of one committee's
branch serving a community organization in another committee's subtree) are grants in this same
primitive: the linking row carries BOTH paths, `LinkedScopedQuerySet.visible_to` and `can_any` read
it from either side, and `get_for_user(also_visible=..., action_path=...)` fetch it — nothing else of
either tree becomes visible through the link. Core never imports accounts: accounts registers the loader of a
user's role paths (`register_role_paths_loader`), read once per user object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, Final, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from .paths import is_within, minimal_prefixes, subtree_q


class Action(StrEnum):
    VIEW = "view"  # see an org's records (names, meetings, totals)
    VIEW_SENSITIVE = "view_sensitive"  # see 身份证号 and phone unmasked
    MANAGE = "manage"  # enter and edit the org's records
    APPROVE = "approve"  # sign off: file plans, approve requests from below
    ADMIN = "admin"  # structure, roles, publishing tasks to the subtree
    REVIEW = "review"  # score brand-project applications


class SystemActor:
    """The platform itself acting: periodic sweeps, imports run by the worker, the demo builders and
    management commands. It is not a user: it may do everything, owns nothing, and its audit events
    carry no user and the label "系统". `None` is never an actor — it is refused everywhere."""

    pk = None
    id = None
    name = "系统"
    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False

    def __repr__(self) -> str:
        return "SYSTEM"

    # One system: copies (a deep-copied fixture, a pickled task argument) are the same object.
    def __copy__(self) -> SystemActor:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SystemActor:
        return self

    def __reduce__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return self.name


SYSTEM: Final = SystemActor()

# Who acts: a User (or AnonymousUser) from the request, or SYSTEM. Core does not know the User model
# (it sits below accounts), hence Any; `None` is accepted by the signatures only to be refused.
Actor = Any

# The path "above" every top-level organization: only SYSTEM and superusers act on the platform as
# a whole (create a top-level 党委, run a platform-wide sweep).
PLATFORM = ""

NOTHING = Q(pk__in=[])

# One Chinese wording for the four-eyes rule (DESIGN.md §1): whoever applied, submitted or owns an
# item never decides it.
FOUR_EYES_MESSAGE = "不能审批本人提交或申请的事项"
DENIED_MESSAGE = "无权执行此操作"

_CACHE_ATTR = "_dangjian_scope_cache"

RolePathsLoader = Callable[[Any], Mapping[str, Iterable[str]]]
_role_paths_loader: RolePathsLoader | None = None


def register_role_paths_loader(loader: RolePathsLoader) -> None:
    """The accounts app registers (in `ready()`) the function that reads a user's org paths per action
    in one query; core never imports accounts."""
    global _role_paths_loader
    _role_paths_loader = loader


def _prefixes_by_action(user: Any) -> dict[str, list[str]]:
    """Per user object (so per request): every action's minimal prefixes, read once."""
    cache: dict[str, list[str]] | None = user.__dict__.get(_CACHE_ATTR)
    if cache is None:
        if _role_paths_loader is None:
            raise RuntimeError("no role-path loader registered (is dangjian.accounts installed?)")
        cache = {action: minimal_prefixes(list(paths)) for action, paths in _role_paths_loader(user).items()}
        user.__dict__[_CACHE_ATTR] = cache
    return cache


def scope_prefixes(user: Actor, action: str) -> list[str] | None:
    """Minimal org-path prefixes where `user` may do `action`; None means everywhere (SYSTEM, superuser)."""
    if user is SYSTEM:
        return None
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return _prefixes_by_action(user).get(action, [])


def remember_scope(user: Any, paths_by_action: Mapping[str, Iterable[str]]) -> None:
    """Seed the per-user-object cache from role assignments a page has read anyway (the home lists
    them), so `can` needs no query of its own. Does nothing once the cache is filled."""
    if _CACHE_ATTR not in user.__dict__:
        user.__dict__[_CACHE_ATTR] = {a: minimal_prefixes(list(p)) for a, p in paths_by_action.items()}


def forget_scope(user: Any) -> None:
    """Drop the per-request cache after the user's roles change."""
    user.__dict__.pop(_CACHE_ATTR, None)


def scope_q(user: Actor, action: str = Action.VIEW, field: str = "org_path") -> Q:
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return Q()
    if not prefixes:
        return NOTHING
    q = Q()
    for p in prefixes:
        q |= subtree_q(field, p)
    return q


def can(user: Actor, action: str, path: str) -> bool:
    """May `user` do `action` on the org whose path is `path`? (`PLATFORM`: on the whole platform.)"""
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return True
    return bool(path) and is_within(path, prefixes)


def can_any(user: Actor, action: str, paths: Iterable[str]) -> bool:
    """May `user` do `action` on any of `paths`? The check of a row linking two trees (its owning
    org's path and the linked org's path): either side's role holders may act on the link itself."""
    return any(can(user, action, p) for p in paths if p)


def scope_q_any(user: Actor, action: str, fields: Iterable[str]) -> Q:
    """`scope_q` over several path fields of one row, OR-ed: the rows of a two-tree link visible from
    either tree. A user with no role on either side gets nothing."""
    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return Q()
    if not prefixes:
        return NOTHING
    q = Q()
    for f in fields:
        for p in prefixes:
            q |= subtree_q(f, p)
    return q


def require(user: Actor, action: str, path: str, message: str = DENIED_MESSAGE) -> None:
    """The one write gate: every public service calls this first. `None` and outsiders are refused."""
    if not can(user, action, path):
        raise PermissionDenied(message)


def require_all(user: Actor, action: str, paths: Iterable[str], message: str = DENIED_MESSAGE) -> None:
    """`require` for a write touching several orgs (a batch of rows, a move between subtrees)."""
    for path in set(paths):
        require(user, action, path, message)
    if user is None:  # an empty batch still refuses a missing actor
        raise PermissionDenied(message)


def require_person(actor: Actor, message: str = DENIED_MESSAGE) -> None:
    """The gate of self-service writes (one's own password, inbox, sign-in): a signed-in, active
    person acting on their own records. None, anonymous visitors and SYSTEM are refused."""
    if (
        actor is None
        or isinstance(actor, SystemActor)
        or not getattr(actor, "is_authenticated", False)
        or not getattr(actor, "is_active", False)
    ):
        raise PermissionDenied(message)


class FourEyesRefused(PermissionDenied):
    """A decision by the person who applied for, submitted or owns the item."""

    def __init__(self) -> None:
        super().__init__(FOUR_EYES_MESSAGE)


def require_four_eyes(actor: Actor, *owner_ids: int | None) -> None:
    """Refuse a decision by any of the item's applicants/submitters/owners (their user ids)."""
    pk = getattr(actor, "pk", None)
    if pk is not None and pk in owner_ids:
        raise FourEyesRefused()


def user_or_none(actor: Actor) -> Any:
    """The value for a `created_by`-style foreign key: the acting user, or None for SYSTEM."""
    return actor if getattr(actor, "pk", None) else None


M = TypeVar("M", bound=models.Model)


def _path_of(obj: Any, path_field: str) -> str:
    for attr in path_field.split("__"):
        obj = getattr(obj, attr)
    return str(obj)


def get_for_user(
    qs: models.QuerySet[M],
    pk: int | str,
    user: Actor,
    action: str = Action.VIEW,
    *,
    not_found: str,
    denied: str = DENIED_MESSAGE,
    path_field: str = "org_path",
    own: Callable[[M], bool] | None = None,
    also_visible: Callable[[M], bool] | None = None,
    action_path: Callable[[M], str] | None = None,
    fetch: Callable[[int | str], M | None] | None = None,
) -> M:
    """The row `pk` of `qs`: 404 (`not_found`) if missing or outside the user's VIEW scope, 403
    (`denied`) if the user may see it but not do `action` on it — the one `get_<obj>_for_user` fetch.

    Hooks for the rows a scope does not cover:
    - `own(row)`: the user's own record (their Member row, their payments, their upload) — returned
      whatever `action` is, so pass it only for what a person may do on their own record;
    - `also_visible(row)`: rows the user may see outside their scope (a member who transferred out of
      their branch, a task's target for its publisher) — affects the 404, never the action;
    - `action_path(row)`: where `action` is checked when not on the row's own org (the parent that
      decides a branch's plan, the publisher of a task). `path_field` may follow relations (`org__path`);
    - `fetch(pk)`: reads the row instead of `qs` (a query compiled once per process, `core.hotquery`).
    """
    obj = fetch(pk) if fetch is not None else qs.filter(pk=pk).first()
    if obj is None:
        raise Http404(not_found)
    if own is not None and own(obj):
        return obj
    path = _path_of(obj, path_field)
    if not (can(user, Action.VIEW, path) or (also_visible is not None and also_visible(obj))):
        raise Http404(not_found)
    if action != Action.VIEW:
        require(user, action, action_path(obj) if action_path is not None else path, denied)
    return obj


def is_own(user: Actor, row: Any, field: str = "user_id") -> bool:
    """Does `row` belong to the signed-in `user` (its `field` holds the user's id)?"""
    pk = getattr(user, "pk", None)
    return pk is not None and getattr(user, "is_authenticated", False) and getattr(row, field) == pk


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """Queryset of an org-scoped table: `visible_to(user, action)` filters by the owning org's path."""

    scope_field = "org_path"

    def visible_to(self, user: Actor, action: str = Action.VIEW) -> ScopedQuerySet[M]:
        return self.filter(scope_q(user, action, self.scope_field))

    def in_subtree(self, path: str) -> ScopedQuerySet[M]:
        return self.filter(subtree_q(self.scope_field, path))


class LinkedScopedQuerySet(ScopedQuerySet[M], Generic[M]):
    """Queryset of a table whose rows link two trees: `org_path` (the owning side, e.g. the member's
    branch) and each of `link_fields` (the linked side, e.g. the community the member serves).

    `visible_to(user, action)` returns the rows the user holds `action` on from EITHER side;
    `from_side(user, action, field)` the rows seen from one side only (the community's queue is
    `from_side(user, MANAGE, "community_path")`). Rows of other tables never become visible through a
    link: a selector reads the linked person's name, phone and skills THROUGH the link row only."""

    link_fields: tuple[str, ...] = ()

    def visible_to(self, user: Actor, action: str = Action.VIEW) -> LinkedScopedQuerySet[M]:
        return self.filter(scope_q_any(user, action, (self.scope_field, *self.link_fields)))

    def from_side(self, user: Actor, action: str, field: str) -> LinkedScopedQuerySet[M]:
        if field != self.scope_field and field not in self.link_fields:
            raise ValueError(f"{field!r} is not a path field of this link")
        return self.filter(scope_q(user, action, field))
