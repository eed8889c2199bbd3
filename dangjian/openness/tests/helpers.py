"""Test helpers: a city catalogue and disclosures built through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.openness import services as S
from dangjian.openness.models import CatalogueItem, Disclosure, Scope, Secrecy, Timing
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import at, make_meeting
from dangjian.site.testing.factories import World

BASIS = "《中国共产党党务公开条例（试行）》"


def last_month() -> dt.date:
    return timezone.localdate().replace(day=1) - dt.timedelta(days=1)


def dues_item(w: World, *, scope: str = Scope.ORG, since: dt.date | None = None) -> CatalogueItem:
    return S.catalogue_item_save(
        actor=w.admin, org=w.city, title="党费收缴情况", basis=BASIS, kind="dues_month", scope=scope,
        timing=Timing.PERIODIC, secrecy=Secrecy.OPEN if scope == Scope.PUBLIC else Secrecy.INTERNAL,
        starts_on=since or timezone.localdate() - dt.timedelta(days=100),
    )  # fmt: skip


def public_item(w: World, title: str = "民主议事决议", kind: str = "deliberation_decision") -> CatalogueItem:
    return S.catalogue_item_save(
        actor=w.admin, org=w.city, title=title, basis=BASIS, kind=kind, scope=Scope.PUBLIC, timing=Timing.TIMELY,
        secrecy=Secrecy.OPEN, starts_on=timezone.localdate() - dt.timedelta(days=100),
    )  # fmt: skip


def through_gate(d: Disclosure, proposer: Any, approver: Any | None = None) -> Disclosure:
    d = S.disclosure_review(actor=proposer, disclosure=d, passed=True, version=d.version)
    d = S.disclosure_approve(actor=approver or proposer, disclosure=d, approve=True, version=d.version)
    return S.disclosure_publish(actor=proposer, disclosure=d, version=d.version)


def published_dues(w: World, *, scope: str = Scope.ORG) -> Disclosure:
    item = dues_item(w, scope=scope)
    d = S.disclosure_propose(actor=w.secretary, org=w.branch, item=item, period_start=last_month())
    return through_gate(d, w.secretary)


def free_text(w: World, *, title: str, text: str, scope: str = Scope.PUBLIC, publish: bool = True) -> Disclosure:
    """A matter outside the catalogue: proposed by the liaison, approved by the city committee."""
    d = S.disclosure_propose(actor=w.liaison, org=w.branch, title=title, text=text, scope=scope)
    if not publish:
        return d
    d = S.disclosure_review(actor=w.liaison, disclosure=d, passed=True, version=d.version)
    d = S.disclosure_approve(actor=w.admin, disclosure=d, approve=True, version=d.version)
    return S.disclosure_publish(actor=w.liaison, disclosure=d, version=d.version)


def refresh(w: World, today: dt.date | None = None) -> dict[str, int]:
    return S.disclosure_dues_refresh(actor=SYSTEM, org=w.city, today=today or timezone.localdate())


def filed_resolution(w: World, days_ago: int = 3) -> Any:
    """A resolution of branch A taken at a meeting `days_ago` days ago, the meeting filed."""
    m = make_meeting(w.branch, SYSTEM, started_at=at(days_ago))
    r = orglife.resolution_add(
        actor=SYSTEM, meeting=m, title="开展结对帮扶", content="每名党员联系一户困难群众",
        actions=[orglife.ActionData("制定帮扶名单", timezone.localdate() + dt.timedelta(days=20), owner=w.member)],
    )  # fmt: skip
    m.refresh_from_db()
    m = orglife.attendance_mark(
        actor=SYSTEM, meeting=m, version=m.version, marks=[orglife.Mark(w.member.pk, "present", "")]
    )
    orglife.meeting_file(actor=SYSTEM, meeting=m, version=m.version)
    return r
