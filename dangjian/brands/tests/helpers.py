"""Brand projects of branch A at each stage, built through the services (tests, URL walk, gate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.brands import services as S
from dangjian.brands.models import Campaign, Project, Review
from dangjian.site.testing.factories import World, make_user

SECTIONS = {
    "background": "支部党员多为一线教师，理论学习与教学业务结合不够紧密，青年党员示范作用发挥不充分。",
    "goals": "一年内形成“红烛先锋”课堂育人品牌，建成三门课程思政示范课，开展十二次主题党日。",
    "measures": "依托主题党日开展“党员示范课”，结对帮扶青年教师，组建志愿服务队走进社区学校。",
    "team": "支部书记任组长，支委和骨干教师党员为成员。",
    "results": "形成案例一篇，示范课三门，校级以上宣传报道两篇以上。",
    "plan": "三年内将品牌做成学院育人工作的常态化机制，逐步向全校推广。",
    "honours": "2024年获评校级样板支部。",
}
REVISED = {**SECTIONS, "goals": SECTIONS["goals"] + "按专家意见补充季度里程碑：每季度一次成果展示。"}
CASE = {
    "origin": "支部党员多为青年教师，业务繁忙，组织生活与教学“两张皮”。",
    "practice": "以主题党日为载体开展党员示范课，党员教师结对帮扶，成立志愿服务队。",
    "effect": "建成示范课三门，学生评教提升，两篇新闻稿在学校主页刊发。",
    "analysis": "把党建工作融入教学一线，是增强支部组织力的有效途径。",
}


def reviewer_user(w: World, phone: str = "13800000088") -> Any:
    """An expert (评审专家 role at the city), from no unit of the tree."""
    u = make_user("周专家", phone)
    RoleAssignment.objects.create(user=u, org=w.city, role="reviewer")
    return u


def campaign(w: World, title: str = "一支部一特色品牌创建", quota: int = 1, **extra: Any) -> Campaign:
    today = timezone.localdate()
    return S.campaign_create(
        actor=w.admin,
        org=w.city,
        title=title,
        document="市委组织部〔2026〕8号",
        incubation_end=today,
        application_deadline=today + dt.timedelta(days=10),
        approval_deadline=today + dt.timedelta(days=40),
        cultivation_end=today + dt.timedelta(days=200),
        acceptance_deadline=today + dt.timedelta(days=230),
        excellent_quota=quota,
        **extra,
    )


STAGES = [
    "draft",
    "submitted",
    "endorsed",
    "reviewed",
    "candidate",
    "revised",
    "publicity",
    "cultivating",
    "case_submitted",
]


def project_at(w: World, stage: str, *, reviewer: Any = None, name: str = "红烛先锋", c: Campaign | None = None,
               org: Any = None, sections: dict[str, str] | None = None, editor: Any = None,
               decider: Any = None) -> Project:  # fmt: skip
    """Branch A's project (or `org`'s) in a fresh call, taken through the services up to `stage`."""
    org = org or w.branch
    c = c or campaign(w, title=f"创建活动 {stage} {name}")
    editor = editor or (w.liaison if org == w.branch else w.admin)
    decider = decider or w.admin
    p = S.project_start(actor=editor, campaign=c, org=org)
    p = S.project_save(actor=editor, project=p, brand_name=name, slogan="红烛映初心", logo_meaning="红烛象征奉献",
                       sections=sections or SECTIONS, originality=True, version=p.version)  # fmt: skip
    if stage == "draft":
        return p
    p = S.project_submit(actor=editor, project=p, version=p.version)
    if stage == "submitted":
        return p
    p = S.project_unit_review(actor=decider, project=p, opinion="同意推荐", recommend=True, version=p.version)
    if stage == "endorsed":
        return p
    reviewer = reviewer or reviewer_user(w, phone=f"1390000{Project.objects.count():04d}")
    r = S.review_assign(actor=w.admin, project=p, reviewer=reviewer)
    S.review_submit(actor=reviewer, review=r, scores={"political": 9, "brand": 8, "integration": 9, "sustainable": 7},
                    comments="特色鲜明", requirements="补充阶段里程碑", version=r.version)  # fmt: skip
    p.refresh_from_db()
    if stage == "reviewed":
        return p
    p = S.project_shortlist_decide(actor=decider, project=p, candidate=True, version=p.version)
    if stage == "candidate":
        return p
    p = S.project_revise(actor=editor, project=p, sections=REVISED, version=p.version)
    if stage == "revised":
        return p
    p = S.project_approve(actor=decider, project=p, version=p.version)
    if stage == "publicity":
        return p
    Project.objects.filter(pk=p.pk).update(notice_ends=timezone.localdate() - dt.timedelta(days=1))
    p.refresh_from_db()
    p = S.project_establish_approve(actor=decider, project=p, version=p.version)
    if stage == "cultivating":
        return p
    for i in range(2):
        S.news_add(actor=editor, project=p, title=f"红烛先锋第{i + 1}篇", url=f"https://news.example.edu.cn/{i}",
                   platform="学校主页", level="university", published_on=timezone.localdate())  # fmt: skip
    p = S.case_save(actor=editor, project=p, sections=CASE, version=p.version)
    return S.case_submit(actor=editor, project=p, version=p.version)


@dataclass
class BrandRows:
    reviewer: Any
    draft: Project
    submitted: Project
    endorsed: Project
    review: Review  # an open sheet of the reviewer on `endorsed`
    candidate: Project
    revised: Project
    publicity: Project
    objection: Any
    cultivating: Project
    case_submitted: Project


def build_brand_rows(w: World) -> BrandRows:
    reviewer = reviewer_user(w)
    endorsed = project_at(w, "endorsed", name="先锋课堂")
    review = S.review_assign(actor=w.admin, project=endorsed, reviewer=reviewer)
    publicity = project_at(w, "publicity", reviewer=reviewer, name="初心讲堂")
    objection = S.objection_record(
        actor=w.admin, project=publicity, reason="反映品牌名称与他校雷同", received_on=timezone.localdate()
    )
    return BrandRows(
        reviewer=reviewer,
        draft=project_at(w, "draft", name="红色引擎"),
        submitted=project_at(w, "submitted", name="育人先锋"),
        endorsed=endorsed,
        review=review,
        candidate=project_at(w, "candidate", reviewer=reviewer, name="红烛先锋"),
        revised=project_at(w, "revised", reviewer=reviewer, name="党建领航"),
        publicity=publicity,
        objection=objection,
        cultivating=project_at(w, "cultivating", reviewer=reviewer, name="先锋引领"),
        case_submitted=project_at(w, "case_submitted", reviewer=reviewer, name="匠心育人"),
    )
