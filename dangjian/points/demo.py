"""Demo data for points: the city's 积分细则 for the year (the shipped sample, cited as local
practice), manual items in the demo branch (a commendation approved by a second person, a volunteer
item waiting in the approval queue, a rejected one), and every member's points recomputed from the
year of meetings and dues the other demos built."""

from __future__ import annotations

from typing import Any

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM

from . import rules as R
from . import services

DEMO_BRANCH = "市教育局机关第一党支部"


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("points: no admin or branches, skipped")
        return
    today = ctx.today
    services.points_manual_save(
        actor=admin,
        org=ctx.root,
        year=today.year,
        data=R.manual_to_data(R.default_manual(today.year)),
        document=f"汉江市委组织部《党员积分制管理手册》（{today.year}年，演示）",
    )
    branch = next((b for b in ctx.branches if b.name == DEMO_BRANCH), ctx.branches[0])
    members = [m for m in ctx.members_by_branch.get(branch.pk, []) if m.is_active]
    liaison, secretary = ctx.users.get("liaison", SYSTEM), ctx.users.get("secretary", admin)
    login_member = getattr(ctx.users.get("member"), "member", None)
    first = login_member or (members[0] if members else None)
    day = today.replace(day=1) if today.day > 1 else today
    entered: list[Any] = []
    if first is not None:
        p = services.manual_point_enter(
            actor=liaison, member=first, item_code="commendation", on=day,
            reason="被评为市直机关优秀共产党员", document=f"市直机关工委〔{today.year}〕12号",
        )  # fmt: skip
        services.manual_point_decide(actor=secretary, point=p, approve=True, version=p.version, note="属实")
        entered.append(p)
    for m in members[1:3]:
        p = services.manual_point_enter(
            actor=liaison, member=m, item_code="volunteer", on=day,
            reason="参加社区文明城市创建志愿服务", document="社区志愿服务记录（演示）",
        )  # fmt: skip
        entered.append(p)
    if len(entered) > 2:
        last = entered[-1]
        services.manual_point_decide(
            actor=secretary, point=last, approve=False, version=last.version, note="无活动签到记录，请补充"
        )
    result = services.points_recompute(actor=admin, org=ctx.root, year=today.year)
    ctx.log(f"积分：{result['members']} 名党员的年度积分由会议和党费记录生成，{len(entered)} 条手工积分项")
