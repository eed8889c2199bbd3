"""Every org view: success, anonymous, outsider, bad input, concurrency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgConfig, OrgPost
from dangjian.orgs.services import org_create, org_update, post_assign
from dangjian.site.testing.factories import make_member

BRANCH_NAME = "市教育局机关党支部"


def body(resp) -> str:
    return resp.content.decode()


def assert_login_redirect(resp) -> None:
    assert resp.status_code == 302
    assert reverse("accounts:login") in resp["Location"]


def assert_refused(resp) -> None:
    assert resp.status_code in (403, 404)
    assert BRANCH_NAME not in body(resp)
    assert "张党员" not in body(resp)


# --- tree ------------------------------------------------------------------------------------


def test_tree_shows_the_users_forest(world, as_admin, as_outsider) -> None:
    resp = as_admin.get(reverse("orgs:tree"))
    assert resp.status_code == 200 and "十堰市委" in body(resp)
    resp = as_outsider.get(reverse("orgs:tree"))
    assert "市财政局机关党支部" in body(resp)
    assert BRANCH_NAME not in body(resp) and "十堰市委" not in body(resp)


def test_tree_rows_link_each_node(world, as_admin) -> None:
    """The rows share one include and links reversed once per page: each node still links itself."""
    html = body(as_admin.get(reverse("orgs:tree")))
    assert f'href="{reverse("orgs:detail", args=[world.city.pk])}"' in html
    assert f'hx-get="{reverse("orgs:children", args=[world.city.pk])}"' in html
    html = body(as_admin.get(reverse("orgs:children", args=[world.unit.pk])))
    for branch in (world.branch, world.other_branch):
        assert f'href="{reverse("orgs:detail", args=[branch.pk])}"' in html and branch.name in html


def test_tree_anonymous(world) -> None:
    assert_login_redirect(Client().get(reverse("orgs:tree")))


def test_tree_search_by_name_is_scoped(world, as_admin, as_outsider) -> None:
    resp = as_admin.get(reverse("orgs:tree"), {"q": "教育"})
    assert BRANCH_NAME in body(resp)
    resp = as_outsider.get(reverse("orgs:tree"), {"q": "教育"})
    assert resp.status_code == 200 and BRANCH_NAME not in body(resp)
    assert "没有名称包含" in body(resp)


def test_children_partial_lists_one_level(world, as_admin) -> None:
    resp = as_admin.get(reverse("orgs:children", args=[world.unit.pk]))
    assert resp.status_code == 200
    assert BRANCH_NAME in body(resp) and "市财政局机关党支部" in body(resp)
    resp = as_admin.get(reverse("orgs:children", args=[world.city.pk]))
    assert "市直机关工委" in body(resp) and BRANCH_NAME not in body(resp)


def test_children_partial_pages_large_levels(world, as_admin) -> None:
    for i in range(105):
        Organization.objects.add_child(world.unit, instance=Organization(name=f"批量支部{i:03d}", kind="branch"))
    resp = as_admin.get(reverse("orgs:children", args=[world.unit.pk]))
    assert body(resp).count("<li>\n") == 100 and "加载更多（共 107 个）" in body(resp)
    resp = as_admin.get(reverse("orgs:children", args=[world.unit.pk]), {"page": 2})
    assert "批量支部104" in body(resp) and "<ul>" not in body(resp)


def test_children_refused(world, as_outsider) -> None:
    assert_login_redirect(Client().get(reverse("orgs:children", args=[world.unit.pk])))
    assert_refused(as_outsider.get(reverse("orgs:children", args=[world.unit.pk])))
    assert_refused(as_outsider.get(reverse("orgs:children", args=[world.branch.pk])))


# --- detail ----------------------------------------------------------------------------------


def test_detail_shows_counts_posts_groups_and_findings(world, as_admin) -> None:
    make_member(world.branch, status="probationary", converted_on=None)
    group = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group")
    post_assign(actor=SYSTEM, org=world.branch, member=world.member, post="secretary", started_on=dt.date(2024, 1, 1))
    resp = as_admin.get(reverse("orgs:detail", args=[world.branch.pk]))
    html = body(resp)
    assert resp.status_code == 200
    assert "正式 <b>1</b>" in html and "预备 <b>1</b>" in html and "合计 <b>2</b>" in html
    assert "书记" in html and "张党员" in html
    assert group.name in html
    assert "正式党员仅 1 人" in html and "第四条" in html  # the finding with its citation
    assert reverse("members:roster", args=[world.branch.pk]) in html


def test_detail_of_committee_rolls_up_children(world, as_admin) -> None:
    make_member(world.other_branch)
    make_member(world.other_branch, status="probationary", converted_on=None)
    resp = as_admin.get(reverse("orgs:detail", args=[world.unit.pk]))
    html = body(resp)
    assert "合计 <b>3</b>" in html
    assert "市财政局机关党支部</a></td><td>党支部</td><td>1</td><td>2</td>" in html


def test_detail_member_sees_but_cannot_admin(world, as_member) -> None:
    resp = as_member.get(reverse("orgs:detail", args=[world.branch.pk]))
    assert resp.status_code == 200
    assert reverse("orgs:edit", args=[world.branch.pk]) not in body(resp)


def test_detail_refused(world, as_outsider) -> None:
    assert_login_redirect(Client().get(reverse("orgs:detail", args=[world.branch.pk])))
    assert_refused(as_outsider.get(reverse("orgs:detail", args=[world.branch.pk])))
    assert as_outsider.get(reverse("orgs:detail", args=[999999])).status_code == 404


# --- create / edit / move --------------------------------------------------------------------


def test_create_child(world, as_admin) -> None:
    resp = as_admin.post(
        reverse("orgs:create_child", args=[world.unit.pk]),
        {"name": "市卫健委机关党支部", "kind": "branch", "sector": "agency", "term_started_on": "2025-01-01"},
    )
    org = Organization.objects.get(name="市卫健委机关党支部")
    assert resp.status_code == 302 and resp["Location"] == reverse("orgs:detail", args=[org.pk])
    assert org.path.startswith(world.unit.path) and org.term_years == 3
    assert AuditEvent.objects.filter(action="org.create", object_id=str(org.pk)).exists()


def test_create_child_village_defaults_to_five_years(world, as_admin) -> None:
    url = reverse("orgs:create_child", args=[world.unit.pk])
    as_admin.post(url, {"name": "某村党支部", "kind": "branch", "sector": "village"})
    assert Organization.objects.get(name="某村党支部").term_years == 5


def test_create_child_bad_input_changes_nothing(world, as_admin) -> None:
    n = Organization.objects.count()
    resp = as_admin.post(reverse("orgs:create_child", args=[world.unit.pk]), {"name": "", "kind": "branch"})
    assert resp.status_code == 200 and "请填写“组织名称”" in body(resp)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    resp = as_admin.post(
        reverse("orgs:create_child", args=[world.unit.pk]),
        {"name": "未来支部", "kind": "branch", "sector": "agency", "established_on": future},
    )
    assert "“成立日期”不能晚于今天" in body(resp)
    # a 党小组 may only sit under a branch
    resp = as_admin.post(
        reverse("orgs:create_child", args=[world.unit.pk]), {"name": "错位小组", "kind": "group", "sector": "agency"}
    )
    assert "“组织类别”的选项无效" in body(resp)
    assert Organization.objects.count() == n


def test_create_child_refused(world, as_liaison, as_outsider) -> None:
    url = reverse("orgs:create_child", args=[world.branch.pk])
    assert_login_redirect(Client().post(url, {"name": "x", "kind": "group", "sector": "agency"}))
    assert as_liaison.post(url, {"name": "x", "kind": "group", "sector": "agency"}).status_code == 403
    assert_refused(as_outsider.post(url, {"name": "x", "kind": "group", "sector": "agency"}))
    assert not Organization.objects.filter(name="x").exists()


def edit_data(org: Organization, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": org.name,
        "kind": org.kind,
        "sector": org.sector,
        "unit_name": org.unit_name,
        "term_years": org.term_years,
        "version": org.version,
    }
    data.update(over)
    return data


def test_edit_saves_and_bumps_version(world, as_admin) -> None:
    url = reverse("orgs:edit", args=[world.branch.pk])
    assert as_admin.get(url).status_code == 200
    resp = as_admin.post(url, edit_data(world.branch, unit_name="市教育局", has_committee="on", term_years="5"))
    assert resp.status_code == 302
    world.branch.refresh_from_db()
    assert world.branch.unit_name == "市教育局" and world.branch.has_committee and world.branch.term_years == 5
    assert world.branch.version == 2


def test_edit_conflict_keeps_the_first_save(world, as_admin) -> None:
    url = reverse("orgs:edit", args=[world.branch.pk])
    stale = world.branch.version
    assert as_admin.post(url, edit_data(world.branch, unit_name="第一位", version=stale)).status_code == 302
    resp = as_admin.post(url, edit_data(world.branch, unit_name="第二位", version=stale))
    assert resp.status_code == 200 and "已被他人修改" in body(resp)
    world.branch.refresh_from_db()
    assert world.branch.unit_name == "第一位"


def test_edit_bad_input_names_the_field(world, as_admin) -> None:
    url = reverse("orgs:edit", args=[world.branch.pk])
    resp = as_admin.post(url, edit_data(world.branch, term_years="0"))
    assert "“任期（年）”不能小于 1" in body(resp)
    resp = as_admin.post(url, edit_data(world.branch, term_started_on="2026-13-01"))
    assert "“本届任期开始”格式不正确" in body(resp)
    resp = as_admin.post(url, edit_data(world.branch, established_on="2020-01-01", term_started_on="2019-01-01"))
    assert "“本届任期开始”不能早于“成立日期”" in body(resp)
    resp = as_admin.post(url, edit_data(world.branch, kind="group"))  # a 党小组 cannot sit under a 党委
    assert "党委下不能设立党小组" in body(resp)
    world.branch.refresh_from_db()
    assert world.branch.version == 1 and world.branch.kind == "branch" and world.branch.term_started_on is None


def test_edit_refused(world, as_secretary, as_outsider) -> None:
    url = reverse("orgs:edit", args=[world.branch.pk])
    assert_login_redirect(Client().get(url))
    assert as_secretary.post(url, edit_data(world.branch, unit_name="越权")).status_code == 403
    assert_refused(as_outsider.post(url, edit_data(world.branch, unit_name="越权")))
    world.branch.refresh_from_db()
    assert world.branch.unit_name == ""


def test_move_subtree_repoints_members(world, as_admin) -> None:
    other_committee = org_create(actor=SYSTEM, parent=world.city, name="市教育工委", kind="committee")
    url = reverse("orgs:move", args=[world.branch.pk])
    resp = as_admin.get(url, {"q": "教育工委"})
    assert "市教育工委" in body(resp)
    resp = as_admin.post(url, {"new_parent": other_committee.pk})
    assert resp.status_code == 302
    world.branch.refresh_from_db()
    world.member.refresh_from_db()
    assert world.branch.path.startswith(other_committee.path)
    assert world.member.org_path == world.branch.path
    assert AuditEvent.objects.filter(action="org.move").exists()


def test_move_bad_target_changes_nothing(world, as_admin) -> None:
    url = reverse("orgs:move", args=[world.branch.pk])
    old = world.branch.path
    resp = as_admin.post(url, {"new_parent": world.other_branch.pk})  # a branch cannot hold a branch
    assert "“新的上级组织”的选项无效" in body(resp)
    resp = as_admin.post(url, {})
    assert "请选择“新的上级组织”" in body(resp)
    resp = as_admin.post(url, {"new_parent": world.unit.pk})  # already there
    assert "已隶属于" in body(resp)
    world.branch.refresh_from_db()
    assert world.branch.path == old


def test_move_refused(world, as_secretary, as_outsider) -> None:
    url = reverse("orgs:move", args=[world.branch.pk])
    assert_login_redirect(Client().post(url, {"new_parent": world.city.pk}))
    assert as_secretary.post(url, {"new_parent": world.city.pk}).status_code == 403
    assert_refused(as_outsider.post(url, {"new_parent": world.city.pk}))


# --- posts -----------------------------------------------------------------------------------


def test_post_assign_and_end(world, as_admin) -> None:
    url = reverse("orgs:post_assign", args=[world.branch.pk])
    resp = as_admin.get(url, {"q": "张"})
    assert "张党员" in body(resp)
    resp = as_admin.post(url, {"member": world.member.pk, "post": "secretary", "started_on": "2024-03-01"})
    assert resp.status_code == 302
    post = OrgPost.objects.get(org=world.branch, member=world.member)
    # a second secretary is refused while the first is in office
    other = make_member(world.branch, name="李四")
    resp = as_admin.post(url, {"member": other.pk, "post": "secretary"})
    assert "已有在任书记" in body(resp)
    resp = as_admin.post(reverse("orgs:post_end", args=[post.pk]), {"ended_on": "2024-02-01"})
    post.refresh_from_db()
    assert post.ended_on is None  # before the start date: refused
    as_admin.post(reverse("orgs:post_end", args=[post.pk]), {"ended_on": "2025-02-01"})
    post.refresh_from_db()
    assert post.ended_on == dt.date(2025, 2, 1)


def test_post_assign_bad_input(world, as_admin) -> None:
    url = reverse("orgs:post_assign", args=[world.branch.pk])
    outsider_member = make_member(world.other_branch, name="外支部党员")
    resp = as_admin.post(url, {"member": outsider_member.pk, "post": "secretary"})
    assert "“党员”的选项无效" in body(resp)
    resp = as_admin.post(url, {"member": world.member.pk, "post": "boss"})
    assert "“职务”的选项无效" in body(resp)
    assert not OrgPost.objects.exists()


def test_posts_refused(world, as_liaison, as_outsider) -> None:
    post = post_assign(actor=SYSTEM, org=world.branch, member=world.member, post="secretary")
    url = reverse("orgs:post_assign", args=[world.branch.pk])
    assert_login_redirect(Client().get(url))
    assert as_liaison.post(url, {"member": world.member.pk, "post": "organization"}).status_code == 403
    assert_refused(as_outsider.get(url))
    assert_refused(as_outsider.post(reverse("orgs:post_end", args=[post.pk]), {"ended_on": "2025-01-01"}))
    post.refresh_from_db()
    assert post.ended_on is None


# --- structure checks list -------------------------------------------------------------------


def test_checks_list_counts_and_filters(world, as_admin) -> None:
    for _ in range(3):
        make_member(world.other_branch)
    org_update(actor=SYSTEM, org=world.other_branch, version=1, term_started_on=dt.date(2000, 1, 1))
    resp = as_admin.get(reverse("orgs:checks"))
    html = body(resp)
    assert resp.status_code == 200
    assert BRANCH_NAME in html and "正式党员不足3人 1" in html and "任期已届满 1" in html
    resp = as_admin.get(reverse("orgs:checks"), {"org": world.city.pk, "code": "term_expired"})
    html = body(resp)
    assert "市财政局机关党支部" in html and "本届任期已于" in html and BRANCH_NAME + "</a>" not in html
    resp = as_admin.get(reverse("orgs:checks"), {"org": world.city.pk, "severity": "advisory"})
    assert "没有符合条件的问题" in body(resp)


def test_checks_secretary_sees_own_branch_only(world, as_secretary) -> None:
    resp = as_secretary.get(reverse("orgs:checks"))
    assert resp.status_code == 200 and BRANCH_NAME in body(resp) and "市财政局" not in body(resp)


def test_checks_refused(world, as_outsider, as_secretary) -> None:
    assert_login_redirect(Client().get(reverse("orgs:checks")))
    assert_refused(as_outsider.get(reverse("orgs:checks")))  # a liaison has no APPROVE anywhere
    resp = as_secretary.get(reverse("orgs:checks"), {"org": world.other_branch.pk})
    assert resp.status_code == 404 and "市财政局" not in body(resp)


# --- config ----------------------------------------------------------------------------------


def test_config_set_inherit_and_clear(world, as_admin) -> None:
    url = reverse("orgs:config", args=[world.unit.pk])
    resp = as_admin.get(url)
    assert "党小组人数上限" in body(resp) and "系统默认" in body(resp)
    resp = as_admin.post(reverse("orgs:config", args=[world.city.pk]), {"key": "orgs.group_max_members", "value": "8"})
    assert resp.status_code == 302
    resp = as_admin.get(url)
    assert "继承自 十堰市委" in body(resp)
    as_admin.post(url, {"key": "orgs.group_max_members", "value": "12"})
    assert "本组织设置" in body(as_admin.get(url))
    as_admin.post(url, {"key": "orgs.group_max_members", "op": "clear"})
    assert OrgConfig.objects.filter(org=world.unit).count() == 0
    assert "继承自 十堰市委" in body(as_admin.get(url))


def test_config_bad_value_names_the_setting(world, as_admin) -> None:
    url = reverse("orgs:config", args=[world.unit.pk])
    resp = as_admin.post(url, {"key": "orgs.group_max_members", "value": "很多"})
    assert resp.status_code == 200 and "“党小组人数上限”应为整数" in body(resp)
    resp = as_admin.post(url, {"key": "orgs.term_warning_months", "value": "0"})
    assert "“换届提醒提前月数”不能小于 1" in body(resp)
    assert as_admin.post(url, {"key": "no.such.key", "value": "1"}).status_code == 404
    assert not OrgConfig.objects.exists()


def test_config_refused(world, as_secretary, as_outsider) -> None:
    url = reverse("orgs:config", args=[world.branch.pk])
    assert_login_redirect(Client().get(url))
    assert as_secretary.post(url, {"key": "orgs.group_max_members", "value": "5"}).status_code == 403
    assert_refused(as_outsider.get(url))
    assert not OrgConfig.objects.exists()


def test_configured_threshold_changes_findings(world, as_admin) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="大党小组", kind="group")
    for _ in range(9):
        make_member(world.branch, group=group.pk)
    url = reverse("orgs:detail", args=[world.branch.pk])
    assert "党小组超过" not in body(as_admin.get(url))
    as_admin.post(reverse("orgs:config", args=[world.city.pk]), {"key": "orgs.group_max_members", "value": "8"})
    assert "有 1 个党小组超过 8 人" in body(as_admin.get(url))


@pytest.mark.parametrize("name", ["tree", "checks"])
def test_nav_links_exist(world, as_admin, name: str) -> None:
    resp = as_admin.get(reverse("core:home"))
    assert reverse(f"orgs:{name}") in body(resp)


def test_group_page_counts_and_lists_its_members(world, as_admin, as_outsider) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group")
    make_member(world.branch, name="组员甲", group=group.pk)
    make_member(world.branch, name="组员乙", group=group.pk, status="probationary", converted_on=None)
    make_member(world.branch, name="非组员")
    html = body(as_admin.get(reverse("orgs:detail", args=[group.pk])))
    assert "正式 <b>1</b>" in html and "合计 <b>2</b>" in html
    assert "组员甲" in html and "组员乙" in html and "非组员" not in html
    assert_refused(as_outsider.get(reverse("orgs:detail", args=[group.pk])))


def test_edit_kind_change_must_fit_children_and_members(world, as_admin) -> None:
    url = reverse("orgs:edit", args=[world.unit.pk])
    resp = as_admin.post(url, edit_data(world.unit, kind="branch"))  # it holds branches
    assert "不能隶属于党支部" in body(resp)
    url = reverse("orgs:edit", args=[world.branch.pk])
    resp = as_admin.post(url, edit_data(world.branch, kind="general_branch"))  # it has a member
    assert "仍有在册党员" in body(resp)
    world.unit.refresh_from_db()
    world.branch.refresh_from_db()
    assert (world.unit.kind, world.branch.kind) == ("committee", "branch")
    empty = org_create(actor=SYSTEM, parent=world.unit, name="空支部", kind="branch")
    resp = as_admin.post(reverse("orgs:edit", args=[empty.pk]), edit_data(empty, kind="general_branch"))
    assert resp.status_code == 302
    empty.refresh_from_db()
    assert empty.kind == "general_branch"


def test_get_org_for_user_reads_through_its_compiled_query(world) -> None:
    """The hot read returns the row the ORM would, 404 outside the scope, for an unknown id and for
    an id that is not a number, 403 for a visible org without the action."""
    import pytest
    from django.http import Http404

    from dangjian.core.scoping import Action, PermissionDenied
    from dangjian.orgs.models import Organization
    from dangjian.orgs.selectors import get_org_for_user

    got = get_org_for_user(world.secretary, world.branch.pk)
    assert (
        got == world.branch and got.path == world.branch.path and got.name == Organization.objects.get(pk=got.pk).name
    )
    assert get_org_for_user(world.secretary, str(world.branch.pk)) == world.branch
    for pk in (world.other_branch.pk, 987654, "abc", ""):
        with pytest.raises(Http404):
            get_org_for_user(world.secretary, pk)
    with pytest.raises(PermissionDenied):
        get_org_for_user(world.member_user, world.branch.pk, Action.MANAGE)
