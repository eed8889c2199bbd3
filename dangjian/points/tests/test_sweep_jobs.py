"""The nightly sweep shared by queue workers: a tree's members cut into slices of ids, one job each
(`DANGJIAN_POINTS_SWEEP_JOBS`), with the same ledger as one job."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from dangjian.members.models import Member
from dangjian.points.models import MemberYear, PointEntry
from dangjian.points.selectors import points_sweep_slices
from dangjian.points.tasks import points_sweep
from dangjian.site.testing.factories import World, make_member

from .helpers import filed_meeting

pytestmark = pytest.mark.django_db


def test_slices_cover_every_member_once_in_about_equal_parts(world: World) -> None:
    for i in range(9):
        make_member(world.branch, name=f"党员{i}")
    ids = sorted(Member.objects.values_list("pk", flat=True))
    total = len(ids)
    for parts in (1, 2, 3, total, total + 5):
        slices = points_sweep_slices(world.city, parts)
        covered = [[pk for pk in ids if a <= pk <= b] for a, b in slices]
        assert sorted(pk for part in covered for pk in part) == ids  # every member, once
        assert len(slices) == min(parts, total)
        assert max(map(len, covered)) - min(map(len, covered)) <= -(-total // parts)
        assert slices[-1][1] >= 2**62  # open-ended: members added meanwhile are in the last slice
    empty = points_sweep_slices(world.city, 3)
    Member.objects.all().delete()
    assert empty and points_sweep_slices(world.city, 3) == []  # no members: no jobs


def _ledger() -> list[tuple[Any, ...]]:
    return sorted(PointEntry.objects.values_list("member_id", "year", "item_code", "points", "ref"))


def test_the_sliced_sweep_writes_what_one_job_writes(world: World, settings: Any) -> None:
    for i in range(5):
        make_member(world.branch, name=f"党员{i}")
    filed_meeting(world.branch, {world.member.pk: "present"})
    today = timezone.localdate().isoformat()

    settings.DANGJIAN_POINTS_SWEEP_JOBS = 1
    one = points_sweep.call(today)
    assert one["members"] == Member.objects.count() and one["queued"] == 0
    expected, totals = _ledger(), sorted(MemberYear.objects.values_list("member_id", "total"))
    PointEntry.objects.all().delete()
    MemberYear.objects.all().delete()

    settings.DANGJIAN_POINTS_SWEEP_JOBS = 3  # the test queue runs each job at once
    sliced = points_sweep.call(today)
    assert sliced["queued"] == 3 * (2 if timezone.localdate().month == 1 else 1)
    assert _ledger() == expected
    assert sorted(MemberYear.objects.values_list("member_id", "total")) == totals
