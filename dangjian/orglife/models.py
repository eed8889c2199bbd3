"""Organizational life records (组织生活纪实): meetings of every kind, attendance, resolutions, photos.

One sitting (`Meeting`) may count as several kinds at once — a 主题党日 that also serves as the
month's 党小组会 and the quarter's 党课 — so kinds are boolean flags on the meeting (tags), not one
exclusive type (domain-rules §1.6 "software note"). The flags, the denormalised `month` and
`branch_path`, and the stored `level` let the compliance roll-up be one GROUP BY in the database.
"""

from __future__ import annotations

import secrets

from django.db import models

from dangjian.core.fields import actor_fk
from dangjian.core.scoping import ScopedQuerySet


class MeetingKind(models.TextChoices):
    PARTY_DAY = "party_day", "主题党日"
    GENERAL_MEETING = "general_meeting", "支部党员大会"
    COMMITTEE_MEETING = "committee_meeting", "支部委员会"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    ORG_LIFE_MEETING = "org_life_meeting", "组织生活会"
    MEMBER_REVIEW = "member_review", "民主评议党员"


# MeetingKind value -> the boolean flag column on Meeting.
KIND_FIELDS: dict[str, str] = {
    MeetingKind.PARTY_DAY: "is_party_day",
    MeetingKind.GENERAL_MEETING: "is_general_meeting",
    MeetingKind.COMMITTEE_MEETING: "is_committee_meeting",
    MeetingKind.GROUP_MEETING: "is_group_meeting",
    MeetingKind.PARTY_LECTURE: "is_party_lecture",
    MeetingKind.ORG_LIFE_MEETING: "is_org_life_meeting",
    MeetingKind.MEMBER_REVIEW: "is_member_review",
}


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    FILED = "filed", "已归档"


class Level(models.IntegerChoices):
    """How well a held meeting satisfies its obligations (the matrix colour of a held meeting)."""

    INCOMPLETE = 1, "不完整或逾期"  # draft, late entry, missing required actions or photos
    COMPLETE = 2, "按时完整"


class MeetingQuerySet(ScopedQuerySet["Meeting"]):
    def of_kind(self, kind: str) -> MeetingQuerySet:
        return self.filter(**{KIND_FIELDS[kind]: True})


def _token() -> str:
    return secrets.token_urlsafe(24)


