"""The reminder and 督办 sweep: an idempotent batch over every live assignment.

For each assignment it sends, with set-based queries and bulk inserts (no query per target):
- 新任务: to the secretaries and liaisons of each target org, once;
- 到期提醒: before each deliverable's due date, at the configured lead times (config keys
  `assignments.remind_days_first` / `assignments.remind_days_second`, defaults 3 and 1 days), to the
  secretaries and liaisons of targets that have not provided it and not yet submitted;
- 逾期督办: once a deliverable is overdue (after `assignments.escalate_grace_days`, default 0),
  to the target's own secretaries and liaisons, to the secretaries of its parent organization, and
  one digest per deliverable to the publisher (the publishing user and the publishing org's admins).

What was sent is recorded in `Reminder` (unique per target, deliverable, kind and stage); a target
already recorded is excluded by one NOT EXISTS in the candidate query, so a second run sends
nothing. Notifications are also unique per (user, key), so even two concurrent sweeps cannot
deliver the same message twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, DateField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by, holders
from dangjian.core import audit, notify
from dangjian.core.bulk import insert_rows
from dangjian.core.paths import depth_of, parent_path
from dangjian.core.text import quote
from dangjian.orgs import config

from .models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentTarget,
    Deliverable,
    DeliverableKind,
    Reminder,
    ReminderKind,
    TargetItem,
    TargetStatus,
)
from .rules import reminder_stage, should_escalate

log = logging.getLogger(__name__)
TARGET_ROLES = (Role.SECRETARY, Role.LIAISON)
# Assignments whose last due date is this far behind are no longer swept.
SWEEP_HORIZON_DAYS = 120


@dataclass
class SweepResult:
    assignments: int = 0
    reminders: int = 0  # ledger rows (target × deliverable × stage)
    notifications: int = 0  # notifications actually created
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {
            "assignments": self.assignments,
            "reminders": self.reminders,
            "notifications": self.notifications,
            "by_kind": {str(k): v for k, v in self.by_kind.items()},
        }


def _lead_days(assignment: Assignment) -> list[int]:
    first = int(config.effective(assignment.org_path, "assignments.remind_days_first"))
    second = int(config.effective(assignment.org_path, "assignments.remind_days_second"))
    return sorted({d for d in (first, second) if d >= 0}, reverse=True)


def _parent_secretaries(paths: Iterable[str]) -> dict[str, list[int]]:
    """parent path → secretary user ids, for the parents of `paths` (one query per 500 parents)."""
    parents = sorted({parent_path(p) for p in paths if depth_of(p) > 1})
    out: dict[str, list[int]] = {}
    for i in range(0, len(parents), 500):
        out.update(holder_ids_by(Role.SECRETARY, org_paths=parents[i : i + 500], key="org__path"))
    return out


def _candidates(
    assignment: Assignment, kind: str, stage: int, deliverable: Deliverable | None, statuses: Iterable[str]
) -> list[tuple[int, int, str, str]]:
    """(target id, org id, org path, org name) of open targets without a ledger row for this step."""
    done = Reminder.objects.filter(target=OuterRef("pk"), kind=kind, stage=stage)
    done = done.filter(deliverable=deliverable) if deliverable is not None else done.filter(deliverable__isnull=True)
    qs = AssignmentTarget.objects.filter(assignment=assignment, status__in=list(statuses)).filter(~Exists(done))
    if deliverable is not None and deliverable.kind != DeliverableKind.SUMMARY_TABLE:
        provided = TargetItem.objects.filter(target=OuterRef("pk"), deliverable=deliverable)
        qs = qs.filter(~Exists(provided))
    return list(qs.order_by("org_path").values_list("pk", "org_id", "org_path", "org__name"))


def _record(
    assignment: Assignment,
    kind: str,
    stage: int,
    deliverable: Deliverable | None,
    targets: list[tuple[int, int, str, str]],
    recipients: dict[int, list[int]],
    make: Any,
    now: dt.datetime,
    result: SweepResult,
) -> None:
    """Ledger rows + notifications for `targets`; `make(target_tuple)` → (key, title, body, link)."""
    ledger: list[tuple[Any, ...]] = []
    notes: list[notify.Message] = []
    stamp = connection.ops.adapt_datetimefield_value(now)
    dlv_id = deliverable.pk if deliverable is not None else None
    for t in targets:
        users = recipients.get(t[0], [])
        key, title, body, link = make(t)
        for uid in users:
            notes.append(notify.Message(uid, key, title, body, link))
        ledger.append((t[0], dlv_id, str(kind), stage, t[2], min(len(users), 32767), stamp))
    insert_rows(
        Reminder,
        ["target_id", "deliverable_id", "kind", "stage", "org_path", "recipients", "created_at"],
        ledger,
        ignore_conflicts=True,
        analyze=True,
    )
    result.notifications += notify.send_many(notes)
    result.reminders += len(ledger)
    result.by_kind[str(kind)] += len(ledger)


def _sweep_assignment(assignment: Assignment, today: dt.date, now: dt.datetime, result: SweepResult) -> None:
    leads = _lead_days(assignment)
    grace = int(config.effective(assignment.org_path, "assignments.escalate_grace_days"))
    a_title = assignment.title
    target_link = reverse("assignments:target", args=[0]).rsplit("0/", 1)[0]

    def link(tid: int) -> str:
        return f"{target_link}{tid}/"

    cache: dict[str, dict[int, list[int]]] = {}

    def target_roles() -> dict[int, list[int]]:
        # Secretaries and liaisons of every open target, read once per assignment.
        if "roles" not in cache:
            cache["roles"] = holder_ids_by(TARGET_ROLES, org_ids=_open_org_ids(assignment))
        return cache["roles"]

    # 1. New assignment: announce to targets not claimed yet.
    new = _candidates(assignment, ReminderKind.NEW, 0, None, [TargetStatus.UNCLAIMED])
    if new:
        by_org = target_roles()
        recipients = {t[0]: by_org.get(t[1], []) for t in new}
        _record(
            assignment,
            ReminderKind.NEW,
            0,
            None,
            new,
            recipients,
            lambda t: (
                f"asg{assignment.pk}.new.t{t[0]}",
                f"新任务待领取：{a_title}",
                f"活动时间 {assignment.window_start:%m月%d日}–{assignment.window_end:%m月%d日}，请及时领取。",
                link(t[0]),
            ),
            now,
            result,
        )

    for d in assignment.deliverables.all():
        stage = reminder_stage(today, d.due_on, leads)
        if stage is not None:
            cands = _candidates(assignment, ReminderKind.REMIND, stage, d, OPEN_STATUSES)
            if cands:
                by_org = target_roles()
                recipients = {t[0]: by_org.get(t[1], []) for t in cands}
                when = "今天" if stage == 0 else f"{stage} 天后"
                _record(
                    assignment,
                    ReminderKind.REMIND,
                    stage,
                    d,
                    cands,
                    recipients,
                    lambda t, d=d, stage=stage, when=when: (
                        f"asg{assignment.pk}.d{d.pk}.r{stage}.t{t[0]}",
                        f"报送提醒：{d.title}{when}截止",
                        f"任务{quote(a_title)}的{quote(d.title)}截止日期为 {d.due_on:%Y-%m-%d}，请按时报送。",
                        link(t[0]),
                    ),
                    now,
                    result,
                )
        if should_escalate(today, d.due_on, grace):
            cands = _candidates(assignment, ReminderKind.OVERDUE, 0, d, OPEN_STATUSES)
            if not cands:
                continue
            by_org = target_roles()
            parents = _parent_secretaries(t[2] for t in cands)
            recipients = {t[0]: sorted(set(by_org.get(t[1], []) + parents.get(parent_path(t[2]), []))) for t in cands}
            _record(
                assignment,
                ReminderKind.OVERDUE,
                0,
                d,
                cands,
                recipients,
                lambda t, d=d: (
                    f"asg{assignment.pk}.d{d.pk}.overdue.t{t[0]}",
                    f"逾期督办：{t[3]}未按时报送{quote(d.title)}",
                    f"任务{quote(a_title)}的{quote(d.title)}已于 {d.due_on:%Y-%m-%d} 截止，"
                    f"{t[3]}尚未报送，请督促办理。",
                    link(t[0]),
                ),
                now,
                result,
            )
            # One digest per deliverable for the publisher, never one message per branch.
            publisher_ids = set(
                holders(Role.ORG_ADMIN, org_ids=[assignment.publisher_org_id]).values_list("user_id", flat=True)
            )
            publisher_ids.add(assignment.published_by_id)
            result.notifications += notify.send(
                sorted(publisher_ids),
                key=f"asg{assignment.pk}.d{d.pk}.overdue.publisher",
                title=f"督办：{len(cands)} 个组织逾期未报送{quote(d.title)}",
                body=f"任务{quote(a_title)}的{quote(d.title)}已于 {d.due_on:%Y-%m-%d} 截止。",
                link=reverse("assignments:board", args=[assignment.pk]) + "?status=overdue",
            )


def _open_org_ids(assignment: Assignment) -> Any:
    return AssignmentTarget.objects.filter(assignment=assignment, status__in=list(OPEN_STATUSES)).values("org_id")


def live_assignments(today: dt.date) -> Any:
    horizon = today - dt.timedelta(days=SWEEP_HORIZON_DAYS)
    recent_due = Deliverable.objects.filter(assignment=OuterRef("pk"), due_on__gte=horizon)
    return Assignment.objects.filter(Exists(recent_due)).order_by("pk")


def run_sweep(*, today: dt.date | None = None, assignment_id: int | None = None) -> SweepResult:
    """Run the sweep (for one assignment, or every live one). Safe to run any number of times."""
    today = today or timezone.localdate()
    now = timezone.now()
    result = SweepResult()
    qs = live_assignments(today)
    if assignment_id is not None:
        qs = Assignment.objects.filter(pk=assignment_id)
    for assignment in qs.select_related("publisher_org"):
        with transaction.atomic():
            before = result.reminders
            _sweep_assignment(assignment, today, now, result)
            if result.reminders != before:
                audit.record(
                    None,
                    "assignment.sweep",
                    assignment,
                    after={"date": today, "reminders": result.reminders - before},
                )
        result.assignments += 1
    return result


def overdue_q(today: dt.date) -> Q:
    """Targets that are 逾期: still open and some deliverable past due and not provided (a subquery
    per target, over any assignments; the board uses `assignment_overdue_q`, tested against this)."""
    late = Deliverable.objects.filter(assignment=OuterRef("assignment_id"), due_on__lt=today).filter(
        Q(kind=DeliverableKind.SUMMARY_TABLE)
        | ~Exists(TargetItem.objects.filter(target=OuterRef(OuterRef("pk")), deliverable=OuterRef("pk")))
    )
    return Q(status__in=list(OPEN_STATUSES)) & Q(Exists(late))


def assignment_overdue_q(assignment_id: int, today: str) -> Q:
    """`overdue_q` for the targets of one assignment (`today` as an ISO date, a plain string
    parameter so the board's queries can be compiled once: `core.hotquery`), without a subquery per
    target (issue 18: on a board of 10,000 targets the correlated form cost ≈ 18 ms of database
    time per page).

    A target is 逾期 when it is open and either a summary table is past due (whatever was
    provided) or some other past-due deliverable is missing: it is not among the targets that
    provided every one of them. Each subquery here is uncorrelated, so the database runs it once
    per query (the last one as a hashed set), not once per target."""
    late = Deliverable.objects.filter(
        assignment_id=assignment_id, due_on__lt=Cast(Value(today, output_field=CharField()), DateField())
    )
    late_items = late.exclude(kind=DeliverableKind.SUMMARY_TABLE)
    n_late_items = late_items.order_by().values("assignment_id").annotate(n=Count("pk")).values("n")
    provided_all = (
        TargetItem.objects.filter(deliverable__in=late_items.values("pk"))
        .order_by()
        .values("target_id")
        .annotate(n=Count("deliverable_id", distinct=True))
        .filter(n=Subquery(n_late_items))
        .values("target_id")
    )
    missing = Q(Exists(late_items)) & ~Q(pk__in=provided_all)
    return Q(status__in=list(OPEN_STATUSES)) & (Q(Exists(late.filter(kind=DeliverableKind.SUMMARY_TABLE))) | missing)
