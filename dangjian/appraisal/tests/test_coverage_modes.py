"""The second increment of #12: the assigned-share coverage mode, talks across levels, the arrears
and 流动党员-return to-dos, the suggestion slot for 民主评议, and the printable PDFs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.appraisal import selectors, services
from dangjian.appraisal.models import ContactShare, MobileAbsence, Talk, TalkTodo
from dangjian.appraisal.rules import LowerCommittee, MemberRule, cross_gaps
from dangjian.core.models import AuditEvent
from dangjian.core.registry import appraisal_suggestion_provider, unregister_appraisal_suggestion_provider
from dangjian.core.scoping import SYSTEM
from dangjian.dues.models import DuesArrearsFlag
from dangjian.dues.selectors import arrears_talk_events
from dangjian.members.models import Member
from dangjian.orgs.services import config_set, post_assign
from dangjian.site.testing.factories import World, make_member, make_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year


def talk(org: Any, talker: Any, *others: Any, actor: Any = SYSTEM) -> Talk:
    return services.talk_record(
        actor=actor, org=org, talker_id=talker.pk, counterpart_ids=[o.pk for o in others], held_on=TODAY
    )


# ------------------------------------------------------------------ the assigned-share mode


@pytest.fixture
def share_branch(world: World) -> dict[str, Any]:
    """Branch A with a secretary and a committee member, two plain members, the share mode on."""
    sec = world.member
    deputy = make_member(world.branch, name="赵委员")
    a = make_member(world.branch, name="钱党员")
    b = make_member(world.branch, name="孙党员")
    post_assign(actor=SYSTEM, org=world.branch, member=sec, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=deputy, post="organization")
    config_set(actor=world.admin, org=world.city, key="appraisal.talk_member_rule", raw_value=MemberRule.SHARE)
    config_set(actor=world.admin, org=world.city, key="appraisal.talk_peer_rule", raw_value="off")
    config_set(actor=world.admin, org=world.city, key="appraisal.talk_committee_pairs", raw_value="false")
    return {"sec": sec, "deputy": deputy, "a": a, "b": b}


def member_gaps(world: World) -> list[tuple[int, int | None, str]]:
    gaps = selectors.coverage(world.branch, YEAR).gaps
    return sorted(((g.a, g.b, g.label_zh) for g in gaps if g.kind == "member"), key=lambda g: g[1] or 0)


def test_share_mode_needs_the_assigned_committee_member(world: World, share_branch: dict[str, Any]) -> None:
    s = share_branch
    services.share_assign(actor=world.liaison, org=world.branch, shares={s["a"].pk: s["deputy"].pk})
    # 钱 is the deputy's share; 孙 has none, so any committee member will do for 孙.
    assert member_gaps(world) == sorted(
        [(s["deputy"].pk, s["a"].pk, "联系支委与党员"), (s["sec"].pk, s["b"].pk, "支委与党员（未分工）")],
        key=lambda g: g[1],
    )
    talk(world.branch, s["sec"], s["a"])  # the wrong committee member: 钱 is still due
    talk(world.branch, s["sec"], s["b"])  # 孙 has no share: the secretary closes it
    assert member_gaps(world) == [(s["deputy"].pk, s["a"].pk, "联系支委与党员")]
    talk(world.branch, s["deputy"], s["a"])
    assert member_gaps(world) == []


def test_shares_ignored_outside_the_share_mode(world: World, share_branch: dict[str, Any]) -> None:
    s = share_branch
    services.share_assign(actor=world.liaison, org=world.branch, shares={s["a"].pk: s["deputy"].pk})
    config_set(actor=world.admin, org=world.city, key="appraisal.talk_member_rule", raw_value=MemberRule.ANY_COMMITTEE)
    talk(world.branch, s["sec"], s["a"])
    assert [b for _, b, _ in member_gaps(world)] == [s["b"].pk]


def test_share_assign_bad_input_and_audit(world: World, share_branch: dict[str, Any]) -> None:
    s = share_branch
    stranger = make_member(world.other_branch)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.share_assign(actor=world.liaison, org=world.branch, shares={s["a"].pk: s["b"].pk})
    assert "孙党员" not in str(exc.value) and "钱党员" in str(exc.value) and "现任支委" in str(exc.value)
    with pytest.raises(ValidationError):
        services.share_assign(actor=world.liaison, org=world.branch, shares={stranger.pk: s["deputy"].pk})
    with pytest.raises(PermissionDenied):
        services.share_assign(actor=world.outsider, org=world.branch, shares={s["a"].pk: s["deputy"].pk})
    assert not ContactShare.objects.exists() and AuditEvent.objects.count() == before
    assert services.share_assign(actor=world.liaison, org=world.branch, shares={s["a"].pk: s["deputy"].pk}) == 1
    assert services.share_assign(actor=world.liaison, org=world.branch, shares={s["a"].pk: s["deputy"].pk}) == 0
    assert services.share_assign(actor=world.liaison, org=world.branch, shares={s["a"].pk: None}) == 1
    assert not ContactShare.objects.exists()
    assert AuditEvent.objects.filter(action="appraisal.share_assign").count() == 2


def test_shares_page(world: World, share_branch: dict[str, Any], as_liaison: Client, as_outsider: Client) -> None:
    s = share_branch
    url = reverse("appraisal:shares", args=[world.branch.pk])
    page = as_liaison.get(url).content.decode()
    assert "钱党员" in page and "赵委员" in page
    r = as_liaison.post(url, {f"share_{s['a'].pk}": s["deputy"].pk, f"share_{s['b'].pk}": ""})
    assert r.status_code == 302
    assert selectors.shares_of(world.branch) == {s["a"].pk: s["deputy"].pk}
    r = as_liaison.post(url, {f"share_{s['a'].pk}": s["b"].pk}, follow=True)
    assert "现任支委" in r.content.decode() and selectors.shares_of(world.branch) == {s["a"].pk: s["deputy"].pk}
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url, {f"share_{s['a'].pk}": ""}).status_code == 404
    assert selectors.shares_of(world.branch) == {s["a"].pk: s["deputy"].pk}


# ------------------------------------------------------------------ talks across levels


def test_cross_gaps_rule_boundaries() -> None:
    children = [LowerCommittee(10, "一支部", 11, (11, 12)), LowerCommittee(20, "二支部", 1, (1, 21))]
    gaps = cross_gaps(committee=[1, 2], secretary=1, children=children, pairs=set())
    # Child 2's secretary is the committee secretary himself: no pair with himself, and he is
    # "committee" already; 21 still owes a talk with a committee member.
    assert [(g.kind, g.a, g.b, g.where) for g in gaps] == [
        ("secretaries", 1, 11, "一支部"),
        ("cross", 1, 11, "一支部"),
        ("cross", 1, 12, "一支部"),
        ("cross", 1, 21, "二支部"),
    ]
    pairs = {frozenset((1, 11)), frozenset((2, 12)), frozenset((2, 21))}
    assert cross_gaps(committee=[1, 2], secretary=1, children=children, pairs=pairs) == []
    assert cross_gaps(committee=[1], secretary=1, children=children, pairs=set(), secretary_rule=False,
                      committee_rule=False) == []  # fmt: skip
    assert [g.kind for g in cross_gaps(committee=[], secretary=None, children=children, pairs=set())] == []


@pytest.fixture
def levels(world: World) -> dict[str, Any]:
    """The 市直机关工委 (world.unit) with a secretary, and branch A's and B's secretaries."""
    unit_sec = make_member(world.other_branch, name="周工委书记")
    a_sec = world.member
    a_member = make_member(world.branch, name="吴委员")
    b_sec = make_member(world.other_branch, name="郑书记")
    post_assign(actor=SYSTEM, org=world.unit, member=unit_sec, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=a_sec, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=a_member, post="organization")
    post_assign(actor=SYSTEM, org=world.other_branch, member=b_sec, post="secretary")
    return {"unit_sec": unit_sec, "a_sec": a_sec, "a_member": a_member, "b_sec": b_sec}


def test_cross_talk_recorded_at_the_committee_closes_its_gaps(world: World, levels: dict[str, Any]) -> None:
    lv = levels
    cov = selectors.cross_coverage(world.unit, YEAR)
    assert cov.by_kind == {"secretaries": 2, "cross": 3}
    t = talk(world.unit, lv["unit_sec"], lv["a_sec"])
    assert t.org == world.unit and t.org_path == world.unit.path
    talk(world.unit, lv["unit_sec"], lv["a_member"])
    talk(world.unit, lv["unit_sec"], lv["b_sec"])
    assert selectors.cross_coverage(world.unit, YEAR).gaps == []
    assert selectors.cross_coverage(world.unit, YEAR - 1).by_kind["secretaries"] == 2


def test_cross_talk_bad_people_refused(world: World, levels: dict[str, Any]) -> None:
    lv = levels
    plain = make_member(world.branch, name="普通党员")
    with pytest.raises(ValidationError) as exc:
        talk(world.unit, lv["unit_sec"], plain)
    assert "下级组织的书记" in exc.value.message_dict["counterparts"][0]
    with pytest.raises(ValidationError) as exc:
        talk(world.unit, lv["a_sec"], lv["b_sec"])  # a branch secretary does not lead at the committee
    assert "本级组织的书记或委员" in exc.value.message_dict["talker"][0]
    # The branch's secretary (王书记) may not record a talk at the committee above.
    with pytest.raises(PermissionDenied):
        talk(world.unit, lv["unit_sec"], lv["a_sec"], actor=world.secretary)
    assert not Talk.objects.exists()


def test_cross_talk_counts_in_the_branch_where_both_are(world: World, levels: dict[str, Any]) -> None:
    """A committee member who is also in branch A's committee talks at the committee with branch
    A's secretary: the pair counts in branch A's coverage too."""
    lv = levels
    post_assign(actor=SYSTEM, org=world.unit, member=lv["a_member"], post="committee_member")
    gaps = [(g.kind, g.a, g.b) for g in selectors.coverage(world.branch, YEAR).gaps if g.kind == "committee"]
    assert gaps == [("committee", lv["a_sec"].pk, lv["a_member"].pk)]
    talk(world.unit, lv["a_member"], lv["a_sec"])
    cov = selectors.coverage(world.branch, YEAR)
    assert [g for g in cov.gaps if g.kind == "committee"] == [] and cov.talks == 0  # recorded above


def test_cross_talk_content_for_participants_and_the_committee_secretary(
    world: World, levels: dict[str, Any], as_admin: Client
) -> None:
    t = services.talk_record(
        actor=SYSTEM,
        org=world.unit,
        talker_id=levels["unit_sec"].pk,
        counterpart_ids=[levels["a_sec"].pk],
        held_on=TODAY,
        content="进退留转意愿",
    )
    assert as_admin.get(reverse("appraisal:talk", args=[t.pk])).status_code == 403
    member_client = Client()
    member_client.force_login(world.member_user, backend="dangjian.accounts.backends.PhoneBackend")
    assert "进退留转" in member_client.get(reverse("appraisal:talk", args=[t.pk])).content.decode()


def test_cross_pages(world: World, levels: dict[str, Any], as_admin: Client, as_outsider: Client) -> None:
    lv = levels
    url = reverse("appraisal:cross", args=[world.unit.pk, YEAR])
    page = as_admin.get(url).content.decode()
    # The admin sees the gaps but may not record them (only the people or the 工委 secretary may).
    assert "书记与下级书记" in page and "郑书记" in page and "talker=" not in page and "由谈话双方或书记记录" in page
    lv["unit_sec"].user = make_user("周工委书记")
    lv["unit_sec"].save(update_fields=["user"])
    RoleAssignment.objects.create(user=lv["unit_sec"].user, org=world.unit, role="secretary")
    as_unit_sec = Client()
    as_unit_sec.force_login(lv["unit_sec"].user, backend="dangjian.accounts.backends.PhoneBackend")
    page = as_unit_sec.get(url).content.decode()
    assert f"talker={lv['unit_sec'].pk}&amp;with={lv['b_sec'].pk}" in page
    form = as_admin.get(reverse("appraisal:talk_new", args=[world.unit.pk]) + f"?talker={lv['unit_sec'].pk}")
    html = form.content.decode()
    assert "跨级谈话" in html and "郑书记（市财政局机关党支部书记）" in html
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.get(reverse("appraisal:talk_new", args=[world.unit.pk])).status_code == 404
    # A branch has no levels below: the page is its coverage.
    assert as_admin.get(reverse("appraisal:cross", args=[world.branch.pk, YEAR])).status_code == 302


# ------------------------------------------------------------------ the remaining event triggers


def test_arrears_flag_raises_a_todo_through_the_registry_slot(world: World) -> None:
    member = make_member(world.branch, name="欠缴党员")
    DuesArrearsFlag.objects.create(
        member=member, org=world.branch, org_path=world.branch.path, through_month=TODAY.replace(day=1), months=6
    )
    events = arrears_talk_events(TODAY - dt.timedelta(days=1), TODAY)
    assert [(e.member_id, e.org_id, e.on) for e in events] == [(member.pk, world.branch.pk, TODAY)]
    assert services.sweep(actor=SYSTEM, today=TODAY)["todos"] == 1
    todo = TalkTodo.objects.get()
    assert (todo.member, todo.event, todo.due_on) == (member, "arrears", TODAY + dt.timedelta(days=30))
    assert services.sweep(actor=SYSTEM, today=TODAY)["todos"] == 0
    # A resolved flag raises nothing new.
    assert arrears_talk_events(TODAY, TODAY) and not arrears_talk_events(TODAY + dt.timedelta(days=1), TODAY)


def test_mobile_member_return_raises_a_todo(world: World) -> None:
    away = make_member(world.branch, name="外出党员", is_mobile=True, mobile_destination="深圳")
    services.sweep(actor=SYSTEM, today=TODAY - dt.timedelta(days=3))
    assert MobileAbsence.objects.get().member == away and not TalkTodo.objects.exists()
    services.sweep(actor=SYSTEM, today=TODAY - dt.timedelta(days=2))  # still away: nothing
    assert not TalkTodo.objects.exists()
    # The roster no longer marks the member 流动 (the branch edited the record): they are back.
    Member.objects.filter(pk=away.pk).update(is_mobile=False, mobile_destination="")
    assert services.sweep(actor=SYSTEM, today=TODAY)["todos"] == 1
    todo = TalkTodo.objects.get()
    assert (todo.member, todo.event, todo.event_on) == (away, "mobile_return", TODAY)
    assert not MobileAbsence.objects.exists()
    assert services.sweep(actor=SYSTEM, today=TODAY)["todos"] == 0


def test_mobile_return_can_be_switched_off(world: World) -> None:
    config_set(actor=world.admin, org=world.city, key="appraisal.event_talks", raw_value="transfer_in")
    away = make_member(world.branch, is_mobile=True, mobile_destination="深圳")
    services.sweep(actor=SYSTEM, today=TODAY - dt.timedelta(days=1))
    Member.objects.filter(pk=away.pk).update(is_mobile=False)
    assert services.sweep(actor=SYSTEM, today=TODAY)["todos"] == 0


# ------------------------------------------------------------------ the points suggestion slot


@pytest.fixture
def provider() -> Iterator[list[tuple[list[int], int]]]:
    calls: list[tuple[list[int], int]] = []

    def suggest(member_ids: list[int], year: int) -> dict[int, str]:
        calls.append((member_ids, year))
        return {m: "积分 92 分，建议“优秀”" for m in member_ids[:1]}

    appraisal_suggestion_provider(suggest)
    yield calls
    unregister_appraisal_suggestion_provider(suggest)


def test_appraisal_page_shows_the_suggestion_only_as_a_suggestion(
    world: World, provider: list[tuple[list[int], int]], as_liaison: Client
) -> None:
    make_member(world.branch, name="钱党员")
    services.appraisal_open(actor=world.liaison, org=world.branch, year=YEAR)
    with CaptureQueriesContext(connection) as q:
        page = as_liaison.get(reverse("appraisal:appraisal", args=[world.branch.pk, YEAR])).content.decode()
    assert "积分 92 分" in page and "仅供参考" in page
    assert page.count("积分 92 分") == 1
    (ids, year), *_ = provider
    assert year == YEAR and len(ids) == 2
    assert len(q.captured_queries) < 40


def test_appraisal_page_without_a_provider(world: World, as_liaison: Client) -> None:
    services.appraisal_open(actor=world.liaison, org=world.branch, year=YEAR)
    page = as_liaison.get(reverse("appraisal:appraisal", args=[world.branch.pk, YEAR])).content.decode()
    assert "仅供参考" not in page


# ------------------------------------------------------------------ PDFs


def test_pdfs(world: World, as_liaison: Client, as_admin: Client, as_outsider: Client, as_member: Client) -> None:
    peer = make_member(world.branch, name="刘党员")
    services.orglife_review_save(
        actor=world.liaison, org=world.branch, year=YEAR, data={"theme": "对照检查", "problems": "学习不深入"}
    )
    services.rectification_add(
        actor=world.liaison, org=world.branch, year=YEAR, problem="组织生活不规范", measure="按月召开",
        owner_id=peer.pk, deadline=TODAY,
    )  # fmt: skip
    services.appraisal_open(actor=world.liaison, org=world.branch, year=YEAR)
    b = world.branch.pk
    review = reverse("appraisal:review_pdf", args=[b, YEAR])
    result = reverse("appraisal:appraisal_pdf", args=[b, YEAR])
    summary = reverse("appraisal:summary_pdf", args=[world.unit.pk, YEAR])
    for url in (review, result, summary):
        r = as_liaison.get(url) if url != summary else as_admin.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", url
        assert r.content.startswith(b"%PDF"), url
    assert AuditEvent.objects.filter(action="appraisal.export_results").count() == 1
    before = AuditEvent.objects.count()
    for client in (as_outsider, as_member):
        for url in (review, result, summary):
            assert client.get(url).status_code in (403, 404), url
    assert AuditEvent.objects.count() == before
    assert as_liaison.get(reverse("appraisal:appraisal_pdf", args=[b, YEAR - 5])).status_code == 404


def test_print_templates_carry_the_records(world: World) -> None:
    """The PDF's HTML (WeasyPrint renders it as is): 整改清单 lines, grades, no talk content."""
    from django.template.loader import render_to_string

    peer = make_member(world.branch, name="刘党员")
    item = services.rectification_add(
        actor=world.liaison, org=world.branch, year=YEAR - 1, problem="台账不全", measure="补齐台账",
        owner_id=peer.pk, deadline=TODAY,
    )  # fmt: skip
    html = render_to_string(
        "appraisal/review_print.html",
        {"org": world.branch, "year": YEAR, "review": None, "items": [item], "talks": 3, "gaps": 0, "today": TODAY},
    )
    assert f"{YEAR - 1}年度结转" in html and "补齐台账" in html and "刘党员" in html and "已全部覆盖" in html


