from __future__ import annotations

import random

from django.utils import timezone

from dangjian.brands.demo import build_demo
from dangjian.brands.models import Campaign, Project, Stage
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World

from .helpers import reviewer_user


def test_demo_builds_a_call_with_projects_at_each_stage(world: World) -> None:
    extra = [org_create(actor=SYSTEM, parent=world.unit, name=f"演示第{i}党支部", kind="branch") for i in range(4)]
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=[world.branch, world.other_branch, *extra],
        org_admin=world.admin,
        users={"reviewer": reviewer_user(world)},
        log=lambda s: None,
    )
    build_demo(ctx)
    c = Campaign.objects.get()
    assert len(c.must_apply) == 3
    stages = set(Project.objects.filter(campaign=c).values_list("stage", flat=True))
    assert {Stage.PUBLICITY, Stage.CANDIDATE, Stage.ENDORSED, Stage.SUBMITTED, Stage.DRAFT} <= stages
