from __future__ import annotations

import random

from django.utils import timezone

from dangjian.core.demo import DemoContext
from dangjian.orglife.demo import build_demo as orglife_demo
from dangjian.points.demo import build_demo
from dangjian.points.models import BranchRating, ManualPoint, MemberYear, PointEntry, PublicNotice, ScoringManual
from dangjian.site.testing.factories import World, make_member


def test_demo_builds_manual_queue_and_stars(world: World) -> None:
    members = {world.branch.pk: [world.member, *[make_member(world.branch) for _ in range(4)]]}
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=[world.branch],
        members_by_branch=members,
        org_admin=world.admin,
        users={"member": world.member_user, "liaison": world.liaison, "secretary": world.secretary},
        log=lambda s: None,
    )
    orglife_demo(ctx)
    build_demo(ctx)
    assert ScoringManual.objects.filter(org=world.city).exists()
    assert ManualPoint.objects.filter(status="approved", member=world.member).count() == 1
    assert ManualPoint.objects.filter(status="pending").count() == 1
    assert MemberYear.objects.filter(year=ctx.today.year).count() >= 5
    assert PointEntry.objects.filter(member=world.member, item_code="commendation").exists()
    assert PublicNotice.objects.filter(org=world.branch).exists()
    assert BranchRating.objects.filter(org=world.branch, year=ctx.today.year).exists()
    build_demo(ctx)  # a second run on the same database writes no second notice or rating
    assert BranchRating.objects.count() == 1 and PublicNotice.objects.count() == 1
