"""The organization tree: 党委 / 党总支 / 党支部 / 党小组, with posts and terms."""

from __future__ import annotations

import datetime as dt

from django.db import models
from treebeard.mp_tree import MP_Node

from dangjian.core.paths import STEPLEN

from .rules import term_end


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


# Which kinds may sit under which (a 党小组 only under a branch; a branch never above a 总支).
ALLOWED_CHILDREN: dict[str, set[str]] = {
    OrgKind.COMMITTEE: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH},
    OrgKind.GENERAL_BRANCH: {OrgKind.BRANCH},
    OrgKind.BRANCH: {OrgKind.GROUP},
    OrgKind.GROUP: set(),
}


class Sector(models.TextChoices):
    AGENCY = "agency", "机关"
    UNIVERSITY = "university", "高校"
    HOSPITAL = "hospital", "医院"
    SCHOOL = "school", "中小学"
    INSTITUTION = "institution", "事业单位"
    SOE = "soe", "国有企业"
    PRIVATE = "private", "非公企业"
    SOCIAL = "social", "社会组织"
    VILLAGE = "village", "农村"
    COMMUNITY = "community", "城市社区"
    OTHER = "other", "其他"


class Organization(MP_Node):
    """A Party organization. The tree path (`path`) scopes every record that belongs to it."""

    steplen = STEPLEN
    name = models.CharField("组织名称", max_length=120)
    kind = models.CharField("组织类别", max_length=20, choices=OrgKind.choices)
    joint = models.BooleanField("联合党支部", default=False)
    temporary = models.BooleanField("临时党组织", default=False)
    sector = models.CharField("单位类别", max_length=20, choices=Sector.choices, default=Sector.OTHER)
    unit_name = models.CharField("所在单位", max_length=200, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    has_committee = models.BooleanField("设立支部委员会", default=False)
    term_started_on = models.DateField("本届任期开始", null=True, blank=True)
    term_years = models.PositiveSmallIntegerField("任期（年）", default=3)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [models.Index(fields=["kind", "path"], name="org_kind_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def org_path(self) -> str:
        return self.path

    @property
    def term_ends_on(self) -> dt.date | None:
        if self.term_started_on is None:
            return None
        return term_end(self.term_started_on, self.term_years)

    @property
    def kind_label(self) -> str:
        label = self.get_kind_display()
        if self.joint and self.kind == OrgKind.BRANCH:
            label = "联合" + label
        if self.temporary:
            label = "临时" + label
        return label


class Post(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZATION = "organization", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    YOUTH = "youth", "青年委员"
    WOMEN = "women", "统战/妇女委员"
    COMMITTEE_MEMBER = "committee_member", "委员"
    GROUP_LEADER = "group_leader", "党小组组长"


class OrgPost(models.Model):
    """A member holding a post (书记, 副书记, 委员 …) in an organization for part of a term."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="posts", verbose_name="组织")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="posts", verbose_name="党员")
    post = models.CharField("职务", max_length=30, choices=Post.choices)
    started_on = models.DateField("任职日期", null=True, blank=True)
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        ordering = ["org", "post"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "member", "post"],
                condition=models.Q(ended_on__isnull=True),
                name="orgpost_current_uniq",
            )
        ]
        verbose_name = "组织职务"
        verbose_name_plural = "组织职务"

    def __str__(self) -> str:
        return f"{self.org} {self.get_post_display()} {self.member}"

    @property
    def org_path(self) -> str:
        return self.org.path


class OrgConfig(models.Model):
    """One local-practice setting chosen by an organization for its subtree (see orgs/config.py)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="configs", verbose_name="组织")
    key = models.CharField("配置项", max_length=80)
    value = models.JSONField("取值")
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "key"], name="orgconfig_org_key_uniq")]
        verbose_name = "组织配置"
        verbose_name_plural = "组织配置"

    def __str__(self) -> str:
        return f"{self.org} {self.key}={self.value}"


class OrgMemberCount(models.Model):
    """Derived: the active members of one organization, kept exact by the roster's services (each
    write re-counts the orgs it touched, under this row's lock) and re-derived by the daily job.

    `total`/`full` count the members registered at the org (党员 belong to a 党支部); `grouped` counts
    those assigned to it as a 党小组 (they are also counted at their branch). A subtree's figures are
    a sum over the `org_path` range, one grouped query at any size."""

    org = models.OneToOneField(Organization, on_delete=models.CASCADE, primary_key=True, related_name="+")
    org_path = models.CharField(max_length=255)
    total = models.PositiveIntegerField(default=0)  # 在册党员（正式 + 预备）
    full = models.PositiveIntegerField(default=0)  # 正式党员
    grouped = models.PositiveIntegerField(default=0)  # 党小组: its assigned members

    class Meta:
        indexes = [models.Index(fields=["org_path"], include=["total", "full"], name="orgmembercount_path_idx")]
        verbose_name = "组织党员人数"
        verbose_name_plural = "组织党员人数"

    def __str__(self) -> str:
        return f"{self.org_path}: {self.full}/{self.total}"

    @property
    def probationary(self) -> int:
        return self.total - self.full


class StructureFinding(models.Model):
    """Derived: one structure finding of one organization, as `rules.check_structure` gives it
    (recomputed per subtree by the daily job and for the orgs each structure write touches).
    The structure list pages over these rows and the home page sums them; neither reads members."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField(default=0)  # order of the finding within its org
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)  # e.g. the term's end date (ISO)

    class Meta:
        indexes = [
            models.Index(fields=["org_path", "position"], name="structurefinding_path_idx"),
            models.Index(fields=["code", "org_path"], include=["severity"], name="structurefinding_code_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["org", "position"], name="structurefinding_org_position_uniq")]
        verbose_name = "结构检查问题"
        verbose_name_plural = "结构检查问题"

    def __str__(self) -> str:
        return f"{self.org_path} {self.code}"
