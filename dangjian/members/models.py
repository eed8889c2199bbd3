"""The member roster (党员名册) and transfers of membership (组织关系转接)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet

from .rules import party_standing_years


class MemberStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class MemberCategory(models.TextChoices):
    IN_SERVICE = "in_service", "在职"
    RETIRED = "retired", "离退休"
    STUDENT = "student", "学生"
    FARMER = "farmer", "农民"
    UNEMPLOYED = "unemployed", "无固定职业"
    OTHER = "other", "其他"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专/高中"
    JUNIOR = "junior", "初中及以下"


class MemberQuerySet(ScopedQuerySet["Member"]):
    def current(self) -> MemberQuerySet:
        return self.filter(is_active=True)


class Member(models.Model):
    """A Party member on an organization's roster.

    `org` is the branch that holds the member's 组织关系; `org_path` copies its tree path so a
    subtree's roster is one indexed range scan. `group` is the 党小组 within that branch.
    """

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name="所在党组织"
    )
    org_path = models.CharField(max_length=255, editable=False)
    group = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_members",
        verbose_name="党小组",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
        verbose_name="登录账号",
    )
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    phone = models.CharField("手机号", max_length=11, blank=True)
    education = models.CharField("学历", max_length=20, choices=Education.choices, blank=True)
    unit = models.CharField("工作单位", max_length=200, blank=True)
    job_title = models.CharField("职务/岗位", max_length=100, blank=True)
    joined_on = models.DateField("入党日期")
    converted_on = models.DateField("转正日期", null=True, blank=True)
    status = models.CharField("党员状态", max_length=20, choices=MemberStatus.choices)
    category = models.CharField("人员类别", max_length=20, choices=MemberCategory.choices)
    is_mobile = models.BooleanField("流动党员", default=False)
    mobile_destination = models.CharField("流向地", max_length=200, blank=True)
    mobile_contact = models.CharField("联系方式", max_length=200, blank=True)
    mobile_last_contact = models.DateField("最近联系日期", null=True, blank=True)
    exempt = models.BooleanField("免于参加集体活动", default=False)
    exempt_reason = models.CharField("免参原因", max_length=200, blank=True)
    exempt_application = models.CharField("书面申请（编号或说明）", max_length=200, blank=True)
    exempt_approved_by = models.CharField("批准人/批准组织", max_length=100, blank=True)
    exempt_on = models.DateField("批准日期", null=True, blank=True)
    lost_contact = models.BooleanField("失联党员", default=False)
    lost_contact_since = models.DateField("失联日期", null=True, blank=True)
    is_active = models.BooleanField("在册", default=True)
    left_on = models.DateField("离册日期", null=True, blank=True)
    left_reason = models.CharField("离册原因", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        indexes = [
            models.Index(fields=["org_path", "name"], name="member_path_name_idx"),
            models.Index(fields=["org", "is_active", "status"], name="member_org_status_idx"),
            models.Index(fields=["group"], name="member_group_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def standing_years(self, today: dt.date | None = None) -> int | None:
        return party_standing_years(self.converted_on, today or timezone.localdate())

    @property
    def party_standing(self) -> int | None:
        return self.standing_years()


class TransferStatus(models.TextChoices):
    PENDING = "pending", "转接中"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已撤回"


class MemberTransfer(models.Model):
    """One move of a member's 组织关系: out of one organization and into another.

    Either side may be outside this platform (named in text). While pending, the sending
    organization keeps responsibility (《中国共产党党员教育管理工作条例》第二十六条).
    Both sides keep seeing the record, so the member's history stays whole.
    """

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers", verbose_name="党员")
    from_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="转出组织"
    )
    from_org_path = models.CharField(max_length=255, blank=True, db_index=True)
    from_org_name = models.CharField("转出组织名称", max_length=200, blank=True)
    to_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="转入组织"
    )
    to_org_path = models.CharField(max_length=255, blank=True, db_index=True)
    to_org_name = models.CharField("转入组织名称", max_length=200, blank=True)
    out_on = models.DateField("转出日期", null=True, blank=True)
    in_on = models.DateField("转入日期", null=True, blank=True)
    letter_number = models.CharField("介绍信编号", max_length=60, blank=True)
    status = models.CharField("状态", max_length=20, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"

    def __str__(self) -> str:
        return f"{self.member} {self.from_org_name} → {self.to_org_name}"


class ImportMode(models.TextChoices):
    VALIDATE = "validate", "仅校验，不写入"
    COMMIT = "commit", "校验全部无误后导入"
    GOOD_ONLY = "good_only", "只导入无误的行"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "校验中"
    WRITING = "writing", "写入中"
    VALIDATED = "validated", "校验通过，尚未写入"
    REJECTED = "rejected", "存在错误，未写入任何数据"
    COMPLETED = "completed", "导入完成"
    FAILED = "failed", "处理失败"


def _import_upload_to(instance: ImportJob, filename: str) -> str:
    # Never reuse the uploader's file name on disk: it is shown to the user from `original_name`.
    return f"imports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One upload of a roster workbook (党员名册导入): the file, who sent it for which organization,
    the chosen mode, progress, and the outcome — per-row errors included, so the result page and the
    error workbook can be shown again later."""

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="import_jobs", verbose_name="导入到组织"
    )
    org_path = models.CharField(max_length=255, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs", verbose_name="导入人"
    )
    file = models.FileField("文件", upload_to=_import_upload_to)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    mode = models.CharField("方式", max_length=20, choices=ImportMode.choices, default=ImportMode.COMMIT)
    status = models.CharField("状态", max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    processed = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    error_rows = models.PositiveIntegerField("有错误的行数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    message = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="importjob_user_idx")]
        verbose_name = "名册导入"
        verbose_name_plural = "名册导入"

    def __str__(self) -> str:
        return f"{self.original_name or '名册导入'}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in {ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.WRITING}

    @property
    def percent(self) -> int:
        if not self.total:
            return 0 if self.is_running else 100
        return min(100, round(self.processed * 100 / self.total))

    @property
    def good_rows(self) -> int:
        return max(self.total - self.error_rows, 0)
