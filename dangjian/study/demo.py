"""Demo data for study: the city's 讲师团 (two 宣讲队) with a lecture for the demo branch recorded as
its 党课, this month's study lists (the city's and the branch's), training records (a secretary's
induction class, a Party-school class spanning the new year), 流动党员 contacts by phone and
WeChat, home visits to exempt members (one delivering study), a featured 心得, then every member's
hours recomputed and the monthly contact check run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM

from . import services

DEMO_BRANCH = "市教育局机关第一党支部"


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("study: no admin or branches, skipped")
        return
    today = ctx.today
    branch = next((b for b in ctx.branches if b.name == DEMO_BRANCH), ctx.branches[0])
    members = [m for m in ctx.members_by_branch.get(branch.pk, []) if m.is_active]
    secretary = ctx.users.get("secretary", admin)
    team = [
        services.lecturer_add(actor=admin, org=ctx.root, name=name, team=t, subject=subject, unit=unit)
        for name, t, subject, unit in (
            ("陈立新", "理论宣讲队", "党的创新理论", "市委党校副教授"),
            ("刘春华", "理论宣讲队", "党章党规", "市纪委宣传部"),
            ("周国强", "基层宣讲队", "乡村振兴政策", "市农业农村局"),
        )
    ]
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=ctx.rng.randint(5, 12)), dt.time(14)))
    lecture = services.lecture_schedule(
        actor=admin,
        lecturer=team[0],
        audience=branch,
        topic="深入学习贯彻党的创新理论",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        place="党员活动室",
    )
    services.lecture_record(actor=admin, lecture=lecture)
    month = today.replace(day=1)
    services.study_list_create(
        actor=admin,
        org=ctx.root,
        month=month,
        title=f"{month:%Y年%m月}党员学习清单",
        items=[("《中国共产党章程》总纲", "collective"), ("《习近平谈治国理政》第五卷选读", "self")],
        source="assigned",
        source_ref=f"市委组织部{month:%Y年%m月}学习安排",
    )
    services.study_list_create(
        actor=secretary,
        org=branch,
        month=month,
        title="本支部自学安排",
        items=[("教育系统全面从严治党典型案例", "self")],
    )
    for i, m in enumerate(members[:6]):
        services.training_record_add(
            actor=SYSTEM,
            member=m,
            title="市委党校党员轮训班",
            organiser="中共汉江市委党校",
            kind="concentrated",
            starts_on=today - dt.timedelta(days=40 + i),
            ends_on=today - dt.timedelta(days=38 + i),
            hours=Decimal(24),
            certificate=f"DX{today.year}{i + 1:04d}",
        )
    for m in [m for m in members if m.is_mobile][:3]:
        services.contact_log(
            actor=SYSTEM,
            member=m,
            on=today - dt.timedelta(days=ctx.rng.randint(3, 20)),
            channel=ctx.rng.choice(["phone", "wechat"]),
            contacted_by="支部组织委员",
            topic="了解务工近况，转发本月学习清单",
            location=m.mobile_destination or "广东省深圳市",
        )
    for m in [m for m in members if m.exempt][:2]:
        services.home_visit_log(
            actor=SYSTEM,
            member=m,
            on=today - dt.timedelta(days=ctx.rng.randint(2, 15)),
            visitors="支部书记、组织委员",
            study=True,
            study_content="送学本月学习清单：党章总纲",
            study_hours=Decimal(1),
            dues=True,
            care="腿脚不便，需协助就医",
        )
    member_user = ctx.users.get("member")
    if member_user is not None and getattr(member_user, "member", None) is not None:
        r = services.reflection_write(
            actor=member_user,
            title="学习党的创新理论的几点体会",
            body="通过这次专题宣讲，我对立足岗位做好本职工作有了更深的认识。\n今后要把学习成果转化为工作实效。",
            lecture=lecture,
        )
        if secretary is not member_user:
            services.reflection_feature(actor=secretary, reflection=r, featured=True, version=r.version)
    services.study_recompute(actor=SYSTEM, org=ctx.root, year=today.year)
    services.study_due_check(actor=SYSTEM, org=ctx.root, today=today)
    ctx.log("study: lecturers, lists, trainings, contacts, visits and hours built")