class Meeting(models.Model):
    """One sitting of a branch or 党小组 (主题党日, 三会一课, 组织生活会, 民主评议), as recorded.

    `org` is the branch or group that held it; `org_path` copies its path, `branch_path` the path
    of the owning branch (equal to `org_path` for a branch meeting), `month` is YYYYMM of the
    meeting date. `level` is derived by the service on every write (filed on time and complete, or
    not) so the compliance matrix never re-reads photos or checklists per row.
    """

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="meetings", verbose_name="召开组织"
    )
    org_path = models.CharField(max_length=255, editable=False)
    branch_path = models.CharField(max_length=255, editable=False)
    meeting_date = models.DateField("会议日期", editable=False)
    month = models.PositiveIntegerField("月份（YYYYMM）", editable=False)

    is_party_day = models.BooleanField("主题党日", default=False)
    is_general_meeting = models.BooleanField("支部党员大会", default=False)
    is_committee_meeting = models.BooleanField("支部委员会", default=False)
    is_group_meeting = models.BooleanField("党小组会", default=False)
    is_party_lecture = models.BooleanField("党课", default=False)
    is_org_life_meeting = models.BooleanField("组织生活会", default=False)
    is_member_review = models.BooleanField("民主评议党员", default=False)

    theme = models.CharField("主题", max_length=200)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200, blank=True)
    host = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="主持人"
    )
    recorder = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="记录人"
    )
    lecturer = models.CharField("授课人", max_length=50, blank=True)
    lecture_topic = models.CharField("党课题目", max_length=200, blank=True)
    minutes = models.TextField("会议记录", blank=True)
    study_items = models.TextField("学习内容（每行一项）", blank=True)
    required_actions = models.JSONField("已完成的规定动作", default=list, blank=True)
    invitees = models.JSONField("列席人员", default=list, blank=True)  # [{"name": ..., "category": ...}]

    status = models.CharField("状态", max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    late = models.BooleanField("逾期录入", default=False)
    level = models.PositiveSmallIntegerField("完成度", choices=Level.choices, default=Level.INCOMPLETE)
    filed_at = models.DateTimeField("归档时间", null=True, blank=True)
    filed_by = actor_fk()
    sign_in_token = models.CharField(max_length=40, unique=True, default=_token, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        indexes = [
            models.Index(fields=["org_path", "meeting_date"], name="meeting_path_date_idx"),
            models.Index(fields=["org", "started_at"], name="meeting_org_start_idx"),
            # Covering index of the compliance roll-up: (branch, month) plus every column it reads.
            models.Index(
                fields=[
                    "branch_path",
                    "month",
                    "level",
                    "is_party_day",
                    "is_general_meeting",
                    "is_committee_meeting",
                    "is_group_meeting",
                    "is_party_lecture",
                    "is_org_life_meeting",
                    "is_member_review",
                ],
                name="meeting_rollup_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")), name="meeting_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_date:%Y-%m-%d} {self.theme}"

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, field in KIND_FIELDS.items() if getattr(self, field)]

    @property
    def kind_labels(self) -> list[str]:
        return [MeetingKind(k).label for k in self.kinds]

    @property
    def is_filed(self) -> bool:
        return self.status == MeetingStatus.FILED

    @property
    def study_item_list(self) -> list[str]:
        return [line.strip() for line in self.study_items.splitlines() if line.strip()]


class BranchMonth(models.Model):
    """The best record level per kind for one branch and month (0 none, 1 yellow, 2 green).

    A derived roll-up row, rewritten by the services whenever a meeting of the branch (or of one of
    its 党小组) changes, so the committee matrix reads ~12 narrow rows per branch instead of every
    meeting. `org_path` is the branch's path (it follows the branch when the tree is re-organised).
    """

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255)
    month = models.PositiveIntegerField()
    party_day = models.PositiveSmallIntegerField(default=0)
    general_meeting = models.PositiveSmallIntegerField(default=0)
    committee_meeting = models.PositiveSmallIntegerField(default=0)
    group_meeting = models.PositiveSmallIntegerField(default=0)
    party_lecture = models.PositiveSmallIntegerField(default=0)
    org_life_meeting = models.PositiveSmallIntegerField(default=0)
    member_review = models.PositiveSmallIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "支部月度组织生活汇总"
        verbose_name_plural = "支部月度组织生活汇总"
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="branchmonth_org_month_uniq")]
        indexes = [
            models.Index(
                fields=[
                    "org_path",
                    "month",
                    "party_day",
                    "committee_meeting",
                    "group_meeting",
                    "general_meeting",
                    "party_lecture",
                    "org_life_meeting",
                    "member_review",
                ],
                name="branchmonth_rollup_idx",
            ),
            # The quarterly and yearly roll-ups read only the few months holding those meetings.
            models.Index(
                fields=["org_path", "month", "general_meeting", "party_lecture"],
                condition=models.Q(general_meeting__gt=0) | models.Q(party_lecture__gt=0),
                name="branchmonth_quarterly_idx",
            ),
            models.Index(
                fields=["org_path", "month", "org_life_meeting", "member_review"],
                condition=models.Q(org_life_meeting__gt=0) | models.Q(member_review__gt=0),
                name="branchmonth_yearly_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_path} {self.month}"


class VoteMatter(models.Model):
    """One matter put to the vote at a 支部党员大会, with the counts (表决结果)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="votes", verbose_name="会议")
    matter = models.CharField("表决事项", max_length=200)
    yes = models.PositiveIntegerField("赞成")
    no = models.PositiveIntegerField("反对", default=0)
    abstain = models.PositiveIntegerField("弃权", default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = "表决事项"
        verbose_name_plural = "表决事项"

    def __str__(self) -> str:
        return self.matter


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"
    EXEMPT = "exempt", "免于参加"
    EXCLUDED = "excluded", "不计入应到人数"


class AttendanceQuerySet(ScopedQuerySet["Attendance"]):
    pass


class Attendance(models.Model):
    """Whether one expected member attended one meeting; `voting` records 表决权 at that date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name="会议")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="attendance", verbose_name="党员"
    )
    org_path = models.CharField(max_length=255, editable=False)
    meeting_date = models.DateField(editable=False)
    status = models.CharField("出勤", max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField("原因", max_length=200, blank=True)
    voting = models.BooleanField("有表决权", default=True)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["member__name", "id"]
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_meeting_member_uniq")]
        indexes = [
            models.Index(fields=["member", "meeting_date"], name="attendance_member_date_idx"),
            models.Index(fields=["meeting", "status"], name="attendance_meeting_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_status_display()}"


class ExclusionKind(models.TextChoices):
    """domain-rules §0: who may be left out of 应到会 (first five), or who loses 表决权 (last)."""

    INCAPACITATED = "incapacitated", "患精神疾病或其他原因不能表达本人意志"
    ABROAD = "abroad", "自费出国半年以上"
    DETAINED = "detained", "受刑事处罚或被拘留（未受留党察看以上处分）"
    INFIRM = "infirm", "年老体弱卧床不起、长期生病生活不能自理"
    AWAY = "away", "外出学习或工作半年以上、未转组织关系"
    RIGHTS_SUSPENDED = "rights_suspended", "留党察看期间或被留置、逮捕（无表决权，仍应到会）"


class AttendanceExclusion(models.Model):
    """An approved standing exclusion of a member from the expected count (or from voting)."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="attendance_exclusions", verbose_name="党员"
    )
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField("情形", max_length=20, choices=ExclusionKind.choices)
    note = models.CharField("说明（批准文件、党员大会决议）", max_length=200)
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    created_by = actor_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = "应到人数排除"
        verbose_name_plural = "应到人数排除"

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()}"


class Resolution(models.Model):
    """A decision (决议) taken at a meeting; its implementation plan is its actions."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolutions", verbose_name="会议")
    org_path = models.CharField(max_length=255, editable=False)
    title = models.CharField("决议事项", max_length=200)
    content = models.TextField("决议内容", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "决议"
        verbose_name_plural = "决议"

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", "落实中"
    DONE = "done", "已落实"


class ResolutionAction(models.Model):
    """One measure of a resolution's implementation plan (落实方案): who does what by when."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="actions", verbose_name="决议")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name="组织")
    org_path = models.CharField(max_length=255, editable=False)
    measure = models.CharField("具体措施", max_length=300)
    owner = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="责任人"
    )
    owner_name = models.CharField("责任人姓名", max_length=50, blank=True)
    deadline = models.DateField("完成时限")
    status = models.CharField("状态", max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    closed_by = actor_fk()
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    close_note = models.CharField("落实情况", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = "落实措施"
        verbose_name_plural = "落实措施"
        indexes = [models.Index(fields=["org_path", "status", "deadline"], name="resaction_path_status_idx")]

    def __str__(self) -> str:
        return self.measure


class TimeCheck(models.TextChoices):
    OK = "ok", "拍摄时间与会议时间相符"
    MISSING = "missing", "照片没有拍摄时间信息（EXIF）"
    OUTSIDE = "outside", "拍摄时间不在会议时间内"


def photo_upload_to(instance: MeetingPhoto, filename: str) -> str:
    return f"orglife/photos/{instance.meeting.month}/{secrets.token_hex(8)}.jpg"


class MeetingPhoto(models.Model):
    """A photo taken at the meeting, with what the platform found out about its authenticity.

    Nothing here rejects a photo: a missing or out-of-window capture time and a near-duplicate of a
    photo used for another meeting are flags for the reviewer, with the reason.
    `dhash` is a 64-bit difference hash as 16 hex digits; `band0..band3` are its four 16-bit
    quarters, indexed, so a near-duplicate search (Hamming distance ≤ 3) only compares photos that
    share at least one quarter exactly (pigeonhole), never the whole table.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos", verbose_name="会议")
    org_path = models.CharField(max_length=255, editable=False)
    image = models.ImageField("照片", upload_to=photo_upload_to)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField("说明", max_length=200, blank=True)
    taken_at = models.DateTimeField("拍摄时间（EXIF）", null=True, blank=True)
    time_check = models.CharField("时间核对", max_length=10, choices=TimeCheck.choices)
    dhash = models.CharField(max_length=16)
    band0 = models.PositiveIntegerField()
    band1 = models.PositiveIntegerField()
    band2 = models.PositiveIntegerField()
    band3 = models.PositiveIntegerField()
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="疑似重复照片"
    )
    duplicate_distance = models.PositiveSmallIntegerField(null=True, blank=True)
    uploaded_by = actor_fk()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = actor_fk()
    reviewed_at = models.DateTimeField("核实时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        indexes = [
            models.Index(fields=["band0"], name="photo_band0_idx"),
            models.Index(fields=["band1"], name="photo_band1_idx"),
            models.Index(fields=["band2"], name="photo_band2_idx"),
            models.Index(fields=["band3"], name="photo_band3_idx"),
            models.Index(fields=["org_path", "reviewed_at"], name="photo_path_reviewed_idx"),
        ]

    def __str__(self) -> str:
        return f"照片 {self.pk}"

    @property
    def flagged(self) -> bool:
        return self.time_check != TimeCheck.OK or self.duplicate_of_id is not None


def attachment_upload_to(instance: MeetingAttachment, filename: str) -> str:
    return f"orglife/attachments/{instance.meeting.month}/{secrets.token_hex(8)}"


class MeetingAttachment(models.Model):
    """A file attached to a meeting record (sign-in sheet scan, speech text, PPT)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments", verbose_name="会议")
    org_path = models.CharField(max_length=255, editable=False)
    file = models.FileField("附件", upload_to=attachment_upload_to)
    name = models.CharField("文件名", max_length=200)
    uploaded_by = actor_fk()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "会议附件"
        verbose_name_plural = "会议附件"

    def __str__(self) -> str:
        return self.name


class MeetingAmendment(models.Model):
    """A correction to a filed record: why, by whom, and the fields before and after (更正记录)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="amendments", verbose_name="会议")
    org_path = models.CharField(max_length=255, editable=False)
    reason = models.CharField("更正原因", max_length=300)
    changed_by = actor_fk()
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = "更正记录"
        verbose_name_plural = "更正记录"

    def __str__(self) -> str:
        return self.reason
