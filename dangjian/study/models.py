"""Study (党员教育): the 学时 ledger derived from records, study lists, lecturers and lectures,
学习心得, the 流动党员 contact log and home service for members excused from collective activities.

Hours are never typed as totals: `MemberStudyYear` is recomputed from filed meetings' attendance,
training records, home visits that delivered study content and (where allowed) online courses.
Nothing here counts time spent on the platform (国办函〔2026〕12号; the 2024 burden rules).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet


class TrainingKind(models.TextChoices):
    CONCENTRATED = "concentrated", "集中培训"
    ONLINE = "online", "网络课程"
    OTHER = "other", "其他培训"


class TrainingRecord(models.Model):
    """One training a member took part in (a Party school class, a 任职培训, an online course),
    entered with its hours as certified by the organiser."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("培训名称", max_length=200)
    organiser = models.CharField("主办单位", max_length=200)
    kind = models.CharField("类别", max_length=20, choices=TrainingKind.choices, default=TrainingKind.CONCENTRATED)
    induction = models.BooleanField("任职培训（新任书记、委员）", default=False)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    certificate = models.CharField("结业证书编号", max_length=100, blank=True)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        indexes = [models.Index(fields=["member", "ends_on"], name="study_training_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.title}"


class MemberStudyYear(models.Model):
    """A member's 学时 for one year (derived from records by the recompute; never typed).

    `target` is 32 for members and 56 for branch secretaries and committee members (settings);
    exempt members are shown as exempt, not as behind."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField("年度")
    meeting_hours = models.DecimalField("会议学习学时", max_digits=7, decimal_places=1, default=0)
    training_hours = models.DecimalField("培训学时", max_digits=7, decimal_places=1, default=0)
    online_hours = models.DecimalField("网络课程学时（封顶后）", max_digits=7, decimal_places=1, default=0)
    visit_hours = models.DecimalField("送学上门学时", max_digits=7, decimal_places=1, default=0)
    total = models.DecimalField("年度学时", max_digits=7, decimal_places=1, default=0)
    concentrated = models.PositiveSmallIntegerField("集中培训次数", default=0)
    cadre = models.BooleanField("书记或委员", default=False)
    target = models.PositiveSmallIntegerField("学时要求", default=32)
    concentrated_target = models.PositiveSmallIntegerField("集中培训次数要求", default=0)
    exempt = models.BooleanField("免于参加集体活动", default=False)
    on_track = models.BooleanField("达到要求", default=False)
    computed_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["org_path", "member__name"]
        verbose_name = "年度学时"
        verbose_name_plural = "年度学时"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="study_member_year")]
        indexes = [models.Index(fields=["year", "org_path"], name="study_year_path_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.total}"


class ListSource(models.TextChoices):
    ASSIGNED = "assigned", "上级部署"
    OWN = "own", "本支部安排"


class StudyList(models.Model):
    """A study list (学习清单): set by a committee for its subtree (from its assignment) or by a
    branch for itself, for the months from `month` through `until_month`.

    A branch's own list is for one month. A list derived from an assignment is for every month its
    activity window touches (a task from 20 November to 10 December is studied in either month):
    one list with one set of items, shown in each of those months, so what a member studied in
    November is not asked of them again in December."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="组织")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    month = models.DateField("月份")  # the first day of the (first) month
    until_month = models.DateField("至月份")  # the first day of the last month (= month for one month)
    title = models.CharField("清单名称", max_length=200)
    source = models.CharField("来源", max_length=10, choices=ListSource.choices, default=ListSource.OWN)
    source_ref = models.CharField("上级部署（任务编号或文件）", max_length=100, blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "org_path", "id"]
        verbose_name = "学习清单"
        verbose_name_plural = "学习清单"
        constraints = [
            models.CheckConstraint(condition=Q(until_month__gte=models.F("month")), name="study_list_months"),
        ]

    def __str__(self) -> str:
        return self.title


class ItemMode(models.TextChoices):
    COLLECTIVE = "collective", "集体学习"
    SELF = "self", "个人自学"


class StudyItem(models.Model):
    """One item of a study list: studied collectively at a meeting, or by each member alone."""

    study_list = models.ForeignKey(StudyList, on_delete=models.CASCADE, related_name="items", verbose_name="清单")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("学习内容", max_length=300)
    mode = models.CharField("方式", max_length=12, choices=ItemMode.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "学习内容"
        verbose_name_plural = "学习内容"

    def __str__(self) -> str:
        return self.title


class CollectiveStudy(models.Model):
    """A collective item studied at a branch's meeting: done for every member present there (the
    seed's "content studied collectively need not be repeated")."""

    item = models.ForeignKey(StudyItem, on_delete=models.CASCADE, related_name="sessions")
    meeting = models.ForeignKey("orglife.Meeting", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)  # the meeting's branch
    linked_by = actor_fk()
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "集体学习"
        verbose_name_plural = "集体学习"
        constraints = [models.UniqueConstraint(fields=["item", "meeting"], name="study_collective_uniq")]

    def __str__(self) -> str:
        return f"{self.item_id} @ {self.meeting_id}"


class SelfStudy(models.Model):
    """A member's own mark that they studied a self-study item."""

    item = models.ForeignKey(StudyItem, on_delete=models.CASCADE, related_name="marks")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    done_on = models.DateField("完成日期")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "个人自学"
        verbose_name_plural = "个人自学"
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="study_self_uniq")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.item_id}"


class Lecturer(models.Model):
    """A member of a committee's lecturer team (讲师团), in a 宣讲队 by subject."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党委")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField("姓名", max_length=50)
    team = models.CharField("宣讲队", max_length=100)
    subject = models.CharField("宣讲专题", max_length=200, blank=True)
    unit = models.CharField("单位职务", max_length=200, blank=True)
    active = models.BooleanField("在讲师团", default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team", "name", "id"]
        verbose_name = "讲师"
        verbose_name_plural = "讲师团"

    def __str__(self) -> str:
        return f"{self.team} {self.name}"


class Lecture(models.Model):
    """A special lecture (专题宣讲) a committee schedules for an audience branch. When held it is
    recorded as that branch's 党课 meeting; attendance there feeds the hours."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党委")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    lecturer = models.ForeignKey(Lecturer, on_delete=models.PROTECT, related_name="lectures", verbose_name="讲师")
    topic = models.CharField("题目", max_length=200)
    audience = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="听讲支部"
    )
    audience_path = models.CharField(max_length=255, db_index=True, editable=False)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200, blank=True)
    meeting = models.OneToOneField(
        "orglife.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="会议记录"
    )
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "专题宣讲"
        verbose_name_plural = "专题宣讲"

    def __str__(self) -> str:
        return self.topic


