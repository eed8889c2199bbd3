from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from dangjian.core.models import Notification
from dangjian.partyday import selectors
from dangjian.partyday.tasks import send_party_day_notices
from dangjian.site.testing.factories import World


def test_sweep_command_runs_once_and_is_idempotent(world: World) -> None:
    day = selectors.scheduled_party_day(world.branch, 2026, 12).date
    assert day is not None
    out = io.StringIO()
    call_command("periodic", "--only", "partyday", "--date", f"{day.replace(day=day.day - 3):%Y-%m-%d}", stdout=out)
    assert "notices=1" in out.getvalue()
    out = io.StringIO()
    call_command("periodic", "--only", "partyday", "--date", f"{day.replace(day=day.day - 2):%Y-%m-%d}", stdout=out)
    assert "notices=0" in out.getvalue()
    assert Notification.objects.filter(user=world.member_user, key__startswith="partyday:notice:").count() == 1
    with pytest.raises(CommandError):
        call_command("periodic", "--only", "partyday", "--date", "2026-13-01")


def test_task_and_enqueue(world: World) -> None:
    result = send_party_day_notices.enqueue()  # ImmediateBackend in tests
    assert set(result.return_value or {}) == {"notices", "plan_reminders"}
    out = io.StringIO()
    call_command("periodic", "--only", "partyday", "--enqueue", stdout=out)
    assert "已加入任务队列" in out.getvalue()


def test_calendar_seed_command(db: None) -> None:
    out = io.StringIO()
    call_command("calendar_seed", "2026", stdout=out)
    assert "2026:" in out.getvalue()
    out = io.StringIO()
    call_command("calendar_seed", "2090", stdout=out)
    assert "没有可预置的年份" in out.getvalue()
