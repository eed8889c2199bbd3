"""URL-walk fixtures for orgs: branch A itself and a post (职务) held in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.testing.factories import World
from dangjian.orgs.services import post_assign


def rows(world: World) -> dict[str, dict[str, Any]]:
    post = post_assign(
        actor=world.admin, org=world.branch, member=world.member, post="secretary", started_on=dt.date(2024, 1, 1)
    )
    org = {"pk": world.branch}
    return {
        "orgs:detail": org,
        "orgs:children": org,
        "orgs:create_child": org,
        "orgs:edit": org,
        "orgs:move": org,
        "orgs:post_assign": org,
        "orgs:config": org,
        "orgs:post_end": {"pk": post},
    }
