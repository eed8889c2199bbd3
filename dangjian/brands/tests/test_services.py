"""The state machine and the refusals of the brand services (built through the services)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dangjian.accounts.models import RoleAssignment
from dangjian.brands import services as S
from dangjian.brands.models import Document, Grade, Project, Stage
from dangjian.core.models import AuditEvent, Notification
from dangjian.core.scoping import SYSTEM, forget_scope
from dangjian.orgs.models import OrgConfig
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member, make_user

from .helpers import CASE, REVISED, SECTIONS, campaign, project_at, reviewer_user

pytestmark = pytest.mark.django_db

SCORES = {"political": 9, "brand": 8, "integration": 9, "sustainable": 7}


def _on(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr(S, "_today", lambda: day)


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, "PNG")
    return SimpleUploadedFile("logo.png", buf.getvalue(), content_type="image/png")


def test_full_lifecycle_writes_one_audit_event_per_step(world: World) -> None:
    before = AuditEvent.objects.count()
    p = project_at(world, "case_submitted")
    assert p.stage == Stage.CASE_SUBMITTED and p.review_score is not None
    # start, save, submit, unit review, assign, score, shortlist, revise, approve, establish,
    # 2 news, case save, case submit = 14 (+ the campaign)
    assert AuditEvent.objects.count() - before == 15
    p = S.project_grade_decide(actor=world.admin, project=p, grade=Grade.EXCELLENT)
    assert p.stage == Stage.ACCEPTED and p.grade == Grade.EXCELLENT
    assert set(Document.objects.filter(project=p).values_list("kind", flat=True)) == {"application", "revision", "case"}


def test_campaign_refuses_bad_weights_order_and_flags(world: World) -> None:
    today = dt.date(2026, 10, 16)
    kw: dict[str, Any] = {
        "actor": world.admin, "org": world.city, "title": "创建", "document": "通知",
        "incubation_end": today, "application_deadline": today + dt.timedelta(days=25),
        "approval_deadline": today + dt.timedelta(days=35), "cultivation_end": today + dt.timedelta(days=300),
        "acceptance_deadline": today + dt.timedelta(days=320),
    }  # fmt: skip
    with pytest.raises(ValidationError, match="权重之和应为 100"):
        S.campaign_create(**kw, criteria=[{"code": "a", "label": "甲", "weight": 60, "max": 10}])
    with pytest.raises(ValidationError, match="依次排列"):
        S.campaign_create(**{**kw, "approval_deadline": today})
    with pytest.raises(ValidationError, match="未知的支部标记"):
        S.campaign_create(**kw, must_apply={world.branch.pk: "先进支部"})
    with pytest.raises(ValidationError, match="不在本组织范围内"):
        S.campaign_create(**kw, must_apply={world.unit.pk: "样板支部"})
    with pytest.raises(PermissionDenied):
        S.campaign_create(**{**kw, "actor": world.secretary})
    c = S.campaign_create(**kw, must_apply={world.branch.pk: "样板支部"}, excellent_quota=2)
    assert c.must_apply == {str(world.branch.pk): "样板支部"}


def test_application_after_the_deadline_is_refused(world: World, monkeypatch: Any) -> None:
    p = project_at(world, "draft")
    _on(monkeypatch, p.campaign.application_deadline + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="截止"):
        S.project_submit(actor=world.liaison, project=p, version=p.version)
    with pytest.raises(ValidationError, match="截止"):
        S.project_start(actor=world.outsider, campaign=p.campaign, org=world.other_branch)
    assert Project.objects.get(pk=p.pk).stage == Stage.DRAFT


def test_brand_name_length_and_duplicates(world: World) -> None:
    c = campaign(world)
    p = S.project_start(actor=world.liaison, campaign=c, org=world.branch)
    for bad in ("红烛", "红烛先锋引领育人新路"):
        with pytest.raises(ValidationError, match="4–8"):
            S.project_save(actor=world.liaison, project=p, brand_name=bad, sections=SECTIONS)
    other = S.project_start(actor=world.outsider, campaign=c, org=world.other_branch)
    S.project_save(actor=world.outsider, project=other, brand_name="红烛先锋", sections=SECTIONS)
    with pytest.raises(ValidationError, match="相同"):
        S.project_save(actor=world.liaison, project=p, brand_name="“红烛 先锋”", sections=SECTIONS)
    OrgConfig.objects.create(org=world.city, key="brands.duplicate_name", value="warn")
    p = S.project_save(actor=world.liaison, project=p, brand_name="红烛先锋", sections=SECTIONS)
    assert "相同" in p.name_warning


def test_logo_must_be_an_image(world: World) -> None:
    p = project_at(world, "draft")
    fake = SimpleUploadedFile("logo.png", b"<html>not an image</html>", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        S.project_save(actor=world.liaison, project=p, brand_name="红烛先锋", sections=SECTIONS, logo=fake)
    assert "logo" in exc.value.message_dict and not Project.objects.get(pk=p.pk).logo
    p = S.project_save(actor=world.liaison, project=p, brand_name="红烛先锋", sections=SECTIONS, logo=_png())
    assert p.logo.name.endswith(".png")


def test_submit_needs_sections_and_originality(world: World) -> None:
    p = project_at(world, "draft")
    p = S.project_save(actor=world.liaison, project=p, brand_name="红烛先锋", sections={**SECTIONS, "goals": ""})
    with pytest.raises(ValidationError) as exc:
        S.project_submit(actor=world.liaison, project=p)
    assert "goals" in exc.value.message_dict
    p = S.project_save(actor=world.liaison, project=p, brand_name="红烛先锋", sections=SECTIONS, originality=False)
    with pytest.raises(ValidationError, match="原创承诺"):
        S.project_submit(actor=world.liaison, project=p)


def test_unit_opinion_returns_or_recommends(world: World) -> None:
    p = project_at(world, "submitted")
    p = S.project_unit_review(actor=world.admin, project=p, opinion="请补充团队", recommend=False)
    assert p.stage == Stage.DRAFT and p.unit_opinion == "请补充团队"


def test_reviewer_from_the_applicants_unit_is_refused(world: World) -> None:
    p = project_at(world, "endorsed")
    insider = reviewer_user(world, phone="13900000001")
    m = make_member(world.other_branch)  # a member of another branch of the same 市直机关工委
    m.user = insider
    m.save(update_fields=["user"])
    with pytest.raises(ValidationError, match="回避"):
        S.review_assign(actor=world.admin, project=p, reviewer=insider)
    # ... and even if assigned earlier, cannot score
    far = org_create(actor=SYSTEM, parent=world.city, name="市卫健委党委", kind="committee")
    outsider_expert = reviewer_user(world, phone="13900000002")
    RoleAssignment.objects.create(user=outsider_expert, org=far, role="secretary")
    r = S.review_assign(actor=world.admin, project=p, reviewer=outsider_expert)
    assert r.reviewer_id == outsider_expert.pk
    not_expert = make_user("普通人", "13900000003")
    with pytest.raises(ValidationError, match="不是本次活动范围内的评审专家"):
        S.review_assign(actor=world.admin, project=p, reviewer=not_expert)


def test_scores_bounds_and_assignment(world: World) -> None:
    p = project_at(world, "endorsed")
    expert = reviewer_user(world)
    other = reviewer_user(world, phone="13900000004")
    r = S.review_assign(actor=world.admin, project=p, reviewer=expert)
    with pytest.raises(ValidationError) as exc:
        S.review_submit(actor=expert, review=r, scores={**SCORES, "brand": 11}, comments="好")
    assert "score_brand" in exc.value.message_dict
    with pytest.raises(ValidationError):
        S.review_submit(actor=expert, review=r, scores={**SCORES, "brand": "8.5"}, comments="好")
    with pytest.raises(PermissionDenied, match="未分配"):
        S.review_submit(actor=other, review=r, scores=SCORES, comments="好")
    r = S.review_submit(actor=expert, review=r, scores=SCORES, comments="好", requirements="补充里程碑")
    p.refresh_from_db()
    assert r.total == p.review_score


def test_trimmed_mean_with_five_reviewers(world: World) -> None:
    OrgConfig.objects.create(org=world.city, key="brands.aggregate", value="trimmed")
    p = project_at(world, "endorsed")
    for i, v in enumerate([1, 6, 6, 6, 10]):
        e = reviewer_user(world, phone=f"1390000100{i}")
        r = S.review_assign(actor=world.admin, project=p, reviewer=e)
        S.review_submit(actor=e, review=r, scores=dict.fromkeys(SCORES, v), comments="意见")
    p.refresh_from_db()
    assert str(p.review_score) == "60.00"


def test_no_approval_before_revision(world: World) -> None:
    p = project_at(world, "candidate")
    with pytest.raises(ValidationError, match="未修改完善的不得立项"):
        S.project_approve(actor=world.admin, project=p)
    with pytest.raises(ValidationError, match="相同"):
        S.project_revise(actor=world.liaison, project=p, sections=SECTIONS)
    p = S.project_revise(actor=world.liaison, project=p, sections=REVISED)
    p = S.project_approve(actor=world.admin, project=p)
    assert p.stage == Stage.PUBLICITY


def test_notice_ends_on_the_right_working_day_across_a_holiday(world: World, monkeypatch: Any) -> None:
    p = project_at(world, "revised")
    _on(monkeypatch, dt.date(2026, 9, 30))  # the eve of National Day
    p = S.project_approve(actor=world.admin, project=p)
    assert p.notice_starts == dt.date(2026, 9, 30)
    assert p.notice_ends == dt.date(2026, 10, 12)  # 9-30, then working days after the holiday
    _on(monkeypatch, dt.date(2026, 10, 12))
    with pytest.raises(ValidationError, match="公示期满后"):
        S.project_establish_approve(actor=world.admin, project=p)
    _on(monkeypatch, dt.date(2026, 10, 13))
    assert S.project_establish_approve(actor=world.admin, project=p).stage == Stage.CULTIVATING


def test_open_objection_blocks_establishment(world: World, monkeypatch: Any) -> None:
    p = project_at(world, "publicity")
    assert p.notice_starts is not None and p.notice_ends is not None
    o = S.objection_record(actor=world.admin, project=p, reason="材料不实", received_on=p.notice_starts)
    with pytest.raises(ValidationError, match="收到日期应在公示期内"):
        S.objection_record(
            actor=world.admin, project=p, reason="晚了", received_on=p.notice_ends + dt.timedelta(days=1)
        )
    _on(monkeypatch, p.notice_ends + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="尚未答复"):
        S.project_establish_approve(actor=world.admin, project=p)
    second = make_user("副部长", "13900000005")
    RoleAssignment.objects.create(user=second, org=world.city, role="org_admin")
    S.objection_decide(actor=second, objection=o, upheld=False, answer="经核实不成立")
    assert S.project_establish_approve(actor=world.admin, project=p).stage == Stage.CULTIVATING


def test_upheld_objection_prevents_establishment(world: World, monkeypatch: Any) -> None:
    p = project_at(world, "publicity")
    assert p.notice_starts is not None and p.notice_ends is not None
    o = S.objection_record(actor=world.admin, project=p, reason="抄袭", received_on=p.notice_starts)
    second = make_user("副部长", "13900000006")
    RoleAssignment.objects.create(user=second, org=world.city, role="org_admin")
    S.objection_decide(actor=second, objection=o, upheld=True, answer="经核实成立")
    _on(monkeypatch, p.notice_ends + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="异议经核实成立"):
        S.project_establish_approve(actor=world.admin, project=p)


def test_plagiarism_copy_found_unrelated_not_flagged(world: World) -> None:
    first = project_at(world, "submitted")
    copied = {k: v.replace("支部", "党支部").replace("一年内", "两年内") for k, v in SECTIONS.items()}
    b_campaign = first.campaign
    copy = project_at(
        world,
        "submitted",
        c=b_campaign,
        org=world.other_branch,
        name="红烛领航",
        sections=copied,
        editor=world.outsider,
    )
    doc = Document.objects.get(project=copy, kind="application")
    assert doc.matches and doc.matches[0]["project"] == first.pk
    assert doc.flagged and doc.top_similarity >= 0.3
    assert copy.stage == Stage.SUBMITTED  # a flag, not a decision
    unrelated = {
        "background": "社区老年党员多，行动不便，参加组织生活困难。",
        "goals": "建立送学上门机制，每月走访一次。",
        "measures": "组建红色代办队，为老党员代办事务。",
        "team": "社区党委书记牵头。",
        "results": "老党员参学率达到百分之九十五。",
        "plan": "形成可复制的社区服务模式。",
    }
    third_branch = org_create(actor=SYSTEM, parent=world.unit, name="市民政局机关党支部", kind="branch")
    RoleAssignment.objects.create(user=world.outsider, org=third_branch, role="liaison")
    forget_scope(world.outsider)
    other = project_at(
        world, "submitted", c=b_campaign, org=third_branch, name="银发红帆", sections=unrelated, editor=world.outsider
    )
    d3 = Document.objects.get(project=other, kind="application")
    assert not d3.flagged and all(m["jaccard"] < 0.3 for m in d3.matches)
    # Disqualification is a person's decision with a reason.
    with pytest.raises(ValidationError, match="理由"):
        S.project_disqualify_decide(actor=world.admin, project=copy, reason="")
    copy = S.project_disqualify_decide(
        actor=world.admin, project=copy, reason="与市教育局机关党支部申报书雷同，经核实属抄袭"
    )
    assert copy.stage == Stage.DISQUALIFIED


def test_cultivation_case_and_news(world: World) -> None:
    p = project_at(world, "cultivating")
    with pytest.raises(ValidationError, match="超过 2500 字"):
        S.case_save(actor=world.liaison, project=p, sections={**CASE, "practice": "字" * 2600})
    p = S.case_save(actor=world.liaison, project=p, sections={**CASE, "analysis": ""})
    with pytest.raises(ValidationError) as exc:
        S.case_submit(actor=world.liaison, project=p)
    text = "；".join(exc.value.messages)
    assert "分析与评价" in text and "至少 2 篇" in text
    S.news_add(actor=world.liaison, project=p, title="一", url="https://a.edu.cn/1", platform="学院网", level="college",
               published_on=dt.date(2026, 5, 1))  # fmt: skip
    with pytest.raises(ValidationError, match="刊发日期"):
        S.news_add(actor=world.liaison, project=p, title="二", url="https://a.edu.cn/2", platform="校网",
                   level="university", published_on=dt.date(2999, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError, match="已归档的会议"):
        S.progress_add(actor=world.liaison, project=p, on=dt.date(2026, 5, 1), kind="meeting", summary="党日")
    e = S.progress_add(
        actor=world.liaison, project=p, on=dt.date(2026, 5, 1), kind="volunteer", summary="志愿服务", ref="deed:7"
    )
    assert e.ref == "deed:7"


def test_excellent_quota_enforced(world: World) -> None:
    c = campaign(world, quota=1)
    a = project_at(world, "case_submitted", c=c)
    b_branch = org_create(actor=SYSTEM, parent=world.unit, name="市民政局机关党支部", kind="branch")
    RoleAssignment.objects.create(user=world.outsider, org=b_branch, role="liaison")
    forget_scope(world.outsider)
    b = project_at(world, "case_submitted", c=c, org=b_branch, name="银发红帆", editor=world.outsider)
    S.project_grade_decide(actor=world.admin, project=a, grade=Grade.EXCELLENT)
    with pytest.raises(ValidationError, match="名额为 1"):
        S.project_grade_decide(actor=world.admin, project=b, grade=Grade.EXCELLENT)
    assert S.project_grade_decide(actor=world.admin, project=b, grade=Grade.PASS).grade == Grade.PASS


def test_reminders_to_must_apply_branches(world: World) -> None:
    c = campaign(world)
    c.must_apply = {str(world.branch.pk): "样板支部"}
    c.save(update_fields=["must_apply"])
    sent = S.reminders_send(actor=SYSTEM, today=c.incubation_end)
    assert sent == 2  # secretary and liaison of branch A
    assert S.reminders_send(actor=SYSTEM, today=c.incubation_end) == 0  # idempotent
    assert Notification.objects.filter(key__startswith="brands.must_apply").count() == 2
    with pytest.raises(PermissionDenied):
        S.reminders_send(actor=world.admin, today=c.incubation_end)
