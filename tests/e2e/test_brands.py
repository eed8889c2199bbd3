"""一支部一特色 on a phone (375×812): a branch fills and submits its 申报书, the 基层党委 recommends
it, an expert scores it in their phone queue, the committee shortlists it, the branch revises, and
the committee approves it into 公示 -- shown on the public page without a login."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from dangjian.accounts.models import RoleAssignment
from dangjian.brands.models import Project, Review, Stage
from dangjian.brands.tests.helpers import SECTIONS, campaign
from dangjian.site.testing.factories import World, make_user

from .conftest import screenshot

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("DANGJIAN_SHOTS_DIR", "")  # also copy the screenshots there while developing


def shot(page: Any, name: str) -> None:
    path = screenshot(page, f"brands-{name}")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / path.name)


def narrow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_branch_submits_expert_scores_committee_approves_into_notice(
    e2e_world: World, new_page: Any, live_url: str
) -> None:
    w = e2e_world
    c = campaign(w)
    expert = make_user("周专家", "13800000088")
    RoleAssignment.objects.create(user=expert, org=w.city, role="reviewer")

    # The branch: 填写申报书 (1 tap), fill, 保存 (1), 提交 (1).
    page = new_page(w.liaison)
    page.goto(f"{live_url}/brands/")
    narrow(page)
    page.get_by_role("button", name=f"{w.branch.name}：填写申报书").click()
    page.wait_for_url("**/edit/")
    page.get_by_label("品牌名称（4–8 字）").fill("红烛先锋")
    page.get_by_label("品牌口号").fill("红烛映初心")
    labels = {"background": "背景与问题", "goals": "目标与阶段安排", "measures": "主要措施与载体", "team": "项目团队",
              "results": "预期成果与指标", "plan": "长期规划"}  # fmt: skip
    for key, label in labels.items():
        page.get_by_label(label).fill(SECTIONS[key])
    page.get_by_label("本支部承诺：申报的品牌项目为本支部原创，不存在抄袭").check()
    narrow(page)
    shot(page, "edit-liaison")
    page.get_by_role("button", name="保存申报书").click()
    page.wait_for_url("**/project/*/")
    page.get_by_role("button", name="提交申报书").click()
    page.wait_for_load_state()
    assert "已提交" in page.inner_text("main")
    p = Project.objects.get(campaign=c, org=w.branch)
    assert p.stage == Stage.SUBMITTED

    # The 基层党委 / committee (admin): 审核推荐 (1), 分配 (1).
    admin = new_page(w.admin)
    admin.goto(f"{live_url}/brands/project/{p.pk}/")
    admin.get_by_role("button", name="审核推荐").click()
    admin.wait_for_load_state()
    admin.get_by_role("button", name="分配", exact=True).click()
    admin.wait_for_load_state()
    assert Review.objects.filter(project=p, reviewer=expert).exists()

    # The expert on a phone: open the queue (1), tap the project (1), score, 提交评分 (1).
    rp = new_page(expert)
    rp.goto(f"{live_url}/brands/review/")
    narrow(rp)
    shot(rp, "queue-reviewer")
    rp.get_by_role("link", name="红烛先锋").click()
    rp.wait_for_url("**/review/*/")
    for i, field in enumerate(rp.locator("input[type=number]").all()):
        field.fill(str(8 + i % 2))
    rp.get_by_label("评审意见").fill("特色鲜明，融入业务")
    rp.get_by_label("修改要求").fill("补充季度里程碑")
    narrow(rp)
    shot(rp, "review-reviewer")
    rp.get_by_role("button", name="提交评分").click()
    rp.wait_for_url("**/review/")
    assert "已评分" in rp.inner_text("main")

    # The committee shortlists (1); the branch revises (2); the committee approves into 公示 (1).
    admin.goto(f"{live_url}/brands/project/{p.pk}/")
    admin.get_by_role("button", name="确定为初步培育对象").click()
    admin.wait_for_load_state()
    page.goto(f"{live_url}/brands/project/{p.pk}/")
    page.get_by_role("link", name="提交修改稿").click()
    page.get_by_label("目标与阶段安排").fill(SECTIONS["goals"] + "每季度一次成果展示。")
    page.get_by_role("button", name="提交修改稿").click()
    page.wait_for_url(f"**/project/{p.pk}/")
    admin.goto(f"{live_url}/brands/project/{p.pk}/")
    assert "修改稿与原申报书对照" in admin.inner_text("main")
    admin.get_by_role("button", name="审定，进入公示").click()
    admin.wait_for_load_state()
    narrow(admin)
    shot(admin, "project-committee")
    p.refresh_from_db()
    assert p.stage == Stage.PUBLICITY and p.notice_ends is not None

    # The public page, no login.
    pub = new_page()
    pub.goto(f"{live_url}/brands/notice/{c.pk}/")
    narrow(pub)
    text = pub.inner_text("main")
    assert "红烛先锋" in text and f"{p.notice_ends:%Y-%m-%d}" in text and SECTIONS["background"] not in text
    shot(pub, "notice-public")

    admin.goto(f"{live_url}/brands/campaign/{c.pk}/")
    narrow(admin)
    shot(admin, "board-committee")
