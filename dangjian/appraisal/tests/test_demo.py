from __future__ import annotations

import datetime as dt
import random

from dangjian.appraisal.demo import build_demo
from dangjian.appraisal.models import Appraisal, AppraisalState, OrgLifeReview, Rectification, Talk
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Post
from dangjian.orgs.services import org_create, post_assign
from dangjian.site.testing.factories import World, make_member


def test_demo_builds_talks_and_appraisals(world: World) -> None:
    branches = [world.branch]
    members = {world.branch.pk: [world.member, *(make_member(world.branch) for _ in range(5))]}
    post_assign(actor=SYSTEM, org=world.branch, member=world.member, post=Post.SECRETARY)
    post_assign(actor=SYSTEM, org=world.branch, member=members[world.branch.pk][1], post=Post.ORGANIZATION)
    b = org_create(actor=SYSTEM, parent=world.unit, name="演示支部", kind="branch", sector="agency")
    members[b.pk] = [make_member(b) for _ in range(4)]
    branches.append(b)
    today = dt.date(2026, 11, 22)
    ctx = DemoContext(
        today=today,
        rng=random.Random(7),
        root=world.city,
        branches=branches,
        members_by_branch=members,
        org_admin=world.admin,
        log=lambda s: None,
    )
    ctx.extra["orgs_by_name"] = {"市教育局机关第一党支部": world.branch}  # the demo secretary's branch
    build_demo(ctx)
    assert Talk.objects.filter(org=world.branch, year=2026).exists()
    assert set(Appraisal.objects.filter(year=2025).values_list("status", flat=True)) == {AppraisalState.SIGNED}
    assert Appraisal.objects.get(org=world.branch, year=2026).status == AppraisalState.DRAFT
    assert OrgLifeReview.objects.get(org=world.branch).year == 2025
    assert Rectification.objects.filter(org=world.branch, verified_at__isnull=False).count() == 1
