"""Every dues write that changes what a member owes announces it (registry `records_changed`), so the
apps deriving figures from the ledger (points) follow -- and a write that changes nothing is silent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core import registry
from dangjian.core.registry import RecordChange
from dangjian.dues import services as S
from dangjian.dues.rules import DuesCategory as C
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[RecordChange]:
    """The announcements, instead of the registered listeners."""
    out: list[RecordChange] = []
    monkeypatch.setattr(registry, "_RECORD_LISTENERS", [out.append])
    return out


def base(world: World, member: Any, yuan: int, **kw: Any) -> Any:
    return S.dues_base_set(
        actor=world.liaison, member=member, year=2026, category=C.IN_SERVICE, monthly_base_fen=yuan * 100, **kw
    )


def test_a_base_change_announces_the_members_whose_months_it_changes(world: World, heard: list[RecordChange]) -> None:
    other = make_member(world.branch)
    for who in (world.member, other):
        base(world, who, 5100)
    for month in (5, 6, 7):
        S.dues_month_compute(actor=world.liaison, org=world.branch, month=dt.date(2026, month, 1))
    heard.clear()
    base(world, world.member, 9000, effective_from=dt.date(2026, 7, 1), reason="7月起岗位调整")
    assert heard == [RecordChange("dues", (2026,), (world.member.pk,))]
    heard.clear()  # the same base again from June: June and July owe what they owed
    base(world, world.member, 9000, effective_from=dt.date(2026, 6, 1), reason="核对")
    assert [c.member_ids for c in heard] == [(world.member.pk,)]  # June changed
    heard.clear()
    base(world, world.member, 9000, effective_from=dt.date(2026, 6, 1), reason="再次核对")
    assert heard == []  # nothing owed differently


def test_a_reduction_announces_and_its_refusal_does_not(world: World, heard: list[RecordChange]) -> None:
    base(world, world.member, 5100)
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=dt.date(2026, 3, 1))
    apply: dict[str, Any] = {
        "actor": world.liaison,
        "member": world.member,
        "kind": "reduce",
        "reduced_fen": 1000,
        "start_month": dt.date(2026, 3, 1),
        "end_month": dt.date(2027, 2, 1),
        "reason": "家庭重大变故",
        "application": "书面申请",
    }
    refused = S.dues_exemption_apply(**apply)
    heard.clear()
    S.dues_exemption_decide(actor=world.admin, exemption=refused, approve=False, version=refused.version)
    assert heard == []
    ex = S.dues_exemption_apply(**apply)
    S.dues_exemption_decide(actor=world.admin, exemption=ex, approve=True, version=ex.version)
    assert heard == [RecordChange("dues", (2026,), (world.member.pk,))]  # only March is on the ledger
    heard.clear()  # the next year's January computed under the relief: announced, once
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=dt.date(2027, 1, 1))
    assert heard == [RecordChange("dues", (2027,), (world.member.pk,))]
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=dt.date(2027, 1, 1), only_missing=True)
    S.dues_month_compute(actor=world.liaison, org=world.branch, month=dt.date(2027, 1, 1))
    assert len(heard) == 1
