"""党务公开 (Party affairs disclosure) and 民主议事 (democratic deliberation).

The catalogue (党务公开目录) lists what an organisation and its subtree must disclose, to whom and
when; every disclosure passes the gate of the 2017 条例 第十五条 (提出 → 保密审查 → 审批 → 实施),
each step recorded with its actor; what was published is frozen and kept as the archive.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet


class Category(models.TextChoices):
    # 中办《关于党的基层组织实行党务公开的意见》(2010) content list (domain-rules round 2 §6a).
    DECISIONS = "decisions", "决策部署及执行"
    ORGANISATION = "organisation", "组织建设"
    DUES = "dues", "党费收缴、使用和管理"
    CADRES = "cadres", "干部选拔和管理"
    SERVICE = "service", "联系服务党员群众"
    INTEGRITY = "integrity", "党风廉政建设"
    OTHER = "other", "其他"


class Scope(models.TextChoices):
    ORG = "org", "党内·本组织"
    SUBTREE = "subtree", "党内·本组织及所属组织"
    PUBLIC = "public", "向社会公开"


class Timing(models.TextChoices):
    STANDING = "standing", "长期公开"
    PERIODIC = "periodic", "定期公开"
    TIMELY = "timely", "及时公开"


class Frequency(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class Channel(models.TextChoices):
    BOARD = "board", "公开栏"
    MEETING = "meeting", "党员大会"
    ONLINE = "online", "网站或平台"
    BRIEFING = "briefing", "会议通报"


class Secrecy(models.TextChoices):
    OPEN = "open", "非涉密，可公开"
    INTERNAL = "internal", "党内事项，不向社会公开"


class AppliesTo(models.TextChoices):
    OWNER = "owner", "本组织"
    BRANCHES = "branches", "所属各党支部"


class CatalogueItem(models.Model):
    """One row of a committee's 党务公开目录: what is disclosed, on what basis, to whom, when and where.

    Inherited by the owner's subtree: a branch owes every active item of its ancestors that applies
    to branches, plus its own. `kind` names a registered record type (core.registry.disclosable_kind)
    whose snapshot becomes the content; blank for items written by hand."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="制定组织")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("公开事项", max_length=120)
    category = models.CharField("类别", max_length=20, choices=Category.choices, default=Category.OTHER)
    basis = models.CharField("依据", max_length=200)
    kind = models.CharField("记录类型", max_length=40, blank=True)
    applies_to = models.CharField("适用于", max_length=10, choices=AppliesTo.choices, default=AppliesTo.BRANCHES)
    scope = models.CharField("公开范围", max_length=10, choices=Scope.choices, default=Scope.ORG)
    timing = models.CharField("公开时间", max_length=10, choices=Timing.choices, default=Timing.PERIODIC)
    frequency = models.CharField("频次", max_length=10, choices=Frequency.choices, blank=True)
    due_days = models.PositiveSmallIntegerField("时限（天）", null=True, blank=True)
    channel = models.CharField("公开方式", max_length=10, choices=Channel.choices, default=Channel.BOARD)
    secrecy = models.CharField("密级", max_length=10, choices=Secrecy.choices, default=Secrecy.INTERNAL)
    starts_on = models.DateField("施行日期")
    active = models.BooleanField("有效", default=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["org_path", "category", "id"]
        verbose_name = "党务公开目录事项"
        verbose_name_plural = "党务公开目录"

    def __str__(self) -> str:
        return self.title


class DisclosureStatus(models.TextChoices):
    PROPOSED = "proposed", "待保密审查"
    REVIEWED = "reviewed", "待审批"
    APPROVED = "approved", "待公开"
    PUBLISHED = "published", "已公开"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class Disclosure(models.Model):
    """One disclosure through the gate (公开审批单 and 公开记录 in one): the content as proposed, the
    confidentiality review, the approval, and the publication. `content` is frozen when proposed:
    what was reviewed is exactly what is published and archived.

    `item` is null for a matter outside the catalogue: then the catalogue owner (`approver_path`)
    must approve it, and never the proposer."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="公开组织")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    item = models.ForeignKey(
        CatalogueItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="目录事项"
    )
    kind = models.CharField("记录类型", max_length=40, blank=True)
    period_start = models.DateField("所属期间起", null=True, blank=True)
    period_end = models.DateField("所属期间止", null=True, blank=True)
    source_ref = models.CharField("来源记录", max_length=60, blank=True)
    title = models.CharField("标题", max_length=200)
    content = models.JSONField("公开内容", default=dict)
    scope = models.CharField("公开范围", max_length=10, choices=Scope.choices)
    channel = models.CharField("公开方式", max_length=10, choices=Channel.choices)
    status = models.CharField(
        "状态", max_length=10, choices=DisclosureStatus.choices, default=DisclosureStatus.PROPOSED
    )
    approver_path = models.CharField(max_length=255, editable=False)
    proposed_by = actor_fk()
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    reviewed_by = actor_fk()
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)
    review_note = models.CharField("保密审查意见", max_length=300, blank=True)
    approved_by = actor_fk()
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.CharField("审批意见", max_length=300, blank=True)
    published_by = actor_fk()
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    # 撤回: a published item taken down stays in the record, with who, when and why.
    withdrawn_by = actor_fk()
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回理由", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "党务公开记录"
        verbose_name_plural = "党务公开记录"
        indexes = [
            models.Index(fields=["org", "status", "scope", "published_at"], name="openness_board_idx"),
            models.Index(fields=["org_path", "published_at"], name="openness_path_published_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(reviewed_at__isnull=False, approved_at__isnull=False),
                name="openness_published_after_review_and_approval",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def outside_catalogue(self) -> bool:
        return self.item_id is None


class DisclosureDue(models.Model):
    """A disclosure an organisation owes (定期: one per period; 及时: one per source event), with its
    deadline; fulfilled when a disclosure of the item for that period or event is published.
    Written by the daily sweep; the 待办 and compliance views read it with one indexed query."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    item = models.ForeignKey(CatalogueItem, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    source_ref = models.CharField("来源记录", max_length=60, blank=True, default="")
    title = models.CharField("应公开事项", max_length=200)
    due_on = models.DateField("公开期限")
    provisional = models.BooleanField("按周一至周五推算", default=False)
    disclosure = models.ForeignKey(Disclosure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    fulfilled_on = models.DateField("公开日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "应公开事项"
        verbose_name_plural = "应公开事项"
        constraints = [
            models.UniqueConstraint(
                fields=["org", "item", "period_start", "source_ref"], name="openness_due_org_item_period"
            )
        ]
        indexes = [models.Index(fields=["org_path", "fulfilled_on", "due_on"], name="openness_due_open_idx")]

    def __str__(self) -> str:
        return self.title


class Procedure(models.TextChoices):
    GENERAL = "general", "党支部民主议事"
    VILLAGE = "village", "四议两公开（村级重大事项）"


class DeliberationStatus(models.TextChoices):
    OPEN = "open", "议事中"
    DECIDED = "decided", "已决议"
    CLOSED = "closed", "已办结"


class Deliberation(models.Model):
    """A 民主议事 record: a major matter, who proposed it, the stages it passed (for villages the
    four of 四议两公开, each after the one before), the options and votes, the decision, its
    implementation, and the two disclosures (decision, result) without which it cannot close."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党组织")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    topic = models.CharField("议题", max_length=200)
    proposer = models.CharField("提议人（或提议组织）", max_length=100)
    procedure = models.CharField("议事程序", max_length=10, choices=Procedure.choices, default=Procedure.GENERAL)
    status = models.CharField(
        "状态", max_length=10, choices=DeliberationStatus.choices, default=DeliberationStatus.OPEN
    )
    decision = models.TextField("决议内容", blank=True)
    decided_on = models.DateField("决议日期", null=True, blank=True)
    decision_disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="决议公开"
    )
    owner = models.CharField("落实责任人", max_length=50, blank=True)
    deadline = models.DateField("落实期限", null=True, blank=True)
    resolutions = models.ManyToManyField("orglife.Resolution", blank=True, related_name="+", verbose_name="相关决议")
    result = models.TextField("实施结果", blank=True)
    result_on = models.DateField("实施结果日期", null=True, blank=True)
    result_disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="结果公开"
    )
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = actor_fk()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "民主议事"
        verbose_name_plural = "民主议事"

    def __str__(self) -> str:
        return self.topic


class DeliberationStage(models.Model):
    """One stage a deliberation passed (提议, 商议, 审议, 决议...): when, at which meeting, who was
    there (the 党员大会 stage checks the quorum of orglife's rules)."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="stages")
    org_path = models.CharField(max_length=255, editable=False)
    stage = models.CharField("环节", max_length=20)
    seq = models.PositiveSmallIntegerField("顺序")
    held_on = models.DateField("日期")
    meeting = models.ForeignKey(
        "orglife.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="会议记录"
    )
    expected = models.PositiveIntegerField("应到人数", default=0)
    present = models.PositiveIntegerField("实到人数", default=0)
    note = models.CharField("情况", max_length=300, blank=True)
    recorded_by = actor_fk()
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = "议事环节"
        verbose_name_plural = "议事环节"
        constraints = [models.UniqueConstraint(fields=["deliberation", "stage"], name="openness_stage_once")]

    def __str__(self) -> str:
        return self.stage


class DeliberationOption(models.Model):
    """An option put to the final vote, with its counts; `chosen` marks the one adopted."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="options")
    label = models.CharField("方案", max_length=200)
    yes = models.PositiveIntegerField("赞成", default=0)
    no = models.PositiveIntegerField("反对", default=0)
    abstain = models.PositiveIntegerField("弃权", default=0)
    chosen = models.BooleanField("采纳", default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "议事方案"
        verbose_name_plural = "议事方案"

    def __str__(self) -> str:
        return self.label


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待答复"
    AGREED = "agreed", "同意公开"
    DECLINED = "declined", "不予公开"


class DisclosureRequest(models.Model):
    """申请公开: a member asks their branch to disclose a matter (a catalogue item or one named in their
    own words). The branch answers within a set number of working days (`openness.request_working_days`,
    core calendar) — agreeing (and naming the disclosure when there is one) or declining with its reason.
    The request and its answer stay on record."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="党组织")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    item = models.ForeignKey(
        CatalogueItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="目录事项"
    )
    matter = models.CharField("申请公开的事项", max_length=200)
    reason = models.CharField("申请理由", max_length=500, blank=True)
    status = models.CharField("状态", max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    due_on = models.DateField("答复期限")
    provisional = models.BooleanField("按周一至周五推算", default=False)
    answer = models.CharField("答复", max_length=500, blank=True)
    answered_by = actor_fk()
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="相应公开"
    )
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "申请公开"
        verbose_name_plural = "申请公开"
        indexes = [models.Index(fields=["org_path", "status", "due_on"], name="openness_request_open_idx")]

    def __str__(self) -> str:
        return self.matter
