"""一支部一特色: a committee's call (Campaign), each branch's brand project from 申报书 to 验收, the
experts' score sheets, objections to the 公示, cultivation records and the plagiarism evidence."""

from __future__ import annotations

from django.db import models

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet


class Campaign(models.Model):
    """A committee's call for brand projects (seed 004): the authorising document, a deadline per
    stage, the criteria with weights summing to 100, who must apply and the quota of 优秀."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("活动名称", max_length=120)
    document = models.CharField("依据文件", max_length=200)
    incubation_end = models.DateField("品牌酝酿截止")
    application_deadline = models.DateField("项目申报截止")
    approval_deadline = models.DateField("项目立项截止")
    cultivation_end = models.DateField("培育建设截止")
    acceptance_deadline = models.DateField("考核验收截止")
    # [{"code", "label", "weight", "max"}]; weights sum to 100 (rules.check_criteria).
    criteria = models.JSONField("评审指标", default=list)
    # {"<org id>": "样板支部" | "双带头人工作室" | ...}: branches that must take part (seed 004 §二).
    must_apply = models.JSONField("必须参与的支部", default=dict, blank=True)
    excellent_quota = models.PositiveSmallIntegerField("优秀名额", default=0)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-application_deadline", "-id"]
        verbose_name = "品牌创建活动"
        verbose_name_plural = "品牌创建活动"

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    DRAFT = "draft", "填写申报书"
    SUBMITTED = "submitted", "待基层党委审核"
    ENDORSED = "endorsed", "待专家评审"
    CANDIDATE = "candidate", "初步培育对象（待修改完善）"
    REVISED = "revised", "已修改完善，待审定"
    NOT_SELECTED = "not_selected", "未入选"
    PUBLICITY = "publicity", "立项公示中"
    CULTIVATING = "cultivating", "培育建设"
    CASE_SUBMITTED = "case_submitted", "待考核验收"
    ACCEPTED = "accepted", "已验收"
    DISQUALIFIED = "disqualified", "取消资格"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class Project(models.Model):
    """A branch's brand project: the 申报书 (and its revision), the 基层党委 opinion, the 公示, the
    case and the acceptance grade. `sections` hold the application's free-text parts by key."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="projects")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    brand_name = models.CharField("品牌名称", max_length=20)
    slogan = models.CharField("品牌口号", max_length=60, blank=True)
    logo = models.FileField("品牌标识", upload_to="brands/logo/%Y/", blank=True)
    logo_meaning = models.CharField("标识含义", max_length=500, blank=True)
    sections = models.JSONField("申报书内容", default=dict, blank=True)
    originality = models.BooleanField("原创承诺", default=False)
    name_warning = models.CharField("名称提示", max_length=200, blank=True)
    submitted_by = actor_fk()
    submitted_at = models.DateTimeField(null=True, blank=True)
    unit_opinion = models.CharField("基层党委（总支）意见", max_length=500, blank=True)
    unit_opinion_by = actor_fk()
    unit_opinion_at = models.DateTimeField(null=True, blank=True)
    review_score = models.DecimalField("评审得分", max_digits=5, decimal_places=2, null=True, blank=True)
    shortlisted_by = actor_fk()
    revised_sections = models.JSONField("修改稿", default=dict, blank=True)
    revised_at = models.DateTimeField(null=True, blank=True)
    notice_starts = models.DateField("公示开始", null=True, blank=True)
    notice_ends = models.DateField("公示截止", null=True, blank=True)
    notice_provisional = models.BooleanField(default=False)
    approved_by = actor_fk()
    established_at = models.DateTimeField("立项时间", null=True, blank=True)
    case_sections = models.JSONField("案例", default=dict, blank=True)
    case_chars = models.PositiveIntegerField("案例字数", default=0)
    case_submitted_at = models.DateTimeField(null=True, blank=True)
    acceptance_score = models.DecimalField("验收得分", max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField("验收等次", max_length=10, choices=Grade.choices, blank=True)
    graded_by = actor_fk()
    disqualify_reason = models.CharField("取消资格理由", max_length=500, blank=True)
    disqualified_by = actor_fk()
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "org_path"]
        verbose_name = "品牌项目"
        verbose_name_plural = "品牌项目"
        constraints = [models.UniqueConstraint(fields=["campaign", "org"], name="brands_project_campaign_org")]
        indexes = [models.Index(fields=["campaign", "stage"], name="brands_project_stage_idx")]

    def __str__(self) -> str:
        return self.brand_name


class Phase(models.TextChoices):
    APPROVAL = "approval", "立项评审"
    ACCEPTANCE = "acceptance", "验收评审"


