from typing import Any

from django.core.management.base import BaseCommand

from dangjian.core.audit import anchor_write


class Command(BaseCommand):
    help = "Sign the audit chain's head and append it to DANGJIAN_AUDIT_ANCHOR_FILE (a periodic job)."

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = anchor_write()
        self.stdout.write(f"审计链锚点已写入：第 {anchor.seq} 个事件，哈希 {anchor.hash[:16]}…（{anchor.time}）")
