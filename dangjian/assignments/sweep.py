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
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.rules import Role
from dangjian.core import audit
from dangjian.core.models import Notification
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


def insert_ignoring_conflicts(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING in batches; returns the rows actually inserted.

    Equivalent to `bulk_create(ignore_conflicts=True)` on the model's unique constraints, without
    the ORM's per-field compilation (which dominates at tens of thousands of rows on SQLite).
    Works on SQLite ≥ 3.24 and PostgreSQL. Values must already be in database form.
    """
    if not rows:
        return 0
    qn = connection.ops.quote_name
    # Identifiers are quoted model metadata; every value is a query parameter.
    table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # sqlite3 reuses one prepared statement across executemany: the fastest path there.
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
            for i in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[i : i + 5000])
                inserted += max(cursor.rowcount, 0)
        else:
            # PostgreSQL: COPY into a scratch table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.
            # Per-row statements (executemany) or huge VALUES lists spend their time in the client.
            scratch = qn(f"tmp_{model._meta.db_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            cursor.execute(f"CREATE TEMP TABLE {scratch} AS SELECT {cols} FROM {table} WITH NO DATA")  # noqa: S608
            with cursor.cursor.copy(f"COPY {scratch} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {scratch} ON CONFLICT DO NOTHING")  # noqa: S608
            inserted = max(cursor.rowcount, 0)
            cursor.execute(f"DROP TABLE {scratch}")
    if inserted >= ANALYZE_AFTER_ROWS:
        refresh_statistics(model)
    return inserted


ANALYZE_AFTER_ROWS = 5000


def refresh_statistics(model: Any) -> None:
    """After a bulk load, refresh PostgreSQL's planner statistics for the table right away.

    Without it the planner keeps believing the table is tiny until autovacuum comes round, and
    the next sweep's NOT EXISTS turns into a nested loop over every ledger row (seconds instead of
    milliseconds at city scale). SQLite plans by its indexes and needs nothing.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def notify_bulk(rows: Iterable[tuple[int, str, str, str, str]], now: dt.datetime | None = None) -> int:
    """Put many (user id, key, title, body, link) messages in inboxes; a (user, key) already
    delivered is skipped by the notification's unique constraint, exactly like `notify`.
    Returns the number of notifications created."""
    stamp = connection.ops.adapt_datetimefield_value(now or timezone.now())
    return insert_ignoring_conflicts(
        Notification,
        ["user_id", "key", "title", "body", "link", "created_at"],
        [(uid, key, title, body, link, stamp) for uid, key, title, body, link in rows],
    )


def send_external(notes: list[tuple[int, str, str, str, str]]) -> None:
    """After commit, send the sweep's messages on the configured outside channels (e-mail, SMS …).

    The ledger guarantees each (target, deliverable, stage) is swept once, so these messages are new.
    Recipients are loaded in a few queries; each channel decides whether it can reach a person.
    """
    from dangjian.core.channels import configured_channels

    channels = configured_channels()
    if not channels or not notes:
        return
    from dangjian.accounts.models import User

    ids = sorted({n[0] for n in notes})
    users: dict[int, Any] = {}
    for i in range(0, len(ids), 900):
        users.update((u.pk, u) for u in User.objects.filter(pk__in=ids[i : i + 900]))
    messages = [(users[n[0]], n[2], n[3], n[4]) for n in notes if n[0] in users]

    def send() -> None:
        for user, title, body, link in messages:
            for ch in channels:
                try:
                    ch.send(user, title, body, link)
                except Exception:  # a gateway outage must not stop the other recipients
                    log.exception("channel %s failed for user %s", getattr(ch, "name", ch), user.pk)

    transaction.on_commit(send)


def _lead_days(assignment: Assignment) -> list[int]:
    first = int(config.effective(assignment.org_path, "assignments.remind_days_first"))
    second = int(config.effective(assignment.org_path, "assignments.remind_days_second"))
    return sorted({d for d in (first, second) if d >= 0}, reverse=True)


def _roles_by_org(org_ids: Any, roles: Iterable[str]) -> dict[int, list[int]]:
    """org id → user ids holding one of `roles` there; `org_ids` may be a subquery (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in (
        RoleAssignment.objects.filter(org_id__in=org_ids, role__in=list(roles), user__is_active=True)
        .values_list("org_id", "user_id")
        .order_by()
    ):
        out[org_id].append(user_id)
    return out


def _parent_secretaries(paths: Iterable[str]) -> dict[str, list[int]]:
    """parent path → secretary user ids, for the parents of `paths` (one query)."""
    parents = sorted({p[:-4] for p in paths if len(p) > 4})
    out: dict[str, list[int]] = defaultdict(list)
    for i in range(0, len(parents), 500):
        chunk = parents[i : i + 500]
        for path, user_id in (
            RoleAssignment.objects.filter(org__path__in=chunk, role=Role.SECRETARY, user__is_active=True)
            .values_list("org__path", "user_id")
            .order_by()
        ):
            out[path].append(user_id)
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
    notes: list[tuple[int, str, str, str, str]] = []
    stamp = connection.ops.adapt_datetimefield_value(now)
    dlv_id = deliverable.pk if deliverable is not None else None
    for t in targets:
        users = recipients.get(t[0], [])
        key, title, body, link = make(t)
        for uid in users:
            notes.append((uid, key, title, body, link))
        ledger.append((t[0], dlv_id, str(kind), stage, t[2], min(len(users), 32767), stamp))
    insert_ignoring_conflicts(
        Reminder, ["target_id", "deliverable_id", "kind", "stage", "org_path", "recipients", "created_at"], ledger
    )
    result.notifications += notify_bulk(notes, now)
    send_external(notes)
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
            cache["roles"] = _roles_by_org(_open_org_ids(assignment), TARGET_ROLES)
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
            recipients = {t[0]: sorted(set(by_org.get(t[1], []) + parents.get(t[2][:-4], []))) for t in cands}
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
                RoleAssignment.objects.filter(org_id=assignment.publisher_org_id, role=Role.ORG_ADMIN).values_list(
                    "user_id", flat=True
                )
            )
            publisher_ids.add(assignment.published_by_id)
            board = reverse("assignments:board", args=[assignment.pk]) + "?status=overdue"
            digest = [
                (
                    uid,
                    f"asg{assignment.pk}.d{d.pk}.overdue.publisher",
                    f"督办：{len(cands)} 个组织逾期未报送{quote(d.title)}",
                    f"任务{quote(a_title)}的{quote(d.title)}已于 {d.due_on:%Y-%m-%d} 截止。",
                    board,
                )
                for uid in sorted(publisher_ids)
            ]
            result.notifications += notify_bulk(digest, now)
            send_external(digest)


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
    """Targets that are 逾期: still open and some deliverable past due and not provided."""
    late = Deliverable.objects.filter(assignment=OuterRef("assignment_id"), due_on__lt=today).filter(
        Q(kind=DeliverableKind.SUMMARY_TABLE)
        | ~Exists(TargetItem.objects.filter(target=OuterRef(OuterRef("pk")), deliverable=OuterRef("pk")))
    )
    return Q(status__in=list(OPEN_STATUSES)) & Q(Exists(late))
