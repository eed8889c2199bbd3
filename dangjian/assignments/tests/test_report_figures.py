"""The upward-report figures (ReportSource "assignments") equal the task targets they cite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assignments import selectors
from dangjian.assignments.models import AssignmentTarget, DeliverableKind
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish, target_claim
from dangjian.site.testing.factories import World

pytestmark = pytest.mark.django_db


def test_figures_equal_the_targets(world: World) -> None:
    today = timezone.localdate()
    a = assignment_publish(
        actor=world.admin,
        publisher_org=world.city,
        title="主题党日",
        theme="学习",
        window_start=today,
        window_end=today + dt.timedelta(days=20),
        deliverables=[DeliverableSpec("会议记录", DeliverableKind.MEETING_RECORD, today + dt.timedelta(days=20))],
    )
    target_claim(actor=world.liaison, target=AssignmentTarget.objects.get(assignment=a, org=world.branch))
    with CaptureQueriesContext(connection) as ctx:
        figures = selectors.report_figures([world.branch.path, world.other_branch.path], today.replace(day=1), today)
    assert len(ctx.captured_queries) == 1
    assert figures[world.branch.path] == {"received": 1, "claimed": 1, "submitted": 0, "approved": 0}
    assert figures[world.other_branch.path]["claimed"] == 0
    targets = AssignmentTarget.objects.filter(org_path=world.branch.path)
    assert figures[world.branch.path]["claimed"] == targets.filter(claimed_at__isnull=False).count()
