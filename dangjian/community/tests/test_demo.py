from __future__ import annotations

import random

from django.utils import timezone

from dangjian.community.demo import build_demo
from dangjian.community.models import Deed, Need, SecretaryPledge, ServiceLink
from dangjian.core.demo import DemoContext
from dangjian.site.testing.factories import World

from .helpers import make_community


def test_demo_builds_report_in_deeds_and_three_ones(world: World) -> None:
    c = make_community(world, name="青龙社区党支部")
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=[world.branch, world.other_branch],
        org_admin=world.admin,
        users={"member": world.member_user},
        log=lambda s: None,
        extra={"orgs_by_name": {"青龙社区党支部": c.org, "市直机关工委": world.unit}},
    )
    build_demo(ctx)
    assert Need.objects.filter(community=c.org).count() == 4
    assert ServiceLink.objects.get().member == world.member
    assert set(Deed.objects.values_list("status", flat=True)) == {"confirmed", "reported", "claimed"}
    assert SecretaryPledge.objects.get().published
