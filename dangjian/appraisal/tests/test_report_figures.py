"""The upward-report figures (ReportSource "appraisal") equal the talks and 整改 items they cite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.appraisal import selectors, services
from dangjian.appraisal.models import Talk
from dangjian.core.scoping import SYSTEM
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def test_figures_equal_the_records(world: World) -> None:
    today = timezone.localdate()
    start, end = today.replace(day=1), today
    peer = make_member(world.branch, name="刘党员")
    third = make_member(world.branch, name="陈党员")
    services.talk_record(
        actor=SYSTEM,
        org=world.branch,
        talker_id=world.member.pk,
        counterpart_ids=[peer.pk, third.pk],
        held_on=today,
    )
    services.talk_record(
        actor=SYSTEM, org=world.branch, talker_id=world.member.pk, counterpart_ids=[peer.pk], held_on=today
    )
    services.rectification_add(
        actor=world.liaison,
        org=world.branch,
        year=today.year,
        problem="组织生活不够规范",
        measure="每月按时召开支委会",
        owner_id=peer.pk,
        deadline=today + dt.timedelta(days=30),
    )
    with CaptureQueriesContext(connection) as ctx:
        figures = selectors.report_figures([world.branch.path, world.other_branch.path], start, end)
    assert len(ctx.captured_queries) <= 4
    mine = figures[world.branch.path]
    talks = Talk.objects.filter(org_path=world.branch.path, held_on__range=(start, end))
    assert mine["talks"] == talks.count() == 2
    people = {t.talker_id for t in talks} | {c.pk for t in talks for c in t.counterparts.all()}
    assert mine["talk_people"] == len(people) == 3
    assert (mine["rect_opened"], mine["rect_closed"], mine["rect_open"]) == (1, 0, 1)
    before = selectors.report_figures([world.branch.path], start - dt.timedelta(days=40), start - dt.timedelta(days=1))
    assert world.branch.path not in before
