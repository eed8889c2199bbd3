from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit hash chain and name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"审计链完整：已校验 {result.checked} 个事件。")
            return
        where = f"事件 #{result.broken_id}" if result.broken_id else "链尾"
        raise CommandError(f"审计链断裂于{where}：{result.reason}（此前 {result.checked} 个事件完好）")
