"""Demo data for talks and appraisals: this year's talks in a dozen branches (the demo secretary's
branch with gaps left to close), a 必谈 to-do from a transfer-in, last year's signed-off appraisals
and this year's being graded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.demo import DemoContext
from dangjian.core.paths import parent_path
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import MemberStatus
from dangjian.orgs.models import Organization

from . import selectors, services
from .rules import DEFAULT_TOPICS, Grade

BRANCHES = 12  # enough to show coverage in every state; keeps the demo fast


def _talk(branch: Any, talker: Any, other: Any, when: dt.date, rng: Any, **kw: Any) -> None:
    services.talk_record(
        actor=SYSTEM,
        org=branch,
        talker_id=talker.pk,
        counterpart_ids=[other.pk],
        held_on=when,
        place="党员活动室",
        topics=rng.sample(DEFAULT_TOPICS, 2),
        content="交流思想和工作情况，听取对支部工作的意见建议。",
        **kw,
    )


def _talk_day(ctx: DemoContext) -> dt.date:
    start = dt.date(ctx.today.year, 1, 5)
    return start + dt.timedelta(days=ctx.rng.randint(0, max(0, (ctx.today - start).days)))


def build_demo(ctx: DemoContext) -> None:
    if not ctx.branches:
        ctx.log("appraisal: no branches, skipped")
        return
    edu = ctx.extra.get("orgs_by_name", {}).get("市教育局机关第一党支部")
    branches = sorted(ctx.branches[:BRANCHES], key=lambda b: b != edu)
    if edu is not None and edu not in branches:
        branches.insert(0, edu)
    talks = 0
    for i, branch in enumerate(branches):
        members = list(selectors.branch_members(branch))  # fresh: other demos transfer members out
        if len(members) < 2:
            continue
        committee, _ = selectors.committee_of(branch)
        by_pk = {m.pk: m for m in members}
        comm = [by_pk[c] for c in committee if c in by_pk] or members[:1]
        # The demo branch keeps gaps to close; the others are fully or mostly covered.
        share = 0.5 if branch == edu else (1.0 if i % 3 else 0.8)
        for a_i, a in enumerate(comm):
            for b in comm[a_i + 1 :]:
                if ctx.rng.random() < share:
                    _talk(branch, a, b, _talk_day(ctx), ctx.rng)
                    talks += 1
        plain = [m for m in members if m not in comm]
        for j, m in enumerate(plain):
            if ctx.rng.random() < share:
                _talk(branch, comm[j % len(comm)], m, _talk_day(ctx), ctx.rng)
                talks += 1
            if j + 1 < len(plain) and ctx.rng.random() < share:
                _talk(branch, m, plain[j + 1], _talk_day(ctx), ctx.rng)
                talks += 1
        _appraisals(ctx, branch, members, this_year=branch == edu)
        if branch == edu:
            _review(ctx, branch, members)
            _shares_and_cross(ctx, branch, members)
    result = services.sweep(actor=SYSTEM, today=ctx.today)
    ctx.log(f"appraisal: {talks} 次谈心谈话，{len(branches)} 个支部的民主评议，{result['todos']} 件必谈事项")


def _appraisals(ctx: DemoContext, branch: Any, members: list[Any], *, this_year: bool) -> None:
    """Last year's appraisal signed off (graded by SYSTEM, signed by the committee's admin); this
    year's open in the demo branch, half graded."""
    last = services.appraisal_open(actor=SYSTEM, org=branch, year=ctx.today.year - 1)
    entries = list(last.entries.filter(graded=True).select_related("member"))
    excellent = len(entries) // 3
    for k, e in enumerate(entries):
        grade = Grade.EXCELLENT if k < excellent else Grade.QUALIFIED
        if k == len(entries) - 1 and len(entries) > 8:
            grade = Grade.BASICALLY_QUALIFIED
        services.appraisal_grade(actor=SYSTEM, entry=e, grade=grade, note="支部委员会评议")
    last = services.appraisal_submit(actor=SYSTEM, appraisal=last)
    if ctx.org_admin is not None:
        services.appraisal_approve(actor=ctx.org_admin, appraisal=last)
    if this_year:
        now = services.appraisal_open(actor=SYSTEM, org=branch, year=ctx.today.year)
        graded = [e for e in now.entries.filter(graded=True).select_related("member")]
        for e in graded[: len(graded) // 2]:
            if e.member.status != MemberStatus.PROBATIONARY:
                services.appraisal_grade(actor=SYSTEM, entry=e, grade=Grade.QUALIFIED)


def _review(ctx: DemoContext, branch: Any, members: list[Any]) -> None:
    """Last year's 组织生活会 (held in January, so it counts for last year) and its 整改清单: one
    item verified, one done and waiting for verification, one open and carried into this year."""
    last = ctx.today.year - 1
    held = min(dt.date(ctx.today.year, 1, 20), ctx.today - dt.timedelta(days=1))
    services.orglife_review_save(
        actor=SYSTEM,
        org=branch,
        year=last,
        data={
            "theme": "学习贯彻党的创新理论，对照党章党规找差距",
            "announced_on": held - dt.timedelta(days=14),
            "held_on": held,
            "self_exams_received": len(members),
            "opinions": "发放征求意见表，收集意见建议 6 条",
            "problems": "理论学习不够系统；联系服务群众不够经常；组织生活有时流于形式",
        },
    )
    plan = [
        ("理论学习不够系统", "制定年度学习计划，每月集中学习一次", 60),
        ("联系服务群众不够经常", "党员每季度走访联系户", 120),
        ("组织生活有时流于形式", "支委会会前确定议题并提前通知", 400),
    ]
    items = [
        services.rectification_add(
            actor=SYSTEM, org=branch, year=last, problem=p, measure=m, owner_id=members[k % len(members)].pk,
            deadline=held + dt.timedelta(days=d),
        )
        for k, (p, m, d) in enumerate(plan)
    ]  # fmt: skip
    services.rectification_done(actor=SYSTEM, item=items[0], done_on=min(ctx.today, held + dt.timedelta(days=50)))
    if ctx.org_admin is not None:
        services.rectification_verify(actor=ctx.org_admin, item=items[0])
    services.rectification_done(actor=SYSTEM, item=items[1], done_on=min(ctx.today, held + dt.timedelta(days=100)))


def _shares_and_cross(ctx: DemoContext, branch: Any, members: list[Any]) -> None:
    """The demo branch's 分工联系 (plain members shared out among the committee in turn) and, when
    the committee above has a secretary, one talk across levels with a child organisation's secretary."""
    committee, _ = selectors.committee_of(branch)
    ids = {m.pk for m in members}
    comm = [c for c in committee if c in ids]
    if comm:
        plain = [m.pk for m in members if m.pk not in comm]
        services.share_assign(actor=SYSTEM, org=branch, shares={m: comm[k % len(comm)] for k, m in enumerate(plain)})
    parent = Organization.objects.filter(path=parent_path(branch.path)).first()
    if parent is None:
        return
    talkers, lower = selectors.cross_talk_people(parent)
    if talkers and lower:
        services.talk_record(
            actor=SYSTEM,
            org=parent,
            talker_id=talkers[0][0],
            counterpart_ids=[lower[0][0]],
            held_on=_talk_day(ctx),
            place="党委会议室",
            topics=list(DEFAULT_TOPICS[:3]),
            content="听取支部班子履职情况和主要问题。",
        )
