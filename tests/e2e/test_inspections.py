"""Inspections in real Chromium at 375×812: an inspector draws 2 branches on the spot from the phone,
scores one item by item, raises a finding; the branch's liaison reports it rectified and the branch
secretary verifies and closes it (four eyes: the owner never closes their own).

Taps of the inspector's main flow (from the plan page): 现场随机抽取 1, the branch 1, 开始检查 1,
one item's deduction + note + 保存 3, the finding's problem + measure + owner + 列入整改清单 4,
结束检查 1 — 11 taps for a visit with one deduction and one finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.inspections.models import Finding, FindingStatus, Inspection, InspectionStatus
from dangjian.inspections.tests.helpers import make_plan
from dangjian.site.testing.factories import World, make_user

from .conftest import screenshot

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots_inspections")  # noqa: S108 -- where the brief asks screenshots to be looked at


def shot(page: Any, name: str) -> None:
    screenshot(page, f"inspections-{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_onsite_draw_scoring_and_rectification(e2e_world: World, new_page: Any, live_url: str) -> None:
    w = e2e_world
    inspector = make_user("孙检查员", "13800000088")
    RoleAssignment.objects.create(user=inspector, org=w.unit, role="liaison")
    plan = make_plan(
        w, org=w.unit, inspectors=[inspector], fixed_ids=[], sizes={"*": {"count": 2}}, onsite=True,
        name="现场推进会观摩",
    )  # fmt: skip

    page = new_page(inspector)
    page.goto(f"{live_url}/inspections/plan/{plan.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "1-plan")
    page.get_by_role("button", name="现场随机抽取").click()
    page.wait_for_load_state()
    assert "已抽取 2 个组织" in page.inner_text("main")
    assert Inspection.objects.filter(plan=plan).count() == 2
    shot(page, "2-drawn")

    page.get_by_role("link", name=w.branch.name).click()
    page.wait_for_url("**/visit/**")
    page.get_by_role("button", name="开始检查").click()
    page.wait_for_load_state()
    assert "系统核验" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "3-started")
    form = page.locator("form.score-form[data-item=I2]")
    form.get_by_label("党务公开栏扣分", exact=True).fill("2")
    form.get_by_label("党务公开栏扣分说明").fill("公开栏内容未按月更新")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "已保存：扣 2.0 分" in page.inner_text("main")
    visit = Inspection.objects.get(plan=plan, org=w.branch)
    assert visit.items.get(code="I2").deduction == 2

    page.locator("#id_problem").fill("党务公开栏内容未按月更新")
    page.locator("#id_measure").fill("每月5日前更新公开栏，组织委员负责")
    page.locator("#id_owner").select_option(str(w.liaison.pk))
    page.get_by_role("button", name="列入整改清单").click()
    page.wait_for_load_state()
    assert "问题已列入整改清单" in page.inner_text("main")
    shot(page, "4-finding")
    page.get_by_role("button", name="结束检查").click()
    page.wait_for_load_state()
    visit.refresh_from_db()
    assert visit.status == InspectionStatus.FINISHED and visit.total is not None and visit.total < 100
    finding = Finding.objects.get()

    # The committee's view: the score by branch as an ECharts bar, no ranking.
    page.goto(f"{live_url}/inspections/org/{w.unit.pk}/overview/")
    page.wait_for_selector("#insp-score-chart canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "6-overview")

    liaison = new_page(w.liaison)
    liaison.goto(f"{live_url}/inspections/finding/{finding.pk}/")
    assert "党务公开栏" in liaison.inner_text("main")
    assert liaison.get_by_role("button", name="对单销号").count() == 0
    liaison.locator("#id_outcome").fill("已更新11月公开内容并建立更新台账")
    liaison.get_by_role("button", name="提交整改情况").click()
    liaison.wait_for_load_state()
    assert "等待核实" in liaison.inner_text("main")
    assert liaison.get_by_role("button", name="提交核实结果").count() == 0  # the owner never verifies

    secretary = new_page(w.secretary)
    secretary.goto(f"{live_url}/inspections/finding/{finding.pk}/")
    secretary.get_by_role("button", name="提交核实结果").click()
    secretary.wait_for_load_state()
    secretary.get_by_role("button", name="对单销号").click()
    secretary.wait_for_load_state()
    assert "已销号" in secretary.inner_text("main")
    shot(secretary, "5-closed")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED and finding.closed_by == w.secretary
    assert finding.deadline > timezone.localdate()
