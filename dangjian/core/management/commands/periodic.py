"""Run every periodic sweep once (or repeatedly with --loop).

Each app's daily job (party-day notices, assignment reminders and 督办, overdue resolution
actions, monthly dues and arrears) is an idempotent management command listed in
`settings.DANGJIAN_PERIODIC_COMMANDS`; running them twice sends and creates nothing twice, so
an hourly cron entry (or the --loop used by scripts/run) is safe.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "运行全部定期巡检（党日通知、任务提醒督办、决议落实逾期、党费月度计算）；可重复运行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=int, default=0, help="每隔多少秒重复运行一次（0 表示只运行一次）")

    def run_once(self) -> list[str]:
        failed: list[str] = []
        for name in settings.DANGJIAN_PERIODIC_COMMANDS:
            started = time.monotonic()
            try:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
            except Exception as exc:  # one broken sweep must not stop the others
                failed.append(name)
                self.stderr.write(f"{name} 失败：{exc!r}")
            else:
                self.stdout.write(f"{name} 完成（{time.monotonic() - started:.1f} 秒）")
        return failed

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        while True:
            failed = self.run_once()
            if not interval:
                if failed:
                    raise CommandError(f"以下巡检失败：{', '.join(failed)}")
                return
            time.sleep(interval)
