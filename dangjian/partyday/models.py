"""主题党日 schedule: fixed-day settings, annual theme plans, and change requests."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet

from .rules import DAY_RULE_CHOICES, TIME_OF_DAY_CHOICES, DayRule, TimeOfDay


class FixedDaySetting(models.Model):
    """An organization's fixed party-day rule (固定党日). It applies to the whole subtree unless a
    lower organization sets its own; without any setting the city default (first Monday, afternoon,
    at least 2 hours) is used."""

    org = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="partyday_setting", verbose_name="组织"
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    rule = models.CharField("固定日规则", max_length=20, choices=DAY_RULE_CHOICES, default=DayRule.FIRST_MONDAY)
    day_of_month = models.PositiveSmallIntegerField(
        "每月几日", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    time_of_day = models.CharField("时段", max_length=10, choices=TIME_OF_DAY_CHOICES, default=TimeOfDay.AFTERNOON)
    start_time = models.TimeField("开始时间", default=dt.time(14, 30))
    min_hours = models.PositiveSmallIntegerField(
        "最少时长（小时）", default=2, validators=[MinValueValidator(2), MaxValueValidator(8)]
    )
    allow_makeup_weekend = models.BooleanField("允许在调休上班的周末开展", default=False)
    place = models.CharField("默认活动地点", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = actor_fk()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "固定党日设置"
        verbose_name_plural = "固定党日设置"

    def __str__(self) -> str:
        return f"{self.org} · {self.get_rule_display()}"


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    FILED = "filed", "已备案"
    RETURNED = "returned", "已退回"


class AnnualPlan(models.Model):
    """A branch's themed-day plan for one year (年度“主题党日+”活动计划), filed with the parent committee."""

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="partyday_plans", verbose_name="组织"
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("计划年度")
    status = models.CharField("状态", max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = actor_fk()
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = actor_fk()
    review_comment = models.TextField("审核意见", blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="partyday_plan_org_year_uniq")]
        indexes = [models.Index(fields=["year", "org_path"], name="partyday_plan_year_path_idx")]
        verbose_name = "年度主题党日计划"
        verbose_name_plural = "年度主题党日计划"

    def __str__(self) -> str:
        return f"{self.org} {self.year}年主题党日计划"


class PlanItem(models.Model):
    """One month of a plan. Edits never overwrite: each change adds a revision and the previous one
    stays as history (“每月的活动计划可结合当前任务做适当调整”)."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="items", verbose_name="计划")
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    revision = models.PositiveSmallIntegerField("修订号", default=1)
    is_current = models.BooleanField(default=True)
    theme = models.CharField("主题", max_length=200, blank=True)
    content = models.TextField("计划内容", blank=True)
    change_note = models.CharField("调整说明", max_length=300, blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "month", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month", "revision"], name="partyday_item_rev_uniq"),
            models.UniqueConstraint(
                fields=["plan", "month"], condition=models.Q(is_current=True), name="partyday_item_current_uniq"
            ),
        ]
        verbose_name = "月度计划"
        verbose_name_plural = "月度计划"

    def __str__(self) -> str:
        return f"{self.month}月 {self.theme}（第{self.revision}版）"


class ChangeState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "未同意"


class ChangeRequest(models.Model):
    """A written application to hold one month's party day on another date (提前或推迟开展),
    due at least 3 days before the scheduled day and decided by the parent committee."""

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="partyday_changes", verbose_name="组织"
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份", validators=[MinValueValidator(1), MaxValueValidator(12)])
    scheduled_date = models.DateField("原定日期")
    new_date = models.DateField("调整后日期")
    new_time = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("活动地点", max_length=200, blank=True)
    reason = models.TextField("调整理由")
    status = models.CharField("状态", max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING)
    requested_by = actor_fk()
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = actor_fk()
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_comment = models.TextField("审批意见", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["org", "year", "month", "status"], name="partyday_change_month_idx")]
        verbose_name = "党日调整申请"
        verbose_name_plural = "党日调整申请"

    def __str__(self) -> str:
        return f"{self.org} {self.year}年{self.month}月 → {self.new_date}"
