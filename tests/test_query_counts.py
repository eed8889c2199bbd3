"""Query budgets of the pages opened most (issue 18): each FAILS if its count grows.

Counts include the session and user reads of the request. The home's parts share the lookups they
repeat (the user's member row, the branch's next party day, the role rows) through `request_memo`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dangjian.site.testing.factories import World, make_member

# The home tests pick their persona with `request.getfixturevalue`, which pytest-django cannot see
# when it decides which test databases to create: run alone they would hit the unmigrated file
# database ("no such table"). The marker declares the need for every test here.
pytestmark = pytest.mark.django_db

# A home page whose snapshot is current (core/snapshot.py): session, user, roles, own member row,
# the audit check, and the notices with their count in one read -- whatever the number of apps.
HOME_BUDGET = 6
# Computing the snapshot: each app's 待办 provider reads its own tables (one query each, points and
# appraisal included; community and openness none for a plain member, and for a manager one more each:
# the in-service members not yet reported in this quarter, the members' 申请公开 awaiting an answer)
# plus the audit head.
HOME_COLD_BUDGET = {"as_secretary": 40, "as_liaison": 33, "as_member": 16, "as_admin": 35}


@pytest.mark.parametrize("who", sorted(HOME_COLD_BUDGET))
def test_home_query_budget(who: str, request: Any, django_assert_max_num_queries: Any) -> None:
    client: Client = request.getfixturevalue(who)
    client.get("/")  # warm the per-process caches (calendar, content types) and the snapshot
    with django_assert_max_num_queries(HOME_BUDGET):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("who", sorted(HOME_COLD_BUDGET))
def test_home_cold_query_budget(who: str, request: Any, django_assert_max_num_queries: Any) -> None:
    client: Client = request.getfixturevalue(who)
    client.get("/")
    cache.clear()  # the snapshot goes; the per-process caches stay
    with django_assert_max_num_queries(HOME_COLD_BUDGET[who]):
        assert client.get("/").status_code == 200


def test_roster_query_budget(world: World, as_secretary: Client, django_assert_max_num_queries: Any) -> None:
    url = reverse("members:roster", args=[world.branch.pk])
    as_secretary.get(url)
    # Session, user, org, roles, 党小组, the page, the notices: no COUNT, the first page holds everyone.
    with django_assert_max_num_queries(7):
        assert as_secretary.get(url).status_code == 200


def test_root_roster_counts_a_bounded_number_of_rows(
    world: World, as_admin: Client, django_assert_max_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of 50 never counts the whole subtree (issue 18, the province): the roster's count
    stops at ROSTER_CAP + 1 rows, at the root as in a branch, in the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.members import views
    from dangjian.members.views import ROSTER_CAP

    monkeypatch.setattr(views, "PAGE_SIZE", 1)  # more rows than the first page: the count is needed
    make_member(world.other_branch, name="计数")  # the city then holds at least two members

    url = reverse("members:roster", args=[world.city.pk])
    as_admin.get(url)
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as ctx:
        assert as_admin.get(url).status_code == 200
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "members_member" in q["sql"]]
    assert counts and all(f"LIMIT {ROSTER_CAP + 1}" in sql.upper() for sql in counts)


def test_dues_sheet_query_budget(world: World, as_secretary: Client, django_assert_max_num_queries: Any) -> None:
    url = reverse("dues:sheet", args=[world.branch.pk])
    as_secretary.get(url)
    # Session, user, the branch, the roles, the unread count, and the sheet's three: members with their
    # month's line, base and relief; their arrears; the disclosure (settings only to assess a base).
    with django_assert_max_num_queries(8):
        assert as_secretary.get(url).status_code == 200


def test_meeting_list_query_budget(world: World, as_secretary: Client, django_assert_max_num_queries: Any) -> None:
    url = reverse("orglife:org_meetings", args=[world.branch.pk])
    as_secretary.get(url)
    # Session, user, org, roles, the page (also the calendar's month), the absence streaks, the notices.
    with django_assert_max_num_queries(7):
        assert as_secretary.get(url).status_code == 200


MATRIX_BUDGET = 6  # session, user, the org, the roles, the audit probe of the kept rows, the unread count
# Computing the rows: the audit head, the settings, the children with their branch counts, the
# monthly / quarterly / yearly roll-ups, the compliant shares (a committee), the breadcrumb (below the root).
MATRIX_COLD_BUDGET = {"city": 12, "unit": 13, "branch": 12}


@pytest.mark.parametrize("where", sorted(MATRIX_COLD_BUDGET))
def test_matrix_query_budget(where: str, world: World, request: Any, django_assert_max_num_queries: Any) -> None:
    client: Client = request.getfixturevalue("as_secretary" if where == "branch" else "as_admin")
    url = reverse("orglife:matrix", args=[getattr(world, where).pk])
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(MATRIX_BUDGET):
        assert client.get(url).status_code == 200
    cache.clear()
    with django_assert_max_num_queries(MATRIX_COLD_BUDGET[where]):
        assert client.get(url).status_code == 200
