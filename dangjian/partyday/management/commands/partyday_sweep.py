"""Run the daily party-day sweep (member notices, plan reminders). Schedule it with cron/systemd."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.core.scoping import SYSTEM
from dangjian.partyday import services
from dangjian.partyday.tasks import send_party_day_notices


class Command(BaseCommand):
    help = "主题党日每日巡检：向党员发送党日通知、提醒报送年度计划（可重复运行，不会重复发送）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按指定日期运行（YYYY-MM-DD），默认今天")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务队列执行，而不是立即执行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            send_party_day_notices.enqueue()
            self.stdout.write("已加入任务队列")
            return
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        result = services.sweep(actor=SYSTEM, today=today)
        self.stdout.write(f"党日通知 {result['notices']} 条，计划提醒 {result['plan_reminders']} 条")
