"""Roles and what each may do. Pure data and functions: no database."""

from __future__ import annotations

import secrets

from django.db import models

from dangjian.core.scoping import Action


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", "组织部/党委管理员"
    SECRETARY = "secretary", "书记/副书记"
    LIAISON = "liaison", "组织委员/联络员"
    MEMBER = "member", "党员"
    REVIEWER = "reviewer", "评审专家"


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ORG_ADMIN: frozenset({Action.VIEW, Action.VIEW_SENSITIVE, Action.MANAGE, Action.APPROVE, Action.ADMIN}),
    Role.SECRETARY: frozenset({Action.VIEW, Action.VIEW_SENSITIVE, Action.MANAGE, Action.APPROVE}),
    Role.LIAISON: frozenset({Action.VIEW, Action.VIEW_SENSITIVE, Action.MANAGE}),
    # A member sees their branch's shared records (names, meetings, disclosures), never others' identity data.
    Role.MEMBER: frozenset({Action.VIEW}),
    Role.REVIEWER: frozenset({Action.REVIEW}),
}


def roles_granting(action: str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def login_delay(failures: int, free: int, cap: int) -> int:
    """Seconds to wait before the next login attempt after `failures` in a row: none while
    fewer than `free`, then 2, 4, 8 … seconds, never more than `cap`."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free + 1, 30), cap)


# No 0/O, 1/l/I: initial passwords are read out or copied by hand.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105


def generate_initial_password(length: int = 10) -> str:
    """A random initial password with letters and digits (never all digits, never guessable)."""
    while True:
        pw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def covers_all(anchor_paths: list[str], admin_prefixes: list[str] | None) -> bool:
    """May an admin whose subtrees are `admin_prefixes` manage an account anchored at `anchor_paths`?

    Only if every place the account is anchored (its roles, its roster entry) lies inside the admin's
    subtrees — otherwise a branch admin could take over a city-level account by resetting its password.
    `None` means superuser (everywhere).
    """
    if admin_prefixes is None:
        return True
    if not anchor_paths:
        return False
    return all(any(p.startswith(a) for a in admin_prefixes) for p in anchor_paths)
