"""Branch A's inspection rows for cross-app tests (the service gate, four eyes, the URL walk)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dangjian.inspections import services
from dangjian.inspections.models import Finding, Inspection, ItemScore, Plan
from dangjian.orglife.tests.helpers import jpeg
from dangjian.site.testing.factories import World


@dataclass
class InspectionRows:
    plan: Plan  # the city's plan, drawn: branch A fixed
    planned: Plan  # a second plan, not yet drawn
    inspection: Inspection  # branch A's visit, started, one item scored
    scored: ItemScore  # that item, with its optional photo
    open: Finding  # a finding owned by branch A's liaison
    submitted: Finding  # rectification reported by the liaison, awaiting verification
    verified: Finding  # verified by the secretary, awaiting 销号


def make_plan(w: World, *, actor: Any = None, inspectors: list[Any] | None = None, **kw: Any) -> Plan:
    today = timezone.localdate()
    args: dict[str, Any] = {
        "org": w.city,
        "name": "党支部工作抽查",
        "document": "市委组织部〔2026〕5号",
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=30),
        "fixed_ids": [w.branch.pk],
        "sizes": {},
        "inspector_ids": [u.pk for u in (inspectors or [w.admin])],
    }
    args.update(kw)
    return services.plan_create(actor=actor or w.admin, **args)


def build_inspection_rows(w: World) -> InspectionRows:
    plan = make_plan(w)
    services.plan_draw(actor=w.admin, plan=plan)
    planned = make_plan(w, name="第二批抽查")
    insp = Inspection.objects.get(plan=plan, org=w.branch)
    insp = services.inspection_start(actor=w.admin, inspection=insp)
    scored = services.item_score(
        actor=w.admin, inspection=insp, code="I2", deduction=Decimal(2), note="公开栏内容未更新", photo=jpeg()
    )

    def raise_(problem: str) -> Finding:
        return services.finding_raise(
            actor=w.admin, inspection=insp, problem=problem, measure="按月更新", owner_id=w.liaison.pk, item_code="I2"
        )

    opened = raise_("党务公开栏内容未更新")
    submitted = services.finding_submit(actor=w.liaison, finding=raise_("活动场所标识不全"), outcome="已补齐标识")
    verified = services.finding_submit(actor=w.liaison, finding=raise_("台账未分类"), outcome="已分类归档")
    verified = services.finding_verify(actor=w.secretary, finding=verified)
    return InspectionRows(plan, planned, insp, scored, opened, submitted, verified)
