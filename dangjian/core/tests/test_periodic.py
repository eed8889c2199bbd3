from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core.models import Notification


def test_periodic_runs_every_sweep_and_is_idempotent(world) -> None:
    out = io.StringIO()
    call_command("periodic", stdout=out)
    first = Notification.objects.count()
    call_command("periodic", stdout=io.StringIO())
    assert Notification.objects.count() == first
    for name in ("partyday_sweep", "assignments_sweep", "orglife_sweep", "dues_monthly"):
        assert f"{name} 完成" in out.getvalue()


def test_periodic_reports_a_failing_sweep_but_runs_the_rest(world, settings) -> None:
    settings.DANGJIAN_PERIODIC_COMMANDS = ["no_such_command", "orglife_sweep"]
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="no_such_command"):
        call_command("periodic", stdout=out, stderr=err)
    assert "orglife_sweep 完成" in out.getvalue()
