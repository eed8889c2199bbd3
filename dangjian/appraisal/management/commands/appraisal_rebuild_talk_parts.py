"""Re-derive the per-member yearly talk counts (`TalkPart`) from the talks: for data written before
the table existed, or bulk-loaded without the services. Idempotent: a second run changes nothing.
The daily job does the same for this year and last."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dangjian.appraisal.services import talk_parts_rebuild
from dangjian.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "根据谈心谈话记录重新推导党员年度谈话参与次数（可重复运行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, action="append", default=None, help="只推导该年度（可重复）")

    def handle(self, *args: Any, **options: Any) -> None:
        result = talk_parts_rebuild(actor=SYSTEM, years=options["year"])
        self.stdout.write(f"核对 {result['checked']} 条党员年度谈话记录，更正 {result['changed']} 条")
