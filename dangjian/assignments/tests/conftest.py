"""Fixtures for assignment tests: a published assignment over the persona world, meeting records."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from dangjian.assignments.models import Assignment, AssignmentTarget, DeliverableKind
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish
from dangjian.orglife.models import Attendance, Meeting, Resolution
from dangjian.site.testing.factories import World, make_pdf


def make_meeting(
    org: Any,
    day: dt.date,
    *,
    theme: str = "学习贯彻全国两会精神",
    members: list[Any] | None = None,
    present: int = 1,
    leave: int = 0,
    hours: int = 4,
    filed: bool = True,
) -> Meeting:
    """A party-day meeting record with attendance (test setup for the orglife side); filed unless
    `filed=False` (a draft is not counted as held)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    m = Meeting.objects.create(
        org=org,
        org_path=org.path,
        branch_path=org.path,
        meeting_date=day,
        month=day.year * 100 + day.month,
        is_party_day=True,
        theme=theme,
        started_at=start,
        ended_at=start + dt.timedelta(hours=hours),
        place="党员活动室",
        study_items="全国“两会”精神\n党的二十届二中全会精神",
        required_actions=["佩戴党徽", "交纳党费", "重温入党誓词"],
        status="filed" if filed else "draft",
        filed_at=timezone.now() if filed else None,
    )
    for i, member in enumerate(members or []):
        status = "present" if i < present else ("leave" if i < present + leave else "absent")
        Attendance.objects.create(meeting=m, member=member, org_path=org.path, meeting_date=day, status=status)
    Resolution.objects.create(meeting=m, org_path=org.path, title="每名党员领办一件实事")
    return m


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


def pdf_bytes() -> bytes:
    return make_pdf()


@dataclass
class Published:
    world: World
    assignment: Assignment
    target: AssignmentTarget  # branch A's
    other: AssignmentTarget  # branch B's (the outsider's)
    today: dt.date

    def dlv(self, kind: str) -> Any:
        return self.assignment.deliverables.get(kind=kind)


@pytest.fixture
def published(world: World) -> Published:
    today = timezone.localdate()
    a = assignment_publish(
        actor=world.admin,
        publisher_org=world.city,
        title="3月份主题党日",
        theme="学习贯彻全国“两会”精神",
        window_start=today - dt.timedelta(days=5),
        window_end=today + dt.timedelta(days=20),
        deliverables=[
            DeliverableSpec("承诺书", DeliverableKind.DOCUMENT, today + dt.timedelta(days=2)),
            DeliverableSpec("主题党日会议记录", DeliverableKind.MEETING_RECORD, today + dt.timedelta(days=20)),
            DeliverableSpec("活动照片", DeliverableKind.PHOTOS, today + dt.timedelta(days=20)),
            DeliverableSpec("主题党日活动总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=20)),
        ],
        required_actions=["佩戴党徽", "交纳党费", "重温誓词", "诵读党章"],
        collective_study=["全国“两会”精神"],
        self_study=["《当前经济工作的几个重大问题》"],
        practical_deeds=["开展植绿护绿活动"],
    )
    t = AssignmentTarget.objects.get(assignment=a, org=world.branch)
    o = AssignmentTarget.objects.get(assignment=a, org=world.other_branch)
    return Published(world, a, t, o, today)
