"""Real-name accounts and their role assignments."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from .rules import Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, phone: str, name: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(phone=phone, name=name, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, name: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(phone, name, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, by real name and mobile phone number (实名账号)."""

    phone = models.CharField("手机号", max_length=11, unique=True)
    name = models.CharField("姓名", max_length=50)
    email = models.EmailField("电子邮箱", blank=True)
    is_active = models.BooleanField("启用", default=True)
    is_staff = models.BooleanField("可进入后台", default=False)
    date_joined = models.DateTimeField("创建时间", default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.name

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A role a person holds in one organization; it covers that organization's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name="用户")
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="role_assignments", verbose_name="组织"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "org", "role"], name="role_assignment_uniq")]
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"

    def __str__(self) -> str:
        return f"{self.user} · {self.org} · {self.get_role_display()}"
