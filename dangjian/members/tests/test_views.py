"""Roster pages: success, anonymous, outsider, bad input, masking, query budgets."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member, member_data

pytestmark = pytest.mark.django_db


def login_redirect(resp: Any) -> bool:
    return resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_roster_lists_subtree_members(world: World, as_liaison: Any, as_admin: Any) -> None:
    make_member(world.branch, name="名册甲")
    make_member(world.other_branch, name="名册乙")
    body = as_liaison.get(reverse("members:roster", args=[world.branch.pk])).content.decode()
    assert "名册甲" in body and "名册乙" not in body
    body = as_admin.get(reverse("members:roster", args=[world.city.pk])).content.decode()
    assert "名册甲" in body and "名册乙" in body


def test_roster_anonymous_and_outsider(world: World, client: Any, as_outsider: Any) -> None:
    url = reverse("members:roster", args=[world.branch.pk])
    assert login_redirect(client.get(url))
    resp = as_outsider.get(url)
    assert resp.status_code == 404
    assert "张党员" not in resp.content.decode()


def test_roster_search_and_filters(world: World, as_secretary: Any) -> None:
    a = make_member(world.branch, name="搜索王", is_mobile=True, mobile_destination="深圳")
    make_member(
        world.branch,
        name="搜索李",
        exempt=True,
        exempt_reason="年老体弱",
        exempt_application="申请书",
        exempt_approved_by="支委会",
    )
    url = reverse("members:roster", args=[world.branch.pk])

    def names(**params: str) -> set[str]:
        body = as_secretary.get(url, params).content.decode()
        return {n for n in ("搜索王", "搜索李", "张党员") if n in body}

    assert names(q="搜索") == {"搜索王", "搜索李"}
    assert names(q=a.id_number[-4:]) == {"搜索王"}
    assert names(q=a.phone[-4:]) == {"搜索王"}
    assert names(flag="mobile") == {"搜索王"}
    assert names(flag="exempt") == {"搜索李"}
    assert names(flag="lost") == set()
    assert names(status="probationary") == set()
    assert names(category="in_service") == {"搜索王", "搜索李", "张党员"}
    assert names(active="left") == set()


def test_member_role_cannot_search_by_id_digits(world: World, as_member: Any) -> None:
    a = make_member(world.branch, name="猜号码")
    body = as_member.get(reverse("members:roster", args=[world.branch.pk]), {"q": a.id_number[-6:]}).content.decode()
    assert "猜号码" not in body


def test_roster_query_count_does_not_grow(world: World, as_admin: Any) -> None:
    url = reverse("members:roster", args=[world.city.pk])
    as_admin.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert as_admin.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(30):
        make_member(world.branch if i % 2 else world.other_branch, name=f"批量{i}")
    assert queries() == few


def test_roster_pagination(world: World, as_admin: Any) -> None:
    Member.objects.bulk_create(
        [
            Member(
                org=world.branch,
                org_path=world.branch.path,
                **{k: v for k, v in member_data(name=f"分页{i:03d}").items()},
            )
            for i in range(55)
        ]
    )
    url = reverse("members:roster", args=[world.branch.pk])
    body = as_admin.get(url).content.decode()
    assert "第 1 / 2 页" in body and "分页000" in body and "分页054" not in body
    body = as_admin.get(url, {"page": 2, "q": "分页"}).content.decode()
    assert "分页054" in body


def test_roster_count_stops_at_the_cap(world: World, as_admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ROSTER_CAP members the roster says "more than" and pages through the first ones only;
    at the cap it is exact (a province's root roster must not count 5 M members per page)."""
    from dangjian.members import views

    Member.objects.bulk_create(
        [Member(org=world.branch, org_path=world.branch.path, **member_data(name=f"上限{i:03d}")) for i in range(60)]
    )
    total = Member.objects.filter(org_path__startswith=world.city.path, is_active=True).count()
    url = reverse("members:roster", args=[world.city.pk])
    monkeypatch.setattr(views, "ROSTER_CAP", total)
    body = as_admin.get(url).content.decode()
    assert f"共 {total} 人" in body and "超过" not in body and "第 1 / 2 页" in body
    monkeypatch.setattr(views, "ROSTER_CAP", total - 1)
    body = as_admin.get(url).content.decode()
    assert f"超过 {total - 1} 人" in body and f"共 {total} 人" not in body
    monkeypatch.setattr(views, "ROSTER_CAP", 50)
    body = as_admin.get(url, {"page": 2}).content.decode()
    # Page 2 lies past the cap: the last page within it is shown (no OFFSET beyond the cap).
    assert "超过 50 人" in body and "上限000" in body and "上限059" not in body


def test_detail_masking(world: World, as_secretary: Any, as_member: Any, as_outsider: Any, client: Any) -> None:
    other = make_member(world.branch, name="别人")
    url = reverse("members:detail", args=[other.pk])
    assert other.id_number in as_secretary.get(url).content.decode()
    body = as_member.get(url).content.decode()
    # A plain member sees names and posts only: no number, not even masked.
    assert other.id_number not in body and "身份证号" not in body and other.phone not in body
    own = as_member.get(reverse("members:detail", args=[world.member.pk])).content.decode()
    assert world.member.id_number in own
    resp = as_outsider.get(url)
    assert resp.status_code == 404 and "别人" not in resp.content.decode()
    assert login_redirect(client.get(url))


def test_detail_shows_party_standing_and_trail_to_managers(world: World, as_secretary: Any, as_member: Any) -> None:
    url = reverse("members:detail", args=[world.member.pk])
    body = as_secretary.get(url).content.decode()
    assert f"{world.member.party_standing} 年" in body
    assert "变更记录" in body and "登记" in body
    assert "变更记录" not in as_member.get(url).content.decode()