class Reflection(models.Model):
    """A member's 学习心得: optional, no word quota. Private to the member and the branch's
    managers until the secretary features it on the branch page."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", verbose_name="党员")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("题目", max_length=200)
    body = models.TextField("心得")
    lecture = models.ForeignKey(
        Lecture, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="专题宣讲"
    )
    written_on = models.DateField("日期")
    featured = models.BooleanField("优秀心得", default=False)
    featured_by = actor_fk()
    featured_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-written_on", "-id"]
        verbose_name = "学习心得"
        verbose_name_plural = "学习心得"

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    WECHAT = "wechat", "微信"
    SMS = "sms", "短信"
    IN_PERSON = "in_person", "面谈"


class MobileContact(models.Model):
    """One contact with a 流动党员 (seed 001: contacted every month by phone, WeChat or SMS)."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="流动党员")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    on = models.DateField("联系日期")
    channel = models.CharField("方式", max_length=10, choices=Channel.choices)
    contacted_by = models.CharField("联系人", max_length=50)
    topic = models.CharField("联系内容", max_length=300)
    location = models.CharField("现在何处", max_length=200, blank=True)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "流动党员联系记录"
        verbose_name_plural = "流动党员联系记录"
        indexes = [models.Index(fields=["member", "on"], name="study_contact_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on} {self.get_channel_display()}"


class HomeVisit(models.Model):
    """A one-to-one home service visit (定期“一对一”上门服务) to a member excused from collective
    activities: what was delivered (study materials, dues, care). Delivered study counts hours."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="党员")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    on = models.DateField("走访日期")
    visitors = models.CharField("走访人", max_length=100)
    study = models.BooleanField("送学上门", default=False)
    study_content = models.CharField("学习内容", max_length=300, blank=True)
    study_hours = models.DecimalField("学时", max_digits=4, decimal_places=1, default=0)
    dues = models.BooleanField("代收党费", default=False)
    care = models.CharField("关怀需求", max_length=300, blank=True)
    entered_by = actor_fk()
    entered_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "上门服务记录"
        verbose_name_plural = "上门服务记录"
        indexes = [models.Index(fields=["member", "on"], name="study_visit_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on}"


class DueKind(models.TextChoices):
    CONTACT = "contact", "流动党员本月未联系"
    VISIT = "visit", "上门服务到期"


class StudyDue(models.Model):
    """A 待办 raised by the periodic check: a 流动党员 not contacted for a month, or a home visit
    due. One per member, kind and period; closed when the contact or visit is logged."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(max_length=10, choices=DueKind.choices)
    period = models.PositiveIntegerField()  # YYYYMM of the month the check found it
    due_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "学习教育待办"
        verbose_name_plural = "学习教育待办"
        constraints = [models.UniqueConstraint(fields=["member", "kind", "period"], name="study_due_uniq")]
        indexes = [models.Index(fields=["closed_on", "org_path"], name="study_due_open_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.period}"
