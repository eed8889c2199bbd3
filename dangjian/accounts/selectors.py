"""Reads about accounts and roles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.core.hotquery import HotQuery
from dangjian.core.masking import mask_name, mask_phone
from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, can, get_for_user, remember_scope, scope_prefixes, scope_q
from dangjian.core.validators import phone_error
from dangjian.members.models import Member

from .models import RoleAssignment, User
from .rules import ROLE_ACTIONS, Role, covers_all

# Read on every page (the navigation asks which actions the user holds): compiled once per process.
_ROLE_PATHS = HotQuery(
    RoleAssignment, lambda user_id: RoleAssignment.objects.filter(user_id=user_id).values_list("role", "org__path"), int
)


def role_paths_by_action(user: Any) -> dict[str, list[str]]:
    """Every action's org paths for `user`, in one query (core.scoping caches it per user object)."""
    if type(user.pk) is not int:
        return _paths_by_action(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "org__path"))
    return _paths_by_action(_ROLE_PATHS.rows(user.pk))


def _paths_by_action(role_paths: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for role, path in role_paths:
        for action in ROLE_ACTIONS.get(role, ()):
            out.setdefault(action, []).append(path)
    return out


def holders(
    roles: Role | Iterable[Role], *, org_ids: Any = None, org_paths: Iterable[str] | None = None
) -> QuerySet[RoleAssignment]:
    """Who holds one of `roles` at the given organizations: the role assignments of active accounts.

    The one "who is the secretary of X" query, for any number of organizations at once: pass
    `org_ids` (ids, or a subquery of ids) and/or `org_paths` (exact paths, not subtrees). Callers
    take what they need, e.g. `.values_list("org_id", "user_id")` for a sweep or
    `[ra.user for ra in holders(...).select_related("user")]` for one organization.
    """
    wanted = [roles] if isinstance(roles, Role) else list(roles)
    if org_ids is None and org_paths is None:
        raise ValueError("holders() needs org_ids or org_paths")
    where = Q()
    if org_ids is not None:
        where |= Q(org_id__in=org_ids)
    if org_paths is not None:
        where |= Q(org__path__in=list(org_paths))
    return RoleAssignment.objects.filter(where, role__in=wanted, user__is_active=True)


def holder_ids_by(
    roles: Role | Iterable[Role], *, org_ids: Any = None, org_paths: Iterable[str] | None = None, key: str = "org_id"
) -> dict[Any, list[int]]:
    """`holders(...)` as {org id (or `key="org__path"`: org path) → user ids}, in one query."""
    out: dict[Any, list[int]] = defaultdict(list)
    rows = holders(roles, org_ids=org_ids, org_paths=org_paths).values_list(key, "user_id").order_by(key, "user_id")
    for k, user_id in rows.distinct():
        out[k].append(user_id)
    return dict(out)


def _roles_of_id(user_id: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user_id=user_id).select_related("org").order_by("org__path", "role")


def roles_of(user: Any) -> QuerySet[RoleAssignment]:
    return _roles_of_id(user.pk)


_ROLES_WITH_ORG = HotQuery(RoleAssignment, _roles_of_id, int)  # the home page's, compiled once per process


def roles_of_with_scope(user: Any) -> list[RoleAssignment]:
    """`roles_of`, also seeding the user's scope cache from the same rows (one query for both)."""
    roles = _ROLES_WITH_ORG.objects(user.pk) if type(user.pk) is int else list(roles_of(user))
    remember_scope(user, _paths_by_action((ra.role, ra.org.path) for ra in roles))
    return roles


@dataclass(frozen=True)
class MemberRef:
    """The signed-in user's own member row, as the home page needs it on every visit: its id and
    its branch's path (the full row, `members.selectors.own_member`, is read when a page needs more)."""

    pk: int
    org_path: str


_OWN_MEMBER_REF = HotQuery(
    Member, lambda user_id: Member.objects.filter(user_id=user_id).values_list("pk", "org__path"), int
)


def own_member_ref(user: Any) -> MemberRef | None:
    """`MemberRef` of the user's member row (at most one: `Member.user` is one-to-one), or None."""
    if type(getattr(user, "pk", None)) is not int:
        return None
    rows = _OWN_MEMBER_REF.rows(user.pk)
    return MemberRef(*rows[0]) if rows else None


def role_assignments_visible_to(user: Any) -> QuerySet[RoleAssignment]:
    """Assignments inside the subtrees the user administers."""
    return (
        RoleAssignment.objects.filter(scope_q(user, Action.ADMIN, "org__path"))
        .select_related("user", "org")
        .order_by("org__path", "role", "user__name")
    )


def role_assignments_in_org(user: Any, org_path: str) -> QuerySet[RoleAssignment]:
    if not can(user, Action.ADMIN, org_path):
        return RoleAssignment.objects.none()
    return (
        RoleAssignment.objects.filter(subtree_q("org__path", org_path))
        .select_related("user", "org")
        .order_by("org__path", "role", "user__name")
    )


def user_by_phone(phone: str) -> User | None:
    return User.objects.filter(phone=phone).first()


def user_anchor_paths(user: Any) -> list[str]:
    """Where an account belongs: the orgs of its roles and the branch of its roster entry."""
    paths = list(RoleAssignment.objects.filter(user_id=user.pk).values_list("org__path", flat=True))
    paths += list(Member.objects.filter(user_id=user.pk).values_list("org_path", flat=True))
    return paths


def can_manage_user(actor: Any, user: Any) -> bool:
    """Reset password / unlock: the account must lie wholly inside the actor's admin subtrees."""
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        return False
    if getattr(actor, "pk", None) == user.pk:  # never one's own account (and None is nobody)
        return False
    return covers_all(user_anchor_paths(user), scope_prefixes(actor, Action.ADMIN))


def get_user_for_admin(actor: Any, pk: int | str) -> User:
    """An account with at least one role or roster entry inside the actor's admin subtrees; else 404."""
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404("用户不存在")
    if not actor.is_superuser and not any(can(actor, Action.ADMIN, p) for p in user_anchor_paths(user)):
        raise Http404("用户不存在")
    return user


def roles_in_scope_of(actor: Any, user: Any) -> QuerySet[RoleAssignment]:
    return roles_of(user).filter(scope_q(actor, Action.ADMIN, "org__path"))


def get_role_assignment_for_admin(actor: Any, pk: int | str) -> RoleAssignment:
    return get_for_user(
        RoleAssignment.objects.select_related("user", "org"),
        pk,
        actor,
        Action.ADMIN,
        not_found="角色分配不存在",
        path_field="org__path",
    )


def role_assignments_filtered(
    actor: Any, *, org_path: str = "", q: str = "", role: str = ""
) -> QuerySet[RoleAssignment]:
    qs = role_assignments_visible_to(actor)
    if org_path:
        qs = qs.filter(subtree_q("org__path", org_path))
    if q:
        qs = qs.filter(Q(user__name__icontains=q) | Q(user__phone=q))
    if role:
        qs = qs.filter(role=role)
    return qs


@dataclass(frozen=True)
class Candidate:
    """A person who may receive a role: an existing account, or a roster member without one."""

    value: str  # "user:<pk>" or "member:<pk>"
    name: str
    detail: str


def person_candidates(actor: Any, org_path: str, q: str, limit: int = 20) -> list[Candidate]:
    """Search by phone (exact, any account) or by name (accounts and members inside the actor's scope)."""
    q = q.strip()
    if not q:
        return []
    out: list[Candidate] = []
    admin_q = scope_q(actor, Action.ADMIN, "org_path")
    by_phone = phone_error(q) is None
    if by_phone:
        users = User.objects.filter(phone=q, is_active=True)
        members = Member.objects.filter(admin_q, subtree_q("org_path", org_path), phone=q, is_active=True)
    else:
        in_scope = Q(roles__in=RoleAssignment.objects.filter(scope_q(actor, Action.ADMIN, "org__path"))) | Q(
            member__in=Member.objects.filter(admin_q)
        )
        users = User.objects.filter(in_scope, name__icontains=q, is_active=True).distinct()
        members = Member.objects.filter(admin_q, subtree_q("org_path", org_path), name__icontains=q, is_active=True)
    for u in users.order_by("name", "pk")[:limit]:
        # Found by its exact number, an account may lie anywhere on the platform: its name stays
        # masked, or the box would turn any phone number into a real name.
        name = mask_name(u.name) if by_phone else u.name
        out.append(Candidate(f"user:{u.pk}", name, f"已有账号 · 手机 {mask_phone(u.phone)}"))
    for m in members.filter(user__isnull=True).select_related("org").order_by("name", "pk")[:limit]:
        hint = f"手机 {mask_phone(m.phone)}" if m.phone else "未登记手机号"
        out.append(Candidate(f"member:{m.pk}", m.name, f"{m.org.name} 党员 · 尚无账号 · {hint}"))
    return out


def resolve_candidate(actor: Any, org_path: str, value: str) -> tuple[User | None, Any]:
    """Turn a submitted "user:<pk>" / "member:<pk>" back into an object the actor may pick (else 404)."""
    kind, _, raw = value.partition(":")
    if not raw.isdigit():
        raise Http404("人员不存在")
    if kind == "user":
        user = User.objects.filter(pk=raw, is_active=True).first()
        if user is None:
            raise Http404("人员不存在")
        return user, None
    if kind == "member":
        member = (
            Member.objects.filter(scope_q(actor, Action.ADMIN, "org_path"), subtree_q("org_path", org_path))
            .filter(pk=raw, is_active=True)
            .first()
        )
        if member is None:
            raise Http404("人员不存在")
        return None, member
    raise Http404("人员不存在")
