"""A first page that needs no COUNT when it holds every row (issue 18).

Most branch lists (a roster of 50, a year of meetings) fit on their first page: fetching that page
already tells how many rows there are, so the separate `SELECT COUNT(*)` is skipped. A full first
page (or any other page) counts as `BoundedPaginator` does.

It extends `core.paging.BoundedPaginator` and belongs there; it lives here until core takes it.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page

from dangjian.core.paging import BoundedPaginator


class ShortListPaginator(BoundedPaginator):
    def get_page(self, number: Any) -> Page:
        if number not in (None, "", "1", 1) or self.orphans or not self.allow_empty_first_page:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            # Every row is on this page: its length is the count (`_seen` is a cached_property).
            self.__dict__["_seen"] = len(rows)
        # A full first page is rows[0:per_page] whatever the count (no orphans): no second fetch.
        return Page(rows, 1, self)
