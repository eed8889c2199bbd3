"""Party dues (党费): yearly bases, approved reliefs, the monthly ledger, payments and disclosures."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet

from .rules import MAX_BASE_FEN, DuesCategory, ReliefKind, fen_to_yuan, month_label


class DuesBase(models.Model):
    """A member's declared monthly dues base (缴费基数) for a year, fixed at the start of the year.

    History is kept: a mid-year change is a new row with `effective_from` and a required reason; rows
    are never overwritten. The base in force for a month is the newest row of that year whose
    `effective_from` is not after the month.
    """

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_bases")
    org_path = models.CharField(max_length=255, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    effective_from = models.DateField("起始月份")
    monthly_base_fen = models.BigIntegerField("月缴费基数（分）")
    category = models.CharField("党费类别", max_length=20, choices=DuesCategory.choices)
    items = models.JSONField("基数明细", default=dict, blank=True)
    reason = models.CharField("调整原因", max_length=300, blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["member", "effective_from", "id"]
        verbose_name = "党费缴费基数"
        verbose_name_plural = "党费缴费基数"
        indexes = [models.Index(fields=["year", "member", "effective_from"], name="duesbase_year_member_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_base_fen__gte=0) & Q(monthly_base_fen__lte=MAX_BASE_FEN),
                name="duesbase_base_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {fen_to_yuan(self.monthly_base_fen)}"

    @property
    def base_yuan(self) -> str:
        return fen_to_yuan(self.monthly_base_fen)


class ExemptionStatus(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class DuesExemption(models.Model):
    """A written application to pay less (少交) or nothing (免交) for a period, and its approval.

    The branch discusses it and the next-level 党委 approves (2008 规定 第七条).
    """

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_exemptions")
    org_path = models.CharField(max_length=255, db_index=True)
    kind = models.CharField("类型", max_length=10, choices=ReliefKind.choices)
    reduced_fen = models.PositiveIntegerField("减免后每月金额（分）", default=0)
    start_month = models.DateField("起始月份")
    end_month = models.DateField("截止月份")
    reason = models.CharField("困难情况", max_length=500)
    application = models.CharField("书面申请（编号或说明）", max_length=200)
    branch_discussed_on = models.DateField("支部研究日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ExemptionStatus.choices, default=ExemptionStatus.PENDING)
    applied_by = actor_fk()
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_by = actor_fk()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("批准意见", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_month", "-id"]
        verbose_name = "党费减免"
        verbose_name_plural = "党费减免"
        constraints = [
            models.CheckConstraint(condition=Q(end_month__gte=models.F("start_month")), name="dues_exemption_period"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.member_id} {self.get_kind_display()} {month_label(self.start_month)}–{month_label(self.end_month)}"
        )


class DuesExpected(models.Model):
    """One member's expected dues for one month (the ledger line), materialised for fast roll-ups.

    The row belongs to the organization where the month was due (`org`/`org_path` are set when the row
    is first created and never moved), so a member who transfers keeps their history where it was.
    `paid_fen` mirrors the payments allocated to the month (maintained by the payment service).
    """

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_expected")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255)
    month = models.DateField("月份")
    category = models.CharField("党费类别", max_length=20, choices=DuesCategory.choices)
    base_fen = models.BigIntegerField("缴费基数（分）", default=0)
    rate_label = models.CharField("比例/标准", max_length=30)
    unrounded = models.CharField("未取整金额（分）", max_length=40, blank=True)
    amount_fen = models.PositiveIntegerField("应缴（分）")
    paid_fen = models.PositiveIntegerField("实缴（分）", default=0)
    is_paid = models.BooleanField("已缴", default=False)
    relief = models.CharField("减免", max_length=10, blank=True)
    capped = models.BooleanField("按上限", default=False)
    computed_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["month", "member"]
        verbose_name = "应缴党费"
        verbose_name_plural = "应缴党费"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_expected_member_month")]
        indexes = [
            # Roll-ups: one month over a subtree, summed without touching the table (covering on PG/SQLite).
            models.Index(
                fields=["month", "org_path", "amount_fen", "paid_fen", "is_paid"], name="dues_exp_month_path_idx"
            ),
            models.Index(fields=["org", "month"], name="dues_exp_org_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {month_label(self.month)} {fen_to_yuan(self.amount_fen)}"

    @property
    def outstanding_fen(self) -> int:
        return max(self.amount_fen - self.paid_fen, 0)


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金"
    TRANSFER = "transfer", "转账"
    ONLINE = "online", "线上缴纳"


class DuesPayment(models.Model):
    """One handing-over of dues: who paid, when, how, for which months, to which collector."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_payments")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True)
    paid_on = models.DateField("缴纳日期")
    amount_fen = models.PositiveIntegerField("实缴金额（分）")
    expected_fen = models.PositiveIntegerField("应缴金额（分）")
    method = models.CharField("缴纳方式", max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    collector = actor_fk()
    collector_name = models.CharField("收缴人", max_length=50)
    by_proxy = models.BooleanField("他人代交", default=False)
    proxy_name = models.CharField("代交人", max_length=50, blank=True)
    proxy_reason = models.CharField("代交原因", max_length=300, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    mismatch = models.BooleanField("金额与应缴不符", default=False)
    voided_at = models.DateTimeField("撤销时间", null=True, blank=True)
    voided_by = actor_fk()
    void_reason = models.CharField("撤销原因", max_length=300, blank=True)
    recorded_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = "党费缴纳记录"
        verbose_name_plural = "党费缴纳记录"
        indexes = [models.Index(fields=["member", "paid_on"], name="dues_payment_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.paid_on} {fen_to_yuan(self.amount_fen)}"

    @property
    def amount_yuan(self) -> str:
        return fen_to_yuan(self.amount_fen)


class DuesPaymentMonth(models.Model):
    """A month covered by a payment. (member, month) is unique: a month is never paid twice."""

    payment = models.ForeignKey(DuesPayment, on_delete=models.CASCADE, related_name="months")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份")
    org_path = models.CharField(max_length=255)
    amount_fen = models.PositiveIntegerField("计入该月（分）")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["month"]
        verbose_name = "党费缴纳月份"
        verbose_name_plural = "党费缴纳月份"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_paid_member_month")]
        indexes = [models.Index(fields=["month", "org_path"], name="dues_paid_month_path_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {month_label(self.month)}"


class DuesDisclosure(models.Model):
    """A branch's monthly public disclosure of dues collection (党费收缴情况公开): a frozen snapshot."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True)
    month = models.DateField("月份")
    rows = models.JSONField("明细", default=list, blank=True)
    member_count = models.PositiveIntegerField("应缴人数", default=0)
    paid_count = models.PositiveIntegerField("已缴人数", default=0)
    expected_total_fen = models.BigIntegerField("应缴合计（分）", default=0)
    paid_total_fen = models.BigIntegerField("实缴合计（分）", default=0)
    published_at = models.DateTimeField("公开时间")
    published_by = actor_fk()
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "org_path"]
        verbose_name = "党费收缴公开"
        verbose_name_plural = "党费收缴公开"
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="dues_disclosure_org_month")]

    def __str__(self) -> str:
        return f"{self.org_id} {month_label(self.month)}"

    @property
    def unassessed_count(self) -> int:
        """Members of the branch without a base that month: listed and counted, never hidden."""
        return sum(1 for r in self.rows or [] if r.get("unassessed"))


class DuesArrearsFlag(models.Model):
    """A member flagged to their branch for 6+ consecutive unpaid months. Only a flag for action:
    the branch decides what to do (第十三条); nothing changes the member's status automatically."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_flags")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True)
    through_month = models.DateField("截至月份")
    months = models.PositiveSmallIntegerField("连续未缴月数")
    flagged_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-months", "member"]
        verbose_name = "党费欠缴提示"
        verbose_name_plural = "党费欠缴提示"
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(resolved_at__isnull=True), name="dues_flag_one_open_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.months}"
