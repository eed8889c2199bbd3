"""Upward reports: the monthly report (a frozen snapshot of computed figures), its versions, and the
quarterly indicators scored from the same figures."""

from __future__ import annotations

from django.db import models

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet

from .rules import ExclusionReason, PeriodMode, ScoringRule


class ReportKind(models.TextChoices):
    BRANCH = "branch", "党支部月报"
    ROLLUP = "rollup", "汇总报告"


class Report(models.Model):
    """One organisation's report for one month (工作情况报告): the period and due date in force, and
    the latest submitted version's figures (denormalised so a committee's roll-up reads one row per
    branch). Its history is `versions`; nothing in a submitted version is ever changed."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="组织")
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField("类型", max_length=10, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    period_start = models.DateField("统计期起")
    period_end = models.DateField("统计期止")
    period_mode = models.CharField("统计期方式", max_length=10, choices=PeriodMode.choices)
    due_on = models.DateField("报送截止日")
    due_note = models.CharField("截止日说明", max_length=120, blank=True)
    receiver = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="报送至"
    )
    figures = models.JSONField("最新报送的数据", default=dict)
    current = models.PositiveSmallIntegerField("最新版本号", default=0)
    submitted_at = models.DateTimeField("最新报送时间", null=True, blank=True)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    late = models.BooleanField("逾期报送", default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-month", "org_path"]
        verbose_name = "工作报告"
        verbose_name_plural = "工作报告"
        constraints = [models.UniqueConstraint(fields=["org", "year", "month"], name="reports_report_org_month")]
        indexes = [models.Index(fields=["year", "month", "kind", "org_path"], name="reports_report_period_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}-{self.month:02d}"

    @property
    def submitted(self) -> bool:
        return self.current > 0


class ReportVersion(models.Model):
    """A signed-off version of a report: the figures as computed at that moment (with the sources'
    versions and, for a roll-up, the tree version it summed), the two short texts and the signer.
    Resubmitting adds a version; none is ever edited or deleted."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="versions", verbose_name="报告")
    org_path = models.CharField(max_length=255, editable=False)
    number = models.PositiveSmallIntegerField("版本号")
    figures = models.JSONField("数据")
    sources = models.JSONField("数据来源版本", default=dict)
    tree_version = models.CharField("组织树版本", max_length=64)
    branches = models.PositiveIntegerField("汇总党支部数", default=1)
    coverage = models.JSONField("下级报送情况", default=dict, blank=True)
    highlights = models.TextField("亮点", max_length=500, blank=True)
    problems = models.TextField("问题", max_length=500, blank=True)
    reason = models.CharField("更正原因", max_length=200, blank=True)
    signed_by = actor_fk()
    signed_at = models.DateTimeField("签发时间")
    late = models.BooleanField("逾期报送", default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report", "-number"]
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="reports_version_number")]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class Indicator(models.Model):
    """One quarterly 考评指标 a committee sets for its branches: which computed figure it reads, the
    target, the weight and how it is scored."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="制定组织")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    label = models.CharField("指标", max_length=100)
    source = models.CharField("数据来源", max_length=40)
    figure = models.CharField("数据项", max_length=40)
    target = models.DecimalField("目标值", max_digits=9, decimal_places=1)
    weight = models.DecimalField("权重（分）", max_digits=5, decimal_places=1)
    rule = models.CharField("计分规则", max_length=20, choices=ScoringRule.choices, default=ScoringRule.PROPORTIONAL)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "quarter", "id"]
        verbose_name = "季度考评指标"
        verbose_name_plural = "季度考评指标"

    def __str__(self) -> str:
        return self.label


class IndicatorExclusion(models.Model):
    """A branch left out of a quarter's scoring, with the reason (founded or dissolved mid-quarter,
    exempted by the committee)."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    reason = models.CharField("原因", max_length=20, choices=ExclusionReason.choices)
    note = models.CharField("说明（批准文件）", max_length=200)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "考评排除"
        verbose_name_plural = "考评排除"
        constraints = [models.UniqueConstraint(fields=["org", "year", "quarter"], name="reports_exclusion_org_quarter")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}Q{self.quarter}"


class QuarterScore(models.Model):
    """A branch's score on a committee's indicators for one quarter (derived at quarter end; rewritten
    when scored again). `details` lists each indicator's value and points."""

    committee = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    total = models.DecimalField("得分", max_digits=7, decimal_places=1, default=0)
    details = models.JSONField("明细", default=list)
    excluded = models.CharField("不参与考评原因", max_length=200, blank=True)
    scored_at = models.DateTimeField("计分时间")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["org_path"]
        verbose_name = "季度考评得分"
        verbose_name_plural = "季度考评得分"
        constraints = [
            models.UniqueConstraint(fields=["committee", "org", "year", "quarter"], name="reports_score_uniq")
        ]
        indexes = [models.Index(fields=["committee", "year", "quarter", "org_path"], name="reports_score_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}Q{self.quarter} {self.total}"


class DutyGrade(models.TextChoices):
    GOOD = "good", "好"
    FAIR_GOOD = "fairly_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


class DutyReport(models.Model):
    """A secretary's year (书记抓基层党建述职): the 重点指标完成情况统计表 generated from the year's records
    and frozen at submission, the report text, and the grade the reviewing committee enters (people
    decide it; nothing is computed)."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="组织")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    text = models.TextField("述职报告", max_length=5000)
    stats = models.JSONField("重点指标完成情况统计表", default=list)
    submitted_by = actor_fk()
    submitted_at = models.DateTimeField("提交时间")
    grade = models.CharField("评议等次", max_length=12, choices=DutyGrade.choices, blank=True)
    graded_by = actor_fk()
    graded_at = models.DateTimeField("评定时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "org_path"]
        verbose_name = "书记述职"
        verbose_name_plural = "书记述职"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="reports_duty_org_year")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"


class RatingChoice(models.TextChoices):
    GOOD = "good", "好"
    FAIR_GOOD = "fairly_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


class DutyRating(models.Model):
    """One anonymous rating of a 述职 by a participant of the review: no person is stored with it
    (who has rated is kept apart in DutyRater, so nobody can be asked twice or tell who said what)."""

    duty = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="ratings")
    org_path = models.CharField(max_length=255, editable=False)
    rating = models.CharField("评价", max_length=12, choices=RatingChoice.choices)
    comment = models.CharField("意见建议", max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "述职测评票"
        verbose_name_plural = "述职测评票"

    def __str__(self) -> str:
        return self.rating


class DutyRater(models.Model):
    """That a person has rated a 述职 (not what they said): one rating per person."""

    duty = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "已测评人员"
        verbose_name_plural = "已测评人员"
        constraints = [models.UniqueConstraint(fields=["duty", "user"], name="reports_rater_once")]

    def __str__(self) -> str:
        return f"{self.duty_id}:{self.user_id}"


class DutyRectification(models.Model):
    """A line of the 整改清单 after the review: the problem raised, the measure, the deadline, done."""

    duty = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="rectifications")
    org_path = models.CharField(max_length=255, editable=False)
    problem = models.CharField("问题", max_length=300)
    measure = models.CharField("整改措施", max_length=300)
    deadline = models.DateField("整改时限")
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = "述职整改事项"
        verbose_name_plural = "述职整改事项"

    def __str__(self) -> str:
        return self.measure
