"""谈心谈话 records, talk to-dos raised by events, and the yearly 民主评议党员 of a branch."""

from __future__ import annotations

from django.db import models

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet

from .rules import Grade, Handling, TalkEvent, TalkMode, TalkOccasion


class Talk(models.Model):
    """One 谈心谈话: who talked with whom (one-to-one or one-to-few), when, where and about what.

    The content (topics, what was said, issues raised) is seen only by the participants and the
    branch secretary; everyone else in scope sees only that the talk happened."""

    # The branch, or -- for a talk across levels (a committee secretary with a branch secretary) --
    # the committee it is recorded at.
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="组织")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度", editable=False)
    held_on = models.DateField("谈话日期")
    place = models.CharField("地点", max_length=200, blank=True)
    mode = models.CharField("方式", max_length=12, choices=TalkMode.choices, default=TalkMode.INDIVIDUAL)
    occasion = models.CharField("类型", max_length=12, choices=TalkOccasion.choices, default=TalkOccasion.ANNUAL)
    talker = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="talks_led", verbose_name="谈话人"
    )
    counterparts = models.ManyToManyField("members.Member", related_name="talks_received", verbose_name="谈话对象")
    topics = models.JSONField("谈话主题", default=list, blank=True)
    content = models.TextField("主要内容", blank=True)
    issues = models.TextField("反映的问题", blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["org_path", "year"], name="appraisal_talk_path_year_idx"),
            # "who took part in no talk this year" reads the year's talkers from the index alone.
            models.Index(fields=["year", "talker"], name="appraisal_talk_year_talker_idx"),
        ]
        verbose_name = "谈心谈话"
        verbose_name_plural = "谈心谈话"

    def __str__(self) -> str:
        return f"{self.held_on} 谈心谈话"


class TalkPart(models.Model):
    """Derived: how many of a year's talks a member took part in (as talker or counterpart), kept
    by the talk services in the talk's own transaction and re-derived by the daily job
    (`talk_parts_rebuild`). Counts only -- never who talked with whom or what was said.

    Keyed by the member, not the branch, so it stays right when a member transfers: the roll-up
    joins the current roster to it ("who took part in no talk this year" without reading talks)."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="talk_parts")
    year = models.PositiveSmallIntegerField("年度")
    talks = models.PositiveIntegerField("参加谈话（次）", default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "member"], name="appraisal_talkpart_year_member_uniq")]
        verbose_name = "年度谈话参与"
        verbose_name_plural = "年度谈话参与"

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}: {self.talks}"


class TalkCount(models.Model):
    """Derived: how many talks were recorded at an org in a year, kept by the talk services in the
    talk's transaction (a talk never moves to another org) and re-derived by the daily job. The
    roll-up reads one row per org instead of counting every talk."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    talks = models.PositiveIntegerField("谈话（次）", default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="appraisal_talkcount_org_year_uniq")]
        indexes = [models.Index(fields=["year", "org_path"], name="appraisal_talkcount_year_path")]
        verbose_name = "年度谈话次数"
        verbose_name_plural = "年度谈话次数"

    def __str__(self) -> str:
        return f"{self.org_id} {self.year}: {self.talks}"


class TalkFollowUp(models.Model):
    """A follow-up agreed in a talk (落实事项): what, who, by when, and when it was done."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="follow_ups", verbose_name="谈话")
    measure = models.CharField("落实事项", max_length=300)
    owner = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="责任人")
    deadline = models.DateField("完成期限")
    done_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = "谈话落实事项"
        verbose_name_plural = "谈话落实事项"

    def __str__(self) -> str:
        return self.measure


class TalkTodo(models.Model):
    """A talk that an event makes due (必谈: transfer-in, probationary conversion …), raised by the
    periodic job once per member and event, and closed by the talk that answers it."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", verbose_name="党员")
    event = models.CharField("事由", max_length=20, choices=TalkEvent.choices)
    event_on = models.DateField("事由发生日期")
    due_on = models.DateField("应谈日期")
    talk = models.ForeignKey(Talk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "event", "event_on"], name="appraisal_todo_event_uniq")
        ]
        indexes = [models.Index(fields=["org_path", "talk"], name="appraisal_todo_path_idx")]
        verbose_name = "必谈事项"
        verbose_name_plural = "必谈事项"

    def __str__(self) -> str:
        return f"{self.member} {self.get_event_display()}"


class ContactShare(models.Model):
    """分工联系: the branch committee member (支委) a member is assigned to, for the coverage mode
    "each committee member talks with each member of their share". One committee member per member."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False)
    committee_member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="+", verbose_name="联系支委"
    )
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", verbose_name="党员")
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["committee_member", "member"]
        constraints = [models.UniqueConstraint(fields=["org", "member"], name="appraisal_share_member_uniq")]
        verbose_name = "分工联系"
        verbose_name_plural = "分工联系"

    def __str__(self) -> str:
        return f"{self.committee_member_id} → {self.member_id}"


class MobileAbsence(models.Model):
    """A 流动党员 the daily job has seen away (the roster marks them 流动). When the roster no longer
    does, the job raises the "流动党员返回" to-do and deletes the row: the roster keeps no return date."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    since = models.DateField("首次记录日期")

    class Meta:
        verbose_name = "外出流动党员"
        verbose_name_plural = "外出流动党员"

    def __str__(self) -> str:
        return f"{self.member_id} {self.since}"


