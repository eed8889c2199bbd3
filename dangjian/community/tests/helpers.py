"""Test helpers: a community organization under another committee, with its own liaison, and the
branch-A member reported to it — built through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.community import services as S
from dangjian.community.models import Deed, Need, ServiceLink
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_user


@dataclass
class Community:
    town: Organization  # another committee (青山街道党工委), outside branch A's unit
    org: Organization  # the community org the member reports to
    liaison: User  # 社区党支部 liaison: holds MANAGE on the community only


def make_community(w: World, name: str = "柳树湾社区党支部", phone: str = "13800000091") -> Community:
    town = Organization.objects.filter(name="青山街道党工委").first() or org_create(
        actor=SYSTEM, parent=w.city, name="青山街道党工委", kind="committee", sector="community"
    )
    org = org_create(actor=SYSTEM, parent=town, name=name, kind="branch", sector="community")
    liaison = make_user(f"{name[:2]}联络员", phone)
    RoleAssignment.objects.create(user=liaison, org=org, role="liaison")
    return Community(town, org, liaison)


def report_in(w: World, c: Community, **kw: Any) -> ServiceLink:
    data = {"address": "柳树湾小区 3 栋 2 单元 501", "skills": "法律咨询", "compound": "柳树湾小区"} | kw
    return S.link_report_in(actor=w.member_user, community=c.org, **data)


def need(c: Community, title: str = "独居老人周末探访", days: int = 30) -> Need:
    return S.need_publish(
        actor=c.liaison,
        community=c.org,
        title=title,
        category="assistance",
        due_on=timezone.localdate() + dt.timedelta(days=days),
    )


def reported_activity(w: World, on: dt.date | None = None) -> Deed:
    return S.activity_report(
        actor=w.member_user, title="社区垃圾分类宣传", on=on or timezone.localdate(), hours="2", role="volunteer"
    )


@dataclass
class CommunityRows:
    """Branch A's member reported to a community under another committee, with a claimed need, a
    reported activity waiting for confirmation, a pledge, and the unit committee's 三个一."""

    c: Community
    link: ServiceLink
    need: Need
    claimed: Deed
    reported: Deed
    three_ones: Any


def build_community_rows(w: World, phone: str = "13800000091") -> CommunityRows:
    c = make_community(w, phone=phone)
    link = report_in(w, c)
    n = need(c)
    claimed = S.need_claim(actor=w.member_user, need=n)
    reported = reported_activity(w)
    S.pledge_submit(actor=w.member_user, text="每月参加一次社区志愿服务", public=True)
    three = S.secretary_pledge_save(
        actor=w.admin, org=w.unit, year=timezone.localdate().year, secretary_name="刘书记",
        pledge="每季度到联系点调研一次",
        project="机关党建“红色引擎”", goals="带动 3 个支部达标", contact_org=w.branch,
    )  # fmt: skip
    return CommunityRows(c, link, n, claimed, reported, three)
