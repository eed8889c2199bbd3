"""Demo data for reports: last month's reports signed off by most branches (the demo branch left for
its secretary to sign), the committees' roll-ups of the month before, and this quarter's indicators
set by the city committee."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind

from . import rules, services

DEMO_BRANCH = "市教育局机关第一党支部"
HIGHLIGHTS = ["结合主题党日开展“我为群众办实事”走访", "组织党员参加社区志愿服务", "支部书记讲专题党课"]
PROBLEMS = ["个别党员参加集中学习不够主动", "会议记录归档不够及时", ""]


def build_demo(ctx: DemoContext) -> None:
    if not ctx.branches:
        ctx.log("reports: no branches, skipped")
        return
    today = ctx.today
    last = rules.prev_month(today.year, today.month)
    before = rules.prev_month(*last)
    submitted = 0
    for y, m in (before, last):
        for b in ctx.branches:
            if (y, m) == last and (b.name == DEMO_BRANCH or ctx.rng.random() < 0.2):
                continue  # left to sign off (the demo secretary's 待办) or still missing
            services.report_submit(
                actor=SYSTEM,
                org=b,
                year=y,
                month=m,
                highlights=ctx.rng.choice(HIGHLIGHTS),
                problems=ctx.rng.choice(PROBLEMS),
                today=today,
            )
            submitted += 1
    committees = Organization.objects.filter(path__startswith=ctx.root.path, kind=OrgKind.COMMITTEE).order_by("-depth")
    for c in committees:
        services.report_submit(
            actor=SYSTEM, org=c, year=before[0], month=before[1], highlights="汇总各支部报告", today=today
        )
    admin = ctx.org_admin or SYSTEM
    quarter = rules.quarter_of(today)
    for label, figure, target, weight in (
        ("每月开展主题党日", "partyday:held", 3, 40),
        ("“三会一课”按时完整召开", "orglife:met", 9, 40),
        ("党员谈心谈话", "appraisal:talks", 2, 20),
    ):
        try:
            services.indicator_add(
                actor=admin, org=ctx.root, year=today.year, quarter=quarter, label=label, figure=figure,
                target=target, weight=weight,
            )  # fmt: skip
        except ValidationError as exc:  # a source missing in this installation
            ctx.log(f"reports: indicator {label} skipped: {exc.messages}")
    ctx.log(f"工作报告：{submitted} 份党支部月报，{len(committees)} 份党委汇总报告，{quarter} 季度考评指标 3 项")
