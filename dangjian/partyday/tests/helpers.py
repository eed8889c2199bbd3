"""Test helpers for the party-day schedule (used by other apps' tests too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.partyday.models import ChangeRequest, ChangeState


def approved_change(
    org: Any, day: dt.date, *, decided_by: Any, start: dt.time = dt.time(9, 30), place: str = ""
) -> ChangeRequest:
    """An approved request moving `org`'s party day of `day`'s month to `day` (setup, not the flow)."""
    return ChangeRequest.objects.create(
        org=org,
        org_path=org.path,
        year=day.year,
        month=day.month,
        scheduled_date=day + dt.timedelta(days=1),
        new_date=day,
        new_time=start,
        place=place,
        reason="与上级会议冲突",
        status=ChangeState.APPROVED,
        decided_by=decided_by,
        decided_at=timezone.now(),
    )
