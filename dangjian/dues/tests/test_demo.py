from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.dues.demo import build_demo
from dangjian.dues.models import DuesArrearsFlag, DuesBase, DuesDisclosure, DuesExemption, DuesPayment
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member, make_user


def test_demo_builds_a_year_with_arrears_and_disclosure(world: World) -> None:
    branches = [world.branch]
    members = {world.branch.pk: [world.member, *[make_member(world.branch) for _ in range(6)]]}
    members[world.branch.pk].append(make_member(world.branch, category="retired"))
    for i in range(3):
        b = org_create(actor=SYSTEM, parent=world.unit, name=f"演示支部{i}", kind="branch", sector="agency")
        RoleAssignment.objects.create(user=make_user(f"书记{i}"), org=b, role="secretary")
        members[b.pk] = [make_member(b, category=c) for c in ("in_service", "retired", "student", "farmer")]
        branches.append(b)
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=branches,
        members_by_branch=members,
        org_admin=world.admin,
        users={"member": world.member_user},
        log=lambda s: None,
    )
    build_demo(ctx)
    total = sum(len(v) for v in members.values())
    assert DuesBase.objects.values("member").distinct().count() == total
    assert DuesPayment.objects.count() > total * 3
    flag = DuesArrearsFlag.objects.get(resolved_at__isnull=True)
    assert flag.months >= 6 and flag.member_id != world.member.pk
    assert DuesDisclosure.objects.exists()
    assert DuesExemption.objects.filter(status="approved").count() == 1
    assert DuesPayment.objects.filter(by_proxy=True).count() == 1
    assert DuesPayment.objects.filter(mismatch=True).exists()
    assert DuesBase.objects.exclude(reason="").exists() or timezone.localdate().month <= 3
    # The demo login member is fully paid for the year.
    months = DuesPayment.objects.filter(member=world.member).values_list("months__month", flat=True)
    assert dt.date(timezone.localdate().year, timezone.localdate().month, 1) in set(months)
