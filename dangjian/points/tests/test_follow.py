"""The incremental path: a filed or corrected meeting, a recorded or voided dues payment, an approved
dues relief (免交) recompute the members concerned as soon as the writer commits (registry
`records_changed`), without the sweep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.dues import services as dues
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory, month_start
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import at, data, make_meeting
from dangjian.points import services as S
from dangjian.points.models import MemberYear, PointEntry
from dangjian.site.testing.factories import World, make_member

from .helpers import filed_meeting

pytestmark = pytest.mark.django_db


def codes(member: Any, year: int) -> list[str]:
    return sorted(PointEntry.objects.filter(member=member, year=year).values_list("item_code", flat=True))


def test_filing_a_meeting_scores_its_attendance_at_once(world: World, django_capture_on_commit_callbacks: Any) -> None:
    other = make_member(world.branch, name="请假者")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        m = filed_meeting(world.branch, {world.member.pk: "present", other.pk: "leave"})
    year = m.meeting_date.year
    assert callbacks  # the meeting's writer asked for the recompute; no sweep ran
    assert "party_day" in codes(world.member, year)
    line = PointEntry.objects.get(member=world.member, year=year, item_code="party_day")
    assert line.ref == f"meeting:{m.pk}" and "出席" in line.ref_label and line.points == 2
    assert MemberYear.objects.get(member=world.member, year=year).total == Decimal(62)
    assert codes(other, year) == ["base"]  # excused: loses nothing, gains nothing


def test_a_draft_meeting_changes_nothing(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_meeting(world.branch, SYSTEM, started_at=at(2))
    assert not callbacks
    assert not PointEntry.objects.exists()


def test_correcting_the_attendance_takes_the_line_away(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = filed_meeting(world.branch, {world.member.pk: "present"})
    year = m.meeting_date.year
    assert "party_day" in codes(world.member, year)
    with django_capture_on_commit_callbacks(execute=True):
        orglife.attendance_mark(
            actor=world.liaison,
            meeting=m,
            version=m.version,
            marks=[orglife.Mark(world.member.pk, "absent")],
            amendment_reason="记录有误，本人实际未到会",
        )
    assert "party_day" not in codes(world.member, year)
    assert "absence" in codes(world.member, year)
    assert MemberYear.objects.get(member=world.member, year=year).total == Decimal(58)


def test_an_amended_theme_rewrites_the_line(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        m = filed_meeting(world.branch, {world.member.pk: "present"})
    with django_capture_on_commit_callbacks(execute=True):
        orglife.meeting_amend(
            actor=world.liaison,
            meeting=m,
            version=m.version,
            data=data(started_at=m.started_at, ended_at=m.ended_at, theme="更正后的主题"),
            reason="主题笔误",
        )
    line = PointEntry.objects.get(member=world.member, year=m.meeting_date.year, item_code="party_day")
    assert "更正后的主题" in line.ref_label


def test_a_failing_recompute_never_undoes_the_meeting(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("points unavailable")

    monkeypatch.setattr(S, "_recompute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        m = filed_meeting(world.branch, {world.member.pk: "present"})
    m.refresh_from_db()
    assert m.status == "filed"  # the record stands; the sweep will score it
    assert not PointEntry.objects.exists()


def test_dues_payment_and_its_void_follow(world: World, django_capture_on_commit_callbacks: Any) -> None:
    today = timezone.localdate()
    month = month_start(today)
    dues.dues_base_set(
        actor=world.liaison, member=world.member, year=today.year, category=DuesCategory.IN_SERVICE,
        monthly_base_fen=500_000,
    )  # fmt: skip
    dues.dues_month_compute(actor=world.liaison, org=world.branch, month=month)
    owed = DuesExpected.objects.get(member=world.member, month=month).amount_fen
    with django_capture_on_commit_callbacks(execute=True):
        p = dues.dues_payment_record(
            actor=world.liaison, member=world.member, months=[month], amount_fen=owed, paid_on=today
        )
    line = PointEntry.objects.get(member=world.member, year=today.year, item_code="dues")
    assert line.ref == f"dues:{month:%Y-%m}" and line.points == 1
    with django_capture_on_commit_callbacks(execute=True):
        dues.dues_payment_void(actor=world.liaison, payment=p, reason="重复登记")
    assert "dues" not in codes(world.member, today.year)


def test_follow_now_is_bounded_and_idempotent(world: World) -> None:
    for i in range(8):
        make_member(world.branch, name=f"党员{i}")
    m = filed_meeting(world.branch, {world.member.pk: "present"})
    years = [m.meeting_date.year]
    first = S.points_follow_now((), m.pk, years)
    assert first["changed"] == first["members"] >= 9
    with CaptureQueriesContext(connection) as ctx:
        again = S.points_follow_now((), m.pk, years)
    assert again == {"members": first["members"], "changed": 0}
    assert len(ctx.captured_queries) <= 15  # the same for 9 members as for 50: no query per member


# --- A relief (免交) changes what the member owes: the points follow its approval -------------------


def _exempt_application(world: World, first: dt.date, last: dt.date) -> Any:
    return dues.dues_exemption_apply(
        actor=world.liaison,
        member=world.member,
        kind="exempt",
        start_month=first,
        end_month=last,
        reason="失业，生活困难",
        application="书面申请",
    )


def _ledger(world: World, *months: dt.date) -> None:
    """Bases for the months' years and the months on the ledger (no relief yet): nothing to score."""
    for year in sorted({mo.year for mo in months}):
        dues.dues_base_set(
            actor=world.liaison, member=world.member, year=year, category=DuesCategory.IN_SERVICE,
            monthly_base_fen=500_000,
        )  # fmt: skip
    for mo in months:
        dues.dues_month_compute(actor=world.liaison, org=world.branch, month=mo)


