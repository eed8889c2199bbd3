"""Pages: each for success, anonymous, outsider and bad input; query budgets on the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangjian.inspections.models import Draw, Finding, FindingStatus, Inspection, ItemScore, Plan
from dangjian.site.testing.factories import World

from .helpers import build_inspection_rows, make_plan

pytestmark = pytest.mark.django_db


def test_home_lists_plans_and_findings(world: World, as_admin: Client, as_liaison: Client) -> None:
    r = build_inspection_rows(world)
    body = as_admin.get(reverse("inspections:home")).content.decode()
    assert r.plan.name in body and "新建检查计划" in body
    mine = as_liaison.get(reverse("inspections:home")).content.decode()
    assert r.open.problem in mine and "新建检查计划" not in mine


def test_anonymous_goes_to_login(world: World) -> None:
    r = Client().get(reverse("inspections:home"))
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_plan_create_and_draw_through_the_pages(world: World, as_admin: Client) -> None:
    url = reverse("inspections:plan_new", args=[world.city.pk])
    assert as_admin.get(url).status_code == 200
    bad = as_admin.post(url, {"name": "", "document": "", "starts_on": "2026-12-01", "ends_on": "2026-11-01"})
    assert bad.status_code == 200 and "必填" in bad.content.decode() and not Plan.objects.exists()
    form = {
        "name": "十二月抽查",
        "document": "市委组织部〔2026〕9号",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-20",
        "scope": world.city.pk,
        "strata_by": "none",
        "count": "1",
        "minimum": "1",
        "fixed": [world.branch.pk],
        "announced": "on",
        "exclude_inspected_months": "0",
        "exclude_founded_months": "0",
        "inspectors": [world.admin.pk],
    }
    r = as_admin.post(url, form)
    plan = Plan.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("inspections:plan", args=[plan.pk])
    r = as_admin.post(reverse("inspections:plan_draw", args=[plan.pk]), follow=True)
    assert "已抽取 2 个组织" in r.content.decode()
    assert Inspection.objects.filter(plan=plan).count() == 2
    r = as_admin.post(reverse("inspections:plan_draw", args=[plan.pk]), follow=True)
    assert "不能更改" in r.content.decode() and Draw.objects.count() == 1


def test_outsider_cannot_read_or_act(world: World, as_outsider: Client) -> None:
    r = build_inspection_rows(world)
    for name, pk in [
        ("inspections:plan", r.plan.pk),
        ("inspections:inspection", r.inspection.pk),
        ("inspections:finding", r.open.pk),
        ("inspections:sheet_pdf", r.inspection.pk),
    ]:
        assert as_outsider.get(reverse(name, args=[pk])).status_code == 404
    before = Finding.objects.get(pk=r.open.pk).status
    assert (
        as_outsider.post(reverse("inspections:finding_submit", args=[r.open.pk]), {"outcome": "x"}).status_code == 404
    )
    assert Finding.objects.get(pk=r.open.pk).status == before
    assert as_outsider.get(reverse("inspections:findings", args=[world.city.pk])).status_code == 404


def test_scoring_page_and_bad_score(world: World, as_admin: Client) -> None:
    r = build_inspection_rows(world)
    url = reverse("inspections:inspection", args=[r.inspection.pk])
    body = as_admin.get(url).content.decode()
    assert "系统核验" in body and "列入整改清单" in body and "结束检查" in body
    score = reverse("inspections:inspection_score", args=[r.inspection.pk])
    bad = as_admin.post(score, {"code": "I1", "deduction": "-1"}, follow=True)
    assert "扣分" in bad.content.decode()
    assert ItemScore.objects.get(inspection=r.inspection, code="I1").deduction is None
    no_note = as_admin.post(score, {"code": "I1", "deduction": "1"}, follow=True)
    assert "扣分说明" in no_note.content.decode()
    ok = as_admin.post(score, {"code": "I1", "deduction": "1", "note": "无标识"})
    assert ok.status_code == 302 and ok["Location"].endswith("#item-I1")
    assert ItemScore.objects.get(inspection=r.inspection, code="I1").deduction == 1


def test_sheet_downloads(world: World, as_admin: Client) -> None:
    r = build_inspection_rows(world)
    pdf = as_admin.get(reverse("inspections:sheet_pdf", args=[r.inspection.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = as_admin.get(reverse("inspections:sheet_xlsx", args=[r.inspection.pk]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    rect = as_admin.get(reverse("inspections:rectification_xlsx", args=[r.plan.pk]))
    assert rect.status_code == 200 and rect.content.startswith(b"PK")


def test_finding_pages_follow_the_flow(world: World, as_liaison: Client, as_secretary: Client) -> None:
    r = build_inspection_rows(world)
    page = as_liaison.get(reverse("inspections:finding", args=[r.open.pk])).content.decode()
    assert "提交整改情况" in page
    empty = as_liaison.post(reverse("inspections:finding_submit", args=[r.open.pk]), {"outcome": ""}, follow=True)
    assert "整改情况" in empty.content.decode() and Finding.objects.get(pk=r.open.pk).status == FindingStatus.OPEN
    as_liaison.post(reverse("inspections:finding_submit", args=[r.open.pk]), {"outcome": "已更新"})
    assert as_liaison.post(reverse("inspections:finding_verify", args=[r.open.pk]), {"approve": "1"}).status_code == 403
    as_secretary.post(reverse("inspections:finding_verify", args=[r.open.pk]), {"approve": "1"})
    as_secretary.post(reverse("inspections:finding_close", args=[r.open.pk]))
    assert Finding.objects.get(pk=r.open.pk).status == FindingStatus.CLOSED


def test_committee_pages_and_query_budgets(world: World, as_admin: Client, django_assert_max_num_queries: Any) -> None:
    r = build_inspection_rows(world)
    for _ in range(5):
        f = Finding.objects.get(pk=r.open.pk)
        f.pk = None
        f.save()
    board = reverse("inspections:findings", args=[world.city.pk])
    as_admin.get(board)
    with django_assert_max_num_queries(12):
        body = as_admin.get(board).content.decode()
    assert "30天以内" in body
    overview = reverse("inspections:overview", args=[world.city.pk])
    as_admin.get(overview)
    with django_assert_max_num_queries(14):
        assert as_admin.get(overview).status_code == 200
    plan = reverse("inspections:plan", args=[r.plan.pk])
    with django_assert_max_num_queries(16):
        assert as_admin.get(plan).status_code == 200
    assert as_admin.get(reverse("inspections:checklist", args=[world.city.pk])).status_code == 200
    assert as_admin.get(reverse("inspections:overview", args=[world.branch.pk])).status_code == 404


def test_unannounced_plan_hidden_from_the_branch_until_the_visit(
    world: World, as_admin: Client, as_secretary: Client
) -> None:
    plan = make_plan(world, announced=False)
    as_admin.post(reverse("inspections:plan_draw", args=[plan.pk]))
    visit = Inspection.objects.get(plan=plan)
    assert as_secretary.get(reverse("inspections:inspection", args=[visit.pk])).status_code == 404
    assert plan.name not in as_secretary.get(reverse("inspections:home")).content.decode()
    as_admin.post(reverse("inspections:inspection_start", args=[visit.pk]))
    assert as_secretary.get(reverse("inspections:inspection", args=[visit.pk])).status_code == 200


def test_optional_photo_is_served_to_those_who_see_the_visit(
    world: World, as_admin: Client, as_member: Client, as_outsider: Client
) -> None:
    r = build_inspection_rows(world)
    url = reverse("inspections:item_photo", args=[r.scored.pk])
    got = as_admin.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert as_member.get(url).status_code == 200  # the branch sees its announced visit
    assert as_outsider.get(url).status_code == 404
    no_photo = ItemScore.objects.get(inspection=r.inspection, code="I1")
    assert as_admin.get(reverse("inspections:item_photo", args=[no_photo.pk])).status_code == 404
    bad = SimpleUploadedFile("x.jpg", b"not an image")
    score = reverse("inspections:inspection_score", args=[r.inspection.pk])
    resp = as_admin.post(score, {"code": "I1", "deduction": "1", "note": "无", "photo": bad}, follow=True)
    assert "照片" in resp.content.decode() or "图片" in resp.content.decode()
    assert not ItemScore.objects.get(pk=no_photo.pk).photo
    ok = as_admin.post(score, {"code": "I1", "deduction": "0"})  # no photo: fine, never required
    assert ok.status_code == 302
