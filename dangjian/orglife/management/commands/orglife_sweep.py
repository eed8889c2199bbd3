"""Daily sweep: tell secretaries about overdue resolution measures. Idempotent; schedule with cron/systemd."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.scoping import SYSTEM
from dangjian.orglife.services import notify_overdue_actions
from dangjian.orglife.tasks import remind_overdue_actions


class Command(BaseCommand):
    help = "组织生活每日巡检：提醒书记督办逾期的决议落实措施（可重复运行，不会重复提醒）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务队列执行，而不是立即执行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            remind_overdue_actions.enqueue()
            self.stdout.write("已加入任务队列")
            return
        n = notify_overdue_actions(actor=SYSTEM)
        self.stdout.write(f"已发送 {n} 条逾期措施提醒")
