"""The upward-report figures (ReportSource "dues") equal the ledger lines they cite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.dues import selectors
from dangjian.dues import services as dues
from dangjian.dues.models import DuesDisclosure, DuesExpected
from dangjian.dues.rules import DuesCategory
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def test_figures_equal_the_ledger(world: World) -> None:
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    month = end.replace(day=1)
    second = make_member(world.branch, name="李党员")
    for m in (world.member, second):
        dues.dues_base_set(
            actor=world.liaison, member=m, year=month.year, category=DuesCategory.IN_SERVICE, monthly_base_fen=500_000
        )
    dues.dues_month_compute(actor=world.liaison, org=world.branch, month=month)
    owed = DuesExpected.objects.get(member=world.member, month=month).amount_fen
    dues.dues_payment_record(
        actor=world.liaison, member=world.member, months=[month], amount_fen=owed, paid_on=timezone.localdate()
    )
    with CaptureQueriesContext(connection) as ctx:
        figures = selectors.report_figures([world.branch.path, world.other_branch.path], month, end)
    assert len(ctx.captured_queries) <= 4
    lines = DuesExpected.objects.filter(org_path=world.branch.path, month=month)
    mine = figures[world.branch.path]
    assert mine["members"] == lines.count() == 2
    assert mine["paid_members"] == lines.filter(is_paid=True).count() == 1
    assert mine["expected_fen"] == lines.aggregate(s=Sum("amount_fen"))["s"]
    assert mine["paid_fen"] == owed
    assert mine["arrears_members"] == 1
    assert mine["arrears_fen"] == lines.get(member=second).amount_fen
    assert mine["disclosed"] == 0
    dues.dues_disclosure_publish(actor=world.liaison, org=world.branch, month=month)
    again = selectors.report_figures([world.branch.path], month, end)[world.branch.path]
    assert again["disclosed"] == DuesDisclosure.objects.filter(org=world.branch, month=month).count() == 1
    assert world.other_branch.path not in figures
    assert f"month={end:%Y-%m}" in selectors.report_link(world.branch.pk, month, end)
