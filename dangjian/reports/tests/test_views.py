"""Reports pages: success, anonymous, outsider, bad input, the committee's dashboard and exports."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.reports.models import Report, ReportVersion
from dangjian.site.testing.factories import World

from .helpers import last_month, party_day_last_month, submit_branch_report

pytestmark = pytest.mark.django_db


def month_url(world: World) -> str:
    y, m = last_month()
    return reverse("reports:month", args=[world.branch.pk, y, m])


def submit_url(world: World) -> str:
    y, m = last_month()
    return reverse("reports:submit", args=[world.branch.pk, y, m])


def test_secretary_signs_off_with_two_texts(world: World, as_secretary: Client) -> None:
    party_day_last_month(world)
    page = as_secretary.get(month_url(world))
    assert page.status_code == 200
    body = page.content.decode()
    assert "签发报送" in body and "主题党日" in body and "查看记录" in body
    r = as_secretary.post(
        submit_url(world), {"highlights": "开展志愿服务", "problems": "", "figures": "999"}, follow=True
    )
    assert "已签发报送（第 1 版）" in r.content.decode()
    v = ReportVersion.objects.get()
    assert v.highlights == "开展志愿服务" and v.figures["partyday"]["held"] == 1  # posted "figures" ignored
    html = as_secretary.get(reverse("reports:version", args=[v.pk])).content.decode()
    assert "第 1 版" in html and "开展志愿服务" in html


def test_second_submission_without_reason_is_refused(world: World, as_secretary: Client) -> None:
    v = submit_branch_report(world)
    r = as_secretary.post(submit_url(world), {"highlights": "x", "version": v.report.version}, follow=True)
    assert "更正原因" in r.content.decode()
    assert ReportVersion.objects.count() == 1
    r = as_secretary.post(
        submit_url(world), {"highlights": "x", "reason": "补充", "version": v.report.version}, follow=True
    )
    assert ReportVersion.objects.count() == 2


def test_current_month_is_refused_with_a_chinese_message(world: World, as_secretary: Client) -> None:
    today = timezone.localdate()
    url = reverse("reports:submit", args=[world.branch.pk, today.year, today.month])
    r = as_secretary.post(url, {"highlights": "x"}, follow=True)
    assert "尚未结束" in r.content.decode() and not Report.objects.exists()
    assert as_secretary.post(url.replace(f"/{today.month}/", "/13/"), {}).status_code == 404


def test_too_long_text_is_refused(world: World, as_secretary: Client) -> None:
    r = as_secretary.post(submit_url(world), {"highlights": "长" * 501}, follow=True)
    assert "亮点" in r.content.decode() and not Report.objects.exists()


def test_anonymous_outsider_member_and_committee(
    world: World, as_outsider: Client, as_member: Client, as_admin: Client
) -> None:
    v = submit_branch_report(world)
    assert Client().get(month_url(world)).status_code == 302
    assert as_outsider.get(month_url(world)).status_code == 404
    assert as_outsider.get(reverse("reports:version", args=[v.pk])).status_code == 404
    assert as_outsider.post(submit_url(world), {"reason": "x"}).status_code in (403, 404)
    assert as_member.post(submit_url(world), {"reason": "x"}).status_code == 403
    r = as_admin.post(submit_url(world), {"reason": "上级改", "version": v.report.version}, follow=True)
    assert r.status_code == 403
    assert ReportVersion.objects.count() == 1
    page = as_admin.get(month_url(world)).content.decode()
    assert "签发报送" not in page and "已报送" in page


def test_dashboard_drills_down_and_exports(world: World, as_admin: Client, django_assert_max_num_queries: Any) -> None:
    submit_branch_report(world)
    y, m = last_month()
    url = reverse("reports:dashboard", args=[world.city.pk]) + f"?month={y}-{m:02d}"
    as_admin.get(url)
    with django_assert_max_num_queries(12):
        page = as_admin.get(url)
    body = page.content.decode()
    assert world.unit.name in body and "reports-dashboard-data" in body and "<script>" not in body
    unit = as_admin.get(reverse("reports:dashboard", args=[world.unit.pk]) + f"?month={y}-{m:02d}").content.decode()
    assert world.branch.name in unit and "50%" in unit  # one of two branches reported
    xlsx = as_admin.get(reverse("reports:dashboard_xlsx", args=[world.unit.pk]) + f"?month={y}-{m:02d}")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_admin.get(reverse("reports:dashboard", args=[world.unit.pk]) + "?month=bad").status_code == 404


def test_indicators_scores_gaps_and_year_table(world: World, as_admin: Client, as_secretary: Client) -> None:
    today = timezone.localdate()
    url = reverse("reports:indicators", args=[world.unit.pk])
    assert as_admin.get(url).status_code == 200
    r = as_admin.post(
        reverse("reports:indicator_add", args=[world.unit.pk]),
        {"year": today.year, "quarter": (today.month - 1) // 3 + 1, "label": "主题党日", "figure": "partyday:held",
         "target": "3", "weight": "10", "rule": "proportional"},
        follow=True,
    )  # fmt: skip
    assert "已添加考评指标" in r.content.decode()
    bad = as_admin.post(
        reverse("reports:indicator_add", args=[world.unit.pk]),
        {"label": "", "figure": "nope", "target": "x", "weight": "1", "rule": "proportional"},
        follow=True,
    ).content.decode()
    assert "指标名称" in bad or "数据来源" in bad
    gaps = as_secretary.get(reverse("reports:gaps", args=[world.branch.pk])).content.decode()
    assert "主题党日" in gaps and "还差" in gaps
    assert as_secretary.get(reverse("reports:indicators", args=[world.unit.pk])).status_code in (403, 404)
    year = as_secretary.get(reverse("reports:year", args=[world.branch.pk, today.year])).content.decode()
    assert "重点指标完成情况统计表" in year
    x = as_secretary.get(reverse("reports:year_xlsx", args=[world.branch.pk, today.year]))
    assert x["Content-Type"].startswith("application/vnd.openxmlformats")
    scores = reverse("reports:scores", args=[world.unit.pk, today.year - 1, 4])
    assert as_admin.get(scores).status_code == 200


def test_index_lists_the_orgs_to_report(world: World, as_secretary: Client, as_liaison: Client) -> None:
    body = as_secretary.get(reverse("reports:index")).content.decode()
    assert world.branch.name in body and "填写并签发" in body
    assert as_liaison.get(reverse("reports:index")).status_code == 200


def test_dashboard_shares_equal_the_snapshots(world: World) -> None:
    from dangjian.reports import selectors

    party_day_last_month(world)
    v = submit_branch_report(world)
    y, m = last_month()
    d = selectors.dashboard(world.admin, world.unit, y, m)
    mine = next(r for r in d.rows if r.org == world.branch)
    assert (mine.submitted, mine.party_day) == (1, 1)
    assert mine.orglife_required == v.figures["orglife"]["required"]
    assert mine.orglife_met == v.figures["orglife"]["met"]
    assert d.total.branches == 2 and d.total.shares["reported"] == 50
    # Inspection findings come from the same snapshots (inspections' report source); none were raised.
    inspections = v.figures.get("inspections", {})
    assert mine.findings_opened == inspections.get("findings_opened", 0) == 0
    assert d.total.shares["findings"] is None  # nothing raised: no share, rather than a false 0 %


def test_dashboard_reads_findings_from_the_snapshots(world: World) -> None:
    from dangjian.reports import selectors
    from dangjian.reports.models import Report

    submit_branch_report(world)
    y, m = last_month()
    report = Report.objects.get(org=world.branch, year=y, month=m)
    # As frozen when the branch had 4 findings raised and 1 closed in the month.
    figures = {**report.figures, "inspections": {"inspections": 1, "findings_opened": 4, "findings_closed": 1}}
    Report.objects.filter(pk=report.pk).update(figures=figures)
    d = selectors.dashboard(world.admin, world.unit, y, m)
    assert (d.total.findings_opened, d.total.findings_closed, d.total.shares["findings"]) == (4, 1, 25)


def test_dashboard_findings_share_is_closed_over_opened() -> None:
    from dangjian.reports.selectors import DashRow

    row = DashRow(org=None, branches=3, findings_opened=4, findings_closed=1)  # type: ignore[arg-type]
    assert row.shares["findings"] == 25
    assert DashRow(org=None, branches=3).shares["findings"] is None  # type: ignore[arg-type]
