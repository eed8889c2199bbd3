from __future__ import annotations

import datetime as dt
import decimal

import pytest
from django.db import connection, transaction

from dangjian.core import audit
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEvent
from dangjian.core.paths import minimal_prefixes, subtree_q, successor
from dangjian.core.scoping import Action, can, scope_prefixes
from dangjian.members.models import Member
from dangjian.site.testing.factories import make_user


def test_successor_carries_over_z() -> None:
    assert successor("0001") == "0002"
    assert successor("0001000Z") == "0001001"
    assert successor("ZZZZ") is None


def test_minimal_prefixes_drops_nested() -> None:
    assert minimal_prefixes(["00010001", "0001", "0002"]) == ["0001", "0002"]


def test_subtree_range_matches_startswith(world) -> None:
    for org in [world.city, world.unit, world.branch]:
        by_range = set(Member.objects.filter(subtree_q("org_path", org.path)).values_list("pk", flat=True))
        by_prefix = set(Member.objects.filter(org_path__startswith=org.path).values_list("pk", flat=True))
        assert by_range == by_prefix


def test_roles_scope(world) -> None:
    assert can(world.admin, Action.ADMIN, world.branch.path)
    assert can(world.liaison, Action.MANAGE, world.branch.path)
    assert not can(world.liaison, Action.MANAGE, world.other_branch.path)
    assert not can(world.member_user, Action.VIEW_SENSITIVE, world.branch.path)
    assert not can(world.outsider, Action.VIEW, world.branch.path)
    assert scope_prefixes(world.admin, Action.VIEW) == [world.city.path]


def test_no_role_sees_nothing(db) -> None:
    u = make_user("无角色")
    assert scope_prefixes(u, Action.VIEW) == []


@pytest.mark.django_db(transaction=True)
def test_chain_verifies_and_detects_tamper(world) -> None:
    assert verify_chain().ok
    n = AuditEvent.objects.count()
    assert n > 0
    victim = AuditEvent.objects.order_by("id")[1]
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET object_label = %s WHERE id = %s", ["篡改", victim.id])
    result = verify_chain()
    assert not result.ok and result.broken_id == victim.id


@pytest.mark.django_db(transaction=True)
def test_chain_detects_deleted_event(world) -> None:
    victim = AuditEvent.objects.order_by("id")[2]
    AuditEvent.objects.filter(pk=victim.pk).delete()
    result = verify_chain()
    assert not result.ok
    following = AuditEvent.objects.filter(id__gt=victim.id).order_by("id").first()
    assert following is not None and result.broken_id == following.id


@pytest.mark.django_db(transaction=True)
def test_record_outside_transaction_refused(world) -> None:
    with pytest.raises(RuntimeError):
        audit.record(None, "x", world.city)


@pytest.mark.django_db(transaction=True)
def test_snapshot_values_of_every_kind_are_chained(world) -> None:
    with transaction.atomic():
        audit.record(
            None,
            "test.kinds",
            world.city,
            after={
                "t": dt.time(14, 30),
                "d": dt.date(2026, 10, 8),
                "dt": dt.datetime(2026, 10, 8, 14, 30, tzinfo=dt.UTC),
                "dec": decimal.Decimal("76.50"),
                "span": dt.timedelta(hours=2),
            },
        )
    event = AuditEvent.objects.filter(action="test.kinds").get()
    assert event.after == {
        "t": "14:30:00",
        "d": "2026-10-08",
        "dt": "2026-10-08T14:30:00+00:00",
        "dec": "76.50",
        "span": 7200.0,
    }
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_bulk_append_chains_like_single_appends(world) -> None:
    """Large batches take the bulk path (COPY on PostgreSQL); the chain must verify all the same."""
    changes = [
        audit.Change(action="test.bulk", object_type="x", object_id=str(i), object_label=f"第{i}条", after={"n": i})
        for i in range(250)
    ]
    with transaction.atomic():
        assert audit.record_many(world.admin, changes) == 250
    with transaction.atomic():
        audit.record(world.admin, "test.single", world.city, after={"k": "值"})
    assert AuditEvent.objects.filter(action="test.bulk").count() == 250
    assert AuditEvent.objects.get(action="test.bulk", object_id="7").after == {"n": 7}
    assert verify_chain().ok
