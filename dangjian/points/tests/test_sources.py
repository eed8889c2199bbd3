"""Points from sources other apps register (`core.registry.point_event_source`), the hand-off to
民主评议 (`appraisal_suggestions`) and the figures for upward reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core import registry
from dangjian.core.registry import MemberEvent, PointEventSource
from dangjian.points import rules as R
from dangjian.points import services as S
from dangjian.points.models import MemberYear, PointEntry, ScoringManual
from dangjian.points.selectors import appraisal_suggestions, report_figures
from dangjian.site.testing.factories import World, make_member

from .helpers import filed_meeting

pytestmark = pytest.mark.django_db

CALLS: list[tuple[int, dt.date, dt.date]] = []
DEEDS: list[MemberEvent] = []


def deeds(member_ids: list[int], start: dt.date, end: dt.date) -> list[MemberEvent]:
    CALLS.append((len(member_ids), start, end))
    return [e for e in DEEDS if e.member_id in member_ids and start <= e.on <= end]


@pytest.fixture
def source() -> Iterator[PointEventSource]:
    """A 'community deed' source, as the community app will register it."""
    src = registry.point_event_source(PointEventSource("test_deed", "社区报到实事（已确认）", deeds))
    CALLS.clear()
    DEEDS.clear()
    yield src
    registry._POINT_EVENT_SOURCES.pop("test_deed", None)


def with_deed_item(world: World, year: int, source_code: str = "test_deed", **item: Any) -> ScoringManual:
    data = R.manual_to_data(R.default_manual(year))
    data["items"].append(
        {
            "code": "deed", "label": "社区报到服务", "category": "vanguard", "points": "1.5", "source": source_code,
            "yearly_cap": "4", **item,
        }
    )  # fmt: skip
    return S.points_manual_save(actor=world.admin, org=world.city, year=year, data=data, document="市委〔2026〕3号")


def test_a_registered_source_scores_capped_and_idempotent(world: World, source: PointEventSource) -> None:
    year = timezone.localdate().year
    with_deed_item(world, year)
    other = make_member(world.branch, name="王实事")
    DEEDS.extend(MemberEvent(world.member.pk, dt.date(year, 3, d), f"deed:{d}", f"3月{d}日 清理楼道") for d in (1, 2))
    DEEDS.append(MemberEvent(world.member.pk, dt.date(year, 3, 3), "deed:3", "3月3日 清理楼道"))
    DEEDS.append(MemberEvent(other.pk, dt.date(year - 1, 12, 31), "deed:99", "去年的实事"))  # outside the year
    r = S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    lines = list(PointEntry.objects.filter(member=world.member, year=year, item_code="deed").order_by("on"))
    assert [(ln.ref, ln.points) for ln in lines] == [("deed:1", Decimal("1.5")), ("deed:2", Decimal("1.5")),
                                                     ("deed:3", Decimal(1))]  # fmt: skip
    assert "年度上限 4" in lines[2].cap_note and lines[0].ref_label == "3月1日 清理楼道"
    assert not PointEntry.objects.filter(member=other, item_code="deed").exists()
    assert len(CALLS) == 1 and CALLS[0][1:] == (dt.date(year, 1, 1), dt.date(year, 12, 31))  # once per batch
    assert r["changed"] >= 1
    assert S.points_recompute(actor=world.liaison, org=world.branch, year=year)["changed"] == 0
    DEEDS.pop(0)  # a deed withdrawn by the community: the next sweep corrects the ledger
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    assert PointEntry.objects.filter(member=world.member, year=year, item_code="deed").count() == 2


def test_a_source_nobody_uses_is_not_asked(world: World, source: PointEventSource) -> None:
    S.points_recompute(actor=world.liaison, org=world.branch, year=timezone.localdate().year)
    assert CALLS == []


def test_an_unregistered_source_is_refused_when_saving(world: World) -> None:
    with pytest.raises(ValidationError, match="积分来源无效"):
        with_deed_item(world, timezone.localdate().year, source_code="no_such_app")
    assert not ScoringManual.objects.exists()


def test_an_app_gone_later_scores_nothing_and_breaks_nothing(world: World, source: PointEventSource) -> None:
    year = timezone.localdate().year
    with_deed_item(world, year)
    registry._POINT_EVENT_SOURCES.pop("test_deed")
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    assert not PointEntry.objects.filter(item_code="deed").exists()


def test_the_manual_page_offers_registered_sources_for_a_new_item(world: World, source: PointEventSource) -> None:
    year = timezone.localdate().year
    c = Client()
    c.force_login(world.admin)
    url = reverse("points:manual", args=[world.city.pk])
    assert "社区报到实事（已确认）" in c.get(url).content.decode()
    c.post(url, {"year": year, "new-label": "社区报到服务", "new-category": "vanguard", "new-points": "2",
                 "new-yearly_cap": "6", "new-source": "test_deed"})  # fmt: skip
    manual = R.manual_from_data(year, ScoringManual.objects.get(org=world.city, year=year).data)
    item = next(i for i in manual.items if i.source == "test_deed")
    assert (item.label, item.points, item.yearly_cap, item.needs_approval) == ("社区报到服务", 2, 6, False)
    r = c.post(url, {"year": year, "new-label": "坏项目", "new-category": "vanguard", "new-points": "x",
                     "new-source": "test_deed"}, follow=True)  # fmt: skip
    assert "应为数字" in r.content.decode()


# --- hand-off to appraisal and report figures ---------------------------------------------------


def test_appraisal_suggestions_one_query_never_a_grade(world: World) -> None:
    year = timezone.localdate().year
    filed_meeting(world.branch, {world.member.pk: "present"})
    exempt = make_member(
        world.branch, name="免评者", exempt=True, exempt_reason="年老体弱", exempt_application="本人书面申请",
        exempt_approved_by="支部委员会", exempt_on=timezone.localdate() - dt.timedelta(days=200),
    )  # fmt: skip
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    ids = [world.member.pk, exempt.pk, 999_999]
    with CaptureQueriesContext(connection) as ctx:
        out = appraisal_suggestions(ids, year)
    assert len(ctx.captured_queries) == 1
    assert out[world.member.pk].startswith("积分 62，一星") and "不合格" not in out[world.member.pk]
    assert out[exempt.pk] == "经批准不参与本年度评星"
    assert 999_999 not in out and appraisal_suggestions([], year) == {}
    MemberYear.objects.filter(member=world.member).update(
        total=Decimal("59.9"), star_label="无星", stars=0, suggestion="x"
    )
    low = appraisal_suggestions([world.member.pk], year)[world.member.pk]
    assert "建议列入民主评议议程" in low and "不作为评定等次" in low


def test_report_figures_are_bounded_and_carry_no_scores(world: World) -> None:
    year = timezone.localdate().year
    notice = S.points_notice_publish(actor=world.liaison, org=world.branch, year=year)
    S.points_objection_raise(actor=world.member_user, notice=notice, reason="出勤有误")
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as ctx:
        figures = report_figures([world.branch.path, world.other_branch.path], today.replace(day=1), today)
    assert len(ctx.captured_queries) == 3
    assert figures == {world.branch.path: {"notices": 1, "objections": 1, "objections_open": 1}}
    assert any(s.key == "points" for s in registry.report_sources())
