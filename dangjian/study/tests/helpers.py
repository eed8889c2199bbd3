"""Test helpers: filed meetings with attendance, mobile and exempt members, built through services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.scoping import SYSTEM
from dangjian.members.services import member_update
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import at, make_meeting
from dangjian.site.testing.factories import make_member


def filed_meeting(
    org: Any, marks: dict[int, str], *, days_ago: int = 3, minutes: int = 120, kinds: tuple[str, ...] = ("party_day",)
) -> Any:
    """A meeting of `org` held `days_ago` days ago lasting `minutes`, attendance marked, filed."""
    start = at(days_ago, 9)
    m = make_meeting(org, SYSTEM, started_at=start, ended_at=start + dt.timedelta(minutes=minutes), kinds=list(kinds))
    if marks:
        m = orglife.attendance_mark(
            actor=SYSTEM,
            meeting=m,
            version=m.version,
            marks=[orglife.Mark(pk, status, "出差" if status == "leave" else "") for pk, status in marks.items()],
        )
    return orglife.meeting_file(actor=SYSTEM, meeting=m, version=m.version)


def set_flags(member: Any, **data: Any) -> Any:
    """Update a roster row through the members service (is_mobile, exempt ...)."""
    fields = [
        f.name
        for f in member._meta.concrete_fields
        if f.editable and f.name not in {"id", "org", "user", "group", "version", "is_active", "left_on", "left_reason"}
    ]
    current = {f: getattr(member, f) for f in fields}
    current.update(data)
    return member_update(actor=SYSTEM, member=member, version=member.version, data=current)


def mobile_member(org: Any, **extra: Any) -> Any:
    m = make_member(org)
    return set_flags(m, is_mobile=True, mobile_destination="广东省深圳市", mobile_contact="微信", **extra)


def exempt_member(org: Any) -> Any:
    m = make_member(org)
    return set_flags(
        m,
        exempt=True,
        exempt_reason="年老体弱、行动不便",
        exempt_application="本人书面申请",
        exempt_approved_by="支部委员会",
        exempt_on=dt.date(2024, 3, 1),
    )
