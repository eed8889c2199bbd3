"""Reads about accounts and roles."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, can, scope_q

from .models import RoleAssignment, User
from .rules import roles_granting


def role_paths_for_action(user: Any, action: str) -> list[str]:
    roles = roles_granting(action)
    return list(RoleAssignment.objects.filter(user_id=user.pk, role__in=roles).values_list("org__path", flat=True))


def roles_of(user: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user_id=user.pk).select_related("org").order_by("org__path", "role")


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
