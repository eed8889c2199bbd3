"""Demo data for 一支部一特色: the city's call with the seed notice's stages (dates moved to this
year), must-apply flags on a few branches, and branch projects at each step up to the 公示 -- an
application being written, one awaiting the 基层党委's opinion, one scored by the demo expert, a
preliminary candidate to revise, and one in its 公示."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM

from . import services

BRANDS = [
    ("红烛先锋", "燃烧自己，照亮他人", "课堂育人"),
    ("初心讲堂", "讲好身边的党课", "理论学习"),
    ("先锋引擎", "党建引领业务提速", "服务发展"),
    ("红色代办", "老党员的事就是支部的事", "志愿服务"),
    ("匠心育人", "以匠心守初心", "技能育人"),
    ("银发红帆", "离退休党员再出发", "老有所为"),
]


def _sections(name: str, theme: str, branch: str) -> dict[str, str]:
    return {
        "background": f"{branch}党员结构多元，{theme}工作与党建结合不够紧密，党员先锋作用发挥有待加强。",
        "goals": f"用一年时间打造“{name}”品牌：第一季度完成调研，第二季度开展示范活动，第四季度形成案例。",
        "measures": f"依托主题党日开展“{name}”系列活动，党员亮身份、作承诺，结对帮带，建立志愿服务队。",
        "team": "支部书记任组长，组织委员、宣传委员和党员骨干为成员。",
        "results": "每季度一次成果展示，形成工作案例一篇，在校级以上平台刊发新闻稿件两篇以上。",
        "plan": "三年内形成制度化、常态化的工作机制，向兄弟支部推广。",
        "honours": "",
    }


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    reviewer = ctx.users.get("reviewer")
    if admin is None or len(ctx.branches) < 2:
        ctx.log("brands: no admin or branches, skipped")
        return
    today = ctx.today
    flagged = ctx.branches[:3]
    c = services.campaign_create(
        actor=admin,
        org=ctx.root,
        title=f"{today.year}年度“一支部一特色”支部党建品牌创建",
        document=f"中共{ctx.root.name}组织部〔{today.year}〕8号（演示）",
        incubation_end=today,
        application_deadline=today + dt.timedelta(days=20),
        approval_deadline=today + dt.timedelta(days=40),
        cultivation_end=today + dt.timedelta(days=270),
        acceptance_deadline=today + dt.timedelta(days=300),
        must_apply={b.pk: "样板支部" if i < 2 else "双带头人工作室" for i, b in enumerate(flagged)},
        excellent_quota=2,
    )
    stages = ["publicity", "candidate", "reviewed", "submitted", "draft"]
    made = 0
    for branch, stage, (name, slogan, theme) in zip(ctx.branches[1:], stages, BRANDS, strict=False):
        p = services.project_start(actor=SYSTEM, campaign=c, org=branch)
        p = services.project_save(
            actor=SYSTEM, project=p, brand_name=name, slogan=slogan, logo_meaning=f"以{name}为形，寓意{slogan}",
            sections=_sections(name, theme, branch.name), originality=True,
        )  # fmt: skip
        made += 1
        if stage == "draft":
            continue
        p = services.project_submit(actor=SYSTEM, project=p)
        if stage == "submitted":
            continue
        p = services.project_unit_review(actor=SYSTEM, project=p, opinion="同意推荐。", recommend=True)
        if reviewer is None:
            continue
        r = services.review_assign(actor=admin, project=p, reviewer=reviewer)
        scores: dict[str, Any] = {cr["code"]: ctx.rng.randint(6, 10) for cr in c.criteria}
        services.review_submit(actor=reviewer, review=r, scores=scores, comments="特色较鲜明，措施具体。",
                               requirements="补充量化指标和季度里程碑。")  # fmt: skip
        p.refresh_from_db()
        if stage == "reviewed":
            continue
        p = services.project_shortlist_decide(actor=admin, project=p, candidate=True)
        if stage == "candidate":
            continue
        revised = {
            **p.sections,
            "results": p.sections["results"] + "量化指标：党员参与率不低于95%，服务群众200人次以上。",
        }
        p = services.project_revise(actor=SYSTEM, project=p, sections=revised)
        services.project_approve(actor=admin, project=p)
    ctx.log(f"一支部一特色：1 项创建活动，{made} 个品牌项目（申报、评审、修改完善、公示各阶段）")
