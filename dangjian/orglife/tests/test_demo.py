from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orglife import rules, selectors
from dangjian.orglife.demo import build_demo
from dangjian.orglife.models import Meeting, MeetingPhoto, ResolutionAction
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def test_demo_builds_all_three_colours_and_flags(world: World) -> None:
    branches = [world.branch, world.other_branch]
    members = {world.branch.pk: [world.member], world.other_branch.pk: []}
    for b in branches:
        for i in range(7):
            members[b.pk].append(make_member(b, name=f"{b.pk}成员{i}"))
    for i in range(6):
        b = org_create(actor=SYSTEM, parent=world.unit, name=f"演示支部{i}", kind="branch", sector="agency")
        members[b.pk] = [make_member(b, name=f"演示{i}成员{k}") for k in range(4)]
        branches.append(b)
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=branches,
        members_by_branch=members,
        org_admin=world.admin,
        log=lambda s: None,
    )
    build_demo(ctx)
    assert Meeting.objects.filter(is_party_day=True).count() > 70
    assert Meeting.objects.filter(late=True).exists()
    assert Meeting.objects.filter(status="draft").exists()
    assert MeetingPhoto.objects.exclude(time_check="ok").exists()
    assert MeetingPhoto.objects.filter(duplicate_of__isnull=False).exists()
    assert ResolutionAction.objects.filter(status="open").exists()
    assert ResolutionAction.objects.filter(status="done").exists()
    current = rules.month_key(timezone.localdate())
    months = rules.month_range(rules.add_months(current, -12), 12)
    mx = selectors.compliance_matrix(world.admin, world.unit, months, today=timezone.localdate())
    colours = {c for row in mx.rows for _, c, _ in row.cells}
    assert {"green", "yellow", "red"} <= colours
    assert Meeting.objects.filter(started_at__gt=timezone.now() + dt.timedelta(days=1)).count() == 1
