"""Demo data for the party-day schedule: fixed-day settings, annual plans in every state, change
requests (pending / approved / rejected), and one run of the daily sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.accounts.models import RoleAssignment
from dangjian.core import calendar as cal
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM

from . import selectors, services
from .rules import DayRule

THEMES = [
    "新年新气象：学习贯彻全会精神",
    "弘扬雷锋精神，志愿服务进社区",
    "学习党章党规，严守纪律规矩",
    "清明祭英烈，传承红色基因",
    "劳动创造幸福：岗位建功",
    "重温入党誓词，坚定理想信念",
    "七一党课：学习党的光辉历史",
    "拥军优属，军民鱼水情深",
    "廉洁教育月：以案促改",
    "国庆献礼：我为群众办实事",
    "安全生产与应急管理专题学习",
    "组织生活会暨民主评议党员",
]


def _actor_for(branch: Any, fallback: Any) -> Any:
    """The branch's own secretary or liaison login; else the demo's system account acting for it."""
    ra = (
        RoleAssignment.objects.filter(org=branch, role__in=("secretary", "liaison"))
        .select_related("user")
        .order_by("role")  # secretary before liaison
        .last()
    )
    return ra.user if ra else fallback


def _items(rng: Any, shift: int) -> dict[int, tuple[str, str]]:
    return {
        m: (
            THEMES[(m - 1 + shift) % 12],
            f"规定动作：诵读党章、缴纳党费；自选动作：{rng.choice(['专题研讨', '实地参观', '志愿服务', '知识竞赛'])}",
        )
        for m in range(1, 13)
    }


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("partyday: no admin or branches, skipped")
        return
    today = ctx.today
    seeded = cal.ensure_seeded()  # `demo_data --reset` flushes the calendar tables too
    if seeded:
        ctx.log(f"partyday: calendar reseeded for {len(seeded)} years")
    services.fixed_day_setting_save(
        actor=admin,
        org=ctx.root,
        data={"rule": DayRule.FIRST_MONDAY, "place": "各支部党员活动室", "min_hours": 2},
    )
    branches = list(ctx.branches)
    fallback = ctx.users.get("superuser")
    with_secretary = [(b, a) for b in branches if (a := _actor_for(b, fallback)) is not None]
    # branches with their own logins first, so the demo secretary sees the interesting states
    with_secretary.sort(key=lambda pair: pair[1] is fallback)
    with_secretary = with_secretary[:15]  # enough for every state; keeps the demo fast
    if len(branches) > 1:
        services.fixed_day_setting_save(
            actor=admin, org=branches[1], data={"rule": DayRule.FIRST_FRIDAY, "place": "单位三楼会议室"}
        )
    if len(branches) > 2:
        services.fixed_day_setting_save(
            actor=admin,
            org=branches[2],
            data={"rule": DayRule.FIXED_DATE, "day_of_month": 10, "start_time": dt.time(15, 0)},
        )

    # This year's plans: filed for every branch with a secretary (themes feed the member notices).
    this_year, next_year = today.year, today.year + 1
    for i, (b, sec) in enumerate(with_secretary):
        services.plan_save(actor=sec, org=b, year=this_year, items=_items(ctx.rng, i))
        plan = services.plan_submit(actor=sec, plan=selectors.get_plan(b, this_year))  # type: ignore[arg-type]
        services.plan_file(actor=admin, plan=plan, comment="同意备案")
    if with_secretary:  # one adjustment during the year, kept as history
        b, sec = with_secretary[0]
        m = min(12, today.month + 1)
        services.plan_save(
            actor=sec,
            org=b,
            year=this_year,
            items={m: ("学习贯彻上级最新部署", "集中学习＋交流研讨")},
            change_note="结合上级中心工作调整",
        )

    # Next year's plans in every state: not started, draft, submitted, returned, filed.
    states = ["draft", "submitted", "returned", "filed", "none"]
    for i, (b, sec) in enumerate(with_secretary):
        state = states[i % len(states)]
        if state == "none":
            continue
        plan = services.plan_save(actor=sec, org=b, year=next_year, items=_items(ctx.rng, i + 3))
        if state == "draft":
            continue
        plan = services.plan_submit(actor=sec, plan=plan)
        if state == "filed":
            services.plan_file(actor=admin, plan=plan, comment="计划完整，予以备案")
        elif state == "returned":
            services.plan_return(actor=admin, plan=plan, comment="请结合本单位中心工作细化3月、6月主题")

    # Change requests for the next month whose day is far enough ahead: pending, approved, rejected.
    nm = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    if with_secretary:
        first = selectors.scheduled_party_day(with_secretary[0][0], nm.year, nm.month)
        if (first.date or first.nominal) - dt.timedelta(days=7) < today:
            nm = (nm + dt.timedelta(days=32)).replace(day=1)
    outcomes = ["pending", "approved", "rejected"]
    for i, (b, sec) in enumerate(with_secretary[:3]):
        pd = selectors.scheduled_party_day(b, nm.year, nm.month)
        base = pd.date or pd.nominal
        try:
            cr = services.change_request_create(
                actor=sec,
                org=b,
                year=nm.year,
                month=nm.month,
                new_date=services_next_weekday(base + dt.timedelta(days=2)),
                reason=["支部书记参加市委党校集中培训", "与社区联合开展志愿服务，需调整时间", "单位年度考核集中安排"][
                    i
                ],
                place="红色教育基地" if i == 0 else "",
                today=today,
            )
        except ValidationError as exc:
            ctx.log(f"partyday: change request skipped ({'；'.join(exc.messages)})")
            continue
        if outcomes[i] == "approved":
            services.change_request_decide(actor=admin, change=cr, approve=True, comment="同意")
        elif outcomes[i] == "rejected":
            services.change_request_decide(actor=admin, change=cr, approve=False, comment="请按固定党日开展")

    result = services.sweep(actor=SYSTEM, today=today)
    ctx.log(f"partyday: sweep sent {result['notices']} notices, {result['plan_reminders']} plan reminders")


def services_next_weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d