# ------------------------------------------------------------------ the committee roll-up


def test_grade_counts_kept_on_the_appraisal_and_summed_per_child(world: World, as_admin: Client) -> None:
    from dangjian.appraisal.models import Appraisal

    for _ in range(3):
        make_member(world.branch)
    a = services.appraisal_open(actor=world.liaison, org=world.branch, year=YEAR)
    entries = list(a.entries.filter(graded=True).order_by("pk"))
    services.appraisal_grade(actor=world.liaison, entry=entries[0], grade="excellent")
    services.appraisal_grade(actor=world.liaison, entry=entries[1], grade="qualified")
    services.appraisal_grade(actor=world.liaison, entry=entries[1], grade="basically_qualified")  # changed
    a = Appraisal.objects.get(pk=a.pk)
    assert (a.n_excellent, a.n_qualified, a.n_basically_qualified, a.n_unqualified) == (1, 0, 1, 0)
    make_member(world.other_branch)
    b = services.appraisal_open(actor=world.outsider, org=world.other_branch, year=YEAR)
    services.appraisal_grade(actor=world.outsider, entry=b.entries.get(), grade="qualified")
    [branch_a] = selectors.committee_summary(world.liaison, world.branch, YEAR)
    assert branch_a.counts == {"excellent": 1, "qualified": 0, "basically_qualified": 1, "unqualified": 0}
    assert len(selectors.committee_summary(world.admin, world.city, YEAR)) == 2
    [unit] = selectors.summary_by_child(world.admin, world.city, YEAR)
    assert (unit.name, unit.branches, unit.signed) == ("市直机关工委", 2, 0)
    assert unit.counts == {"excellent": 1, "qualified": 1, "basically_qualified": 1, "unqualified": 0}
    # The outsider (branch B) sums only what they may see.
    [only_b] = selectors.summary_by_child(world.outsider, world.city, YEAR)
    assert only_b.branches == 1 and only_b.counts["excellent"] == 0
    page = as_admin.get(reverse("appraisal:summary", args=[world.city.pk, YEAR])).content.decode()
    assert "市教育局机关党支部" in page and "<title>" in page and "谈心谈话开展情况</h2>" in page
    assert "谈心谈话开展情况" not in page.split("</title>")[0]  # the title is the title only


def test_summary_page_and_pdf_sum_per_child_beyond_the_row_limit(
    world: World, as_admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_member(world.other_branch)
    services.appraisal_open(actor=world.liaison, org=world.branch, year=YEAR)
    services.appraisal_open(actor=world.outsider, org=world.other_branch, year=YEAR)
    monkeypatch.setattr(selectors, "SUMMARY_BRANCH_ROWS", 1)
    page = as_admin.get(reverse("appraisal:summary", args=[world.city.pk, YEAR])).content.decode()
    assert "按下级组织汇总" in page and "市直机关工委" in page and "0/2" in page
    r = as_admin.get(reverse("appraisal:summary_pdf", args=[world.city.pk, YEAR]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
