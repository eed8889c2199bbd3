"""Demo data for openness: the city's 党务公开目录 (dues monthly, resolutions promptly, appraisal
and star results yearly, 民主议事 decisions and results to society), last month's dues sheet
published through the gate in the demo branch (liaison proposes and reviews, secretary approves),
an outside-the-catalogue notice waiting for the committee, the obligations sweep, and a village
四议两公开 deliberation with its decision disclosed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM

from . import services
from .models import AppliesTo, Category, Channel, Scope, Secrecy, Timing

DEMO_BRANCH = "市教育局机关第一党支部"
VILLAGE = "柳树湾村党支部"
BASIS = "《中国共产党党务公开条例（试行）》；汉江市委《党的基层组织党务公开目录》（演示）"


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("openness: no admin or branches, skipped")
        return
    today = ctx.today
    since = (today.replace(day=1) - dt.timedelta(days=100)).replace(day=1)
    catalogue: dict[str, Any] = {}
    for code, title, category, scope, timing, secrecy in (
        ("dues_month", "党费收缴情况", Category.DUES, Scope.ORG, Timing.PERIODIC, Secrecy.INTERNAL),
        ("orglife_resolution", "支部党员大会、支委会决议及落实情况", Category.DECISIONS, Scope.ORG, Timing.TIMELY,
         Secrecy.INTERNAL),
        ("appraisal_summary", "民主评议党员结果", Category.ORGANISATION, Scope.ORG, Timing.PERIODIC, Secrecy.INTERNAL),
        ("points_stars", "星级党员评定结果", Category.ORGANISATION, Scope.ORG, Timing.PERIODIC, Secrecy.INTERNAL),
        ("deliberation_decision", "民主议事决议", Category.DECISIONS, Scope.PUBLIC, Timing.TIMELY, Secrecy.OPEN),
        ("deliberation_result", "民主议事实施结果", Category.DECISIONS, Scope.PUBLIC, Timing.TIMELY, Secrecy.OPEN),
    ):  # fmt: skip
        catalogue[code] = services.catalogue_item_save(
            actor=admin, org=ctx.root, title=title, basis=BASIS, category=category, kind=code, scope=scope,
            timing=timing, secrecy=secrecy, starts_on=since,
        )  # fmt: skip
    services.catalogue_item_save(
        actor=admin, org=ctx.root, title="党组织设置、班子成员及分工", basis=BASIS, category=Category.ORGANISATION,
        applies_to=AppliesTo.BRANCHES, scope=Scope.PUBLIC, timing=Timing.STANDING, channel=Channel.BOARD,
        secrecy=Secrecy.OPEN, starts_on=since,
    )  # fmt: skip
    services.disclosure_dues_refresh(actor=SYSTEM, org=ctx.root, today=today)

    branch = next((b for b in ctx.branches if b.name == DEMO_BRANCH), ctx.branches[0])
    liaison, secretary = ctx.users.get("liaison", admin), ctx.users.get("secretary", admin)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    d = services.disclosure_propose(
        actor=liaison, org=branch, item=catalogue["dues_month"], period_start=last_month.replace(day=1)
    )
    d = services.disclosure_review(actor=liaison, disclosure=d, passed=True, version=d.version)
    d = services.disclosure_approve(actor=secretary, disclosure=d, approve=True, version=d.version)
    services.disclosure_publish(actor=liaison, disclosure=d, version=d.version)
    # A standing public notice of the branch: outside the catalogue's record types, written by hand.
    notice = services.disclosure_propose(
        actor=liaison, org=branch, title="党员活动室开放时间及联系方式", scope=Scope.PUBLIC, channel=Channel.BOARD,
        text="党员活动室每周一至周五 8:30—17:30 开放，欢迎党员群众来访。意见建议请投入活动室门口意见箱。",
    )  # fmt: skip
    services.disclosure_review(actor=liaison, disclosure=notice, passed=True, version=notice.version)

    village = ctx.extra.get("orgs_by_name", {}).get(VILLAGE)
    if village is not None:
        delib = services.deliberation_open(
            actor=SYSTEM, org=village, topic="村集体鱼塘对外发包方案", proposer="柳树湾村党支部", procedure="village"
        )
        held = today - dt.timedelta(days=20)
        for i, (stage, expected, present) in enumerate(
            (("propose", 0, 0), ("two_committees", 7, 7), ("general_meeting", 23, 19), ("villagers", 41, 35))
        ):
            services.deliberation_stage_record(
                actor=SYSTEM, deliberation=delib, stage=stage, held_on=held + dt.timedelta(days=3 * i),
                expected=expected, present=present,
            )  # fmt: skip
        services.deliberation_record_decision(
            actor=SYSTEM, deliberation=delib, chosen=0,
            options=[("公开竞价发包，期限5年", 30, 3, 2), ("维持原承包合同", 4, 28, 3)],
            decision="村集体鱼塘按公开竞价方式发包，期限5年，收益纳入村集体经济账户统一管理。",
        )  # fmt: skip
        services.deliberation_disclose(actor=SYSTEM, deliberation=delib, which="decision")
    ctx.log("openness: 党务公开目录、本月公开、民主议事")
