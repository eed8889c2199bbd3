"""Query budgets of the pages opened most (issue 18): each FAILS if its count grows.

Counts include the session and user reads of the request. The home's parts share the lookups they
repeat (the user's member row, the branch's next party day, the role rows) through `request_memo`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.site.testing.factories import World

# Each app's 待办 provider reads its own tables; points and appraisal add one query each.
HOME_BUDGET = {"as_secretary": 32, "as_liaison": 26, "as_member": 15, "as_admin": 27}


@pytest.mark.parametrize("who", sorted(HOME_BUDGET))
def test_home_query_budget(who: str, request: Any, django_assert_max_num_queries: Any) -> None:
    client: Client = request.getfixturevalue(who)
    client.get("/")  # warm the per-process caches (calendar, content types)
    with django_assert_max_num_queries(HOME_BUDGET[who]):
        assert client.get("/").status_code == 200


def test_roster_query_budget(world: World, as_secretary: Client, django_assert_max_num_queries: Any) -> None:
    url = reverse("members:roster", args=[world.branch.pk])
    as_secretary.get(url)
    with django_assert_max_num_queries(8):
        assert as_secretary.get(url).status_code == 200
