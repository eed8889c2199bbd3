"""Meeting records: create (a draft, or filed at once), edit a draft, move a planned party day,
correct a filed record, file (归档).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.registry import records_changed
from dangjian.core.scoping import SYSTEM, Action, require, user_or_none
from dangjian.core.versioning import bump
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgKind

from .. import rules
from ..models import KIND_FIELDS, Attendance, AttendanceStatus, Meeting, MeetingAmendment, MeetingStatus
from ..selectors import branch_of as _branch_of
from ..selectors import expected_members
from ._common import (
    FILED_READ_ONLY,
    Mark,
    _check_marks,
    _config,
    _expected_rows,
    _locked,
    _recompute,
    _refresh_rollup,
    _set_marks,
)

EDIT_FIELDS = [
    *KIND_FIELDS.values(),
    "theme",
    "started_at",
    "ended_at",
    "place",
    "host",
    "recorder",
    "lecturer",
    "lecture_topic",
    "minutes",
    "study_items",
    "required_actions",
    "invitees",
]


# Derived columns, and foreign keys whose instances the service itself supplies (org, people checked
# against the branch in _validate_data): skipping them saves a query each; the end>start check
# constraint is enforced by rules.meeting_time_errors first and by the database last.
CLEAN_EXCLUDE = [
    "org_path",
    "branch_path",
    "meeting_date",
    "month",
    "sign_in_token",
    "org",
    "host",
    "recorder",
    "filed_by",
    "created_by",
]


AUDIT_FIELDS = [*EDIT_FIELDS, "org", "status", "late", "level", "filed_at", "version"]


@dataclass
class MeetingData:
    """What a person enters for a meeting record (already parsed from the form)."""

    kinds: list[str]
    theme: str
    started_at: dt.datetime
    ended_at: dt.datetime
    place: str = ""
    host: Member | None = None
    recorder: Member | None = None
    lecturer: str = ""
    lecture_topic: str = ""
    minutes: str = ""
    study_items: str = ""
    required_actions: list[str] = field(default_factory=list)
    invitees: list[dict[str, str]] = field(default_factory=list)


def _has_groups(branch: Organization) -> bool:
    return Organization.objects.filter(path__startswith=branch.path, kind=OrgKind.GROUP).exclude(pk=branch.pk).exists()


def _validate_data(org: Organization, data: MeetingData, *, held: bool) -> None:
    errors: dict[str, str] = {}
    if not data.theme.strip():
        errors["theme"] = "请填写会议主题"
    errors.update(
        rules.kind_errors(
            data.kinds,
            org_is_group=org.kind == OrgKind.GROUP,
            has_committee=org.has_committee,
            has_groups=org.kind != OrgKind.GROUP and _has_groups(org),
            lecturer=data.lecturer,
            topic=data.lecture_topic,
        )
    )
    errors.update(rules.meeting_time_errors(data.started_at, data.ended_at, timezone.now(), held=held))
    branch = _branch_of(org)
    for name, person in (("host", data.host), ("recorder", data.recorder)):
        if person is not None and person.org_id != branch.pk:
            errors[name] = f"{person.name} 不是本支部党员"
    for i, inv in enumerate(data.invitees, start=1):
        if not str(inv.get("name", "")).strip():
            errors["invitees"] = f"第 {i} 位列席人员未填写姓名"
        elif inv.get("category") not in rules.INVITEE_CATEGORIES:
            errors["invitees"] = f"第 {i} 位列席人员的身份无效（可选：{'、'.join(rules.INVITEE_CATEGORIES)}）"
    if errors:
        raise ValidationError(errors)


def _apply(meeting: Meeting, data: MeetingData) -> None:
    for kind, fname in KIND_FIELDS.items():
        setattr(meeting, fname, kind in data.kinds)
    meeting.theme = data.theme.strip()
    meeting.started_at = data.started_at
    meeting.ended_at = data.ended_at
    meeting.place = data.place.strip()
    meeting.host = data.host
    meeting.recorder = data.recorder
    meeting.lecturer = data.lecturer.strip()
    meeting.lecture_topic = data.lecture_topic.strip()
    meeting.minutes = data.minutes
    meeting.study_items = data.study_items
    meeting.required_actions = list(dict.fromkeys(data.required_actions))
    meeting.invitees = [{"name": str(i["name"]).strip(), "category": str(i["category"])} for i in data.invitees]
    local = timezone.localtime(data.started_at).date()
    meeting.meeting_date = local
    meeting.month = rules.month_key(local)


def _sync_expected(meeting: Meeting) -> None:
    """Add roster members missing from the list; drop unmarked rows of people no longer expected."""
    members = expected_members(meeting.org, meeting.meeting_date)
    have = set(meeting.attendance.values_list("member_id", flat=True))
    wanted = {m.pk for m in members}
    Attendance.objects.bulk_create(_expected_rows(meeting, [m for m in members if m.pk not in have]))
    meeting.attendance.filter(member_id__in=have - wanted, signed_in_at__isnull=True).exclude(
        status=AttendanceStatus.PRESENT
    ).delete()
    meeting.attendance.update(meeting_date=meeting.meeting_date)


def meeting_create(
    *,
    actor: Any,
    org: Organization,
    data: MeetingData,
    attendance: Sequence[Mark] = (),
    file: bool = False,
    filed_at: dt.datetime | None = None,
) -> Meeting:
    """Record a meeting (draft) and generate its expected attendance list from the roster.

    `attendance` optionally marks people at once (a record entered after the meeting), checked
    exactly as `attendance_mark` checks them; any bad row refuses the whole record. `file=True`
    files it at once (a past meeting entered in one go), with the same checks as `meeting_file`;
    `filed_at` is for system imports of paper records only (actor SYSTEM).
    """
    require(actor, Action.MANAGE, org.path, "无权为该组织录入组织生活记录")
    if org.kind not in (OrgKind.BRANCH, OrgKind.GROUP):
        raise ValidationError({"org": "组织生活记录应由党支部或党小组录入"})
    if filed_at is not None and (actor is not SYSTEM or not file):
        raise PermissionDenied("归档时间由系统记录")
    now = filed_at or timezone.now()
    _validate_data(org, data, held=False)
    if file:
        errors = rules.meeting_time_errors(data.started_at, data.ended_at, now, held=True)
        if errors:
            raise ValidationError(errors)
    meeting = Meeting(org=org, org_path=org.path, branch_path=_branch_of(org).path, created_by=user_or_none(actor))
    _apply(meeting, data)
    cfg = _config(org)
    if file:
        meeting.status = MeetingStatus.FILED
        meeting.filed_at = now
        meeting.filed_by = user_or_none(actor)
        ended_on = timezone.localtime(meeting.ended_at).date()
        meeting.late = rules.is_late(ended_on, timezone.localtime(now).date(), cfg["deadline_days"])
    _recompute(meeting, cfg)
    meeting.full_clean(exclude=CLEAN_EXCLUDE, validate_constraints=False)
    with transaction.atomic():
        meeting.save()
        members = expected_members(org, meeting.meeting_date)
        rows = _expected_rows(meeting, members)
        if attendance:
            by_member = {r.member_id: r for r in rows}
            _check_marks(meeting, by_member, {m.pk: m for m in members}, attendance)
            _set_marks(by_member, attendance)
        Attendance.objects.bulk_create(rows)
        _refresh_rollup(_branch_of(org), [meeting.month])
        after = audit.snapshot(meeting, AUDIT_FIELDS)
        if attendance:
            after["attendance"] = {str(m.member_id): m.status for m in attendance}
        audit.record(actor, "orglife.meeting_create", meeting, after=after)
        if file:
            records_changed("meeting", [meeting.meeting_date.year], meeting_id=meeting.pk)
    return meeting


def _save_edit(current: Meeting, data: MeetingData) -> int:
    """Apply an edit to the locked row, recompute, bump the version and save; returns the old month."""
    old_month = current.month
    _apply(current, data)
    _recompute(current)
    bump(current)
    current.full_clean(exclude=CLEAN_EXCLUDE, validate_constraints=False)
    current.save()
    return old_month


def meeting_update(*, actor: Any, meeting: Meeting, version: int, data: MeetingData) -> Meeting:
    """Edit a draft. A filed record refuses (use `meeting_amend`); a stale version refuses."""
    require(actor, Action.MANAGE, meeting.org_path, "无权修改该记录")
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status == MeetingStatus.FILED:
            raise ValidationError(FILED_READ_ONLY)
        _validate_data(current.org, data, held=False)
        before = audit.snapshot(current, AUDIT_FIELDS)
        old_month = _save_edit(current, data)
        _sync_expected(current)
        _refresh_rollup(_branch_of(current.org), [old_month, current.month])
        audit.record(
            actor, "orglife.meeting_update", current, before=before, after=audit.snapshot(current, AUDIT_FIELDS)
        )
    return current


def party_day_reschedule(
    *, actor: Any, org: Organization, on: dt.date, new_start: dt.datetime, place: str = ""
) -> list[Meeting]:
    """An approved change of the party day moves the branch's planned (draft) party day of `on`
    to `new_start`, keeping its length; a filed record is history and never moves. Whoever approved
    the change (APPROVE above the branch) or the branch itself may move it."""
    require(actor, Action.APPROVE, org.path, "无权调整该组织的主题党日")
    moved: list[Meeting] = []
    for m in Meeting.objects.filter(org=org, is_party_day=True, status=MeetingStatus.DRAFT, meeting_date=on):
        data = MeetingData(
            kinds=m.kinds,
            theme=m.theme,
            started_at=new_start,
            ended_at=new_start + (m.ended_at - m.started_at),
            place=place or m.place,
            host=m.host,
            recorder=m.recorder,
            lecturer=m.lecturer,
            lecture_topic=m.lecture_topic,
            minutes=m.minutes,
            study_items=m.study_items,
            required_actions=list(m.required_actions),
            invitees=list(m.invitees or []),
        )
        moved.append(meeting_update(actor=actor, meeting=m, version=m.version, data=data))
    return moved


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k) and k not in ("version", "level")]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def meeting_amend(*, actor: Any, meeting: Meeting, version: int, data: MeetingData, reason: str) -> Meeting:
    """Correct a filed record: the reason and the changed fields are kept in its history."""
    require(actor, Action.MANAGE, meeting.org_path, "无权更正该记录")
    if not reason.strip():
        raise ValidationError({"reason": "更正已归档的记录须填写更正原因"})
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status != MeetingStatus.FILED:
            raise ValidationError("记录尚未归档，直接编辑即可")
        _validate_data(current.org, data, held=True)
        before = audit.snapshot(current, EDIT_FIELDS)
        old_month = _save_edit(current, data)
        _refresh_rollup(_branch_of(current.org), [old_month, current.month])
        current.refresh_from_db()
        b, a = _diff(before, audit.snapshot(current, EDIT_FIELDS))
        if not a:
            raise ValidationError("没有任何修改")
        MeetingAmendment.objects.create(
            meeting=current,
            org_path=current.org_path,
            reason=reason.strip(),
            changed_by=user_or_none(actor),
            before=b,
            after=a,
        )
        audit.record(actor, "orglife.meeting_amend", current, before=b, after={**a, "reason": reason.strip()})
        records_changed("meeting", {old_month // 100, current.meeting_date.year}, meeting_id=current.pk)
    return current


def meeting_file(*, actor: Any, meeting: Meeting, version: int, filed_at: dt.datetime | None = None) -> Meeting:
    """归档: the record becomes read-only; entry later than the committee's deadline is marked late.

    `filed_at` lets a system import (actor SYSTEM) file paper records with their real entry date.
    """
    require(actor, Action.MANAGE, meeting.org_path, "无权归档该记录")
    if filed_at is not None and actor is not SYSTEM:
        raise PermissionDenied("归档时间由系统记录")
    now = filed_at or timezone.now()
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status == MeetingStatus.FILED:
            raise ValidationError("记录已归档")
        errors = rules.meeting_time_errors(current.started_at, current.ended_at, now, held=True)
        if errors:
            raise ValidationError(errors)
        cfg = _config(current.org)
        current.status = MeetingStatus.FILED
        current.filed_at = now
        current.filed_by = user_or_none(actor)
        ended_on = timezone.localtime(current.ended_at).date()
        current.late = rules.is_late(ended_on, timezone.localtime(now).date(), cfg["deadline_days"])
        _recompute(current, cfg)
        bump(current)
        current.save()
        _refresh_rollup(_branch_of(current.org), [current.month])
        audit.record(
            actor,
            "orglife.meeting_file",
            current,
            after={"status": current.status, "late": current.late, "level": current.level},
        )
        records_changed("meeting", [current.meeting_date.year], meeting_id=current.pk)
    return current
