"""`manage.py periodic [--only APP] [--date YYYY-MM-DD] [--enqueue] [--loop SECONDS]`.

Runs every periodic job the apps registered in `dangjian.core.periodic` (party-day notices,
assignment reminders and 督办, overdue resolution actions, monthly dues and arrears). Each job is
idempotent, so an hourly cron entry (or the --loop used by scripts/run) is safe.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.periodic import PeriodicJob, periodic_jobs


def _summary(result: Any) -> str:
    if isinstance(result, dict):
        return "，".join(f"{k}={v}" for k, v in result.items())
    return str(result)


class Command(BaseCommand):
    help = "运行各应用登记的全部定期巡检（--only 只运行指定应用）；可重复运行，不会重复发送或重复创建"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", action="append", default=[], metavar="APP", help="只运行该应用的巡检（可重复）")
        parser.add_argument("--date", default="", help="按指定日期运行（YYYY-MM-DD），默认今天")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务队列执行，而不是立即执行")
        parser.add_argument("--loop", type=int, default=0, help="每隔多少秒重复运行一次（0 表示只运行一次）")

    def select(self, only: list[str]) -> list[PeriodicJob]:
        jobs = periodic_jobs()
        known = [j.app for j in jobs]
        unknown = [a for a in only if a not in known]
        if unknown:
            raise CommandError(f"没有名为 {'、'.join(unknown)} 的定期巡检；可选：{'、'.join(known)}")
        return [j for j in jobs if not only or j.app in only]

    def run_once(self, jobs: list[PeriodicJob], today: dt.date | None, enqueue: bool) -> list[str]:
        failed: list[str] = []
        for job in jobs:
            started = time.monotonic()
            try:
                if enqueue:
                    self.stdout.write(f"{job.app}（{job.label}）已加入任务队列 {job.enqueue(today).id}")
                    continue
                result = job.run(today)
            except Exception as exc:  # one broken job must not stop the others
                failed.append(job.app)
                self.stderr.write(f"{job.app}（{job.label}）失败：{exc!r}")
            else:
                self.stdout.write(
                    f"{job.app}（{job.label}）完成，用时 {time.monotonic() - started:.1f} 秒：{_summary(result)}"
                )
        return failed

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = self.select(options["only"])
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date 应为 YYYY-MM-DD 格式的日期：{options['date']}") from exc
        while True:
            failed = self.run_once(jobs, today, options["enqueue"])
            if not options["loop"]:
                if failed:
                    raise CommandError(f"以下巡检失败：{'、'.join(failed)}")
                return
            time.sleep(options["loop"])
