"""Demo data for points: the city's 积分细则 for the year (the shipped sample, cited as local
practice), manual items in the demo branch (a commendation approved by a second person, a volunteer
item waiting in the approval queue, a rejected one), every member's points recomputed from the
year of meetings and dues the other demos built, the demo branch's 公示, and the first committee's
星级党支部 ratings (one waiting for approval)."""

from __future__ import annotations

from typing import Any

from dangjian.core.demo import DemoContext
from dangjian.core.paths import parent_path
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from . import services
from .models import BranchRating, PublicNotice, ScoringManual

DEMO_BRANCH = "市教育局机关第一党支部"


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("points: no admin or branches, skipped")
        return
    today = ctx.today
    if not ScoringManual.objects.filter(org=ctx.root, year=today.year).exists():
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
    if not PublicNotice.objects.filter(org=branch, year=today.year).exists():
        services.points_notice_publish(actor=liaison, org=branch, year=today.year)
    rated = _branch_ratings(ctx, admin)
    ctx.log(f"星级党支部：{rated} 个支部已评定（最后一个待审定），{branch.name}星级党员已公示")


def _branch_ratings(ctx: DemoContext, admin: Any) -> int:
    """The year's 星级党支部 ratings of the first committee's branches: two assessment scores each,
    entered by the 考核小组 (the system, as an import of the assessment sheet) and approved by the
    organisation department's admin; the last one left waiting for approval."""
    year = ctx.today.year
    by_parent: dict[str, list[Any]] = {}
    for b in ctx.branches:
        by_parent.setdefault(parent_path(b.path), []).append(b)
    parents = {
        o.path: o
        for o in Organization.objects.filter(path__in=by_parent, kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH])
    }
    if not parents:
        return 0
    path = min(parents)
    done = 0
    for n, b in enumerate(by_parent[path][:8]):
        if BranchRating.objects.filter(org=b, year=year).exists():
            continue
        r = services.points_branch_rating_enter(
            actor=SYSTEM, committee=parents[path], branch=b, year=year,
            points_score=str(ctx.rng.randint(70, 98)), target_score=str(ctx.rng.randint(72, 98)),
            document=f"{parents[path].name}〔{year}〕9号 年终目标考核通报（演示）",
        )  # fmt: skip
        if n < len(by_parent[path][:8]) - 1:
            services.points_branch_rating_decide(actor=admin, rating=r, approve=True, version=r.version)
        done += 1
    return done
