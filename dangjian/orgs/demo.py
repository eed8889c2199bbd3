"""Demo data for the org tree: one committee's local thresholds, so the config page shows inheritance.

The tree, posts and terms themselves come from the foundation (site/demo_foundation.py).
"""

from __future__ import annotations

from dangjian.core.demo import DemoContext

from .models import Organization, OrgKind
from .services import config_set


def build_demo(ctx: DemoContext) -> None:
    # A university committee that allows 党小组 of up to 12 (its teaching groups are larger);
    # every 分党委 and branch below it inherits the setting, the rest of the city keeps 10.
    uni = Organization.objects.filter(kind=OrgKind.COMMITTEE, depth=2, sector="university").order_by("path").first()
    if uni is None:
        return
    config_set(actor=ctx.org_admin, org=uni, key="orgs.group_max_members", raw_value="12")
    ctx.log(f"orgs: {uni.name} 设置党小组人数上限为 12（下级组织继承）")
