"""URL-walk fixtures for reports: branch A's submitted report for last month (and its version),
the unit committee's indicators page, a past quarter's scores, the secretary's 述职 of that year."""

from __future__ import annotations

from typing import Any

from dangjian.reports import services
from dangjian.site.testing.factories import World

from .helpers import last_month, submit_branch_report


def rows(world: World) -> dict[str, dict[str, Any]]:
    y, m = last_month()
    v = submit_branch_report(world)
    duty = services.duty_submit(actor=world.secretary, org=world.branch, year=y, text="本年度述职")
    month = {"org_pk": world.branch, "year": y, "month": m}
    scores = {"org_pk": world.unit, "year": y - 1, "quarter": 4}
    return {
        "reports:month": month,
        "reports:submit": month,
        "reports:version": {"pk": v},
        "reports:dashboard": {"org_pk": world.unit},
        "reports:dashboard_xlsx": {"org_pk": world.unit},
        "reports:indicators": {"org_pk": world.unit},
        "reports:indicator_add": {"org_pk": world.unit},
        "reports:indicator_exclude": {"org_pk": world.unit},
        "reports:scores": scores,
        "reports:score": scores,
        "reports:scores_xlsx": scores,
        "reports:year": {"org_pk": world.branch, "year": y},
        "reports:year_xlsx": {"org_pk": world.branch, "year": y},
        "reports:duty": {"org_pk": world.branch, "year": y},
        "reports:duty_submit": {"org_pk": world.branch, "year": y},
        "reports:duty_rate": {"pk": duty},
        "reports:duty_decide": {"pk": duty},
        "reports:duty_rectification_add": {"pk": duty},
    }
