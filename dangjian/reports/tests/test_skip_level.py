"""`reports.skip_level` (本级不汇总) as the setting documents it: the org receives no reports and
submits no roll-up of its own; its branches report straight to the level above, whose roll-up (a sum
over its whole subtree) already includes them; nobody is chased (督办) for the skipped roll-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import login_client
from dangjian.accounts.models import RoleAssignment
from dangjian.core.models import Notification
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization
from dangjian.orgs.services import config_set
from dangjian.reports import selectors, services
from dangjian.reports.models import Report
from dangjian.site.testing.factories import World, make_user

from .helpers import last_month, party_day_last_month, submit_branch_report

pytestmark = pytest.mark.django_db


def _skip(world: World, org: Organization | None = None) -> None:
    config_set(actor=world.admin, org=org or world.unit, key="reports.skip_level", raw_value=True)


def test_a_skipping_committee_neither_receives_nor_rolls_up(world: World) -> None:
    assert not selectors.skips_level(world.unit)
    _skip(world)
    assert selectors.skips_level(world.unit)
    assert not selectors.skips_level(world.branch)  # a branch always reports
    party_day_last_month(world)
    party_day_last_month(world, world.other_branch)
    a = submit_branch_report(world)
    submit_branch_report(world, org=world.other_branch)
    assert a.report.receiver_id == world.city.pk  # straight to the level above
    y, m = last_month()
    with pytest.raises(ValidationError, match="本级不汇总"):
        services.report_submit(actor=SYSTEM, org=world.unit, year=y, month=m, highlights="汇总")
    assert not Report.objects.filter(org=world.unit).exists()
    city = services.report_submit(actor=world.admin, org=world.city, year=y, month=m)
    assert city.figures["partyday"]["held"] == 2 and city.coverage["submitted"] == 2  # the whole subtree


def test_the_root_never_skips(world: World) -> None:
    _skip(world, world.city)
    assert not selectors.skips_level(world.city)
    y, m = last_month()
    assert services.report_submit(actor=world.admin, org=world.city, year=y, month=m).report.kind == "rollup"


def _late_day(world: World) -> dt.date:
    s = selectors.settings_for_paths([world.unit.path])[world.unit.path]
    y, m = last_month()
    _, due = selectors.period_and_due(s, y, m)
    late = due.on + dt.timedelta(days=s.missing_days)
    if selectors.latest_ended(s, late) != (y, m):
        pytest.skip("the grace runs into the next period")
    return late


def test_no_escalation_for_a_skipped_rollup(world: World) -> None:
    late = _late_day(world)
    _skip(world)
    services.reports_remind(actor=SYSTEM, today=late)
    keys = set(Notification.objects.values_list("key", flat=True))
    assert any(k.startswith(f"reports.missing:{world.branch.pk}:") for k in keys)  # branches still owe
    assert not any(k.startswith(f"reports.missing:{world.unit.pk}:") for k in keys)


def test_without_the_setting_the_committee_is_escalated(world: World) -> None:
    late = _late_day(world)
    services.reports_remind(actor=SYSTEM, today=late)
    keys = set(Notification.objects.values_list("key", flat=True))
    assert any(k.startswith(f"reports.missing:{world.unit.pk}:") for k in keys)


def test_the_month_page_says_so_and_offers_no_sign_off(world: World) -> None:
    secretary = make_user("工委书记", "13800000071")
    RoleAssignment.objects.create(user=secretary, org=world.unit, role="secretary")
    as_unit = login_client(secretary)
    y, m = last_month()
    url = reverse("reports:month", args=[world.unit.pk, y, m])
    assert 'id="sign-off"' in as_unit.get(url).content.decode()
    _skip(world)
    page = as_unit.get(url).content.decode()
    assert "本级不汇总" in page and 'id="sign-off"' not in page
    r = as_unit.post(reverse("reports:submit", args=[world.unit.pk, y, m]), {"highlights": ""}, follow=True)
    assert "本级不汇总" in r.content.decode() and not Report.objects.filter(org=world.unit).exists()
