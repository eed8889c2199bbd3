from __future__ import annotations

import datetime as dt
import random

from dangjian.accounts.models import RoleAssignment
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.services import org_create
from dangjian.partyday.demo import build_demo
from dangjian.partyday.models import AnnualPlan, ChangeRequest, FixedDaySetting
from dangjian.site.testing.factories import World, make_member, make_user


def test_demo_builds_every_state(world: World) -> None:
    branches = [world.branch]
    for i in range(5):
        b = org_create(actor=SYSTEM, parent=world.unit, name=f"演示支部{i}", kind="branch", sector="agency")
        RoleAssignment.objects.create(user=make_user(f"书记{i}"), org=b, role="secretary")
        make_member(b)
        branches.append(b)
    today = dt.date(2026, 11, 22)
    ctx = DemoContext(
        today=today, rng=random.Random(7), root=world.city, branches=branches, org_admin=world.admin, log=lambda s: None
    )
    build_demo(ctx)
    states = set(AnnualPlan.objects.filter(year=2027).values_list("status", flat=True))
    assert states == {"draft", "submitted", "filed", "returned"}
    assert AnnualPlan.objects.filter(year=2027).count() == 5  # one branch not started
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"pending", "approved", "rejected"}
    assert FixedDaySetting.objects.count() == 3
    assert AnnualPlan.objects.get(org=world.branch, year=2026).items.filter(is_current=False).exists()
