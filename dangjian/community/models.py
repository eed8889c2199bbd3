"""五亮五共 and 三个一: in-service members reporting to the community where they live, the
community's needs list and the deeds it confirms, pledges, and each 分党委 secretary's three ones.

A report-in is a *service link* between two trees: the member's branch (组织关系, `org_path`) and the
community organization they serve (`community_path`), which may sit under another committee. Link
rows carry both paths and are read through `core.scoping.LinkedScopedQuerySet`; nothing else of
either tree becomes visible through them (domain-rules round 2 §5e).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from django.db import models
from django.db.models import Q

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import LinkedScopedQuerySet, ScopedQuerySet

M = TypeVar("M", bound=models.Model)


class CommunitySide(LinkedScopedQuerySet[M], Generic[M]):
    """Rows of a member's branch (`org_path`) linked to a community (`community_path`)."""

    link_fields = ("community_path",)


class Channel(models.TextChoices):
    ONLINE = "online", "网上选择社区"
    QR = "qr", "扫社区二维码"


class ServiceCategory(models.TextChoices):
    """The eight post categories of the 中江 "一单、一表、一卡" practice (domain-rules round 2 §5a)."""

    ORG_BUILDING = "org_building", "组织建设"
    LEGAL = "legal", "法律援助"
    ASSISTANCE = "assistance", "帮困助残"
    GOVERNANCE = "governance", "社区治理"
    HEALTH = "health", "医疗卫生"
    CULTURE = "culture", "文体活动"
    SAFETY = "safety", "治安巡逻"
    OTHER = "other", "其他"


class ServiceLink(models.Model):
    """到社区报到: an in-service member's report to the Party organisation of the community where they
    live. The residence address is private to the member and the community; the employer branch sees
    the community's name and the work the community confirmed."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)  # the member's branch
    community = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="报到社区党组织"
    )
    community_path = models.CharField(max_length=255, db_index=True, editable=False)
    address = models.CharField("居住地址", max_length=200)
    compound = models.CharField("小区/网格", max_length=100, blank=True)
    skills = models.CharField("特长", max_length=200, blank=True)
    categories = models.JSONField("愿意参与的服务类别", default=list, blank=True)
    channel = models.CharField("报到方式", max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    reported_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = CommunitySide.as_manager()

    class Meta:
        ordering = ["-reported_on", "-id"]
        verbose_name = "社区报到"
        verbose_name_plural = "社区报到"
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True), name="community_one_link")
        ]
        indexes = [models.Index(fields=["community", "ended_on"], name="community_link_comm_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.community_id}"

    @property
    def active(self) -> bool:
        return self.ended_on is None


class NeedStatus(models.TextChoices):
    OPEN = "open", "可领办"
    CLOSED = "closed", "已关闭"


class Need(models.Model):
    """需求/实事清单: a practical task the community publishes for reported members to take on."""

    community = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)  # the community's path
    title = models.CharField("实事名称", max_length=100)
    category = models.CharField("类别", max_length=20, choices=ServiceCategory.choices)
    description = models.CharField("说明", max_length=500, blank=True)
    due_on = models.DateField("完成期限")
    slots = models.PositiveSmallIntegerField("可领办人数", default=1)
    status = models.CharField("状态", max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "社区需求"
        verbose_name_plural = "社区需求"

    def __str__(self) -> str:
        return self.title


class DeedKind(models.TextChoices):
    TASK = "task", "领办实事"
    ACTIVITY = "activity", "参加活动"


class DeedStatus(models.TextChoices):
    CLAIMED = "claimed", "已领办"
    REPORTED = "reported", "待社区确认"
    CONFIRMED = "confirmed", "社区已确认"
    REJECTED = "rejected", "社区未确认"
    EXPIRED = "expired", "超期未确认"


PENDING = (DeedStatus.CLAIMED, DeedStatus.REPORTED)


class DeedRole(models.TextChoices):
    ORGANIZER = "organizer", "组织者"
    VOLUNTEER = "volunteer", "志愿者"
    PARTICIPANT = "participant", "参与者"


class Deed(models.Model):
    """实事 or 服务(活动)记录: a member's work for the community, counted only once the community
    confirms it (not self-declared). `org_path` is the member's branch (who sees the confirmations),
    `community_path` the community that confirms."""

    link = models.ForeignKey(ServiceLink, on_delete=models.PROTECT, related_name="deeds")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    community = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    community_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField("类型", max_length=10, choices=DeedKind.choices)
    need = models.ForeignKey(Need, on_delete=models.PROTECT, null=True, blank=True, related_name="deeds")
    title = models.CharField("内容", max_length=100)
    on = models.DateField("日期")
    hours = models.DecimalField("时长（小时）", max_digits=5, decimal_places=1, default=0)
    role = models.CharField("角色", max_length=12, choices=DeedRole.choices, default=DeedRole.PARTICIPANT)
    note = models.CharField("完成情况", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=DeedStatus.choices)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now_add=True)
    decided_by = actor_fk()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("社区意见", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CommunitySide.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "实事与活动"
        verbose_name_plural = "实事与活动"
        indexes = [
            models.Index(fields=["community_path", "status"], name="community_deed_queue_idx"),
            models.Index(fields=["member", "status", "on"], name="community_deed_member_idx"),
            models.Index(fields=["status", "on", "org_path"], name="community_deed_status_on_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on} {self.title}"


class Pledge(models.Model):
    """承诺书 (亮承诺): filed online by the member, with an optional 公示 at the community."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(ServiceLink, on_delete=models.PROTECT, related_name="pledges")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    community_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    text = models.CharField("承诺内容", max_length=1000)
    public = models.BooleanField("在社区公示", default=False)
    filed_at = models.DateTimeField(auto_now_add=True)

    objects = CommunitySide.as_manager()

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = "承诺书"
        verbose_name_plural = "承诺书"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="community_pledge_member_year")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}"


class SecretaryPledge(models.Model):
    """三个一: one record per 分党委 secretary per year — 公开1个抓基层党建承诺、领办1个基层党建项目、
    建立1个基层党建联系点 (seed 000), with its 公示 on the template of annex 3."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    secretary_name = models.CharField("书记", max_length=50)
    pledge = models.CharField("抓基层党建承诺", max_length=1000)
    project = models.CharField("党建项目名称", max_length=100)
    goals = models.CharField("项目目标", max_length=1000)
    contact_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="基层党建联系点"
    )
    notice_from = models.DateField("公示开始", null=True, blank=True)
    notice_to = models.DateField("公示截止", null=True, blank=True)
    updated_by = actor_fk()
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "org_path"]
        verbose_name = "三个一"
        verbose_name_plural = "三个一"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="community_three_ones_org_year")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"

    @property
    def published(self) -> bool:
        return self.notice_from is not None


class ContactVisit(models.Model):
    """A secretary's visit to their 联系点: the log the year-end 践诺 report is generated from."""

    pledge = models.ForeignKey(SecretaryPledge, on_delete=models.PROTECT, related_name="visits")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    on = models.DateField("走访日期")
    summary = models.CharField("调研指导内容", max_length=500)
    outcome = models.CharField("解决的问题", max_length=500, blank=True)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "联系点走访"
        verbose_name_plural = "联系点走访"

    def __str__(self) -> str:
        return f"{self.pledge_id} {self.on}"
