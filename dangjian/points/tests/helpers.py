"""Test helpers: filed meetings with attendance, built through the real orglife services."""

from __future__ import annotations

from typing import Any

from dangjian.core.scoping import SYSTEM
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import at, make_meeting


def filed_meeting(
    org: Any, marks: dict[int, str], *, days_ago: int = 3, kinds: tuple[str, ...] = ("party_day",)
) -> Any:
    """A meeting of `org` held `days_ago` days ago, attendance marked (member id → status), filed."""
    m = make_meeting(org, SYSTEM, started_at=at(days_ago), kinds=list(kinds))
    if marks:
        m = orglife.attendance_mark(
            actor=SYSTEM,
            meeting=m,
            version=m.version,
            marks=[orglife.Mark(pk, status, "出差" if status == "leave" else "") for pk, status in marks.items()],
        )
    return orglife.meeting_file(actor=SYSTEM, meeting=m, version=m.version)
