"""Subtree structure facts: correct counts, constant query count, and the home-page roll-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import MemberTransfer
from dangjian.members.services import member_leave, transfer_out
from dangjian.orglife.models import Meeting
from dangjian.orglife.services import MeetingData, meeting_create
from dangjian.orgs import attention
from dangjian.orgs.attention import structure_attention
from dangjian.orgs.models import Organization, Post
from dangjian.orgs.selectors import org_overview, structure_report, subtree_structure
from dangjian.orgs.services import config_set, org_create, org_move, org_update, post_assign
from dangjian.site.testing.factories import make_member, make_user


def add_branches(parent: Organization, n: int, members_each: int, prefix: str) -> list[Organization]:
    out = []
    for i in range(n):
        b = org_create(actor=SYSTEM, parent=parent, name=f"{prefix}{i}", kind="branch", sector="agency")
        for _ in range(members_each):
            make_member(b)
        out.append(b)
    return out


def test_facts_count_full_probationary_and_groups(world) -> None:
    b = world.branch  # already has 张党员 (full)
    g1 = org_create(actor=SYSTEM, parent=b, name="一组", kind="group")
    org_create(actor=SYSTEM, parent=b, name="二组（空）", kind="group")
    for _ in range(3):
        make_member(b, group=g1.pk)
    make_member(b, status="probationary", converted_on=None)
    gone = make_member(b)
    member_leave(actor=SYSTEM, member=gone, version=gone.version, reason="去世", left_on=timezone.localdate())
    by_name = {s.org.name: s for s in subtree_structure(world.city.path, timezone.localdate())}
    facts = by_name[b.name].facts
    assert (facts.full_members, facts.total_members) == (4, 5)
    assert sorted(facts.group_sizes) == [0, 3]
    assert by_name["市直机关工委"].facts.total_members == 5
    assert by_name["十堰市委"].facts.full_members == 4
    assert "一组" not in by_name  # 党小组 feed their branch's facts; they have no findings of their own


def test_subtree_structure_query_count_does_not_grow_with_orgs(world) -> None:
    today = timezone.localdate()
    add_branches(world.unit, 2, 2, "小")
    with CaptureQueriesContext(connection) as small:
        subtree_structure(world.city.path, today)
    add_branches(world.unit, 12, 3, "大")
    config_set(actor=SYSTEM, org=world.unit, key="orgs.group_max_members", raw_value="8")
    with CaptureQueriesContext(connection) as big:
        rows = subtree_structure(world.city.path, today)
    assert len(rows) >= 18
    assert len(big) == len(small) <= 6


def test_report_filters_and_counts(world) -> None:
    add_branches(world.unit, 3, 1, "缺员")
    org_update(actor=SYSTEM, org=world.other_branch, version=1, term_started_on=dt.date(2000, 1, 1))
    today = timezone.localdate()
    report = structure_report(world.city.path, today)
    counts = {code: n for code, _, n in report.by_code}
    assert counts["branch_below_min"] == 5 and counts["term_expired"] == 1
    assert report.by_severity["error"] == 6
    only = structure_report(world.city.path, today, code="term_expired")
    assert [o.name for o, _ in only.rows] == ["市财政局机关党支部"]
    assert structure_report(world.city.path, today, severity="advisory").rows == []
    assert {o.name for o, _ in structure_report(world.city.path, today, q="缺员").rows} == {"缺员0", "缺员1", "缺员2"}


def test_org_overview_query_count_is_constant(world) -> None:
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as small:
        org_overview(world.unit, today)
    add_branches(world.unit, 10, 2, "多")
    with CaptureQueriesContext(connection) as big:
        ov = org_overview(world.unit, today)
    assert len(big) == len(small)
    assert len(ov.children) == 12 and ov.total == 21


# --- home page -------------------------------------------------------------------------------


def test_attention_rolls_up_per_finding_type(world) -> None:
    add_branches(world.unit, 3, 1, "缺员")
    items = structure_attention(world.admin)
    titles = [a.title for a in items]
    assert "5 个党组织正式党员不足3人" in titles
    item = next(a for a in items if a.title == "5 个党组织正式党员不足3人")
    assert item.link == reverse("orgs:checks") + f"?org={world.city.pk}&code=branch_below_min"


def test_attention_single_org_links_to_the_org(world) -> None:
    items = structure_attention(world.liaison)  # MANAGE on branch A only
    assert [a.title for a in items] == [f"{world.branch.name}：正式党员不足3人"]
    assert items[0].link == reverse("orgs:detail", args=[world.branch.pk])


def test_attention_term_expiring(world) -> None:
    for _ in range(3):
        make_member(world.branch)
    today = timezone.localdate()
    started = today.replace(year=today.year - 3) + dt.timedelta(days=30)
    org_update(actor=SYSTEM, org=world.branch, version=world.branch.version, term_started_on=started)
    titles = [a.title for a in structure_attention(world.secretary)]
    assert titles == [f"{world.branch.name}：任期即将届满"]


def test_attention_none_for_plain_members_and_outsiders_see_only_their_branch(world) -> None:
    assert structure_attention(world.member_user) == []
    assert all("教育局" not in a.title for a in structure_attention(world.outsider))
    assert structure_attention(make_user("无角色人员")) == []


def test_home_page(world, as_admin) -> None:
    resp = as_admin.get(reverse("core:home"))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "十堰市委" in html and "组织部/党委管理员" in html
    assert "2 个党组织正式党员不足3人" in html
    assert reverse("members:roster", args=[world.city.pk]) in html


def test_home_page_member(world, as_member) -> None:
    html = as_member.get(reverse("core:home")).content.decode()
    assert world.branch.name in html and "我的党员信息" in html
    assert "正式党员不足" not in html


def test_home_page_outsider_sees_nothing_of_branch_a(world, as_outsider) -> None:
    html = as_outsider.get(reverse("core:home")).content.decode()
    assert "市财政局机关党支部" in html and world.branch.name not in html


def test_home_page_reviewer_org_not_linked(world) -> None:
    u = make_user("评审专家甲")
    RoleAssignment.objects.create(user=u, org=world.city, role="reviewer")
    c = Client()
    c.force_login(u, backend="dangjian.accounts.backends.PhoneBackend")
    html = c.get(reverse("core:home")).content.decode()
    assert "十堰市委" in html and reverse("orgs:detail", args=[world.city.pk]) not in html
    assert structure_attention(u) == []


def test_home_page_anonymous(world) -> None:
    resp = Client().get(reverse("core:home"))
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]


def test_home_page_query_count_does_not_grow(world, as_admin, settings) -> None:
    settings.DANGJIAN_SNAPSHOT_SECONDS = 0  # count the providers' queries, not the snapshot's
    with CaptureQueriesContext(connection) as small:
        as_admin.get(reverse("core:home"))
    add_branches(world.unit, 8, 2, "增")
    with CaptureQueriesContext(connection) as big:
        as_admin.get(reverse("core:home"))
    assert len(big) == len(small)


def test_large_subtree_summary_is_reused_briefly(world, monkeypatch) -> None:
    cache.clear()
    monkeypatch.setattr(attention, "CACHE_MIN_ORGS", 1)
    try:
        first = structure_attention(world.admin)
        with CaptureQueriesContext(connection) as warm:
            again = structure_attention(world.admin)
        assert [a.title for a in again] == [a.title for a in first]
        assert not any("members_member" in q["sql"] for q in warm.captured_queries)
        # below the size threshold nothing is cached: a change shows at once
        monkeypatch.setattr(attention, "CACHE_MIN_ORGS", 10_000)
        cache.clear()
        structure_attention(world.admin)
        add_branches(world.unit, 1, 0, "新增缺员")
        assert "3 个党组织正式党员不足3人" in [a.title for a in structure_attention(world.admin)]
    finally:
        cache.clear()


def test_move_repoints_copied_paths_but_not_the_audit_log(world) -> None:
    leaver = make_member(world.branch, name="转出者")
    transfer_out(actor=SYSTEM, member=leaver, out_on=dt.date(2025, 3, 1), to_org=world.other_branch)
    before_events = dict(AuditEvent.objects.values_list("id", "org_path"))
    target = org_create(actor=SYSTEM, parent=world.city, name="新工委", kind="committee")
    org_move(actor=world.admin, org=world.branch, new_parent=target)
    world.branch.refresh_from_db()
    assert world.branch.path.startswith(target.path)
    t = MemberTransfer.objects.get(member=leaver)
    assert t.from_org_path == world.branch.path  # the sending side still sees its history
    assert set(type(leaver).objects.filter(org=world.branch).values_list("org_path", flat=True)) == {world.branch.path}
    assert all(AuditEvent.objects.get(pk=pk).org_path == p for pk, p in before_events.items())
    assert verify_chain().ok


def test_move_repoints_every_copied_path_column_including_meeting_branch_path(world) -> None:
    from django.utils import timezone

    from dangjian.orgs.selectors import org_path_columns
    from dangjian.orgs.services import org_move

    columns = {(m._meta.label, c) for m, c in org_path_columns()}
    assert ("orglife.Meeting", "branch_path") in columns
    assert ("members.MemberTransfer", "to_org_path") in columns
    assert not any(label == "core.AuditEvent" for label, _ in columns)

    start = timezone.now() - dt.timedelta(days=1)
    meeting = meeting_create(
        actor=SYSTEM,
        org=world.branch,
        data=MeetingData(
            kinds=["party_day"], theme="迁移前的主题党日", started_at=start, ended_at=start + dt.timedelta(hours=2)
        ),
    )
    target = org_create(actor=SYSTEM, parent=world.city, name="新工委", kind="committee")
    org_move(actor=world.admin, org=world.branch, new_parent=target)
    world.branch.refresh_from_db()
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.org_path == world.branch.path
    assert meeting.branch_path == world.branch.path


def test_group_leader_is_appointed_from_the_groups_members(world) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group")
    inside = make_member(world.branch, name="组内党员")
    inside.group = group
    inside.save(update_fields=["group"])
    outside = make_member(world.branch, name="组外党员")
    post = post_assign(actor=world.admin, org=group, member=inside, post=Post.GROUP_LEADER)
    assert post.member == inside
    with pytest.raises(ValidationError, match="不是 第一党小组 的党员"):
        post_assign(actor=world.admin, org=group, member=outside, post=Post.GROUP_LEADER)
