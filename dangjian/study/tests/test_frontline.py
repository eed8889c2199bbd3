"""Front-line members (seed 001): their group or branch at the work site is an org like any other,
and orglife's compliance already applies the monthly-activity rule (主题党日 every month) to it."""

from __future__ import annotations

from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.orglife import rules as orglife_rules
from dangjian.orglife.selectors import branch_compliance
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member

from .helpers import filed_meeting


def _party_day_state(org: object, month: int) -> str:
    cell = branch_compliance(org, [month])[0]  # type: ignore[arg-type]
    return next(r.state for r in cell.requirements if r.kind == "party_day")


def test_monthly_activity_rule_applies_to_a_front_line_branch(world: World) -> None:
    site = org_create(
        actor=SYSTEM,
        parent=world.unit,
        name="援疆项目部临时党支部",
        kind="branch",
        sector="soe",
        temporary=True,
        unit_name="援疆工程项目部（一线）",
    )
    workers = [make_member(site) for _ in range(3)]
    today = timezone.localdate()
    last_month = orglife_rules.add_months(orglife_rules.month_key(today), -1)
    assert _party_day_state(site, last_month) == "missing"  # no activity last month: flagged like any branch
    held = filed_meeting(site, {w.pk: "present" for w in workers}, days_ago=1)
    assert _party_day_state(site, held.month) in ("ok", "incomplete")
