"""URL-walk fixtures for partyday: branch A's plan (submitted, awaiting the committee) and a
pending change request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.partyday import services
from dangjian.site.testing.factories import World

YEAR = 2027
PLAN = {m: (f"{m}月主题", f"{m}月内容") for m in range(1, 13)}


def rows(world: World) -> dict[str, dict[str, Any]]:
    plan = services.plan_save(actor=world.secretary, org=world.branch, year=YEAR, items=PLAN)
    plan = services.plan_submit(actor=world.secretary, plan=plan)
    change = services.change_request_create(
        actor=world.secretary, org=world.branch, year=YEAR, month=3, new_date=dt.date(YEAR, 3, 3), reason="培训"
    )
    by_org = ("partyday:setting", "partyday:setting_clear", "partyday:change_new")
    by_org_year = ("partyday:year", "partyday:plan", "partyday:plan_submit", "partyday:board")
    return {
        **{name: {"pk": world.branch} for name in by_org},
        **{name: {"pk": world.branch, "year": YEAR} for name in by_org_year},
        "partyday:plan_decide": {"pk": plan},
        "partyday:change_decide": {"pk": change},
    }
