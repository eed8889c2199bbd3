"""Setup shared by the cross-app tests (the home page and the browser tests)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.assignments.models import AssignmentTarget, DeliverableKind
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish
from dangjian.site.testing.factories import World


def publish_party_day_task(world: World, *, title: str = "本月主题党日", due_in_days: int = 10) -> AssignmentTarget:
    """The city committee publishes a 主题党日 task to every branch; returns branch A's copy.
    Its nearest deadline (a 承诺书) is `due_in_days` from today, the records a week later."""
    today = timezone.localdate()
    a = assignment_publish(
        actor=world.admin,
        publisher_org=world.city,
        title=title,
        theme="学习贯彻党的二十届四中全会精神",
        window_start=today - dt.timedelta(days=1),
        window_end=today + dt.timedelta(days=due_in_days + 10),
        deliverables=[
            DeliverableSpec("承诺书", DeliverableKind.DOCUMENT, today + dt.timedelta(days=due_in_days)),
            DeliverableSpec("会议记录", DeliverableKind.MEETING_RECORD, today + dt.timedelta(days=due_in_days + 7)),
            DeliverableSpec("活动总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=due_in_days + 7)),
        ],
        required_actions=["佩戴党徽", "交纳党费", "重温入党誓词"],
        collective_study=["党的二十届四中全会精神"],
        self_study=[],
        practical_deeds=[],
    )
    return AssignmentTarget.objects.get(assignment=a, org=world.branch)