class Review(models.Model):
    """One expert's score sheet for one project in one phase: integer scores per criterion, comments
    and the revision requirements. Assigned by the committee; never an expert of the applicant's unit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    phase = models.CharField("评审环节", max_length=12, choices=Phase.choices, default=Phase.APPROVAL)
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField("评分", default=dict, blank=True)
    total = models.DecimalField("加权得分", max_digits=5, decimal_places=2, null=True, blank=True)
    comments = models.CharField("评审意见", max_length=1000, blank=True)
    requirements = models.CharField("修改要求", max_length=1000, blank=True)
    assigned_by = actor_fk()
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]
        verbose_name = "专家评分"
        verbose_name_plural = "专家评分"
        constraints = [
            models.UniqueConstraint(fields=["project", "phase", "reviewer"], name="brands_review_once"),
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"], name="brands_review_queue_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.reviewer_id}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待答复"
    UPHELD = "upheld", "异议成立"
    DISMISSED = "dismissed", "异议不成立"


class Objection(models.Model):
    """An objection to a project in its 公示, received by the committee (letter, phone, visit) and
    answered by someone else; an open one blocks 立项."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="objections")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    reason = models.CharField("异议内容", max_length=1000)
    received_on = models.DateField("收到日期")
    recorded_by = actor_fk()
    status = models.CharField("状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    answer = models.CharField("答复", max_length=1000, blank=True)
    answered_by = actor_fk()
    answered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_status_display()}"


class ProgressKind(models.TextChoices):
    MEETING = "meeting", "组织生活/主题党日"
    VOLUNTEER = "volunteer", "志愿服务"
    DEMONSTRATION = "demonstration", "示范展示"
    OTHER = "other", "其他"


class ProgressEntry(models.Model):
    """A step of 培育建设, linked to the real records it happened in (a filed meeting or party day,
    the community-confirmed deeds of the branch's members) so nothing is retyped."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    on = models.DateField("日期")
    kind = models.CharField("类别", max_length=20, choices=ProgressKind.choices)
    meeting = models.ForeignKey("orglife.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ref = models.CharField("关联记录", max_length=60, blank=True)
    # Confirmed community deeds (实事) of the branch's members that this step was, picked rather than
    # retyped: the project page lists and counts them.
    deeds = models.ManyToManyField("community.Deed", blank=True, related_name="+", verbose_name="社区确认的实事")
    summary = models.CharField("进展", max_length=500)
    entered_by = actor_fk()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "培育进展"
        verbose_name_plural = "培育进展"

    def __str__(self) -> str:
        return f"{self.on} {self.summary[:20]}"


class NewsLevel(models.TextChoices):
    COLLEGE = "college", "院级"
    UNIVERSITY = "university", "校级"
    PROVINCE = "province", "省级"
    NATIONAL = "national", "国家级"


class NewsItem(models.Model):
    """A published news item about the brand (seed 004: at least 2 on 校级 or higher platforms)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="news")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("标题", max_length=200)
    url = models.URLField("链接", max_length=500)
    platform = models.CharField("刊发平台", max_length=100)
    level = models.CharField("平台级别", max_length=12, choices=NewsLevel.choices)
    published_on = models.DateField("刊发日期")
    entered_by = actor_fk()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["published_on", "id"]
        verbose_name = "宣传稿件"
        verbose_name_plural = "宣传稿件"

    def __str__(self) -> str:
        return self.title


class DocKind(models.TextChoices):
    APPLICATION = "application", "申报书"
    REVISION = "revision", "修改稿"
    CASE = "case", "案例"


class Document(models.Model):
    """A text compared for plagiarism: an application, revision or case as submitted, with its
    MinHash signature and, once compared, its top matches among all earlier documents."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField("材料", max_length=12, choices=DocKind.choices)
    text = models.TextField("正文")
    signature = models.BinaryField(editable=False)
    # [{"document": id, "project": id, "brand": str, "org": str, "kind": str, "jaccard": float}]
    matches = models.JSONField("相似材料", default=list, blank=True)
    top_similarity = models.FloatField("最高相似度", default=0)
    flagged = models.BooleanField("相似度提示", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "比对材料"
        verbose_name_plural = "比对材料"

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_kind_display()}"


class DocumentBand(models.Model):
    """The LSH index: one row per band of a document's signature, so candidates are found by an
    indexed lookup of the new document's band keys rather than by reading every document."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "相似索引"
        verbose_name_plural = "相似索引"

    def __str__(self) -> str:
        return f"{self.document_id}:{self.key}"
