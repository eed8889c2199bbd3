"""Attendance: marks by the committee (by exception, or 全部出席), sign-in by QR link, and approved
exclusions from the expected count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.registry import records_changed
from dangjian.core.scoping import Action, require, require_person, user_or_none
from dangjian.core.versioning import bump
from dangjian.members.models import Member

from ..models import Attendance, AttendanceExclusion, AttendanceStatus, Meeting, MeetingAmendment, MeetingStatus
from ..selectors import expected_members, sign_in_error
from ._common import FILED_READ_ONLY, Mark, _check_marks, _expected_rows, _locked, _set_marks


def attendance_mark(
    *, actor: Any, meeting: Meeting, version: int, marks: Sequence[Mark], amendment_reason: str = ""
) -> Meeting:
    """Set present / leave / absent for people on the list. All rows are checked before any is saved."""
    require(actor, Action.MANAGE, meeting.org_path, "无权登记出勤")
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status == MeetingStatus.FILED and not amendment_reason.strip():
            raise ValidationError(FILED_READ_ONLY)
        rows = {a.member_id: a for a in current.attendance.select_related("member")}
        # The roster at the meeting date is only needed for people not yet on the list.
        roster = (
            {m.pk: m for m in expected_members(current.org, current.meeting_date)}
            if any(mk.member_id not in rows for mk in marks)
            else {}
        )
        _check_marks(current, rows, roster, marks)
        before = {str(r.member_id): r.status for r in rows.values()}
        new_rows = _expected_rows(current, [roster[mk.member_id] for mk in marks if mk.member_id not in rows])
        for r in new_rows:
            rows[r.member_id] = r
        changed = _set_marks(rows, marks)
        Attendance.objects.bulk_update([r for r in changed if r.pk], ["status", "reason"])
        Attendance.objects.bulk_create(new_rows)
        bump(current)
        current.save(update_fields=["version", "updated_at"])
        after = {str(m.member_id): m.status for m in marks}
        if current.status == MeetingStatus.FILED:
            MeetingAmendment.objects.create(
                meeting=current,
                org_path=current.org_path,
                reason=amendment_reason.strip(),
                changed_by=user_or_none(actor),
                before={"attendance": before},
                after={"attendance": after},
            )
            records_changed("meeting", [current.meeting_date.year], member_ids=[m.member_id for m in marks])
        audit.record(
            actor, "orglife.attendance_mark", current, before={"attendance": before}, after={"attendance": after}
        )
    return current


def attendance_all_present(*, actor: Any, meeting: Meeting, version: int, amendment_reason: str = "") -> Meeting:
    """全部出席: every expected member on the list (not the exempt or excluded) is marked present."""
    rows = meeting.attendance.exclude(status__in=[AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED])
    marks = [Mark(mid, AttendanceStatus.PRESENT) for mid in rows.values_list("member_id", flat=True)]
    return attendance_mark(
        actor=actor, meeting=meeting, version=version, marks=marks, amendment_reason=amendment_reason
    )


def sign_in(*, actor: Any, token: str, now: dt.datetime | None = None) -> Attendance:
    """A member marks themself present by opening the meeting's QR link during the meeting."""
    require_person(actor)
    user = actor
    now = now or timezone.now()
    meeting = Meeting.objects.select_related("org").filter(sign_in_token=token).first()
    if meeting is None:
        raise ValidationError("签到二维码无效")
    with transaction.atomic():
        row = (
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, member__user_id=user.pk)
            .select_related("member")
            .first()
        )
        err = sign_in_error(meeting, row, now)
        if err is not None:
            raise ValidationError(err)
        assert row is not None
        if row.signed_in_at is None:
            row.status = AttendanceStatus.PRESENT
            row.reason = ""
            row.signed_in_at = now
            row.save(update_fields=["status", "reason", "signed_in_at"])
            audit.record(user, "orglife.sign_in", row, org_path=meeting.org_path, after={"signed_in_at": now})
    return row


def exclusion_add(
    *, actor: Any, member: Member, kind: str, note: str, starts_on: dt.date, ends_on: dt.date | None = None
) -> AttendanceExclusion:
    """Record an approved exclusion from the expected count (or suspension of 表决权), §0."""
    require(actor, Action.APPROVE, member.org_path, "须由书记或上级组织登记")
    ex = AttendanceExclusion(
        member=member, org_path=member.org_path, kind=kind, note=note.strip(), starts_on=starts_on, ends_on=ends_on
    )
    ex.created_by = user_or_none(actor)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "结束日期应不早于起始日期"})
    ex.full_clean()
    with transaction.atomic():
        ex.save()
        audit.record(actor, "orglife.exclusion_add", ex, after=audit.snapshot(ex))
    return ex
