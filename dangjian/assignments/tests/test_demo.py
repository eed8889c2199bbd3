import random

from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.assignments.demo import build_demo
from dangjian.assignments.models import Assignment, Submission
from dangjian.assignments.selectors import board_counts
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import make_member, make_user


def test_demo_recreates_the_march_notice_with_every_status(world):
    branches = [world.branch, world.other_branch]
    members = {world.branch.pk: [world.member]}
    RoleAssignment.objects.create(user=make_user("财政书记", "13800000061"), org=world.other_branch, role="secretary")
    for i in range(8):
        b = org_create(actor=SYSTEM, parent=world.unit, name=f"演示党支部{i}", kind="branch")
        RoleAssignment.objects.create(user=make_user(f"书记{i}", f"138000001{i:02d}"), org=b, role="secretary")
        members[b.pk] = [make_member(b), make_member(b)]
        branches.append(b)
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(7),
        root=world.city,
        branches=branches,
        members_by_branch=members,
        org_admin=world.admin,
        log=lambda s: None,
    )
    build_demo(ctx)
    a = Assignment.objects.get()
    assert (a.window_end - a.window_start).days == 19 and "五亮五共" in a.theme
    assert a.deliverables.order_by("due_on", "position").values_list("kind", flat=True).first() == "document"
    counts = board_counts(a)
    for status in ("unclaimed", "claimed", "submitted", "returned", "approved", "overdue"):
        assert counts[status] > 0, (status, counts)
    assert Submission.objects.filter(target__assignment=a, round=2).exists()
