"""Re-derive the per-org member counts (`OrgMemberCount`) from the members and recompute the stored
structure findings (`StructureFinding`): for data written before the tables existed, or bulk-loaded
without the services. Idempotent: a second run changes nothing. The daily job does the same, one
queue job per second-level org."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import children_of
from dangjian.orgs.services import structure_rebuild


class Command(BaseCommand):
    help = "根据党员名册重新推导各组织党员人数，并重新计算结构检查结果（可重复运行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", type=int, default=None, help="只处理该组织（ID）及其下级组织")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["org"] is not None:
            org = Organization.objects.filter(pk=options["org"]).first()
            if org is None:
                raise CommandError(f"组织不存在：{options['org']}")
            parts = [(org.path, False)]
        else:  # each root's own row, then each second-level subtree (memory bounded by one of them)
            parts = []
            for root in Organization.objects.get_root_nodes():
                parts.append((root.path, True))
                parts += [
                    (p, False) for p in children_of(root).exclude(kind=OrgKind.GROUP).values_list("path", flat=True)
                ]
        result = {"orgs": 0, "counts_changed": 0, "findings_changed": 0}
        for path, self_only in parts:
            for k, v in structure_rebuild(actor=SYSTEM, root_path=path, self_only=self_only).items():
                result[k] += v
        self.stdout.write(
            f"核对 {result['orgs']} 个组织，更正党员人数 {result['counts_changed']} 条，"
            f"更新结构检查结果 {result['findings_changed']} 条"
        )
