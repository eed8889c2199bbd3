"""Every appraisal view: success, anonymous, outsider (real ids, GET and POST, nothing written), member."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.accounts.models import RoleAssignment
from dangjian.appraisal import services
from dangjian.appraisal.models import (
    Appraisal,
    AppraisalEntry,
    AppraisalState,
    OrgLifeReview,
    Rectification,
    Talk,
    TalkFollowUp,
    TalkPart,
)
from dangjian.appraisal.rules import Grade
from dangjian.appraisal.tests.helpers import AppraisalRows, build_appraisal_rows
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.services import post_assign
from dangjian.site.testing.factories import World, make_member, make_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture
def r(world: World) -> AppraisalRows:
    return build_appraisal_rows(world)


def urls(world: World, r: AppraisalRows) -> list[str]:
    b = world.branch.pk
    return [
        reverse("appraisal:coverage", args=[b, YEAR]),
        reverse("appraisal:talks", args=[b, YEAR]),
        reverse("appraisal:talks_xlsx", args=[b, YEAR]),
        reverse("appraisal:talk_new", args=[b]),
        reverse("appraisal:talk", args=[r.talk.pk]),
        reverse("appraisal:talk_edit", args=[r.talk.pk]),
        reverse("appraisal:talk_delete", args=[r.talk.pk]),
        reverse("appraisal:follow_up_done", args=[r.follow_up.pk]),
        reverse("appraisal:appraisal", args=[b, YEAR]),
        reverse("appraisal:appraisal_open", args=[b, YEAR - 3]),
        reverse("appraisal:entry_grade", args=[r.entry.pk]),
        reverse("appraisal:entry_evaluation", args=[r.entry.pk]),
        reverse("appraisal:appraisal_submit", args=[r.draft.pk]),
        reverse("appraisal:appraisal_sign_off", args=[r.submitted.pk]),
        reverse("appraisal:summary", args=[b, YEAR]),
        reverse("appraisal:summary_xlsx", args=[b, YEAR]),
        reverse("appraisal:review", args=[b, YEAR]),
        reverse("appraisal:rectification_add", args=[b, YEAR]),
        reverse("appraisal:rectification_done", args=[r.rectification.pk]),
        reverse("appraisal:rectification_verify", args=[r.rectification.pk]),
    ]


def state() -> tuple[int, ...]:
    return (
        Talk.objects.count(),
        TalkFollowUp.objects.filter(done_on__isnull=False).count(),
        Appraisal.objects.count(),
        AppraisalEntry.objects.exclude(grade="").count(),
        AppraisalEntry.objects.exclude(self_review="").count(),
        Appraisal.objects.filter(status=AppraisalState.DRAFT).count(),
        Rectification.objects.filter(done_on__isnull=False).count(),
        OrgLifeReview.objects.count(),
        AuditEvent.objects.count(),
    )


def test_anonymous_redirected(world: World, r: AppraisalRows) -> None:
    for url in [reverse("appraisal:home"), *urls(world, r)]:
        for method in ("get", "post"):
            resp = getattr(Client(), method)(url)
            assert resp.status_code == 302 and "login" in resp["Location"], url


def test_outsider_refused_with_real_ids(world: World, r: AppraisalRows, as_outsider: Client) -> None:
    before = state()
    post = {"grade": Grade.EXCELLENT, "held_on": TODAY.isoformat(), "talker": world.member.pk}
    for url in urls(world, r):
        assert as_outsider.get(url).status_code in (404, 405), url
        assert as_outsider.post(url, post).status_code in (403, 404), url
    assert state() == before


def test_member_cannot_open_others_talk_or_branch_pages(world: World, r: AppraisalRows) -> None:
    other = make_member(world.branch, name="旁观党员")
    other.user = make_user("旁观党员")
    other.save(update_fields=["user"])
    c = Client()
    c.force_login(other.user, backend="dangjian.accounts.backends.PhoneBackend")
    RoleAssignment.objects.create(user=other.user, org=world.branch, role="member")
    assert c.get(reverse("appraisal:talk", args=[r.talk.pk])).status_code == 403
    assert c.get(reverse("appraisal:coverage", args=[world.branch.pk, YEAR])).status_code == 403
    assert c.get(reverse("appraisal:appraisal", args=[world.branch.pk, YEAR])).status_code == 403


def test_participants_and_secretary_read_content_committee_does_not(
    world: World, r: AppraisalRows, as_member: Client, as_secretary: Client, as_admin: Client, as_liaison: Client
) -> None:
    url = reverse("appraisal:talk", args=[r.talk.pk])
    assert "谈工作打算" in as_member.get(url).content.decode()
    assert "谈工作打算" in as_secretary.get(url).content.decode()
    for c in (as_admin, as_liaison):
        resp = c.get(url)
        assert resp.status_code == 403 and "谈工作打算" not in resp.content.decode()
    # The committee sees that the talk happened: in the list and the coverage, never the content.
    for page in ("appraisal:talks", "appraisal:coverage"):
        body = as_admin.get(reverse(page, args=[world.branch.pk, YEAR])).content.decode()
        assert "谈工作打算" not in body and "帮助解决困难" not in body
    body = as_admin.get(reverse("appraisal:talks", args=[world.branch.pk, YEAR])).content.decode()
    assert world.member.name in body and r.peer.name in body


def test_home_lists_branches_and_my_talks(
    world: World, r: AppraisalRows, as_member: Client, as_outsider: Client
) -> None:
    body = as_member.get(reverse("appraisal:home")).content.decode()
    assert world.branch.name in body and reverse("appraisal:talk", args=[r.talk.pk]) in body
    body = as_outsider.get(reverse("appraisal:home")).content.decode()
    assert world.branch.name not in body and world.other_branch.name in body


def test_coverage_gap_links_prefill_the_form(world: World, as_secretary: Client) -> None:
    deputy = make_member(world.branch, name="赵副书记")
    post_assign(actor=SYSTEM, org=world.branch, member=world.member, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=deputy, post="deputy_secretary")
    body = as_secretary.get(reverse("appraisal:coverage", args=[world.branch.pk, YEAR])).content.decode()
    link = f"{reverse('appraisal:talk_new', args=[world.branch.pk])}?talker={world.member.pk}&amp;with={deputy.pk}"
    assert "支委之间" in body and link in body
    form = as_secretary.get(link.replace("&amp;", "&")).content.decode()
    assert re.search(rf'value="{deputy.pk}"[^>]*checked', form)
    assert re.search(rf'<option value="{world.member.pk}" selected', form)
    resp = as_secretary.post(
        reverse("appraisal:talk_new", args=[world.branch.pk]),
        {"held_on": TODAY.isoformat(), "talker": world.member.pk, "counterparts": [deputy.pk], "mode": "individual",
         "occasion": "annual"},
    )  # fmt: skip
    assert resp.status_code == 302
    body = as_secretary.get(reverse("appraisal:coverage", args=[world.branch.pk, YEAR])).content.decode()
    assert "支委之间" not in body.split("尚未谈话")[-1]


def test_talk_new_bad_input_shows_chinese(world: World, as_secretary: Client) -> None:
    resp = as_secretary.post(
        reverse("appraisal:talk_new", args=[world.branch.pk]),
        {"held_on": (TODAY + dt.timedelta(days=2)).isoformat(), "talker": world.member.pk,
         "counterparts": [world.member.pk], "mode": "individual", "occasion": "annual"},
    )  # fmt: skip
    body = resp.content.decode()
    assert resp.status_code == 200 and "不能包括谈话人本人" in body and "不能晚于今天" in body
    assert not Talk.objects.exists()


def test_follow_up_done_by_participant(world: World, r: AppraisalRows, as_member: Client) -> None:
    resp = as_member.post(reverse("appraisal:follow_up_done", args=[r.follow_up.pk]), {"done_on": TODAY.isoformat()})
    assert resp.status_code == 302
    r.follow_up.refresh_from_db()
    assert r.follow_up.done_on == TODAY


def test_appraisal_flow(world: World, as_liaison: Client, as_secretary: Client) -> None:
    make_member(world.branch)
    url = reverse("appraisal:appraisal", args=[world.branch.pk, YEAR])
    assert "开始" in as_liaison.get(url).content.decode()
    as_liaison.post(reverse("appraisal:appraisal_open", args=[world.branch.pk, YEAR]))
    a = Appraisal.objects.get()
    for e in a.entries.all():
        a.refresh_from_db()
        resp = as_liaison.post(
            reverse("appraisal:entry_grade", args=[e.pk]), {"grade": Grade.EXCELLENT, "version": a.version}
        )
        assert resp.status_code == 302
    msgs = [str(m) for m in resp.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("超过上限" in m for m in msgs)
    assert a.entries.filter(grade=Grade.EXCELLENT).count() == 0  # ⌊2/3⌋ = 0
    for e in a.entries.all():
        services.appraisal_grade(actor=world.liaison, entry=e, grade=Grade.QUALIFIED)
    a.refresh_from_db()
    as_liaison.post(reverse("appraisal:appraisal_submit", args=[a.pk]), {"version": a.version})
    a.refresh_from_db()
    assert a.status == AppraisalState.SUBMITTED
    assert "签发" in as_secretary.get(url).content.decode()
    as_secretary.post(reverse("appraisal:appraisal_sign_off", args=[a.pk]), {"version": a.version})
    a.refresh_from_db()
    assert a.status == AppraisalState.SIGNED
    body = as_secretary.get(reverse("appraisal:summary", args=[world.branch.pk, YEAR])).content.decode()
    assert world.branch.name in body and "已签发" in body


def test_four_eyes_in_view(world: World, as_secretary: Client) -> None:
    a = services.appraisal_open(actor=world.secretary, org=world.branch, year=YEAR)
    services.appraisal_grade(actor=world.secretary, entry=a.entries.get(), grade=Grade.QUALIFIED)
    a = services.appraisal_submit(actor=world.secretary, appraisal=a)
    resp = as_secretary.post(reverse("appraisal:appraisal_sign_off", args=[a.pk]), {"version": a.version})
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.status == AppraisalState.SUBMITTED


def test_review_page_and_rectifications(
    world: World, r: AppraisalRows, as_liaison: Client, as_secretary: Client
) -> None:
    url = reverse("appraisal:review", args=[world.branch.pk, YEAR])
    body = as_liaison.get(url).content.decode()
    assert "整改清单" in body and r.rectification.measure in body
    resp = as_liaison.post(url, {"theme": "对照党章党规找差距", "self_exams_received": 5, "problems": "学习不深入"})
    assert resp.status_code == 302 and OrgLifeReview.objects.get().self_exams_received == 5
    resp = as_liaison.post(url, {"held_on": (TODAY + dt.timedelta(days=3)).isoformat(), "self_exams_received": 5})
    assert resp.status_code == 200 and "不能晚于今天" in resp.content.decode()
    as_liaison.post(
        reverse("appraisal:rectification_add", args=[world.branch.pk, YEAR]),
        {"problem": "联系群众不够", "measure": "每月走访", "owner": world.member.pk, "deadline": TODAY.isoformat()},
    )
    item = Rectification.objects.get(problem="联系群众不够")
    as_liaison.post(reverse("appraisal:rectification_done", args=[item.pk]))
    as_liaison.post(reverse("appraisal:rectification_verify", args=[item.pk]))  # four eyes: refused
    item.refresh_from_db()
    assert item.done_on == TODAY and item.verified_at is None
    as_secretary.post(reverse("appraisal:rectification_verify", args=[item.pk]))
    item.refresh_from_db()
    assert item.verified_at is not None


def test_summary_xlsx(world: World, r: AppraisalRows, as_admin: Client) -> None:
    resp = as_admin.get(reverse("appraisal:summary_xlsx", args=[world.city.pk, YEAR - 1]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:6] == ("党支部", "状态", "优秀", "合格", "基本合格", "不合格")
    graded = r.submitted.entries.filter(graded=True).count()
    assert rows[2][0] == world.branch.name and rows[2][3] == graded  # all 合格 in last year's appraisal


def test_evaluation_tallies(world: World, r: AppraisalRows, as_liaison: Client) -> None:
    url = reverse("appraisal:entry_evaluation", args=[r.entry.pk])
    body = {"self_review": "认真履行党员义务", "votes_excellent": 1, "votes_qualified": 1,
            "votes_basically_qualified": 0, "votes_unqualified": 0}  # fmt: skip
    assert as_liaison.post(url, body).status_code == 302
    r.entry.refresh_from_db()
    assert r.entry.self_review == "认真履行党员义务" and r.entry.votes_excellent == 1
    resp = as_liaison.post(url, {**body, "votes_qualified": 50}, follow=True)
    assert "超过参加评议的" in resp.content.decode()
    r.entry.refresh_from_db()
    assert r.entry.votes_qualified == 1


def test_summary_shows_talk_rollup_without_content(world: World, r: AppraisalRows, as_admin: Client) -> None:
    body = as_admin.get(reverse("appraisal:summary", args=[world.city.pk, YEAR])).content.decode()
    assert "谈心谈话开展情况" in body and world.branch.name in body
    assert "谈工作打算" not in body and "帮助解决困难" not in body


def test_talks_export_content_only_for_the_secretary(
    world: World, r: AppraisalRows, as_secretary: Client, as_admin: Client
) -> None:
    url = reverse("appraisal:talks_xlsx", args=[world.branch.pk, YEAR])
    for client, sees in ((as_secretary, True), (as_admin, False)):
        resp = client.get(url)
        assert resp.status_code == 200
        rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
        assert rows[2][1] == world.member.name and rows[2][2] == r.peer.name
        assert (rows[2][7] == "谈工作打算") is sees
        event = AuditEvent.objects.filter(action="appraisal.export_talks").order_by("pk").last()
        assert event is not None and "谈工作打算" not in str(event.after)


def test_member_records_own_talk_but_not_others(world: World, as_member: Client) -> None:
    peer, other = make_member(world.branch, name="孙党员"), make_member(world.branch, name="周党员")
    url = reverse("appraisal:talk_new", args=[world.branch.pk])
    form = as_member.get(url).content.decode()
    assert re.search(rf'<option value="{world.member.pk}" selected', form)  # the member talks by default
    base = {"held_on": TODAY.isoformat(), "mode": "individual", "occasion": "annual"}
    resp = as_member.post(url, {**base, "talker": peer.pk, "counterparts": [other.pk]})
    assert resp.status_code == 200 and "只有谈话双方或支部书记可以记录谈话" in resp.content.decode()
    assert not Talk.objects.exists()
    resp = as_member.post(url, {**base, "talker": world.member.pk, "counterparts": [peer.pk], "content": "互相交流"})
    talk = Talk.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("appraisal:talk", args=[talk.pk])


def test_participant_corrects_a_talk_and_the_secretary_deletes_one(
    world: World, r: AppraisalRows, as_member: Client, as_secretary: Client, as_liaison: Client, as_admin: Client
) -> None:
    edit = reverse("appraisal:talk_edit", args=[r.talk.pk])
    other = make_member(world.branch, name="周党员")
    form = as_member.get(edit)
    assert (
        form.status_code == 200
        and "修改谈话记录" in form.content.decode()
        and "fu_measure_1" not in form.content.decode()
    )
    for c in (as_liaison, as_admin):  # in scope, but may not read the talk: may not correct it either
        assert c.get(edit).status_code == 403
        assert c.post(edit, {"held_on": TODAY.isoformat()}).status_code == 403
    body = {
        "held_on": TODAY.isoformat(),
        "talker": world.member.pk,
        "counterparts": [other.pk],
        "mode": "individual",
        "occasion": "annual",
        "content": "改正",
    }
    bad = as_member.post(edit, {**body, "held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, follow=True)
    assert "谈话日期" in bad.content.decode() and Talk.objects.get(pk=r.talk.pk).held_on == r.talk.held_on
    resp = as_member.post(edit, body)
    assert resp.status_code == 302 and resp["Location"] == reverse("appraisal:talk", args=[r.talk.pk])
    assert list(Talk.objects.get(pk=r.talk.pk).counterparts.all()) == [other]
    counts = dict(TalkPart.objects.filter(year=YEAR).values_list("member_id", "talks"))
    assert counts[other.pk] == 1 and counts[r.peer.pk] == 0
    delete = reverse("appraisal:talk_delete", args=[r.talk.pk])
    assert as_liaison.post(delete).status_code == 403 and Talk.objects.filter(pk=r.talk.pk).exists()
    assert as_secretary.get(delete).status_code == 405
    resp = as_secretary.post(delete)
    assert resp.status_code == 302 and not Talk.objects.filter(pk=r.talk.pk).exists()
    assert not TalkPart.objects.filter(year=YEAR, talks__gt=0).exists()


def test_record_buttons_only_for_those_who_may_record(world: World, as_liaison: Client, as_member: Client) -> None:
    """The liaison manages the branch but is neither the secretary nor in the talk: the gaps show
    without "记录谈话" (the service would refuse it); the secretary sees every button (test above)."""
    deputy = make_member(world.branch, name="赵副书记")
    post_assign(actor=SYSTEM, org=world.branch, member=world.member, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=deputy, post="deputy_secretary")
    body = as_liaison.get(reverse("appraisal:coverage", args=[world.branch.pk, YEAR])).content.decode()
    assert "支委之间" in body and "talker=" not in body and "由谈话双方或书记记录" in body
    assert as_member.get(reverse("appraisal:coverage", args=[world.branch.pk, YEAR])).status_code == 403
