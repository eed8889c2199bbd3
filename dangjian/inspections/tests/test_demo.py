from __future__ import annotations

import datetime as dt
import random

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.inspections.demo import build_demo
from dangjian.inspections.models import Draw, Finding, FindingStatus, Inspection, InspectionStatus, Plan
from dangjian.inspections.verify import verify_draws
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World


def test_demo_builds_a_drawn_plan_visits_and_a_finding(world: World) -> None:
    others = [
        org_create(actor=SYSTEM, parent=world.unit, name=f"演示支部{i}", kind="branch", sector=s)
        for i, s in enumerate(["hospital", "school", "agency"])
    ]
    ctx = DemoContext(
        today=dt.date(2026, 11, 22),
        rng=random.Random(7),
        root=world.city,
        branches=[world.branch, *others],
        org_admin=world.admin,
        users={"liaison": world.liaison},
        log=lambda s: None,
    )
    ctx.extra["orgs_by_name"] = {"市教育局机关第一党支部": world.branch}
    build_demo(ctx)
    assert Plan.objects.count() == 2 and Draw.objects.count() == 1
    visit = Inspection.objects.get(org=world.branch, plan__onsite=False)
    assert visit.fixed and visit.status == InspectionStatus.STARTED
    assert Inspection.objects.filter(status=InspectionStatus.FINISHED).exists()
    assert Finding.objects.get().status == FindingStatus.SUBMITTED
    assert [c.problems for c in verify_draws()] == [[]]
