from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks import task

from dangjian.core import periodic
from dangjian.core.models import Notification
from dangjian.core.scoping import SYSTEM
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory
from dangjian.dues.services import dues_base_set
from dangjian.site.testing.factories import World

# INSTALLED_APPS order
APPS: tuple[str, ...] = ("core", "orgs", "orglife", "partyday", "assignments", "dues", "points", "appraisal")
APPS += ("community", "study", "inspections", "brands", "openness", "reports")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("periodic", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_every_app_registers_its_job_once() -> None:
    assert [j.app for j in periodic.periodic_jobs()] == list(APPS)


def test_periodic_runs_every_job_and_is_idempotent(world: World) -> None:
    out = run()
    first = Notification.objects.count()
    run()
    assert Notification.objects.count() == first
    for app in APPS:
        assert f"{app}（" in out and "完成" in out


def test_only_runs_the_named_apps(world: World) -> None:
    out = run("--only", "dues", "--only", "orglife")
    assert "dues（" in out and "orglife（" in out
    assert "partyday（" not in out and "assignments（" not in out


def test_unknown_app_is_a_clear_error(db: None) -> None:
    with pytest.raises(
        CommandError,
        match="没有名为 nosuch 的定期巡检；可选：" + "、".join(APPS),
    ):
        run("--only", "nosuch")


def test_date_is_passed_to_the_jobs_and_checked(world: World) -> None:
    dues_base_set(actor=SYSTEM, member=world.member, year=2026, category=DuesCategory.RETIRED, monthly_base_fen=500_000)
    assert "members=1" in run("--only", "dues", "--date", "2026-03-15")
    # The dues job computed March 2026, not this month.
    assert list(DuesExpected.objects.values_list("month", flat=True)) == [dt.date(2026, 3, 1)]
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "2026-13-01")


def test_enqueue_hands_the_jobs_to_the_task_backend(world: World) -> None:
    out = run("--enqueue", "--only", "partyday")
    assert "partyday（" in out and "已加入任务队列" in out


@task()
def _broken(today_iso: str = "") -> None:
    raise RuntimeError("boom")


def test_a_failing_job_is_reported_and_the_rest_still_run(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        periodic, "_JOBS", {"broken": periodic.PeriodicJob("broken", "坏的", _broken), **periodic._JOBS}
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="以下巡检失败：broken"):
        call_command("periodic", stdout=out, stderr=err)
    assert "boom" in err.getvalue()
    assert "dues（" in out.getvalue()
