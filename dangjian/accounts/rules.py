"""Roles and what each may do. Pure data and functions: no database."""

from __future__ import annotations

import re

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


PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def phone_error(phone: str) -> str | None:
    """Mainland mobile numbers: 11 digits starting 13–19."""
    if not PHONE_RE.match(phone or ""):
        return "手机号应为 11 位数字，以 13–19 开头"
    return None


def is_locked(failed_count: int, max_failures: int) -> bool:
    return failed_count >= max_failures
