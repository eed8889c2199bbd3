"""The roster's demo builder runs through the services and leaves a believable state."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.members.demo import EDU_BRANCH, build_demo
from dangjian.members.models import ImportJob, ImportStatus, MemberTransfer, TransferStatus
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def test_build_demo(world: World) -> None:
    edu = org_create(actor=SYSTEM, parent=world.unit, name=EDU_BRANCH, kind="branch", sector="agency")
    RoleAssignment.objects.create(user=world.liaison, org=edu, role="liaison")
    stay = [make_member(edu, name=f"教育{i}") for i in range(3)]
    away = [make_member(world.other_branch, name=f"财政{i}") for i in range(3)]
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(1),
        root=world.city,
        branches=[edu, world.other_branch],
        members_by_branch={edu.pk: stay, world.other_branch.pk: away},
        users={"liaison": world.liaison},
        org_admin=world.admin,
    )
    build_demo(ctx)
    jobs = list(ImportJob.objects.order_by("pk").values_list("status", "created_count", "error_rows"))
    assert jobs == [(ImportStatus.REJECTED, 0, 1), (ImportStatus.COMPLETED, 4, 0)]
    pending = MemberTransfer.objects.get(status=TransferStatus.PENDING)
    assert pending.to_org == edu and pending.member in away
    assert MemberTransfer.objects.filter(status=TransferStatus.COMPLETED, to_org__isnull=True).count() == 1
    assert MemberTransfer.objects.filter(status=TransferStatus.COMPLETED, to_org=edu).count() == 1
