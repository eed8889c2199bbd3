"""Reports services: sign-off snapshots, versions, refusals, roll-up, 督办, quarterly scoring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.models import AuditEvent, Notification
from dangjian.core.scoping import SYSTEM
from dangjian.reports import rules, selectors, services
from dangjian.reports.models import QuarterScore, Report, ReportVersion
from dangjian.site.testing.factories import World

from .helpers import last_month, party_day_last_month, submit_branch_report

pytestmark = pytest.mark.django_db


def test_sign_off_freezes_the_figures_computed_from_the_records(world: World) -> None:
    party_day_last_month(world)
    y, m = last_month()
    v = submit_branch_report(world)
    period = rules.period_for(y, m, rules.PeriodMode.MONTH)
    assert v.number == 1 and v.report.current == 1
    assert v.figures == selectors.compute_figures([world.branch.path], period.start, period.end)[world.branch.path]
    assert v.figures["partyday"]["held"] == 1
    assert v.figures["orglife"]["party_day_held"] == 1
    assert set(v.sources) == {s.key for s in selectors.sources()}
    assert v.tree_version and v.signed_by_id == world.secretary.pk
    assert v.report.receiver_id == world.unit.pk
    assert v.report.due_on >= dt.date(y, m, 1)
    assert AuditEvent.objects.filter(action="reports.submit").count() == 1


def test_a_period_not_ended_is_refused_and_nothing_is_written(world: World) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.report_submit(actor=world.secretary, org=world.branch, year=today.year, month=today.month)
    assert "尚未结束" in str(exc.value)
    assert not Report.objects.exists() and not ReportVersion.objects.exists()


def test_resubmission_needs_a_reason_and_keeps_every_version(world: World) -> None:
    v1 = submit_branch_report(world)
    stale = v1.report.version
    with pytest.raises(ValidationError) as exc:
        submit_branch_report(world, version=v1.report.version)
    assert "更正原因" in str(exc.value)
    assert ReportVersion.objects.count() == 1
    party_day_last_month(world)
    v2 = submit_branch_report(world, reason="补录主题党日记录", version=v1.report.version)
    assert v2.number == 2 and ReportVersion.objects.count() == 2
    v1.refresh_from_db()
    assert v1.figures.get("partyday", {}).get("held", 0) == 0
    assert v2.figures["partyday"]["held"] == 1
    with pytest.raises(ValidationError):  # a stale page (old version) cannot overwrite
        submit_branch_report(world, reason="再次更正", version=stale)


def test_figures_cannot_be_typed_only_the_texts(world: World) -> None:
    with pytest.raises(TypeError):
        services.report_submit(actor=world.secretary, org=world.branch, year=2026, month=1, figures={})  # type: ignore[call-arg]
    with pytest.raises(ValidationError) as exc:
        submit_branch_report(world, highlights="长" * 501)
    assert "亮点" in str(exc.value) and not Report.objects.exists()


def test_a_committee_cannot_change_a_childs_report(world: World) -> None:
    submit_branch_report(world)
    before = ReportVersion.objects.count()
    with pytest.raises(PermissionDenied):
        submit_branch_report(world, actor=world.admin, reason="上级修改")
    with pytest.raises(PermissionDenied):  # the liaison may enter records but not sign off
        submit_branch_report(world, actor=world.liaison, reason="联络员")
    assert ReportVersion.objects.count() == before


def test_a_sibling_cannot_read_a_branchs_report(world: World) -> None:
    v = submit_branch_report(world)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.get_report_for_user(world.outsider, v.report.pk)
    with pytest.raises(Http404):
        selectors.get_version_for_user(world.outsider, v.pk)
    assert selectors.get_version_for_user(world.admin, v.pk) == v


def test_rollup_sums_the_subtree_snapshots_with_the_tree_version(world: World) -> None:
    party_day_last_month(world)
    party_day_last_month(world, world.other_branch)
    a = submit_branch_report(world)
    b = submit_branch_report(world, org=world.other_branch)
    y, m = last_month()
    unit = services.report_submit(actor=SYSTEM, org=world.unit, year=y, month=m, highlights="汇总")
    assert unit.report.kind == "rollup" and unit.branches == 2
    assert unit.figures["partyday"]["held"] == a.figures["partyday"]["held"] + b.figures["partyday"]["held"] == 2
    assert "rate" not in unit.figures["partyday"]  # rates are not added up
    assert unit.coverage["submitted"] == 2 and unit.coverage["missing"] == 0
    assert unit.tree_version == selectors.tree_version(world.unit)[0]
    city = services.report_submit(actor=world.admin, org=world.city, year=y, month=m)
    assert city.figures["partyday"]["held"] == 2 and city.report.receiver_id is None
    assert unit.report.receiver_id == world.city.pk


def test_rollup_query_count_is_bounded(world: World) -> None:
    submit_branch_report(world)
    y, m = last_month()
    with CaptureQueriesContext(connection) as ctx:
        selectors.rollup(world.city, y, m)
    assert len(ctx.captured_queries) <= 3


def test_missing_report_is_escalated_once(world: World) -> None:
    y, m = last_month()
    s = selectors.settings_for_paths([world.branch.path])[world.branch.path]
    _, due = selectors.period_and_due(s, y, m)
    early = due.on + dt.timedelta(days=s.missing_days - 1)
    assert services.reports_remind(actor=SYSTEM, today=early) == 0 or early < due.on
    late = due.on + dt.timedelta(days=s.missing_days)
    if selectors.latest_ended(s, late) != (y, m):
        pytest.skip("the grace runs into the next period")
    sent = services.reports_remind(actor=SYSTEM, today=late)
    assert sent >= 1
    assert Notification.objects.filter(user=world.secretary, key__startswith="reports.missing").exists()
    assert services.reports_remind(actor=SYSTEM, today=late) == 0  # idempotent
    with pytest.raises(PermissionDenied):
        services.reports_remind(actor=world.admin, today=late)


def test_quarter_scoring_and_gaps(world: World) -> None:
    today = timezone.localdate()
    q = rules.quarter_of(today)
    py, pq = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
    ind = services.indicator_add(
        actor=world.admin,
        org=world.city,
        year=py,
        quarter=pq,
        label="开展主题党日",
        figure="partyday:held",
        target=Decimal(3),
        weight=Decimal(10),
        rule=rules.ScoringRule.PROPORTIONAL,
    )
    services.indicator_exclude(
        actor=world.admin, org=world.other_branch, year=py, quarter=pq, reason="exempted", note="市委组织部批复"
    )
    with pytest.raises(ValidationError):
        services.indicator_add(
            actor=world.admin, org=world.city, year=py, quarter=pq, label="x", figure="nope:x", target=1, weight=1
        )
    n = services.quarter_score(actor=world.admin, org=world.city, year=py, quarter=pq)
    assert n == 2
    mine = QuarterScore.objects.get(org=world.branch)
    other = QuarterScore.objects.get(org=world.other_branch)
    assert mine.details[0]["indicator"] == ind.pk and other.excluded.startswith("经批准免于考评")
    with pytest.raises(ValidationError):
        services.quarter_score(actor=world.admin, org=world.city, year=today.year, quarter=q)
    services.indicator_add(
        actor=world.admin,
        org=world.city,
        year=today.year,
        quarter=q,
        label="党日",
        figure="partyday:held",
        target=1,
        weight=5,
    )
    year, quarter, gaps = selectors.gaps(world.branch, today)
    assert (year, quarter) == (today.year, q) and len(gaps) == 1


def test_period_and_due_boundaries() -> None:
    working = lambda d: d.weekday() < 5 and d not in {dt.date(2026, 10, 1), dt.date(2026, 10, 2)}  # noqa: E731

    def prev(d: dt.date) -> dt.date:
        d -= dt.timedelta(days=1)
        while not working(d):
            d -= dt.timedelta(days=1)
        return d

    # 2026-10-25 is a Sunday: kept and shown by default, or the previous working day (Friday the 23rd).
    sep = rules.period_for(2026, 9, rules.PeriodMode.MONTH)
    assert (sep.start, sep.end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    keep = rules.due_for(sep, 25, rules.NonWorkingDue.KEEP, working, prev)
    assert keep.on == dt.date(2026, 10, 25) and "非工作日" in keep.note
    back = rules.due_for(sep, 25, rules.NonWorkingDue.PREVIOUS, working, prev)
    assert back.on == dt.date(2026, 10, 23) and back.on <= back.nominal
    # A holiday (2026-10-01, 国庆) as due day: previous working day is 2026-09-30.
    aug = rules.period_for(2026, 8, rules.PeriodMode.MONTH)
    hol = rules.due_for(aug, 1, rules.NonWorkingDue.PREVIOUS, working, prev)
    assert hol.nominal == dt.date(2026, 9, 1)
    oct_hol = rules.due_for(sep, 1, rules.NonWorkingDue.PREVIOUS, working, prev)
    assert oct_hol.nominal == dt.date(2026, 10, 1) and oct_hol.on == dt.date(2026, 9, 30)
    kept = rules.due_for(sep, 1, rules.NonWorkingDue.KEEP, working, prev)
    assert kept.on == dt.date(2026, 10, 1) and kept.note
    # A working due day has no note.
    assert rules.due_for(rules.period_for(2026, 10, "month"), 25, "keep", working, prev).note == ""
    # The 26th–25th window, and its due date at the month's end.
    win = rules.period_for(2026, 11, rules.PeriodMode.WINDOW, 25)
    assert (win.start, win.end) == (dt.date(2026, 10, 26), dt.date(2026, 11, 25))
    assert rules.nominal_due(win) == dt.date(2026, 11, 30)
    jan = rules.period_for(2027, 1, rules.PeriodMode.WINDOW, 25)
    assert jan.start == dt.date(2026, 12, 26)
    # A period is reportable only after its last day.
    assert rules.period_refusal(sep, dt.date(2026, 9, 30)) is not None
    assert rules.period_refusal(sep, dt.date(2026, 10, 1)) is None
    assert rules.is_late(dt.date(2026, 10, 26), dt.date(2026, 10, 25))
    assert not rules.is_late(dt.date(2026, 10, 25), dt.date(2026, 10, 25))