def test_create_member(world: World, as_liaison: Any) -> None:
    data = member_data(name="新登记")
    post = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    resp = as_liaison.post(reverse("members:create", args=[world.branch.pk]), post)
    m = Member.objects.get(name="新登记")
    assert resp.status_code == 302 and resp["Location"] == reverse("members:detail", args=[m.pk])
    assert m.org == world.branch and m.org_path == world.branch.path


def test_create_bad_input_changes_nothing(world: World, as_liaison: Any) -> None:
    data = member_data(name="坏输入")
    post = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    post["id_number"] = post["id_number"][:17] + ("1" if post["id_number"][17] != "1" else "2")
    post["phone"] = "12345"
    resp = as_liaison.post(reverse("members:create", args=[world.branch.pk]), post)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "身份证号校验位错误" in body and "手机号应为 11 位数字" in body
    assert not Member.objects.filter(name="坏输入").exists()


def test_create_refused_for_member_role_and_outsider(world: World, as_member: Any, as_outsider: Any) -> None:
    url = reverse("members:create", args=[world.branch.pk])
    assert as_member.get(url).status_code == 403
    assert as_outsider.get(url).status_code == 404


def test_edit_and_version_conflict_keeps_input(world: World, as_liaison: Any) -> None:
    m = make_member(world.branch, name="并发")
    url = reverse("members:edit", args=[m.pk])
    assert as_liaison.get(url).status_code == 200
    post = {
        f: (getattr(m, f).isoformat() if hasattr(getattr(m, f), "isoformat") else getattr(m, f)) for f in member_data()
    }
    post.update({"unit": "第一次修改", "version": m.version, "group": ""})
    post = {k: v for k, v in post.items() if v is not None}
    resp = as_liaison.post(url, post)
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.unit == "第一次修改" and m.version == 2
    assert "修改：工作单位" in as_liaison.get(reverse("members:detail", args=[m.pk])).content.decode()
    post.update({"unit": "过期的修改", "version": 1})
    resp = as_liaison.post(url, post)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "该记录已被他人修改" in body and "过期的修改" in body
    m.refresh_from_db()
    assert m.unit == "第一次修改" and m.version == 2


def test_edit_refused_for_outsider(world: World, as_outsider: Any) -> None:
    resp = as_outsider.post(reverse("members:edit", args=[world.member.pk]), {"name": "篡改"})
    assert resp.status_code == 404
    world.member.refresh_from_db()
    assert world.member.name == "张党员"


def test_contact_today(world: World, as_liaison: Any) -> None:
    m = make_member(world.branch, name="流动者", is_mobile=True, mobile_destination="上海")
    resp = as_liaison.post(reverse("members:contact", args=[m.pk]))
    assert resp.status_code == 302
    m.refresh_from_db()

    assert m.mobile_last_contact == timezone.localdate()
    resp = as_liaison.post(reverse("members:contact", args=[world.member.pk]), follow=True)
    assert "只有在册的流动党员可以登记联系" in resp.content.decode()


def test_leave_roster(world: World, as_liaison: Any) -> None:
    m = make_member(world.branch, name="离册者")
    url = reverse("members:leave", args=[m.pk])
    resp = as_liaison.post(url, {"reason": "死亡", "left_on": "2099-01-01", "version": m.version})
    assert "离册日期不能晚于今天" in resp.content.decode()
    m.refresh_from_db()
    assert m.is_active
    resp = as_liaison.post(url, {"reason": "死亡", "left_on": "2024-01-01", "note": "病故", "version": m.version})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert not m.is_active and m.left_reason == "死亡：病故"


def test_index_and_nav(world: World, as_liaison: Any, as_admin: Any) -> None:
    resp = as_liaison.get(reverse("members:index"))
    assert resp.status_code == 302 and resp["Location"] == reverse("members:roster", args=[world.branch.pk])
    home = as_liaison.get(reverse("core:home")).content.decode()
    assert reverse("members:index") in home and reverse("members:transfers") in home


def test_groups_filter_on_branch(world: World, as_secretary: Any) -> None:
    g = org_create(actor=SYSTEM, parent=world.branch, name="一组", kind="group")
    m = make_member(world.branch, name="组员", group=g)
    assert m.group == g
    url = reverse("members:roster", args=[world.branch.pk])
    body = as_secretary.get(url, {"group": g.pk}).content.decode()
    assert "组员" in body and "张党员" not in body
    resp = as_secretary.get(url, {"group": "abc"})
    assert resp.status_code == 200


def test_roster_blank_filter_follows_role_and_groups(world: World, as_secretary: Any, as_member: Any) -> None:
    """The unbound filter form is rendered once per (groups, limited): a new 党小组 and the
    member's names-only view still show in it, and it matches the form rendered field by field."""
    from django.template import Context, Template

    from dangjian.members.forms import RosterFilterForm
    from dangjian.members.views import _blank_filter_html

    url = reverse("members:roster", args=[world.branch.pk])
    body = as_secretary.get(url).content.decode()
    assert 'name="status"' in body and 'name="group"' not in body
    body = as_member.get(url).content.decode()
    assert 'name="q"' in body and 'name="status"' not in body and 'name="flag"' not in body
    org_create(actor=SYSTEM, parent=world.branch, name="新建一组", kind="group")
    body = as_secretary.get(url).content.decode()
    assert 'name="group"' in body and "新建一组" in body
    groups = ((7, "一组<b>"), (9, "二组"))
    for limited in (False, True):
        loop = Template("{% for field in form %}<label>{{ field.label }} {{ field }}</label>{% endfor %}").render(
            Context({"form": RosterFilterForm(None, groups=list(groups), limited=limited)})
        )
        assert _blank_filter_html(groups, limited) == loop
