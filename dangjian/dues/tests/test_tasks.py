from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.scoping import SYSTEM
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory, add_months, month_start
from dangjian.dues.services import dues_base_set, dues_disclosure_publish, dues_month_compute
from dangjian.dues.tasks import dues_monthly
from dangjian.site.testing.factories import World

pytestmark = pytest.mark.django_db


def test_monthly_task_is_idempotent(world: World) -> None:
    dues_base_set(
        actor=SYSTEM,
        member=world.member,
        year=timezone.localdate().year,
        category=DuesCategory.RETIRED,
        monthly_base_fen=500_000,
    )
    result = dues_monthly.enqueue()
    assert result.return_value == {"members": 1, "flagged": 0}
    call_command("periodic", "--only", "dues", stdout=io.StringIO())
    line = DuesExpected.objects.get()
    assert line.month == month_start(timezone.localdate()) and line.amount_fen == 2500


def test_member_sees_own_branch_disclosure_without_role(world: World, client: object) -> None:
    RoleAssignment.objects.filter(user=world.member_user).delete()
    dues_disclosure_publish(actor=world.liaison, org=world.branch, month=month_start(timezone.localdate()))
    c = Client()
    c.force_login(world.member_user, backend="dangjian.accounts.backends.PhoneBackend")
    m = month_start(timezone.localdate())
    body = c.get(reverse("dues:disclosure", args=[world.branch.pk, m.year, m.month])).content.decode()
    assert "党费收缴情况公开" in body and world.member.name in body
    # …but not another branch's.
    other = c.get(reverse("dues:disclosure", args=[world.other_branch.pk, m.year, m.month]))
    assert other.status_code == 404


def test_home_attention_for_member_in_arrears(world: World) -> None:
    dues_base_set(
        actor=SYSTEM,
        member=world.member,
        year=timezone.localdate().year,
        category=DuesCategory.STUDENT,
        monthly_base_fen=0,
    )
    this = month_start(timezone.localdate())
    for i in (1, 2, 3):
        dues_month_compute(actor=SYSTEM, org=world.branch, month=add_months(this, -i))
    c = Client()
    c.force_login(world.member_user, backend="dangjian.accounts.backends.PhoneBackend")
    assert "您已连续3个月未交纳党费" in c.get(reverse("core:home")).content.decode()
