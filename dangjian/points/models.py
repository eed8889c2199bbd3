"""Points (积分) and stars (星级): the committee's manual, the derived ledger, manual items, the year."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet


class ScoringManual(models.Model):
    """A committee's 积分细则 for one year: items, caps and star thresholds (rules.manual_from_data).

    Inherited by the whole subtree (nearest ancestor wins); a year without a manual anywhere above
    uses the shipped default. An event is scored under the manual of its year."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    data = models.JSONField("细则", default=dict)
    document = models.CharField("依据文件", max_length=200, blank=True)
    updated_by = actor_fk()
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "org_path"]
        verbose_name = "积分细则"
        verbose_name_plural = "积分细则"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="points_manual_org_year")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"


class ManualStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class ManualPoint(models.Model):
    """A manual item (表彰, 志愿服务, 急难险重任务, 违纪…): entered by the branch with a reason and a
    document reference, counted only once a second person approves it (four eyes)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    on = models.DateField("日期")
    item_code = models.CharField("积分项目", max_length=40)
    item_label = models.CharField("项目名称", max_length=100)
    reason = models.CharField("事由", max_length=300)
    document = models.CharField("依据（文件号或记录）", max_length=200)
    status = models.CharField("状态", max_length=10, choices=ManualStatus.choices, default=ManualStatus.PENDING)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now_add=True)
    decided_by = actor_fk()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "手工积分项"
        verbose_name_plural = "手工积分项"
        indexes = [models.Index(fields=["member", "on"], name="points_manual_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on} {self.item_label}"


class PointEntry(models.Model):
    """One ledger line (积分台账): an event, the item it scored under, and the cap that cut it.

    Derived: rewritten by the recompute service from meetings, the dues ledger and approved manual
    items; never typed. `org_path` is the member's branch at recompute time.

    The sweep writes millions of these (≈30 a member a year), so the table carries only what its
    reads need: no database-level foreign key (its per-row check doubled the cost of a city's first
    sweep; Django still cascades a deleted member's lines) and one index, (member, year), which the
    member's ledger, the annual sheet and the sweep's rewrite all use."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    on = models.DateField("日期")
    item_code = models.CharField("积分项目", max_length=40)
    item_label = models.CharField("项目名称", max_length=100)
    category = models.CharField("类别", max_length=20)
    ref = models.CharField("来源记录", max_length=60)
    ref_label = models.CharField("来源说明", max_length=300)
    raw = models.DecimalField("应计分", max_digits=7, decimal_places=1)
    points = models.DecimalField("计分", max_digits=7, decimal_places=1)
    cap_note = models.CharField("封顶说明", max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "积分台账"
        verbose_name_plural = "积分台账"
        indexes = [models.Index(fields=["member", "year"], name="points_entry_member_year_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on} {self.item_label} {self.points}"


class MemberYear(models.Model):
    """A member's annual total and star (derived). Exempted members are out of the rating."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    total = models.DecimalField("年度积分", max_digits=7, decimal_places=1, default=0)
    stars = models.PositiveSmallIntegerField("星数", default=0)
    star_label = models.CharField("星级", max_length=20, blank=True)
    exempt = models.BooleanField("不参与评星", default=False)
    suggestion = models.CharField("民主评议建议", max_length=200, blank=True)
    veto_reason = models.CharField("一票否决原因", max_length=200, blank=True)
    # A digest of the ledger lines: the recompute compares it instead of re-reading every line.
    digest = models.CharField(max_length=64, blank=True, editable=False)
    computed_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["org_path", "member__name"]
        verbose_name = "年度积分"
        verbose_name_plural = "年度积分"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="points_member_year"),
            models.CheckConstraint(condition=Q(total__gte=0), name="points_total_nonnegative"),
        ]
        indexes = [models.Index(fields=["year", "org_path", "stars"], name="points_year_path_stars_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.star_label}"


class PublicNotice(models.Model):
    """The branch's 公示 of the year's star rating: a frozen snapshot shown to the branch for a period
    of working days; members may object within it (seed 002: the branch announces points at a 党员大会)."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示截止")
    answer_days = models.PositiveSmallIntegerField("答复期限（工作日）")
    rows = models.JSONField(
        "公示名单", default=list, blank=True
    )  # [{member_id, name, star_label, stars, exempt, total}]
    provisional = models.BooleanField("按周一至周五推算", default=False)
    published_by = actor_fk()
    published_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "org_path"]
        verbose_name = "星级公示"
        verbose_name_plural = "星级公示"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="points_notice_org_year")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待答复"
    UPHELD = "upheld", "异议成立，已更正"
    DISMISSED = "dismissed", "维持原评定"


class Objection(models.Model):
    """A member's objection to their own entry in a 公示, and the branch committee's answer."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    reason = models.CharField("异议理由", max_length=500)
    raised_by = actor_fk()
    raised_at = models.DateTimeField(auto_now_add=True)
    answer_due = models.DateField("答复期限")
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    answer = models.CharField("答复", max_length=500, blank=True)
    answered_by = actor_fk()
    answered_at = models.DateTimeField(null=True, blank=True)
    star_before = models.CharField("原星级", max_length=20, blank=True)
    star_after = models.CharField("复核后星级", max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = "积分异议"
        verbose_name_plural = "积分异议"

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_status_display()}"


class RatingStatus(models.TextChoices):
    PENDING = "pending", "待审定"
    APPROVED = "approved", "已审定"
    RETURNED = "returned", "已退回"


class BranchRating(models.Model):
    """A branch's 星级党支部 rating for a year (seed 002: 支部评星), entered by the committee's
    考核小组 and approved by a second person.

    The score weighs the branch's 积分制管理考核 score against its 年终目标考核 score (weights a
    committee setting); a direct rating (直接评定, e.g. for a branch named an advanced organisation)
    overrides the score with a reason. Either way it cites its document. Quotas per star, if the
    committee set any, are enforced when the rating is approved."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    committee = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    committee_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    points_score = models.DecimalField("积分制管理考核得分", max_digits=5, decimal_places=1, null=True, blank=True)
    target_score = models.DecimalField("年终目标考核得分", max_digits=5, decimal_places=1, null=True, blank=True)
    # Where the 年终目标考核 score came from: "" when the committee entered it, else the registered
    # BranchScoreSource's code (e.g. "inspection") and the record it named (e.g. "inspection:12").
    target_source = models.CharField("年终目标考核得分来源", max_length=30, blank=True)
    target_ref = models.CharField("来源记录", max_length=60, blank=True)
    points_weight = models.PositiveSmallIntegerField("积分制管理考核权重（%）")
    score = models.DecimalField("综合得分", max_digits=5, decimal_places=1, null=True, blank=True)
    direct_stars = models.PositiveSmallIntegerField("直接评定星数", null=True, blank=True)
    document = models.CharField("依据文件", max_length=200)
    note = models.CharField("说明", max_length=300, blank=True)
    stars = models.PositiveSmallIntegerField("星数", default=0)
    star_label = models.CharField("星级", max_length=20)
    status = models.CharField("状态", max_length=10, choices=RatingStatus.choices, default=RatingStatus.PENDING)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now=True)
    decided_by = actor_fk()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审定意见", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["org_path"]
        verbose_name = "星级党支部评定"
        verbose_name_plural = "星级党支部评定"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="points_branch_rating_org_year")]
        indexes = [models.Index(fields=["committee", "year", "status"], name="points_rating_committee_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year} {self.star_label}"
