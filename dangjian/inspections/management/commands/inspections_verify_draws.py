"""Re-derive every stored draw from its seed, pool snapshot, strata, sizes and algorithm version, and
compare with what was stored and with the visits created: any difference is reported (exit 1)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.inspections.verify import verify_draws


class Command(BaseCommand):
    help = "重新推导每次随机抽取的结果并与存档比对，发现篡改时报错"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--plan", type=int, default=None, help="只核验该计划（ID）")

    def handle(self, *args: Any, **options: Any) -> None:
        results = verify_draws(plan_id=options["plan"])
        bad = [r for r in results if r.problems]
        for r in results:
            status = "一致" if not r.problems else "不一致：" + "；".join(r.problems)
            self.stdout.write(f"计划 {r.plan_id}（{r.plan_name}）：{status}")
        self.stdout.write(f"共核验 {len(results)} 次抽取，{len(bad)} 次不一致")
        if bad:
            raise CommandError(f"{len(bad)} 次抽取与重新推导的结果不一致")
