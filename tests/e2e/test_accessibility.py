"""Accessibility in real Chromium: axe-core on each role's home, the task page, the meeting form, the
dues sheet, the roster and the committee's matrix and board — no serious or critical violations.

axe-core comes from node_modules (a devDependency in package.json) and is injected into the page by
the test only; the site never serves it. Also checks at 375 px that the bottom tab bar is there,
that nothing scrolls sideways, and that every button and navigation link is at least 44 × 44 px.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.assignments.models import AssignmentTarget
from dangjian.site.testing.factories import World, make_member
from tests.helpers import publish_party_day_task

from .conftest import screenshot

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 900}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.x A/AA rules) on the loaded page; the serious and critical violations."""
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core/axe.min.js is missing; run `npm ci` (bash scripts/test does).")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(
            str(n["target"]) + " " + n.get("failureSummary", "").replace("\n", " ") for n in v["nodes"][:4]
        )
        lines.append(f"{v['impact']} {v['id']}: {v['help']} — {targets}")
    return "\n".join(lines)


def small_targets(page: Any) -> list[str]:
    """Buttons, fields, tab/side navigation links, pager links and arrows under 44 × 44 CSS px."""
    return list(
        page.evaluate(
            """() => {
            const sel = "button, .btn, input[type=submit], .tabbar a, .sidenav a, .pager a, .topbar a, "
                + "ul.todo a, a.tap, select, input[type=text], input[type=search], input[type=date], input[type=tel]";
            const bad = [];
            for (const el of document.querySelectorAll(sel)) {
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
                const name = el.textContent.trim().slice(0, 20);
                if (r.height < 43.5 || r.width < 43.5) bad.push(`${name} ${r.width}x${r.height}`);
            }
            return bad;
        }"""
        )
    )


@pytest.fixture
def committee_task(e2e_world: World) -> AssignmentTarget:
    """A 主题党日 task from the city committee to every branch (branch A's copy returned)."""
    w = e2e_world
    for i in range(3):
        make_member(w.branch, name=f"党员{i}")
    return publish_party_day_task(w)


def test_axe_on_the_pages_of_the_month_and_the_committee(
    new_page: Any, live_url: str, e2e_world: World, committee_task: AssignmentTarget
) -> None:
    w = e2e_world
    month = timezone.localdate().strftime("%Y-%m")
    pages: list[tuple[str, Any, str]] = [
        ("home-member", w.member_user, reverse("core:home")),
        ("home-liaison", w.liaison, reverse("core:home")),
        ("home-secretary", w.secretary, reverse("core:home")),
        ("home-admin", w.admin, reverse("core:home")),
        ("more-liaison", w.liaison, reverse("core:more")),
        ("task", w.liaison, reverse("assignments:target", args=[committee_task.pk])),
        ("meeting-form", w.liaison, reverse("orglife:meeting_new", args=[w.branch.pk]) + "?kind=party_day"),
        ("dues-sheet", w.liaison, reverse("dues:sheet", args=[w.branch.pk]) + f"?month={month}"),
        ("roster", w.liaison, reverse("members:roster", args=[w.branch.pk])),
        ("matrix", w.admin, reverse("orglife:matrix", args=[w.city.pk])),
        ("board", w.admin, reverse("assignments:board", args=[committee_task.assignment_id])),
    ]
    pages_by_user: dict[Any, Any] = {}
    failures: list[str] = []
    for name, user, path in pages:
        page = pages_by_user.get(user)
        if page is None:
            page = pages_by_user[user] = new_page(user, bypass_csp=True)
        for label, viewport in (("phone", None), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport or {"width": 375, "height": 812})
            resp = page.goto(live_url + path)
            assert resp is not None and resp.status == 200, f"{name}: HTTP {resp and resp.status}"
            page.wait_for_load_state("load")
            screenshot(page, f"a11y-{name}-{label}")
            found = axe_violations(page)
            if found:
                failures.append(f"[{name} {label}] {path}\n{describe(found)}")
            if label == "phone":
                wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                if wide > 0:
                    failures.append(f"[{name} phone] the page scrolls sideways by {wide}px")
                tiny = small_targets(page)
                if tiny:
                    failures.append(f"[{name} phone] tap targets under 44 px: {tiny}")
    assert not failures, "\n\n".join(failures)


def test_tab_bar_on_phone_side_nav_on_desktop(new_page: Any, live_url: str, e2e_world: World) -> None:
    w = e2e_world
    liaison = new_page(w.liaison)
    tabs = liaison.locator("nav.tabbar a").all_inner_texts()
    assert [t.strip() for t in tabs] == ["首页", "组织生活", "任务", "党费", "我的"]
    assert liaison.locator("nav.sidenav").is_hidden()
    liaison.set_viewport_size(DESKTOP)
    assert liaison.locator("nav.tabbar").is_hidden()
    assert liaison.locator("nav.sidenav").is_visible()
    assert "党员名册" in liaison.locator("nav.sidenav").inner_text()

    member = new_page(w.member_user)
    tabs = [t.strip() for t in member.locator("nav.tabbar a").all_inner_texts()]
    assert tabs == ["首页", "组织生活", "党费", "我的"]
    member.click("nav.tabbar >> text=党费")
    assert member.url.endswith(reverse("dues:my"))
    member.click("nav.tabbar >> text=我的")
    assert "全部功能" in member.inner_text("main")
