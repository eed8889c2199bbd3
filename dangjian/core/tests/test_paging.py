"""BoundedPaginator: exact below its cap, says "more" above it, and never counts past cap + 1 rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.paging import BoundedPaginator


@pytest.mark.parametrize(
    ("rows", "cap", "count", "capped", "pages"),
    [(9, 10, 9, False, 5), (10, 10, 10, False, 5), (11, 10, 10, True, 5), (0, 10, 0, False, 1)],
)
def test_list_boundaries(rows: int, cap: int, count: int, capped: bool, pages: int) -> None:
    p = BoundedPaginator(list(range(rows)), 2, cap=cap)
    assert (p.count, p.capped, p.num_pages) == (count, capped, pages)


@pytest.mark.django_db
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_queryset_count_is_bounded_by_the_cap(delta: int) -> None:
    qs: Any = ContentType.objects.order_by("pk")
    total = qs.count()
    cap = total + delta
    p = BoundedPaginator(qs, 5, cap=cap)
    with CaptureQueriesContext(connection) as ctx:
        assert p.count == min(total, cap)
    assert p.capped is (total > cap)
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "COUNT(" in sql.upper() and f"LIMIT {cap + 1}" in sql.upper()  # counts at most cap + 1 rows
    last = p.page(p.num_pages)
    assert list(last)[-1] == qs[min(total, cap) - 1]  # the last page ends at the cap, not beyond
