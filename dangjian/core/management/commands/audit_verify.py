from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the keyed audit hash chain against the last anchor and name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            anchor = result.anchor
            tail = (
                f"，并延续最后一个锚点（第 {anchor.seq} 个事件，{anchor.time}）"
                if anchor is not None
                else "（尚无锚点：请定期运行 manage.py audit_anchor）"
            )
            self.stdout.write(f"审计链完整：已校验 {result.checked} 个事件{tail}。")
            return
        where = f"事件 #{result.broken_id}" if result.broken_id else "链尾"
        raise CommandError(f"审计链断裂于{where}：{result.reason}（此前 {result.checked} 个事件完好）")
