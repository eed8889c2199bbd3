"""Run the monthly dues job now (cron it for the 1st of each month, or enqueue it with --enqueue)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "计算本月应缴党费并检查连续6个月未交纳党费的党员（可重复运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default="", help="YYYY-MM-DD 所在月份，默认本月")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args: Any, **opts: Any) -> None:
        from ...tasks import dues_monthly

        if opts["enqueue"]:
            result = dues_monthly.enqueue(opts["month"])
            self.stdout.write(f"已提交后台任务 {result.id}")
            return
        totals = dues_monthly.call(opts["month"])
        self.stdout.write(f"计算应缴 {totals['members']} 人；连续6个月未缴 {totals['flagged']} 人")
