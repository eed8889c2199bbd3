"""Top-down assignments (任务): a committee publishes, each target org claims, submits, is reviewed.

Flow: 发布 (publish) → 领取 (claim) → 关联会议记录 / 上传材料 (provide deliverables) → 提交 (submit)
→ 审核 (approve) or 退回 (return, with a comment) → resubmit … Every submission is a numbered round,
so the history of returns and resubmissions is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet


class DeliverableKind(models.TextChoices):
    MEETING_RECORD = "meeting_record", "会议记录"
    SUMMARY_TABLE = "summary_table", "活动总结表"
    PHOTOS = "photos", "照片"
    DOCUMENT = "document", "文档材料"


class TargetStatus(models.TextChoices):
    UNCLAIMED = "unclaimed", "未领取"
    CLAIMED = "claimed", "已领取"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"


# The board's sixth status: derived (not stored), because it depends on today's date.
OVERDUE = "overdue"
OVERDUE_LABEL = "逾期"
OPEN_STATUSES = (TargetStatus.UNCLAIMED, TargetStatus.CLAIMED, TargetStatus.RETURNED)


class TargetMode(models.TextChoices):
    SUBTREE = "subtree", "本级以下全部党支部"
    CHOSEN = "chosen", "指定组织"


class AssignmentQuerySet(ScopedQuerySet["Assignment"]):
    pass


class Assignment(models.Model):
    """A task a committee publishes to the branches below it (e.g. a month's 主题党日 notice).

    `org_path` is the publishing organization's path: its admins see and review the assignment.
    Study lists, required actions and practical deeds are short lists of lines, entered once and
    shown to every member of each target org.
    """

    publisher_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="published_assignments", verbose_name="发布组织"
    )
    org_path = models.CharField(max_length=255, editable=False)
    title = models.CharField("任务标题", max_length=200)
    notice = models.TextField("通知正文", blank=True)
    theme = models.CharField("活动主题", max_length=300)
    window_start = models.DateField("活动开始日期")
    window_end = models.DateField("活动结束日期")
    min_hours = models.DecimalField("最少时长（小时）", max_digits=4, decimal_places=1, default=4)
    required_actions = models.JSONField("规定动作", default=list, blank=True)
    collective_study = models.JSONField("集中学习内容", default=list, blank=True)
    self_study = models.JSONField("自学内容", default=list, blank=True)
    practical_deeds = models.JSONField("办实事", default=list, blank=True)
    target_mode = models.CharField("发布范围", max_length=10, choices=TargetMode.choices, default=TargetMode.SUBTREE)
    target_count = models.PositiveIntegerField("目标组织数", default=0)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发布人"
    )
    published_at = models.DateTimeField("发布时间")
    version = models.PositiveIntegerField(default=1)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["org_path", "published_at"], name="asg_path_pub_idx")]
        verbose_name = "任务"
        verbose_name_plural = "任务"

    def __str__(self) -> str:
        return self.title


class Deliverable(models.Model):
    """One thing each target must provide for an assignment, with its own due date and type."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="deliverables")
    title = models.CharField("材料名称", max_length=200)
    kind = models.CharField("材料类型", max_length=20, choices=DeliverableKind.choices)
    due_on = models.DateField("报送截止日期")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assignment", "due_on", "position", "id"]
        verbose_name = "报送材料"
        verbose_name_plural = "报送材料"

    def __str__(self) -> str:
        return f"{self.title}（{self.get_kind_display()}，{self.due_on:%m月%d日}前）"


class TargetQuerySet(ScopedQuerySet["AssignmentTarget"]):
    pass


class AssignmentTarget(models.Model):
    """One organization's copy of an assignment: its status and review history.

    `org_path` is the target org's path, so the target org's secretary/liaison (MANAGE) act on it
    and the publisher (ADMIN on `assignment.org_path`) reviews it.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="targets")
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="assignment_targets", verbose_name="组织"
    )
    org_path = models.CharField(max_length=255)
    status = models.CharField("状态", max_length=12, choices=TargetStatus.choices, default=TargetStatus.UNCLAIMED)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    claimed_by = actor_fk()
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    rounds = models.PositiveSmallIntegerField("提交轮次", default=0)
    version = models.PositiveIntegerField(default=1)

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["org_path"]
        constraints = [models.UniqueConstraint(fields=["assignment", "org"], name="asg_target_uniq")]
        indexes = [
            models.Index(fields=["assignment", "org_path"], name="asg_target_path_idx"),
            models.Index(fields=["assignment", "status"], name="asg_target_status_idx"),
            models.Index(fields=["org_path", "status"], name="asg_target_org_idx"),
        ]
        verbose_name = "任务对象"
        verbose_name_plural = "任务对象"

    def __str__(self) -> str:
        return f"{self.assignment} · {self.org}"


class TargetItem(models.Model):
    """A deliverable provided by a target: a linked meeting record, an uploaded file, or the
    generated summary table (stored as a snapshot file when the target submits)."""

    target = models.ForeignKey(AssignmentTarget, on_delete=models.CASCADE, related_name="items")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="items")
    org_path = models.CharField(max_length=255)
    meeting = models.ForeignKey(
        "orglife.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="会议记录"
    )
    file = models.FileField("文件", upload_to="assignments/%Y/%m/", blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    generated = models.BooleanField("系统生成", default=False)
    round = models.PositiveSmallIntegerField("轮次", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["deliverable", "id"]
        indexes = [models.Index(fields=["target", "deliverable"], name="asg_item_target_idx")]
        verbose_name = "报送材料内容"
        verbose_name_plural = "报送材料内容"

    def __str__(self) -> str:
        return self.original_name or f"{self.deliverable.title}"


class SubmissionDecision(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    RETURNED = "returned", "已退回"


class Submission(models.Model):
    """One submission round: what was submitted, by whom, and the publisher's decision."""

    target = models.ForeignKey(AssignmentTarget, on_delete=models.CASCADE, related_name="submissions")
    org_path = models.CharField(max_length=255)
    round = models.PositiveSmallIntegerField("轮次")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间")
    note = models.TextField("提交说明", blank=True)
    summary_file = models.FileField("活动总结表（生成）", upload_to="assignments/summaries/%Y/%m/", blank=True)
    contents = models.JSONField("提交内容", default=dict)
    decision = models.CharField(
        "审核结果", max_length=10, choices=SubmissionDecision.choices, default=SubmissionDecision.PENDING
    )
    decided_by = actor_fk()
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    comment = models.TextField("审核意见", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["target", "round"]
        constraints = [models.UniqueConstraint(fields=["target", "round"], name="asg_submission_round_uniq")]
        verbose_name = "提交记录"
        verbose_name_plural = "提交记录"

    def __str__(self) -> str:
        return f"{self.target} 第{self.round}轮"


class ReminderKind(models.TextChoices):
    NEW = "new", "新任务通知"
    REMIND = "remind", "到期提醒"
    OVERDUE = "overdue", "逾期督办"


class Reminder(models.Model):
    """The 督办 ledger: one row per (target, deliverable, kind, stage) the sweep has acted on.

    The sweep selects only targets without a matching row (one indexed NOT EXISTS), so running it
    twice sends nothing twice; the board shows when an org was last reminded or escalated.
    """

    target = models.ForeignKey(AssignmentTarget, on_delete=models.CASCADE, related_name="reminders")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=ReminderKind.choices)
    stage = models.SmallIntegerField("提前天数", default=0)
    org_path = models.CharField(max_length=255)
    recipients = models.PositiveSmallIntegerField("接收人数", default=0)
    created_at = models.DateTimeField("发送时间")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "deliverable", "kind", "stage"], name="asg_reminder_uniq"),
            models.UniqueConstraint(
                fields=["target", "kind", "stage"],
                condition=models.Q(deliverable__isnull=True),
                name="asg_reminder_nodlv_uniq",
            ),
        ]
        verbose_name = "提醒督办记录"
        verbose_name_plural = "提醒督办记录"

    def __str__(self) -> str:
        return f"{self.target} {self.get_kind_display()}"
