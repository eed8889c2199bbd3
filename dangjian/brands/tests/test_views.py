"""Brand pages: success, anonymous (→ login), outsider with real ids (→ 403/404), bad input with a
Chinese message and nothing written, the public 公示 showing only the notice, PDFs, query budgets."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dangjian.brands import services as S
from dangjian.brands.attention import brands_attention
from dangjian.brands.models import Document, Project, Review, Stage
from dangjian.core.models import AuditEvent
from dangjian.core.registry import report_sources
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import OrgKind
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World

from .helpers import CASE, SECTIONS, campaign, project_at, reviewer_user

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user, backend="dangjian.accounts.backends.PhoneBackend")
    return c


def test_anonymous_goes_to_login(world: World) -> None:
    p = project_at(world, "draft")
    for url in (reverse("brands:index"), reverse("brands:project", args=[p.pk]), reverse("brands:queue")):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_branch_fills_and_submits_the_application(world: World, as_liaison: Client) -> None:
    c = campaign(world)
    r = as_liaison.get(reverse("brands:index"))
    assert c.title in r.content.decode() and "填写申报书" in r.content.decode()
    r = as_liaison.post(reverse("brands:apply", args=[c.pk]), {"org": world.branch.pk})
    p = Project.objects.get(campaign=c, org=world.branch)
    assert r.status_code == 302 and r["Location"] == reverse("brands:edit", args=[p.pk])
    body = {"brand_name": "红烛", **SECTIONS, "originality": "on", "version": p.version}
    r = as_liaison.post(reverse("brands:edit", args=[p.pk]), body)
    assert r.status_code == 200 and "品牌名称应为 4–8 个字" in r.content.decode()
    assert Project.objects.get(pk=p.pk).brand_name == ""
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "PNG")
    logo = io.BytesIO(buf.getvalue())
    logo.name = "logo.png"
    r = as_liaison.post(reverse("brands:edit", args=[p.pk]), {**body, "brand_name": "红烛先锋", "logo": logo})
    assert r.status_code == 302
    p.refresh_from_db()
    r = as_liaison.post(reverse("brands:submit", args=[p.pk]), {"version": p.version})
    assert Project.objects.get(pk=p.pk).stage == Stage.SUBMITTED
    r = as_liaison.get(reverse("brands:logo", args=[p.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"


def test_not_an_image_logo_is_refused_on_the_form(world: World, as_liaison: Client) -> None:
    p = project_at(world, "draft")
    fake = io.BytesIO(b"GIF89a not really")
    fake.name = "logo.png"
    r = as_liaison.post(
        reverse("brands:edit", args=[p.pk]), {"brand_name": "红烛先锋", **SECTIONS, "logo": fake, "version": p.version}
    )
    assert r.status_code == 200 and "品牌标识" in r.content.decode()
    assert not Project.objects.get(pk=p.pk).logo


def test_outsider_and_member_are_refused(world: World, as_outsider: Client, as_member: Client) -> None:
    p = project_at(world, "revised")
    for name in ("brands:project", "brands:edit", "brands:pdf", "brands:revise", "brands:case"):
        assert as_outsider.get(reverse(name, args=[p.pk])).status_code in (403, 404)
    assert as_outsider.get(reverse("brands:campaign", args=[p.campaign_id])).status_code in (403, 404)
    before = AuditEvent.objects.count()
    for name in ("brands:approve", "brands:shortlist", "brands:disqualify"):
        assert as_outsider.post(reverse(name, args=[p.pk]), {"version": p.version}).status_code in (403, 404)
        assert as_member.post(reverse(name, args=[p.pk]), {"version": p.version}).status_code in (403, 404)
    assert AuditEvent.objects.count() == before
    assert as_member.get(reverse("brands:project", args=[p.pk])).status_code == 200  # the branch's own project


def test_committee_board_counts_and_query_budget(world: World, as_admin: Client) -> None:
    c = campaign(world)
    c.must_apply = {str(world.other_branch.pk): "双带头人工作室"}
    c.save(update_fields=["must_apply"])
    project_at(world, "submitted", c=c)
    url = reverse("brands:campaign", args=[c.pk])
    as_admin.get(url)
    with CaptureQueriesContext(connection) as q:
        r = as_admin.get(url)
    text = r.content.decode()
    assert r.status_code == 200 and "必须参与但尚未申报（1）" in text and world.other_branch.name in text
    assert "待基层党委审核" in text
    assert len(q.captured_queries) <= 12
    for i in range(30):
        org_create(actor=SYSTEM, parent=world.unit, name=f"第{i}党支部", kind=OrgKind.BRANCH)
    with CaptureQueriesContext(connection) as q2:
        as_admin.get(url)
    assert len(q2.captured_queries) == len(q.captured_queries)  # independent of the number of branches


def test_overdue_step_on_the_board(world: World, as_admin: Client, monkeypatch: Any) -> None:
    p = project_at(world, "draft")
    monkeypatch.setattr(
        "dangjian.brands.selectors.timezone.localdate", lambda: p.campaign.application_deadline + dt.timedelta(days=2)
    )
    r = as_admin.get(reverse("brands:campaign", args=[p.campaign_id]))
    assert "提交申报书逾期" in r.content.decode()


def test_reviewer_queue_and_scoring(world: World) -> None:
    expert = reviewer_user(world)
    p = project_at(world, "endorsed")
    rv = S.review_assign(actor=world.admin, project=p, reviewer=expert)
    c = _login(expert)
    r = c.get(reverse("brands:queue"))
    assert p.brand_name in r.content.decode() and "待评分" in r.content.decode()
    url = reverse("brands:review", args=[rv.pk])
    bad = {"score_political": "12", "score_brand": "8", "score_integration": "8", "score_sustainable": "8",
           "comments": "好", "version": rv.version}  # fmt: skip
    r = c.post(url, bad)
    assert r.status_code == 200 and "0–10" in r.content.decode()
    assert Review.objects.get(pk=rv.pk).submitted_at is None
    r = c.post(url, {**bad, "score_political": "9"})
    assert r.status_code == 302 and Review.objects.get(pk=rv.pk).submitted_at is not None
    # another expert cannot open it
    assert _login(reviewer_user(world, phone="13900000009")).get(url).status_code == 404
    assert brands_attention(expert) == []


def test_committee_sees_diff_and_similarity(world: World, as_admin: Client) -> None:
    first = project_at(world, "submitted")
    p = project_at(world, "revised", name="党建领航")
    r = as_admin.get(reverse("brands:project", args=[p.pk]))
    text = r.content.decode()
    assert "修改稿与原申报书对照" in text and "<ins>" in text
    doc = Document.objects.filter(project=p, kind="application").get()
    assert doc.matches and doc.matches[0]["project"] == first.pk
    r = as_admin.get(reverse("brands:document", args=[doc.pk]))
    assert r.status_code == 200 and "<mark>" in r.content.decode()
    assert any(a.title.endswith("待组织部审定") for a in brands_attention(world.admin))


def test_public_notice_shows_only_the_notice(world: World) -> None:
    p = project_at(world, "publicity")
    r = Client().get(reverse("brands:public_notice", args=[p.campaign_id]))
    text = r.content.decode()
    assert r.status_code == 200 and p.brand_name in text and f"{p.notice_ends:%Y-%m-%d}" in text
    for secret in (SECTIONS["background"], world.liaison.name, "周专家", str(p.review_score), "同意推荐"):
        assert secret not in text
    other = campaign(world, title="无公示的活动")
    assert Client().get(reverse("brands:public_notice", args=[other.pk])).status_code == 404


def test_pdfs(world: World, as_admin: Client) -> None:
    p = project_at(world, "case_submitted")
    r = as_admin.get(reverse("brands:pdf", args=[p.pk]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = as_admin.get(reverse("brands:casebook", args=[p.campaign_id]))
    assert r.status_code == 302  # nothing accepted yet
    S.project_grade_decide(actor=world.admin, project=p, grade="excellent")
    r = as_admin.get(reverse("brands:casebook", args=[p.campaign_id]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_case_editor_refuses_over_limit(world: World, as_liaison: Client) -> None:
    p = project_at(world, "cultivating")
    url = reverse("brands:case", args=[p.pk])
    r = as_liaison.get(url)
    assert 'id="case-count"' in r.content.decode() and "brands_case.js" in r.content.decode()
    r = as_liaison.post(url, {**CASE, "practice": "字" * 2600, "version": p.version})
    assert r.status_code == 200 and "超过 2500 字" in r.content.decode()
    assert Project.objects.get(pk=p.pk).case_chars == 0


def test_report_source_is_bounded(world: World, django_assert_max_num_queries: Any) -> None:
    p = project_at(world, "cultivating")
    src = next(s for s in report_sources() if s.key == "brands")
    today = timezone.localdate()
    with django_assert_max_num_queries(2):
        figures = src.compute([world.branch.path, world.other_branch.path], today.replace(day=1), today)
    assert figures[world.branch.path]["approved"] == 1 and figures[world.branch.path]["projects"] == 1
    assert p.stage == Stage.CULTIVATING


def test_committee_opens_a_call_on_the_web(world: World, as_admin: Client) -> None:
    url = reverse("brands:campaign_new", args=[world.city.pk])
    today = timezone.localdate()
    body = {
        "title": "一支部一特色", "document": "组织部〔2026〕8号", "incubation_end": today,
        "application_deadline": today + dt.timedelta(days=10), "approval_deadline": today + dt.timedelta(days=20),
        "cultivation_end": today + dt.timedelta(days=200), "acceptance_deadline": today + dt.timedelta(days=220),
        "excellent_quota": 2, "criteria_text": "政治功能|60|10\n品牌特色|30|10", "must_apply_text": "",
    }  # fmt: skip
    r = as_admin.post(url, body)
    assert r.status_code == 200 and "权重之和应为 100（现为 90）" in r.content.decode()
    r = as_admin.post(url, {**body, "criteria_text": "政治功能|60|10\n品牌特色|40|10", "must_apply_text": "abc"})
    assert r.status_code == 200 and "第 1 行格式" in r.content.decode()
    body["criteria_text"] = "政治功能|60|10\n品牌特色|40|10"
    body["must_apply_text"] = f"{world.branch.pk}|样板支部"
    r = as_admin.post(url, body)
    assert r.status_code == 302
    assert as_admin.get(r["Location"]).status_code == 200
