"""URL-walk fixtures for orgs: branch A itself and a post (职务) held in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.orgs.services import post_assign
from dangjian.site.testing.factories import World


def rows(world: World) -> dict[str, dict[str, Any]]:
    post = post_assign(
        actor=world.admin, org=world.branch, member=world.member, post="secretary", started_on=dt.date(2024, 1, 1)
    )
    by_org = ("orgs:detail", "orgs:children", "orgs:create_child", "orgs:edit", "orgs:move", "orgs:post_assign")
    return {
        **{name: {"pk": world.branch} for name in (*by_org, "orgs:config")},
        "orgs:post_end": {"pk": post},
    }
