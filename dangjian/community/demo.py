"""Demo data for 五亮五共 and 三个一: the demo member (张卫东, 市教育局机关第一党支部) reports to 青龙社区
(under 青山镇党委 — another committee's subtree), claims a need the community confirms, reports an
activity still waiting in the community's queue and files a pledge; the community publishes its needs
list; 市直机关工委's secretary keeps "三个一" with a 公示 and contact-point visits. The community side
is played by the city's 组织部 admin (the demo has no community login)."""

from __future__ import annotations

import datetime as dt

from dangjian.core.demo import DemoContext
from dangjian.members.models import MemberCategory
from dangjian.orgs.models import Organization, Sector

from . import services

COMMUNITY = "青龙社区党支部"
COMMITTEE = "市直机关工委"
NEEDS = [
    ("独居老人周末探访", "assistance", "为 12 户独居老人每周末上门探访一次"),
    ("小区楼道杂物清理", "governance", "配合物业清理 3 栋至 8 栋楼道杂物"),
    ("暑期少儿书法课", "culture", "每周六上午在党群服务中心教书法"),
    ("夜间治安巡逻", "safety", "每周二、四晚 8 点至 10 点沿小区巡逻"),
]


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None:
        ctx.log("community: no admin, skipped")
        return
    by_name = ctx.extra.get("orgs_by_name", {})
    community = by_name.get(COMMUNITY) or Organization.objects.filter(sector=Sector.COMMUNITY).first()
    today = ctx.today
    if community is not None:
        needs = []
        for title, category, desc in NEEDS:
            due = today + dt.timedelta(days=ctx.rng.randint(20, 80))
            slots = ctx.rng.randint(1, 3)
            needs.append(
                services.need_publish(
                    actor=admin,
                    community=community,
                    title=title,
                    category=category,
                    description=desc,
                    due_on=due,
                    slots=slots,
                )
            )
        user = ctx.users.get("member")
        member = getattr(user, "member", None)
        if user is not None and member is not None and member.category == MemberCategory.IN_SERVICE:
            link = services.link_report_in(
                actor=user, community=community, address="青龙社区滨江花园 6 栋 1 单元 302", compound="滨江花园",
                skills="中学数学辅导、摄影", categories=["culture", "assistance"],
            )  # fmt: skip
            deed = services.need_claim(actor=user, need=needs[0])
            deed = services.deed_report(actor=user, deed=deed, note="探访 3 户老人，帮助预约社区医生", hours="3")
            services.deed_decide(actor=admin, deed=deed, confirm=True, note="情况属实")
            services.activity_record(
                actor=admin, link=link, title="“共同缔造”小区议事会", on=today, hours=2,
                role="participant",
            )  # fmt: skip
            services.activity_report(actor=user, title="垃圾分类宣传", on=today, hours="1.5", role="volunteer")
            services.need_claim(actor=user, need=needs[2])
            services.pledge_submit(
                actor=user,
                text="亮身份、亮承诺、亮行动：每月至少参加一次社区志愿服务，每季度为小区学生义务辅导一次数学。",
                public=True,
            )  # fmt: skip
    committee = by_name.get(COMMITTEE) or Organization.objects.filter(name=COMMITTEE).first()
    contact = next((b for b in ctx.branches if b.path.startswith(committee.path)), None) if committee else None
    if committee is not None and contact is not None:
        record = services.secretary_pledge_save(
            actor=admin, org=committee, year=today.year, secretary_name="刘建华",
            pledge="每季度到联系点调研指导一次，年内帮助联系点解决 3 个实际问题。",
            project="“红色引擎”机关党建质量提升项目",
            goals="年内打造 3 个“五星”示范党支部，机关党支部组织生活纪实率 100%。",
            contact_org=contact,
        )  # fmt: skip
        services.secretary_pledge_publish(actor=admin, record=record)
        for month, text in ((3, "调研支部组织生活制度落实情况"), (6, "指导支部开展“五亮五共”活动")):
            on = dt.date(today.year, month, 15)
            if on <= today:
                services.contact_visit_log(
                    actor=admin, record=record, on=on, summary=text, outcome="形成问题清单并督促整改"
                )
    ctx.log("community: 社区报到、需求清单、实事确认与“三个一”")
