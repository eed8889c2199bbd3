"""Infrastructure records shared by every domain: the audit chain and the in-app inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .fields import actor_fk


class AuditEvent(models.Model):
    """One write performed through a service: who did what to which object, before and after.

    Events form a keyed hash chain (each HMAC covers the previous hash; the key is held outside
    the database), anchored to a file outside it, so any edit or deletion of a past event is
    detectable by `manage.py audit_verify`. This is the 痕迹管理 of the seeds,
    produced by the system instead of by people.
    """

    created_at = models.DateTimeField(db_index=True)
    actor = actor_fk()
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which audit key (settings.DANGJIAN_AUDIT_KEY_ID) made `hash`; keys rotate, ids stay.
    key_id = models.CharField(max_length=16, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"


class AuditHead(models.Model):
    """The single row holding the chain's latest hash; locked while an event is appended."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"{self.count} events, head {self.last_hash[:12]}"


class Notification(models.Model):
    """A message in a person's in-app inbox (提醒, 督办, 通知).

    `key` makes sending idempotent: the same reminder for the same person is stored once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_user_key_uniq")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"

    def __str__(self) -> str:
        return self.title


class CalendarSource(models.TextChoices):
    SEEDED = "seeded", "程序预置"
    ADMIN = "admin", "管理员维护"


class CalendarYear(models.Model):
    """A year for which the State Council's holiday arrangement (国办放假通知) has been loaded.

    Without a row (or with `complete=False`) the calendar falls back to Monday–Friday for that year
    and marks every answer provisional; the notice for next year usually appears in November.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    complete = models.BooleanField("已完整录入", default=False)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    notes = models.CharField("说明（如国办通知文号）", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"

    def __str__(self) -> str:
        return f"{self.year}（{'完整' if self.complete else '未完整'}）"


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday on a weekday, or a 调休 make-up working weekend day."""

    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("上班")
    name = models.CharField("名称", max_length=50, help_text="如 国庆节、春节调休上班")
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    updated_by = actor_fk()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{'上班' if self.is_working else '休息'}）"
