"""BoundedPaginator: the first page counts nothing when it holds every row, and pages as before."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.paging import BoundedPaginator
from dangjian.members.models import Member
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def _rows(world: World, n: int) -> list[int]:
    for i in range(n - Member.objects.count()):
        make_member(world.branch, name=f"分页{i:02d}")
    assert Member.objects.count() == n
    return list(Member.objects.order_by("pk").values_list("pk", flat=True))


def _count_queries(ctx: CaptureQueriesContext) -> int:
    return sum("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


@pytest.mark.parametrize("number", [None, "", "1", 1])
def test_a_first_page_short_of_full_is_one_query_and_no_count(world: World, number: object) -> None:
    pks = _rows(world, 4)
    with CaptureQueriesContext(connection) as ctx:
        page = BoundedPaginator(Member.objects.order_by("pk").values_list("pk", flat=True), 5).get_page(number)
        assert (list(page), page.paginator.count, page.paginator.num_pages, page.has_next()) == (pks, 4, 1, False)
    assert len(ctx.captured_queries) == 1 and _count_queries(ctx) == 0


@pytest.mark.parametrize(("per_page", "number"), [(4, None), (4, "2"), (3, "2"), (3, "9"), (3, "x"), (2, "1")])
def test_pages_agree_with_django_paginator(world: World, per_page: int, number: str | None) -> None:
    """A full first page (exactly per_page rows or more), later pages and bad numbers: as Django's."""
    _rows(world, 4)
    qs = Member.objects.order_by("pk").values_list("pk", flat=True)
    ours = BoundedPaginator(qs, per_page).get_page(number)
    django = Paginator(qs, per_page).get_page(number)
    assert (list(ours), ours.number, ours.paginator.count, ours.has_next()) == (
        list(django),
        django.number,
        django.paginator.count,
        django.has_next(),
    )


def test_an_exactly_full_first_page_needs_no_count(world: World) -> None:
    """A branch of 50 on pages of 50: the one row fetched beyond the page is not there."""
    _rows(world, 4)
    with CaptureQueriesContext(connection) as ctx:
        page = BoundedPaginator(Member.objects.order_by("pk"), 4).get_page(None)
        assert len(page) == 4 and page.paginator.count == 4 and not page.has_next()
    assert len(ctx.captured_queries) == 1 and _count_queries(ctx) == 0


def test_one_row_beyond_the_first_page_counts_and_fetches_once(world: World) -> None:
    _rows(world, 4)
    with CaptureQueriesContext(connection) as ctx:
        page = BoundedPaginator(Member.objects.order_by("pk"), 3).get_page(None)
        assert len(page) == 3 and page.paginator.count == 4 and page.has_next()
    assert len(ctx.captured_queries) == 2 and _count_queries(ctx) == 1


def test_an_empty_list_is_one_empty_page(world: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        page = BoundedPaginator(Member.objects.none(), 5).get_page(None)
        assert (list(page), page.paginator.count, page.paginator.num_pages) == ([], 0, 1)
    assert _count_queries(ctx) == 0
