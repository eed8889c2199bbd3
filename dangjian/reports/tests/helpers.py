"""Reports test helpers: last month, a party day filed in it, a submitted report of branch A."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import make_meeting
from dangjian.reports import rules, services
from dangjian.site.testing.factories import World


def last_month(today: dt.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return rules.prev_month(today.year, today.month)


def party_day_last_month(world: World, org: Any = None) -> Any:
    y, m = last_month()
    at = timezone.make_aware(dt.datetime(y, m, 8, 14))
    meeting = make_meeting(org or world.branch, world.liaison if org is None else SYSTEM, started_at=at)
    return orglife.meeting_file(
        actor=SYSTEM, meeting=meeting, version=meeting.version, filed_at=meeting.ended_at + dt.timedelta(hours=2)
    )


def submit_branch_report(world: World, org: Any = None, **kwargs: Any) -> Any:
    y, m = last_month()
    return services.report_submit(
        actor=kwargs.pop("actor", world.secretary if org is None else SYSTEM),
        org=org or world.branch,
        year=y,
        month=m,
        highlights=kwargs.pop("highlights", "开展“我为群众办实事”活动"),
        problems=kwargs.pop("problems", "个别党员学习不够主动"),
        **kwargs,
    )
