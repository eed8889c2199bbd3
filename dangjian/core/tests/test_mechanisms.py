"""Shared mechanisms: bulk insert (executemany / COPY), optimistic locking, tree-path helpers.

The bulk tests run on whichever database the suite uses, so the test command covers SQLite and
PostgreSQL (where more than `COPY_MIN_ROWS` rows take the COPY path)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from dangjian.core import bulk
from dangjian.core.models import CalendarDay, CalendarYear
from dangjian.core.paths import STEPLEN, ancestor_paths, depth_of, parent_path
from dangjian.core.versioning import CONFLICT_MESSAGE, VersionConflict, bump, check_version, lock

COLUMNS = ["date", "is_working", "name", "source", "updated_at"]
START = dt.date(2090, 1, 1)  # far past the holiday rows the calendar is seeded with


def _days(first: dt.date, n: int) -> list[tuple[Any, ...]]:
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    return [
        (connection.ops.adapt_datefield_value(first + dt.timedelta(days=i)), i % 2 == 0, f"日{i}", "admin", stamp)
        for i in range(n)
    ]


# ---------------------------------------------------------------- core.bulk


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, bulk.COPY_MIN_ROWS + 50])
def test_insert_rows_small_and_copy_sized(n: int) -> None:
    assert bulk.insert_rows(CalendarDay, COLUMNS, _days(START, n)) == n
    assert CalendarDay.objects.filter(date__gte=START).count() == n
    last = CalendarDay.objects.get(date=START + dt.timedelta(days=n - 1))
    assert last.name == f"日{n - 1}" and last.is_working == ((n - 1) % 2 == 0)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [4, bulk.COPY_MIN_ROWS + 50])
def test_insert_rows_ignoring_conflicts_counts_only_new_rows(n: int) -> None:
    bulk.insert_rows(CalendarDay, COLUMNS, _days(START, 2))
    rows = _days(START, n)
    assert bulk.insert_rows(CalendarDay, COLUMNS, rows, ignore_conflicts=True, analyze=True) == n - 2
    assert bulk.insert_rows(CalendarDay, COLUMNS, rows, ignore_conflicts=True) == 0
    assert CalendarDay.objects.filter(date__gte=START).count() == n


@pytest.mark.django_db
def test_insert_rows_conflict_without_ignore_raises_and_writes_nothing() -> None:
    from django.db import IntegrityError

    bulk.insert_rows(CalendarDay, COLUMNS, _days(START, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(CalendarDay, COLUMNS, _days(START, 3))
    assert CalendarDay.objects.filter(date__gte=START).count() == 1


@pytest.mark.django_db
def test_insert_rows_nothing_to_do() -> None:
    assert bulk.insert_rows(CalendarDay, COLUMNS, []) == 0
    bulk.refresh_statistics(CalendarDay)  # harmless on either database


# ---------------------------------------------------------------- core.versioning


@pytest.mark.django_db
def test_check_version_and_bump() -> None:
    cy = CalendarYear.objects.create(year=2031)
    check_version(cy, None)  # no version sent: not checked
    check_version(cy, 1)
    check_version(cy, "1")  # straight from a form
    for stale in (0, 2, "x", "2"):
        with pytest.raises(VersionConflict) as exc:
            check_version(cy, stale)
        assert exc.value.messages == [CONFLICT_MESSAGE] and exc.value.code == "version_conflict"
    assert isinstance(exc.value, ValidationError)  # views that show ValidationErrors show this one
    assert bump(cy) == 2 and cy.version == 2


@pytest.mark.django_db(transaction=True)
def test_lock_reads_the_row_under_lock_and_checks() -> None:
    cy = CalendarYear.objects.create(year=2031)
    CalendarYear.objects.filter(pk=cy.pk).update(version=5)  # someone else saved meanwhile
    with transaction.atomic():
        current = lock(CalendarYear.objects, cy.pk, 5)
        assert current.version == 5
        with pytest.raises(VersionConflict):
            lock(CalendarYear.objects.all(), cy.pk, cy.version)


# ---------------------------------------------------------------- core.paths


def test_parent_and_ancestor_paths() -> None:
    root, child, grandchild = "0001", "00010002", "000100020003"
    assert STEPLEN == 4
    assert parent_path(grandchild) == child and parent_path(child) == root and parent_path(root) == ""
    assert ancestor_paths(grandchild) == [root, child, grandchild]
    assert ancestor_paths(grandchild, include_self=False) == [root, child]
    assert ancestor_paths(root, include_self=False) == []
    assert [depth_of(p) for p in (root, child, grandchild)] == [1, 2, 3]


@pytest.mark.django_db
def test_steplen_is_the_org_trees(world: Any) -> None:
    assert type(world.branch).steplen == STEPLEN
    assert parent_path(world.branch.path) == world.unit.path
    assert ancestor_paths(world.branch.path) == [world.city.path, world.unit.path, world.branch.path]
    assert depth_of(world.branch.path) == world.branch.depth
