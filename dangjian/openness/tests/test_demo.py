from __future__ import annotations

import random

from django.utils import timezone

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.openness.demo import VILLAGE, build_demo
from dangjian.openness.models import CatalogueItem, Deliberation, Disclosure, DisclosureDue
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member


def test_demo_builds_catalogue_gate_and_deliberation(world: World) -> None:
    village = org_create(actor=SYSTEM, parent=world.unit, name=VILLAGE, kind="branch", sector="village")
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=[world.branch, village],
        members_by_branch={world.branch.pk: [world.member, make_member(world.branch)]},
        org_admin=world.admin,
        users={"member": world.member_user, "liaison": world.liaison, "secretary": world.secretary},
        log=lambda s: None,
        extra={"orgs_by_name": {VILLAGE: village}},
    )
    build_demo(ctx)
    assert CatalogueItem.objects.filter(org=world.city).count() == 7
    published = Disclosure.objects.get(org=world.branch, status="published")
    assert published.approved_by == world.secretary and published.reviewed_by == world.liaison
    assert Disclosure.objects.filter(org=world.branch, status="reviewed", item__isnull=True).exists()
    assert DisclosureDue.objects.filter(org=world.branch).exists()
    d = Deliberation.objects.get(org=village)
    assert d.stages.count() == 4 and d.decision_disclosure is not None
