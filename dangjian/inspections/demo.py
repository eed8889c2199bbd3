"""Demo data for inspections: the city's stratified random check of this year (drawn, the demo
secretary's branch fixed and visited, one finding being rectified, two other visits scored), and an
on-site plan ("1 fixed + 2 random on the spot") waiting for the inspector's phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangjian.core.demo import DemoContext

from . import services
from .models import Inspection


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("inspections: no org admin or branches, skipped")
        return
    edu = ctx.extra.get("orgs_by_name", {}).get("市教育局机关第一党支部") or ctx.branches[0]
    start = max(dt.date(ctx.today.year, 1, 1), ctx.today - dt.timedelta(days=20))
    plan = services.plan_create(
        actor=admin,
        org=ctx.root,
        name=f"{ctx.today.year}年度党支部工作随机抽查",
        document=f"市委组织部〔{ctx.today.year}〕18号",
        starts_on=start,
        ends_on=ctx.today + dt.timedelta(days=20),
        strata_by="sector",
        sizes={"*": {"share": "0.05", "min": 1}},
        fixed_ids=[edu.pk],
        inspector_ids=[admin.pk],
    )
    services.plan_draw(actor=admin, plan=plan)
    visits = list(Inspection.objects.filter(plan=plan).select_related("org").order_by("-fixed", "org_path"))
    notes = ["公开栏内容未按月更新", "活动场所标识不全", "个别党员对积分结果不了解"]
    codes = ["I2", "I1", "H2"]
    for n, visit in enumerate(visits[:3]):
        visit = services.inspection_start(actor=admin, inspection=visit)
        services.item_score(
            actor=admin, inspection=visit, code=codes[n], deduction=Decimal(ctx.rng.choice([1, 2])), note=notes[n]
        )
        services.item_score(actor=admin, inspection=visit, code="J1", deduction=Decimal(0))
        if visit.org_id == edu.pk:
            owner = ctx.users.get("liaison")
            if owner is not None:
                f = services.finding_raise(
                    actor=admin,
                    inspection=visit,
                    item_code=codes[n],
                    problem=notes[n],
                    measure="按月更新党务公开栏，由组织委员负责",
                    owner_id=owner.pk,
                )
                services.finding_submit(actor=owner, finding=f, outcome="已更新11月公开内容并建立更新台账")
        else:
            services.inspection_finish(actor=admin, inspection=visit)
    services.plan_create(
        actor=admin,
        org=ctx.root,
        name="基层党建现场推进会观摩（1个指定+2个现场随机）",
        document="现场推进会方案",
        starts_on=ctx.today,
        ends_on=ctx.today + dt.timedelta(days=7),
        fixed_ids=[edu.pk],
        sizes={"*": {"count": 2}},
        onsite=True,
        inspector_ids=[admin.pk],
    )
    ctx.log(f"inspections: 2 plans, {len(visits)} drawn branches")
