"""URL-walk fixtures for community: branch A's member reported to a community under another
committee (its QR token, the link, a claimed need, a reported activity) and the unit committee's
published 三个一."""

from __future__ import annotations

from typing import Any

from dangjian.community import services as S
from dangjian.community.views import join_token
from dangjian.site.testing.factories import World

from .helpers import build_community_rows


def rows(world: World) -> dict[str, dict[str, Any]]:
    r = build_community_rows(world)
    published = S.secretary_pledge_publish(actor=world.admin, record=r.three_ones)
    by_community = ("community:desk", "community:poster", "community:need_publish")
    by_link = ("community:link", "community:leave", "community:activity_record")
    by_three_ones = (
        "community:three_ones_publish",
        "community:visit_log",
        "community:three_ones_notice",
        "community:three_ones_report",
    )
    return {
        "community:join": {"token": join_token(r.c.org)},
        "community:claim": {"pk": r.need},
        "community:need_close": {"pk": r.need},
        "community:done": {"pk": r.claimed},
        "community:decide": {"pk": r.reported},
        "community:employer": {"org_pk": world.branch},
        "community:employer_xlsx": {"org_pk": world.branch},
        "community:three_ones": {"org_pk": world.unit},
        "community:three_ones_save": {"org_pk": world.unit},
        **{name: {"org_pk": r.c.org} for name in by_community},
        **{name: {"pk": r.link} for name in by_link},
        **{name: {"pk": published} for name in by_three_ones},
    }