class AppraisalState(models.TextChoices):
    DRAFT = "draft", "评议中"
    SUBMITTED = "submitted", "待书记签发"
    SIGNED = "signed", "已签发"


class Appraisal(models.Model):
    """A branch's 民主评议党员 for one year: the grades the branch decided, signed off by a second person."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=12, choices=AppraisalState.choices, default=AppraisalState.DRAFT)
    submitted_by = actor_fk()
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    signed_by = actor_fk()
    signed_at = models.DateTimeField("签发时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The grade distribution, kept by the services with every grade written (the committee's
    # roll-up over thousands of branches reads these instead of every entry).
    n_excellent = models.PositiveIntegerField("优秀", default=0, editable=False)
    n_qualified = models.PositiveIntegerField("合格", default=0, editable=False)
    n_basically_qualified = models.PositiveIntegerField("基本合格", default=0, editable=False)
    n_unqualified = models.PositiveIntegerField("不合格", default=0, editable=False)
    n_not_graded = models.PositiveIntegerField("不评定等次", default=0, editable=False)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "org_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="appraisal_org_year_uniq")]
        indexes = [models.Index(fields=["year", "org_path"], name="appraisal_year_path_idx")]
        verbose_name = "民主评议党员"
        verbose_name_plural = "民主评议党员"

    def __str__(self) -> str:
        return f"{self.org} {self.year}年民主评议党员"


class AppraisalEntry(models.Model):
    """One member in a branch's appraisal: graded, or listed with the reason they are not graded."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="entries", verbose_name="评议")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员")
    graded = models.BooleanField("评定等次", default=True)
    not_graded_reason = models.CharField("不评定等次的原因", max_length=100, blank=True)
    self_review = models.TextField("个人总结（自评）", blank=True)
    # 民主测评 tallies as counts (the rating sheets are anonymous: no per-person votes are kept).
    votes_excellent = models.PositiveSmallIntegerField("测评“优秀”票", default=0)
    votes_qualified = models.PositiveSmallIntegerField("测评“合格”票", default=0)
    votes_basically_qualified = models.PositiveSmallIntegerField("测评“基本合格”票", default=0)
    votes_unqualified = models.PositiveSmallIntegerField("测评“不合格”票", default=0)
    grade = models.CharField("等次", max_length=20, choices=Grade.choices, blank=True)
    handling = models.CharField("处置方式", max_length=12, choices=Handling.choices, blank=True)
    handling_deadline = models.DateField("改正期限", null=True, blank=True)
    handling_outcome = models.CharField("处置结果", max_length=300, blank=True)
    note = models.CharField("评议意见", max_length=300, blank=True)

    class Meta:
        ordering = ["-graded", "id"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="appraisal_entry_uniq")]
        verbose_name = "评议党员"
        verbose_name_plural = "评议党员"

    def __str__(self) -> str:
        return f"{self.member} {self.get_grade_display()}"


class OrgLifeReview(models.Model):
    """A branch's 组织生活会 for one reporting year: how it was prepared (topics announced, talks,
    self-examination materials received, opinions gathered) and the problems found (查摆问题).
    A meeting held by the attribution cutoff (default 31 March) counts for the previous year."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    theme = models.CharField("会议主题", max_length=200, blank=True)
    announced_on = models.DateField("议题通知日期", null=True, blank=True)
    held_on = models.DateField("召开日期", null=True, blank=True)
    self_exams_received = models.PositiveSmallIntegerField("收到对照检查材料（份）", default=0)
    opinions = models.TextField("征求意见情况", blank=True)
    problems = models.TextField("查摆问题", blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = actor_fk()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="appraisal_review_org_year_uniq")]
        verbose_name = "组织生活会"
        verbose_name_plural = "组织生活会"

    def __str__(self) -> str:
        return f"{self.org} {self.year}年度组织生活会"


class Rectification(models.Model):
    """One line of the 整改清单: problem, measure, owner and deadline; marked done by one person and
    verified by another (对单销号). Open items are carried to the following years' meetings."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党支部")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    problem = models.CharField("问题", max_length=300)
    measure = models.CharField("整改措施", max_length=300)
    owner = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="责任人")
    deadline = models.DateField("整改时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_by = actor_fk()
    verified_by = actor_fk()
    verified_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["org_path", "verified_at"], name="appraisal_rect_path_idx")]
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"

    def __str__(self) -> str:
        return self.measure