def dues_refs(member: Any, year: int) -> list[str]:
    return sorted(PointEntry.objects.filter(member=member, year=year, item_code="dues").values_list("ref", flat=True))


def test_an_approved_exemption_scores_its_months_on_commit_across_the_year_end(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    dec, jan, feb = dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    _ledger(world, dec, jan, feb)
    ex = _exempt_application(world, dec, jan)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dues.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version)
        assert not PointEntry.objects.exists()  # nothing before the approval commits
    assert callbacks
    for fn in callbacks:
        fn()
    assert dues_refs(world.member, 2025) == ["dues:2025-12"]
    assert dues_refs(world.member, 2026) == ["dues:2026-01"]  # February is owed and unpaid: nothing
    line = PointEntry.objects.get(member=world.member, year=2026, item_code="dues")
    assert "经批准免交" in line.ref_label
    assert (
        MemberYear.objects.get(member=world.member, year=2025).total
        == MemberYear.objects.get(member=world.member, year=2026).total
    )


def test_a_refused_exemption_changes_nothing(world: World, django_capture_on_commit_callbacks: Any) -> None:
    month = dt.date(2026, 3, 1)
    _ledger(world, month)
    ex = _exempt_application(world, month, month)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dues.dues_exemption_decide(actor=world.admin, exemption=ex, approve=False, version=ex.version)
    assert not callbacks
    assert not PointEntry.objects.exists()


def test_a_rolled_back_approval_changes_nothing(world: World, django_capture_on_commit_callbacks: Any) -> None:
    month = dt.date(2026, 3, 1)
    _ledger(world, month)
    ex = _exempt_application(world, month, month)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        dues.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version)
        raise RuntimeError("the caller's transaction fails after the approval")
    assert not callbacks
    assert not PointEntry.objects.exists()
    assert DuesExpected.objects.get(member=world.member, month=month).amount_fen > 0


def test_an_exemption_approved_before_its_month_is_computed_scores_when_it_is(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    jan, feb = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    _ledger(world, jan)
    ex = _exempt_application(world, feb, feb)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dues.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version)
    assert not callbacks  # no February line yet: nothing derived changed
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dues.dues_month_compute(actor=world.liaison, org=world.branch, month=feb)
    assert callbacks
    assert dues_refs(world.member, 2026) == ["dues:2026-02"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # the monthly re-run
        dues.dues_month_compute(actor=world.liaison, org=world.branch, month=feb)
    assert not callbacks  # the line is as it was: nothing announced twice


# --- Other records points scores, and its own manual --------------------------------------------------


def test_an_entered_training_scores_on_commit(world: World, django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.points import rules as R
    from dangjian.study import services as study

    year = timezone.localdate().year - 1  # a training that ended last year: over on any day
    data = R.manual_to_data(R.default_manual(year))
    data["items"].append(
        {"code": "training", "label": "完成培训", "category": "vanguard", "points": "1", "source": "study_training"}
    )
    S.points_manual_save(actor=world.admin, org=world.city, year=year, data=data, document="市委〔2026〕3号")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        t = study.training_record_add(
            actor=world.liaison, member=world.member, title="党员轮训班", organiser="市委党校", kind="concentrated",
            starts_on=dt.date(year, 12, 30), ends_on=dt.date(year, 12, 31), hours=Decimal(8),
        )  # fmt: skip
    assert callbacks
    line = PointEntry.objects.get(member=world.member, year=year, item_code="training")
    assert line.ref == f"training:{t.pk}"


def test_a_saved_manual_rescores_its_subtree_on_commit(world: World, django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.points import rules as R

    with django_capture_on_commit_callbacks(execute=True):
        m = filed_meeting(world.branch, {world.member.pk: "present"})
    year = m.meeting_date.year
    before = PointEntry.objects.get(member=world.member, year=year, item_code="party_day").points
    data = R.manual_to_data(R.default_manual(year))
    for item in data["items"]:
        if item["code"] == "party_day":
            item["points"] = str(Decimal(before) + 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        S.points_manual_save(actor=world.admin, org=world.city, year=year, data=data, document="市委〔2026〕4号")
    assert PointEntry.objects.get(member=world.member, year=year, item_code="party_day").points == before
    for fn in callbacks:
        fn()
    assert PointEntry.objects.get(member=world.member, year=year, item_code="party_day").points == before + 1
