"""Load holidays and 调休 days from the chinesecalendar package (years it covers; admin edits win)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.calendar import seed_from_library
from dangjian.core.models import CalendarDay, CalendarYear


class Command(BaseCommand):
    help = "从 chinesecalendar 预置节假日与调休数据（管理员维护的年份与日期不会被覆盖）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="*", type=int, help="年份；不填则为程序包覆盖的全部年份")

    def handle(self, *args: Any, **options: Any) -> None:
        written = seed_from_library(CalendarYear, CalendarDay, options["years"] or None)
        for year, n in sorted(written.items()):
            self.stdout.write(f"{year}: {n} 条")
        if not written:
            self.stdout.write("没有可预置的年份（可能已由管理员维护，或程序包未覆盖）")
