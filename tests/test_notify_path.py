"""One recipients selector and one notification path, seen from the apps that send.

A deactivated secretary gets nothing; arrears and overdue-action notices reach the e-mail channel;
a sweep run twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by, holders
from dangjian.core.models import Notification
from dangjian.core.scoping import SYSTEM
from dangjian.dues import services as dues
from dangjian.dues.rules import DuesCategory
from dangjian.orglife import services as orglife
from dangjian.site.testing.factories import World, make_user

pytestmark = pytest.mark.django_db


def _arrears(world: World) -> None:
    """The member owes January–August 2026 apart from two months: six in a row unpaid."""
    dues.dues_base_set(
        actor=world.liaison,
        member=world.member,
        year=2026,
        category=DuesCategory.IN_SERVICE,
        monthly_base_fen=510_000,
    )
    for month in range(1, 9):
        dues.dues_month_compute(actor=world.liaison, org=world.branch, month=dt.date(2026, month, 1))
    dues.dues_payment_record(
        actor=world.liaison,
        member=world.member,
        months=[dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
        amount_fen=2 * 7650,
        paid_on=dt.date(2026, 11, 1),
    )


def _scan(world: World) -> dict[str, int]:
    return dues.dues_arrears_scan(actor=world.admin, org=world.city, through=dt.date(2026, 8, 1))


def _overdue_action(world: World) -> Any:
    from dangjian.orglife.tests.helpers import at, make_meeting

    meeting = make_meeting(world.branch, world.liaison, started_at=at(40))
    res = orglife.resolution_add(
        actor=world.liaison,
        meeting=meeting,
        title="开展志愿服务",
        content="",
        actions=[orglife.ActionData("联系社区", timezone.localdate() - dt.timedelta(days=5), owner=world.member)],
    )
    return res.actions.get()


def _with_email(user: Any, address: str) -> None:
    user.email = address
    user.save(update_fields=["email"])


def test_holders_active_accounts_only_role_enum_many_orgs(world: World) -> None:
    second = make_user("副书记")
    RoleAssignment.objects.create(user=second, org=world.other_branch, role=Role.SECRETARY)
    both = [world.branch.pk, world.other_branch.pk]
    assert set(holders(Role.SECRETARY, org_ids=both).values_list("user_id", flat=True)) == {
        world.secretary.pk,
        second.pk,
    }
    assert holder_ids_by({Role.SECRETARY, Role.LIAISON}, org_ids=both) == {
        world.branch.pk: sorted([world.secretary.pk, world.liaison.pk]),
        world.other_branch.pk: sorted([second.pk, world.outsider.pk]),
    }
    assert holder_ids_by(Role.SECRETARY, org_paths=[world.branch.path], key="org__path") == {
        world.branch.path: [world.secretary.pk]
    }
    world.secretary.is_active = False
    world.secretary.save(update_fields=["is_active"])
    assert list(holders(Role.SECRETARY, org_ids=both).values_list("user_id", flat=True)) == [second.pk]
    with pytest.raises(ValueError):
        holders(Role.SECRETARY)  # no organizations: refuse rather than mean "everywhere"


def test_deactivated_secretary_gets_no_arrears_or_overdue_notice(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    _with_email(world.secretary, "sec@example.com")
    world.secretary.is_active = False
    world.secretary.save(update_fields=["is_active"])
    _arrears(world)
    action = _overdue_action(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert _scan(world)["flagged"] == 1
        assert orglife.notify_overdue_actions(actor=SYSTEM) == 0
    assert not Notification.objects.filter(user=world.secretary).exists()
    assert mailoutbox == []
    assert action.status == "open"


def test_arrears_notice_reaches_email_once(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    _with_email(world.secretary, "sec@example.com")
    _arrears(world)
    with django_capture_on_commit_callbacks(execute=True):
        _scan(world)
    inbox = Notification.objects.get(user=world.secretary, key__startswith="dues-arrears")
    assert [m.to for m in mailoutbox] == [["sec@example.com"]]
    assert inbox.title in mailoutbox[0].subject and "未交纳党费" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        _scan(world)  # the monthly job run again: nothing new, nothing sent twice
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(user=world.secretary, key__startswith="dues-arrears").count() == 1


def test_overdue_action_notice_reaches_email_once(
    world: World, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    _with_email(world.secretary, "sec@example.com")
    action = _overdue_action(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert orglife.notify_overdue_actions(actor=SYSTEM) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert orglife.notify_overdue_actions(actor=SYSTEM) == 0
    assert [m.to for m in mailoutbox] == [["sec@example.com"]]
    assert "决议落实措施已逾期" in mailoutbox[0].subject and f"/orglife/{action.resolution.meeting_id}/" in (
        mailoutbox[0].body
    )


def test_no_email_channel_configured_keeps_the_inbox(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    settings.DANGJIAN_NOTIFY_CHANNELS = ["inapp"]
    _with_email(world.secretary, "sec@example.com")
    _overdue_action(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert orglife.notify_overdue_actions(actor=SYSTEM) == 1
    assert mailoutbox == []
    assert Notification.objects.filter(user=world.secretary, key__startswith="orglife.action_overdue").exists()
