"""Shared by the organizational-life services: the read-only message, the expected attendance list
and its marks, a meeting's level and the branch's monthly roll-up, locking a meeting by version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Max, Q, Value, When
from django.utils import timezone

from dangjian.core.paths import subtree_q
from dangjian.core.versioning import lock
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .. import rules
from ..config import effective_config
from ..models import KIND_FIELDS, Attendance, AttendanceExclusion, AttendanceStatus, BranchMonth, Meeting, MeetingStatus

FILED_READ_ONLY = "记录已归档，不能直接修改；如需更正，请提交更正并说明原因"


def _config(org: Organization) -> dict[str, Any]:
    return effective_config(org.path)


def _locked(meeting: Meeting, version: int) -> Meeting:
    return lock(Meeting.objects.select_related("org"), meeting.pk, version)


def _initial_status(meeting: Meeting) -> str:
    """Attendance by exception: each expected member starts as 出席 unless the committee chose
    to mark everyone one by one (then they start as 缺席, as on paper)."""
    default = _config(meeting.org)["attendance_default"]
    return AttendanceStatus.PRESENT if default == "present" else AttendanceStatus.ABSENT


def _expected_rows(meeting: Meeting, members: Sequence[Member]) -> list[Attendance]:
    if not members:
        return []
    on = meeting.meeting_date
    initial = _initial_status(meeting)
    exclusions = {
        e.member_id: e
        for e in AttendanceExclusion.objects.filter(member__in=members, starts_on__lte=on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on)
        )
    }
    rows: list[Attendance] = []
    for m in members:
        ex = exclusions.get(m.pk)
        entry = rules.expected_entry(
            member_status=m.status,
            exempt=m.exempt,
            exempt_reason=m.exempt_reason,
            exclusion_kind=ex.kind if ex else "",
            exclusion_label=(f"{ex.get_kind_display()}（{ex.note}）" if ex else ""),
        )
        rows.append(
            Attendance(
                meeting=meeting,
                member=m,
                org_path=meeting.org_path,
                meeting_date=on,
                status=entry.status or initial,
                reason=entry.reason,
                voting=entry.voting,
            )
        )
    return rows


def _recompute(meeting: Meeting, cfg: dict[str, Any] | None = None) -> None:
    cfg = cfg or _config(meeting.org)
    missing = rules.missing_actions(meeting.kinds, meeting.required_actions, cfg["checklist"])
    short = rules.photos_short(meeting.kinds, meeting.photos.count() if meeting.pk else 0, cfg["photos"])
    meeting.level = rules.meeting_level(
        filed=meeting.status == MeetingStatus.FILED,
        late=meeting.late,
        missing_actions_count=len(missing),
        photos_short_count=short,
    )


def _refresh_rollup(branch: Organization, months: Sequence[int]) -> None:
    """Rewrite the branch's BranchMonth rows for `months` from its (and its groups') meetings."""
    wanted = sorted(set(months))
    agg = {
        row["month"]: row
        for row in Meeting.objects.filter(subtree_q("org_path", branch.path), month__in=wanted)
        .order_by()
        .values("month")
        .annotate(
            **{
                kind: Max(Case(When(**{field: True}, then="level"), default=Value(0)))
                for kind, field in KIND_FIELDS.items()
            }
        )
    }
    existing = {bm.month: bm for bm in BranchMonth.objects.filter(org=branch, month__in=wanted)}
    to_update: list[BranchMonth] = []
    to_create: list[BranchMonth] = []
    for month in wanted:
        values = {kind: int((agg.get(month) or {}).get(kind) or 0) for kind in KIND_FIELDS}
        bm = existing.get(month)
        if bm is None:
            if any(values.values()):
                to_create.append(BranchMonth(org=branch, org_path=branch.path, month=month, **values))
            continue
        for kind, v in values.items():
            setattr(bm, kind, v)
        bm.org_path = branch.path
        to_update.append(bm)
    if to_update:
        BranchMonth.objects.bulk_update(to_update, ["org_path", *KIND_FIELDS.keys()])
    if to_create:
        BranchMonth.objects.bulk_create(to_create)


@dataclass
class Mark:
    member_id: int
    status: str
    reason: str = ""


def _check_marks(
    meeting: Meeting, rows: dict[int, Attendance], roster: dict[int, Member], marks: Sequence[Mark]
) -> None:
    """Every mark checked before any is saved; the errors name the row (and the person, if ours)."""
    errors: list[str] = []
    seen: set[int] = set()
    allowed = {AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT}
    not_started = meeting.started_at > timezone.now()
    for i, mark in enumerate(marks, start=1):
        row = rows.get(mark.member_id)
        name = row.member.name if row else (roster[mark.member_id].name if mark.member_id in roster else "")
        label = f"第 {i} 行（{name}）" if name else f"第 {i} 行"
        if mark.member_id in seen:
            errors.append(f"{label}：同一人重复登记")
            continue
        seen.add(mark.member_id)
        if row is None and mark.member_id not in roster:
            errors.append(f"{label}：该人员不是本组织党员，不能登记出勤")
            continue
        if mark.status not in allowed:
            errors.append(f"{label}：出勤状态无效")
            continue
        if row is not None and row.status in (AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED):
            # An exempt member may still come (recorded as present); leave/absent keeps the exemption.
            if mark.status == AttendanceStatus.PRESENT and not_started:
                errors.append(f"{label}：会议尚未开始，不能登记出席或请假")
            continue
        # The reason of a leave is optional (report once: the liaison is not made to type it).
        # Before the meeting only changes are checked: the list starts as 出席 by default.
        unchanged = row is not None and row.status == mark.status
        if mark.status != AttendanceStatus.ABSENT and not_started and not unchanged:
            errors.append(f"{label}：会议尚未开始，不能登记出席或请假")
    if errors:
        raise ValidationError(errors)


def _set_marks(rows: dict[int, Attendance], marks: Sequence[Mark]) -> list[Attendance]:
    """Apply checked marks to existing rows; returns the rows that changed."""
    changed: list[Attendance] = []
    for mark in marks:
        row = rows.get(mark.member_id)
        if row is None:
            continue
        if row.status not in (AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED):
            row.status, row.reason = mark.status, mark.reason.strip()
            changed.append(row)
        elif mark.status == AttendanceStatus.PRESENT:
            row.status = AttendanceStatus.PRESENT  # came although exempt; the reason stays on record
            changed.append(row)
    return changed
