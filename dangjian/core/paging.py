"""Pagination whose cost is bounded by the page, not by the subtree.

Django's `Paginator` counts every row of its query to number the pages: on a province's root roster
that is a count over 5,000,000 members for a page that shows 50. `BoundedPaginator` counts at
most `cap + 1` rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`): below the cap it is exact, above
it the paginator says so (`capped`) and offers the first `cap` rows' pages only, so deep OFFSETs
are bounded as well. Totals of a whole subtree belong to the roll-ups (the org page, reports).

Most branch lists (a roster of 50, a year of meetings) fit on their first page: fetching that page
already tells how many rows there are, so the first page of a short list runs no COUNT at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

# 200 pages of 50: more than anyone pages through; beyond it, search or filter.
DEFAULT_CAP = 10_000


class BoundedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, cap: int = DEFAULT_CAP, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _seen(self) -> int:
        """Rows counted, at most cap + 1 (one more than the cap tells that there are more)."""
        rows = self.object_list
        if hasattr(rows, "order_by"):  # a QuerySet: count in the database, ordering dropped, bounded
            return int(rows.order_by()[: self.cap + 1].count())
        return min(len(rows), self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self._seen, self.cap)

    @cached_property
    def capped(self) -> bool:
        """More rows than the cap: `count` is the cap, the real total is larger."""
        return self._seen > self.cap

    def get_page(self, number: Any) -> Page:
        """The first page is fetched once, with one row more: when no row is left over its length is
        the count (no COUNT query); a longer list (or any other page) counts as above."""
        if number not in (None, "", "1", 1) or self.orphans or not self.allow_empty_first_page:
            return super().get_page(number)
        # One row more than the page tells whether anything follows: a list that exactly fills its
        # first page (a branch of 50) needs no COUNT either.
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["_seen"] = len(rows)  # every row is on this page (`_seen` is a cached_property)
        # A full first page is rows[0:per_page] whatever the count (no orphans): no second fetch.
        return Page(rows[: self.per_page], 1, self)


def page_of(
    first: list[Any] | None, rows: Callable[[], Any], per_page: int, number: Any, *, cap: int = DEFAULT_CAP
) -> Page:
    """The page `number` of `rows()` (a queryset, built only when needed), where the usual first view
    may come already read as `first`: its first `per_page + 1` rows from a query compiled once per
    process (`core.hotquery`), or None. A first view that holds every row needs no other query; a
    longer one counts on the queryset, its rows already read (as `get_page` takes them)."""
    if first is not None and len(first) <= per_page:
        return BoundedPaginator(first, per_page, cap=cap).get_page(1)
    paginator = BoundedPaginator(rows(), per_page, cap=cap)
    return paginator.get_page(number) if first is None else Page(first[:per_page], 1, paginator)
