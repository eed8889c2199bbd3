"""Reads on assignments, always scoped to the acting user.

- the publisher (APPROVE on the publishing org) sees its assignments, the board and every target;
- a target org's secretary/liaison (MANAGE) sees and works on its own target;
- a member of a target org (VIEW) sees the assignment's study list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Min, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models import CharField as CharFieldExpr
from django.urls import reverse
from django.utils import timezone

from dangjian.core import calendar
from dangjian.core.findings import Finding, Severity
from dangjian.core.hotquery import HotQuery
from dangjian.core.paths import subtree_q, successor
from dangjian.core.registry import Attention
from dangjian.core.scoping import DENIED_MESSAGE, Action, can, get_for_user, scope_q
from dangjian.orgs.models import Organization

from . import records, rules
from .models import (
    OPEN_STATUSES,
    OVERDUE,
    OVERDUE_LABEL,
    Assignment,
    AssignmentTarget,
    Deliverable,
    DeliverableKind,
    Reminder,
    Submission,
    TargetItem,
    TargetStatus,
)
from .sweep import assignment_overdue_q

BOARD_STATUSES: list[tuple[str, str]] = [*TargetStatus.choices, (OVERDUE, OVERDUE_LABEL)]


def assignments_published_visible_to(user: Any) -> QuerySet[Assignment]:
    """Assignments the user may supervise (APPROVE on the publishing org)."""
    return Assignment.objects.visible_to(user, Action.APPROVE).select_related("publisher_org")


def get_assignment_for_user(user: Any, pk: int | str, action: str = Action.APPROVE) -> Assignment:
    """The assignment for its publisher; 404 if the user can neither supervise it nor see a target of it."""
    return get_for_user(
        Assignment.objects.select_related("publisher_org", "published_by"),
        pk,
        user,
        action,
        not_found="任务不存在",
        denied="只有发布单位可以查看督办情况",
        also_visible=lambda a: AssignmentTarget.objects.visible_to(user).filter(assignment=a).exists(),
    )


def targets_for_user(user: Any, action: str = Action.MANAGE) -> QuerySet[AssignmentTarget]:
    """Targets the user works on, without those of assignments they supervise (those are on the board)."""
    supervised = Assignment.objects.filter(scope_q(user, Action.APPROVE, "org_path")).values("pk")
    return (
        AssignmentTarget.objects.visible_to(user, action)
        .exclude(assignment_id__in=supervised)
        .select_related("assignment", "org")
        .order_by("-assignment__published_at", "org_path")
    )


TARGET_DENIED: dict[str, str] = {
    Action.APPROVE: "只有发布单位可以审核",
    Action.MANAGE: "只有本组织书记或联络员可以办理",
}


def get_target_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> AssignmentTarget:
    """A target for its org (VIEW/MANAGE) or for the publisher (who always may view and review)."""
    return get_for_user(
        AssignmentTarget.objects.select_related("assignment", "assignment__publisher_org", "org"),
        pk,
        user,
        action,
        not_found="任务不存在",
        denied=TARGET_DENIED.get(action, DENIED_MESSAGE),
        also_visible=lambda t: can(user, Action.APPROVE, t.assignment.org_path),  # the publisher
        action_path=(lambda t: t.assignment.org_path) if action == Action.APPROVE else None,
    )


def get_item_for_user(user: Any, pk: int | str) -> TargetItem:
    return get_for_user(
        TargetItem.objects.select_related("target", "target__assignment", "deliverable"),
        pk,
        user,
        not_found="材料不存在",
        also_visible=lambda i: can(user, Action.APPROVE, i.target.assignment.org_path),  # the publisher
    )


def get_submission_for_user(user: Any, pk: int | str) -> Submission:
    return get_for_user(
        Submission.objects.select_related("target", "target__assignment"),
        pk,
        user,
        not_found="提交记录不存在",
        also_visible=lambda s: can(user, Action.APPROVE, s.target.assignment.org_path),  # the publisher
    )


@dataclass
class TargetDetail:
    target: AssignmentTarget
    deliverables: list[dict[str, Any]]
    submissions: list[Submission]
    overdue: bool
    findings: list[Finding]


def deliverable_findings(assignment: Assignment) -> list[Finding]:
    """Calendar notes on the due dates (a due date on a holiday or weekend)."""
    out: list[Finding] = []
    for d in assignment.deliverables.all():
        info = calendar.day_info(d.due_on)
        out += rules.due_date_findings(
            title=d.title,
            due_on=d.due_on,
            is_working=info.is_working,
            day_name=info.name,
            next_working=calendar.next_working_day(d.due_on),
            provisional=info.provisional,
        )
    return out


def target_detail(t: AssignmentTarget) -> TargetDetail:
    today = timezone.localdate()
    items = list(TargetItem.objects.filter(target=t).select_related("meeting").order_by("id"))
    dlvs: list[dict[str, Any]] = []
    for d in Deliverable.objects.filter(assignment_id=t.assignment_id):
        mine = [i for i in items if i.deliverable_id == d.pk]
        dlvs.append({"d": d, "items": mine, "late": d.due_on < today and not mine})
    subs = list(Submission.objects.filter(target=t).select_related("submitted_by", "decided_by").order_by("-round"))
    overdue = t.status in OPEN_STATUSES and any(
        x["late"] or (x["d"].kind == "summary_table" and x["d"].due_on < today) for x in dlvs
    )
    a = t.assignment
    findings: list[Finding] = []
    for i in items:
        if i.meeting is not None:
            m = i.meeting
            hours = Decimal(round((m.ended_at - m.started_at).total_seconds() / 3600, 1))
            findings += rules.meeting_findings(
                meeting_date=m.meeting_date,
                hours=hours,
                window_start=a.window_start,
                window_end=a.window_end,
                min_hours=a.min_hours,
            )
    return TargetDetail(t, dlvs, subs, overdue, findings)


# ---------------------------------------------------------------- supervision board


BOARD_PAGE = 50  # rows per board page
BOARD_VALUES = ("pk", "org__name", "board_status", "rounds", "submitted_at", "last_reminded")


def _board_targets(assignment_id: int, today: str, status: str) -> QuerySet[AssignmentTarget]:
    """Targets of the assignment with their board status (逾期 derived in the database), filtered by
    a board status ("" for all). `today` is an ISO date."""
    overdue = assignment_overdue_q(assignment_id, today)
    qs = AssignmentTarget.objects.filter(assignment_id=assignment_id).annotate(
        board_status=Case(
            When(overdue, then=Value(OVERDUE)),
            default="status",
            output_field=CharFieldExpr(),
        ),
        last_reminded=Subquery(
            Reminder.objects.filter(target=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
        ),
    )
    if status == OVERDUE:
        qs = qs.filter(overdue)
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("org").order_by("org_path")


def board_queryset(
    assignment: Assignment, *, status: str = "", q: str = "", parent: str = ""
) -> QuerySet[AssignmentTarget]:
    """Targets of the assignment with a derived board status (逾期 computed in the database)."""
    if status != OVERDUE and status not in TargetStatus.values:
        status = ""
    qs = _board_targets(assignment.pk, timezone.localdate().isoformat(), status)
    if q:
        qs = qs.filter(org__name__icontains=q.strip())
    if parent:
        qs = qs.filter(subtree_q("org_path", parent))
    return qs


# The board's first page for each status filter, compiled once per process (issue 18: building
# these queries cost more than running them). Other pages and name/parent filters use the ORM.
_FIRST_PAGE = {
    status: HotQuery(
        AssignmentTarget,
        lambda pk, today, status=status: _board_targets(pk, today, status).values_list(*BOARD_VALUES)[:BOARD_PAGE],
        int,
        str,
    )
    for status in ("", OVERDUE)
}
_FIRST_PAGE["status"] = HotQuery(  # one of the stored statuses
    AssignmentTarget,
    lambda pk, today, status: _board_targets(pk, today, status).values_list(*BOARD_VALUES)[:BOARD_PAGE],
    int,
    str,
    str,
)


class BoardRows:
    """The board's rows for a paginator: `rows[start:stop]` is a list of dicts (`BOARD_VALUES`);
    the first page of a status filter comes from its compiled query, any other slice from the ORM."""

    ordered = True  # ordered by org path (Paginator warns about unordered lists)

    def __init__(self, assignment: Assignment, *, status: str = "", q: str = "", parent: str = "") -> None:
        self.assignment, self.status, self.q, self.parent = assignment, status, q, parent

    def queryset(self) -> QuerySet[AssignmentTarget]:
        return board_queryset(self.assignment, status=self.status, q=self.q, parent=self.parent)

    def count(self) -> int:
        return self.queryset().count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        stop = window.stop or 0  # the paginator's last page stops at the count (0: no rows, no query)
        if not self.q and not self.parent and not window.start and 0 < stop <= BOARD_PAGE:
            today = timezone.localdate().isoformat()
            if self.status in TargetStatus.values:
                rows = _FIRST_PAGE["status"].rows(self.assignment.pk, today, self.status)[:stop]
            else:
                rows = _FIRST_PAGE[OVERDUE if self.status == OVERDUE else ""].rows(self.assignment.pk, today)[:stop]
        else:
            rows = list(self.queryset().values_list(*BOARD_VALUES)[window])
        return [dict(zip(BOARD_VALUES, row, strict=True)) for row in rows]


def board_parent_choices(assignment: Assignment) -> list[tuple[str, str]]:
    """(path, name) of the 党委/党总支 directly below the publisher, to narrow the board to one of them."""
    depth, upper = assignment.publisher_org.depth + 1, successor(assignment.org_path)
    if upper is None:  # no upper bound to bind: built each time
        children = Organization.objects.filter(subtree_q("path", assignment.org_path))
        return list(_parent_choices(children, depth))
    hot = _PARENT_CHOICES.get(depth)
    if hot is None:  # one compiled query per depth (a depth is an integer the ORM range-checks, not a marker)
        hot = _PARENT_CHOICES[depth] = HotQuery(
            Organization,
            lambda lower, upper: _parent_choices(Organization.objects.filter(path__gte=lower, path__lt=upper), depth),
            str,
            str,
        )
    return [(p, n) for p, n in hot.rows(assignment.org_path, upper)]


def _parent_choices(orgs: QuerySet[Organization], depth: int) -> QuerySet[Any]:
    return (
        orgs.filter(depth=depth, kind__in=["committee", "general_branch"])
        .order_by("path")
        .values_list("path", "name")[:200]
    )


_PARENT_CHOICES: dict[int, HotQuery[Organization]] = {}

_COUNT_KEYS = ("total", *TargetStatus.values, "overdue")
_COUNTS = HotQuery(
    AssignmentTarget,
    lambda pk, today: (
        AssignmentTarget.objects.filter(assignment_id=pk)
        .order_by()
        .values("assignment_id")
        .annotate(
            total=Count("pk"),
            **{s: Count("pk", filter=Q(status=s)) for s in TargetStatus.values},
            overdue=Count("pk", filter=assignment_overdue_q(pk, today)),
        )
        .values_list(*_COUNT_KEYS)
    ),
    int,
    str,
)


def board_counts(assignment: Assignment) -> dict[str, int]:
    """Counts per status and 逾期 in one aggregate query (compiled once per process)."""
    rows = _COUNTS.rows(assignment.pk, timezone.localdate().isoformat())
    return dict(zip(_COUNT_KEYS, rows[0] if rows else [0] * len(_COUNT_KEYS), strict=True))


def board_filtered_count(counts: dict[str, int], *, status: str = "", q: str = "", parent: str = "") -> int | None:
    """The number of board rows for these filters, taken from `board_counts` (None when a name or
    parent filter narrows the rows: then the paginator counts them)."""
    if q or parent:
        return None
    return counts.get(status or "total")


def board_rows_for_export(assignment: Assignment, **filters: str) -> Any:
    labels = dict(BOARD_STATUSES)
    qs = board_queryset(assignment, **filters).values_list(  # type: ignore[misc]
        "org__name", "org_path", "board_status", "claimed_at", "submitted_at", "reviewed_at", "rounds", "last_reminded"
    )
    for name, path, st, claimed, submitted, reviewed, rounds, reminded in qs.iterator(chunk_size=2000):
        yield [name, path, labels.get(st, st), _fmt(claimed), _fmt(submitted), _fmt(reviewed), rounds, _fmt(reminded)]


def _fmt(v: dt.datetime | None) -> str:
    return timezone.localtime(v).strftime("%Y-%m-%d %H:%M") if v else ""


def publisher_orgs_for(user: Any) -> QuerySet[Organization]:
    """Organizations the user may publish from (ADMIN), committees and general branches only."""
    return (
        Organization.objects.filter(scope_q(user, Action.ADMIN, "path"))
        .filter(kind__in=["committee", "general_branch"])
        .order_by("path")
    )


CHOSEN_BRANCH_LIMIT = 300


def chosen_org_choices(publisher: Organization) -> QuerySet[Organization]:
    """Orgs offered in the "chosen orgs" list: the 党委/党总支 below the publisher (each stands for
    its branches) and, while there are not too many, the branches themselves (a city has 10,000)."""
    below = Organization.objects.filter(subtree_q("path", publisher.path)).exclude(pk=publisher.pk)
    if below.filter(kind="branch").count() > CHOSEN_BRANCH_LIMIT:
        below = below.filter(kind__in=["committee", "general_branch"])
    return below.exclude(kind="group").order_by("path")


# ---------------------------------------------------------------- home page


def attention_items(user: Any) -> list[Attention]:
    """待办 for the home page: targets to claim, finish or redo (with their nearest deadline), and
    submissions to review (a few queries). A submitted or approved target is gone from the list."""
    items: list[Attention] = []
    if not getattr(user, "is_authenticated", False):
        return items
    labels = {
        TargetStatus.UNCLAIMED: "待领取",
        TargetStatus.CLAIMED: "待提交",
        TargetStatus.RETURNED: "被退回，请修改后重新提交",
    }
    mine = (
        targets_for_user(user)
        .filter(status__in=list(labels))
        .annotate(next_due=Min("assignment__deliverables__due_on"))
        .order_by("next_due", "org_path")
    )
    for t in mine[:5]:
        items.append(
            Attention(
                f"任务{labels[TargetStatus(t.status)]}：{t.assignment.title}",
                f"{t.org.name}",
                reverse("assignments:target", args=[t.pk]),
                Severity.WARNING,
                due=t.next_due,
            )
        )
    pending = (
        assignments_published_visible_to(user)
        .annotate(n=Count("targets", filter=Q(targets__status=TargetStatus.SUBMITTED)))
        .filter(n__gt=0)
        .order_by("-published_at")[:5]
    )
    for a in pending:
        items.append(
            Attention(
                f"任务待审核：{a.title}",
                f"{a.n} 个组织已提交",
                reverse("assignments:board", args=[a.pk]) + "?status=submitted",
                Severity.ADVISORY,
            )
        )
    return items


def reminders_of(t: AssignmentTarget) -> QuerySet[Reminder]:
    return Reminder.objects.filter(target=t).select_related("deliverable").order_by("-created_at")[:20]


def can_review(user: Any, target: AssignmentTarget) -> bool:
    """May `user` review `target`'s submissions (APPROVE where the task was published)?"""
    return can(user, Action.APPROVE, target.assignment.org_path)


