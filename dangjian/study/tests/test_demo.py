from __future__ import annotations

import random

from django.utils import timezone

from dangjian.core.demo import DemoContext
from dangjian.orglife.demo import build_demo as orglife_demo
from dangjian.site.testing.factories import World, make_member
from dangjian.study.demo import build_demo
from dangjian.study.models import Lecture, Lecturer, MemberStudyYear, MobileContact, Reflection, StudyList

from .helpers import exempt_member, mobile_member


def test_demo_builds_lecturers_lists_contacts_and_hours(world: World) -> None:
    members = [world.member, mobile_member(world.branch), exempt_member(world.branch)]
    members += [make_member(world.branch) for _ in range(3)]
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=[world.branch],
        members_by_branch={world.branch.pk: members},
        org_admin=world.admin,
        users={"member": world.member_user, "liaison": world.liaison, "secretary": world.secretary},
        log=lambda s: None,
    )
    orglife_demo(ctx)
    build_demo(ctx)
    assert Lecturer.objects.filter(org=world.city).count() == 3
    assert Lecture.objects.get().meeting_id is not None
    assert StudyList.objects.count() == 2
    assert MobileContact.objects.count() == 1
    assert Reflection.objects.get().featured
    assert MemberStudyYear.objects.filter(year=ctx.today.year).count() >= 6
