"""Records entered once, on a phone (375×812): the committee rates a branch's stars with the year's
inspection score already in the form and cited; a branch secretary finds the superior's study list on
the study page without retyping it and reaches the task in one tap; a brand project's progress ticks
the community-confirmed deeds of the branch's members and the page counts them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.assignments.models import AssignmentTarget, DeliverableKind
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish
from dangjian.brands.models import ProgressEntry
from dangjian.brands.tests.helpers import project_at
from dangjian.community import services as community
from dangjian.community.tests.helpers import make_community, report_in
from dangjian.inspections import services as insp
from dangjian.inspections.tests.helpers import build_inspection_rows
from dangjian.orgs.models import OrgConfig
from dangjian.points.models import BranchRating
from dangjian.site.testing.factories import World

from .conftest import screenshot

pytestmark = pytest.mark.e2e


def narrow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_branch_stars_take_the_inspection_score(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    visit = build_inspection_rows(w).inspection
    insp.inspection_finish(actor=w.admin, inspection=visit)
    visit.refresh_from_db()
    OrgConfig.objects.create(org=w.city, key="points.branch_target_source", value="inspection")

    # The committee: the form already holds the inspection score (read-only, cited); 积分制管理考核得分 (1),
    # 依据文件 (1), 提交审定 (1).
    page = new_page(w.admin)
    page.goto(f"{live_url}{reverse('points:ratings', args=[w.unit.pk])}?year={visit.year}")
    field = page.locator(f"#ts-{w.branch.pk}")
    assert Decimal(field.input_value()) == visit.total and field.get_attribute("readonly") is not None
    assert "取自" in page.locator(f"label[for=ts-{w.branch.pk}]").inner_text()
    narrow(page)
    screenshot(page, "links-stars-form")
    page.fill(f"#ps-{w.branch.pk}", "90")
    page.fill(f"#doc-{w.branch.pk}", "市直机关工委〔2026〕8号")
    page.locator(f"form:has(#doc-{w.branch.pk}) button[type=submit]").click()
    page.wait_for_load_state()
    rating = BranchRating.objects.get(org=w.branch)
    assert (rating.target_source, rating.target_score) == ("inspection", visit.total)
    narrow(page)
    screenshot(page, "links-stars-entered")
    # Where the number came from: one tap to the inspection.
    page.get_by_role("link", name="取自来源记录").click()
    page.wait_for_url(f"**{reverse('inspections:inspection', args=[visit.pk])}")


def test_the_study_list_comes_from_the_assignment(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    today = timezone.localdate()
    a = assignment_publish(
        actor=w.admin,
        publisher_org=w.city,
        title="本月主题党日",
        theme="学习贯彻党的二十届四中全会精神",
        window_start=today,
        window_end=today + dt.timedelta(days=10),
        deliverables=[DeliverableSpec("总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=10))],
        collective_study=["党的二十届四中全会公报"],
        self_study=["《习近平谈治国理政》第五卷选读"],
    )
    target = AssignmentTarget.objects.get(assignment=a, org=w.branch)

    # The secretary: the list is on the study page (0 taps to enter it); the task is 1 tap away.
    page = new_page(w.secretary)
    page.goto(f"{live_url}{reverse('study:branch', args=[w.branch.pk])}")
    main = page.inner_text("main")
    assert "党的二十届四中全会公报" in main and "上级部署" in main
    narrow(page)
    screenshot(page, "links-study-list")
    page.get_by_role("link", name="查看上级任务").click()
    page.wait_for_url(f"**{reverse('assignments:target', args=[target.pk])}")


def test_brand_progress_picks_confirmed_deeds(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    c = make_community(w)
    link = report_in(w, c)
    today = timezone.localdate()
    deeds = [
        community.activity_record(actor=c.liaison, link=link, title=t, on=today, hours="2", role="volunteer")
        for t in ("敬老院义务理发", "社区垃圾分类宣传")
    ]
    p = project_at(w, "cultivating")

    # The liaison: 从社区确认的实事记录进展 (1), tick the deeds (1 each), 进展 (1), 记录 (1).
    page = new_page(w.liaison)
    page.goto(f"{live_url}{reverse('brands:project', args=[p.pk])}")
    page.get_by_text("从社区确认的实事记录进展").click()
    for d in deeds:
        page.locator(f"input[name=deed_ids][value='{d.pk}']").check()
    page.fill("#dp-summary", "“先锋引领”志愿服务队进社区")
    narrow(page)
    screenshot(page, "links-brand-pick")
    page.locator("form[action$='/progress/deeds/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert "关联社区确认的实事 2 件" in page.inner_text("main")
    assert set(ProgressEntry.objects.get(project=p).deeds.all()) == set(deeds)
    narrow(page)
    screenshot(page, "links-brand-counted")
