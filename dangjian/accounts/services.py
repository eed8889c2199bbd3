"""Writes about accounts: login bookkeeping, users, passwords, role assignments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.core import audit
from dangjian.core.scoping import PLATFORM, Action, forget_scope, require, require_person
from dangjian.core.validators import phone_error
from dangjian.members.models import Member

from . import throttle
from .models import RoleAssignment, User
from .rules import Role, generate_initial_password
from .selectors import can_manage_user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    wait_seconds: int = 0  # > 0: the attempt was not looked at (throttled)


def login_attempt(*, phone: str, password: str, address: str = "") -> LoginResult:
    """Check a password, unless this phone number or client address must wait (throttle.py).

    Unknown numbers, wrong passwords and disabled accounts give the same result and cost the
    same time, so nothing tells which phone numbers have accounts."""
    wait = throttle.wait_seconds(phone, address)
    if wait:
        return LoginResult(None, wait)
    user = User.objects.filter(phone=phone).first()
    if user is None:
        User().set_password(password)  # the same work as a real check
    elif user.check_password(password) and user.is_active:
        throttle.record_success(phone)
        return LoginResult(user)
    throttle.record_failure(phone, address)
    return LoginResult(None)


def user_create(*, actor: Any, phone: str, name: str, password: str | None = None, email: str = "") -> User:
    """A bare account with no role (roles are granted in an org). The platform's own accounts only."""
    require(actor, Action.ADMIN, PLATFORM, "只有系统管理员可以直接创建账号")
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


def password_change(*, actor: Any, old_password: str, new_password: str) -> None:
    """A person changes their own password."""
    require_person(actor)
    user: User = actor
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确"})
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(user, "account.password_change", user)


def role_assign(*, actor: Any, user: User, org: Any, role: str) -> RoleAssignment:
    """Grant `role` in `org`. Only an admin of that org's subtree may grant."""
    require(actor, Action.ADMIN, org.path, "只能在本级及下级组织中分配角色")
    if role not in Role.values:
        raise ValidationError({"role": "未知的角色"})
    with transaction.atomic():
        ra, created = RoleAssignment.objects.get_or_create(user=user, org=org, role=role)
        if not created:
            raise ValidationError({"role": f"{user.name} 已在 {org.name} 担任“{ra.get_role_display()}”"})
        audit.record(actor, "role.assign", ra, org_path=org.path, after={"user": user.pk, "role": role})
    forget_scope(user)
    return ra


def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    require(actor, Action.ADMIN, assignment.org.path, "只能在本级及下级组织中撤销角色")
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


def _require_manage_user(actor: Any, user: User) -> None:
    if not can_manage_user(actor, user):
        raise PermissionDenied("该账号不完全在您的管理范围内，请联系上级党组织管理员")


def account_create_for_member(*, actor: Any, member: Any, password: str = "") -> tuple[User, str]:
    """Create a login for a roster member (their name and phone) and link it; returns the initial password.

    The password is returned once for the admin to hand over; it is never stored in clear or audited.
    """
    require(actor, Action.ADMIN, member.org_path, "只能为本级及下级组织的党员开通账号")
    with transaction.atomic():
        current = Member.objects.select_for_update().get(pk=member.pk)
        if current.user_id:
            raise ValidationError({"person": f"{current.name} 已有登录账号"})
        if not current.phone:
            raise ValidationError({"person": f"{current.name} 未登记手机号，请先在党员信息中补充手机号"})
        if User.objects.filter(phone=current.phone).exists():
            raise ValidationError({"person": f"手机号 {current.phone[:3]}****{current.phone[-4:]} 已被其他账号使用"})
        password = password or generate_initial_password()
        user = User(phone=current.phone, name=current.name)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        current.user = user
        current.save(update_fields=["user"])
        audit.record(
            actor,
            "account.create_for_member",
            user,
            org_path=current.org_path,
            after={"phone": user.phone, "name": user.name, "member": current.pk},
        )
    member.user = user
    return user, password


def role_grant(
    *, actor: Any, org: Any, role: str, user: User | None = None, member: Any = None, password: str = ""
) -> tuple[RoleAssignment, str]:
    """Give `role` in `org` to an existing account, or to a roster member (creating their account first).

    Returns the assignment and the initial password if an account was created ("" otherwise).
    All or nothing: if the role cannot be granted, no account is created.
    """
    require(actor, Action.ADMIN, org.path, "只能在本级及下级组织中分配角色")
    if (user is None) == (member is None):
        raise ValidationError({"person": "请选择一名人员"})
    initial = ""
    with transaction.atomic():
        if member is not None:
            user, initial = account_create_for_member(actor=actor, member=member, password=password)
        assert user is not None
        ra = role_assign(actor=actor, user=user, org=org, role=role)
    return ra, initial


def password_reset(*, actor: Any, user: User, new_password: str = "") -> str:
    """An admin sets a new password (chosen, or generated and shown once) and lifts any lockout."""
    _require_manage_user(actor, user)
    new_password = new_password or generate_initial_password()
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(actor, "account.password_reset", user)
    throttle.clear_account(user.phone)
    return new_password


def account_unlock(*, actor: Any, user: User) -> None:
    _require_manage_user(actor, user)
    failures, _ = throttle.account_state(user.phone)
    with transaction.atomic():
        audit.record(actor, "account.unlock", user, before={"failed_logins": failures}, after={"failed_logins": 0})
    throttle.clear_account(user.phone)
