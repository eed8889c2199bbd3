"""`manage.py assignments_sweep [--date YYYY-MM-DD] [--assignment ID]`: send due reminders and 督办."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.assignments.sweep import run_sweep


class Command(BaseCommand):
    help = "Send assignment reminders and overdue escalations (idempotent; schedule daily)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="treat this date as today (YYYY-MM-DD)")
        parser.add_argument("--assignment", type=int, help="only this assignment id")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date must be YYYY-MM-DD") from exc
        result = run_sweep(today=today, assignment_id=options.get("assignment"))
        self.stdout.write(
            f"assignments={result.assignments} reminders={result.reminders} "
            f"notifications={result.notifications} by_kind={result.as_dict()['by_kind']}"
        )