def missing_deliverables(t: AssignmentTarget) -> list[Deliverable]:
    """Deliverables the target has not provided yet (the summary table is generated on submit;
    photos attached to a linked meeting record provide the photo deliverables: upload once)."""
    provided = set(TargetItem.objects.filter(target=t).values_list("deliverable_id", flat=True))
    has_meeting_photos = records.linked_meeting_photo_count(t.pk) > 0
    return [
        d
        for d in Deliverable.objects.filter(assignment_id=t.assignment_id)
        if d.kind != DeliverableKind.SUMMARY_TABLE
        and d.pk not in provided
        and not (d.kind == DeliverableKind.PHOTOS and has_meeting_photos)
    ]


# ---------------------------------------------------------------------------------------------
# Upward report figures (reports)

REPORT_FIGURES: tuple[tuple[str, str], ...] = (
    ("received", "收到任务"),
    ("claimed", "领取任务"),
    ("submitted", "报送材料"),
    ("approved", "审核通过"),
)


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Each org's tasks: published to it, claimed, submitted (latest submission) and approved within
    [start, end], from its AssignmentTarget rows. One query whatever the number of paths."""
    if not paths:
        return {}

    def within(field: str) -> Q:
        return Q(**{f"{field}__date__gte": start, f"{field}__date__lte": end})

    out: dict[str, dict[str, Any]] = {}
    for r in (
        AssignmentTarget.objects.filter(org_path__in=paths)
        .values("org_path")
        .order_by()
        .annotate(
            received=Count("id", filter=within("assignment__published_at")),
            claimed=Count("id", filter=within("claimed_at")),
            submitted=Count("id", filter=within("submitted_at")),
            approved=Count("id", filter=within("reviewed_at") & Q(status=TargetStatus.APPROVED)),
        )
    ):
        if any(r[k] for k, _ in REPORT_FIGURES):
            out[r["org_path"]] = {k: r[k] for k, _ in REPORT_FIGURES}
    return out


def report_link(org_pk: int, start: dt.date, end: dt.date) -> str:
    """The task list (each target with its status)."""
    return reverse("assignments:index")


def study_list_link(pk: int, org: Any) -> str:
    """Where a study list derived from assignment `pk` links (core.registry.record_link): the page of
    the branch's own copy of the task when `org` is a target, else the task itself (one query). The
    linked page checks who may open it."""
    target = AssignmentTarget.objects.filter(assignment_id=pk, org=org).values_list("pk", flat=True).first()
    if target is not None:
        return reverse("assignments:target", args=[target])
    return reverse("assignments:detail", args=[pk])
