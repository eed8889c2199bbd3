"""Writes about accounts: login bookkeeping, users, passwords, role assignments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.scoping import Action, can, forget_scope

from .models import RoleAssignment, User
from .rules import Role, is_locked, phone_error


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked_until: dt.datetime | None = None


def login_attempt(*, phone: str, password: str) -> LoginResult:
    """Check a password; count failures and lock the account after too many in a row."""
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(phone=phone).first()
        if user is None:
            # Same work as a real check, so timing does not reveal which phones exist.
            User().set_password(password)
            return LoginResult(None)
        if user.locked_until and user.locked_until > now:
            return LoginResult(None, user.locked_until)
        if user.check_password(password) and user.is_active:
            if user.failed_logins or user.locked_until:
                user.failed_logins = 0
                user.locked_until = None
                user.save(update_fields=["failed_logins", "locked_until"])
            return LoginResult(user)
        user.failed_logins += 1
        fields = ["failed_logins"]
        if is_locked(user.failed_logins, settings.LOGIN_MAX_FAILURES):
            user.locked_until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_logins = 0
            fields.append("locked_until")
            audit.record(None, "account.locked", user, after={"locked_until": user.locked_until})
        user.save(update_fields=fields)
        return LoginResult(None, user.locked_until if "locked_until" in fields else None)


def user_create(*, actor: Any, phone: str, name: str, password: str | None = None, email: str = "") -> User:
    if err := phone_error(phone):
        raise ValidationError({"phone": err})
    with transaction.atomic():
        user = User(phone=phone, name=name, email=email)
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit.record(actor, "account.create", user, after={"phone": phone, "name": name})
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确"})
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(user, "account.password_change", user)


def role_assign(*, actor: Any, user: User, org: Any, role: str) -> RoleAssignment:
    """Grant `role` in `org`. Only an admin of that org's subtree may grant."""
    if role not in Role.values:
        raise ValidationError({"role": "未知的角色"})
    if not can(actor, Action.ADMIN, org.path):
        raise PermissionDenied("只能在本级及下级组织中分配角色")
    with transaction.atomic():
        ra, created = RoleAssignment.objects.get_or_create(user=user, org=org, role=role)
        if not created:
            raise ValidationError({"role": f"{user.name} 已在 {org.name} 担任“{ra.get_role_display()}”"})
        audit.record(actor, "role.assign", ra, org_path=org.path, after={"user": user.pk, "role": role})
    forget_scope(user)
    return ra


def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    if not can(actor, Action.ADMIN, assignment.org.path):
        raise PermissionDenied("只能在本级及下级组织中撤销角色")
    with transaction.atomic():
        audit.record(
            actor,
            "role.revoke",
            assignment,
            org_path=assignment.org.path,
            before={"user": assignment.user_id, "role": assignment.role},
        )
        assignment.delete()
    forget_scope(assignment.user)
