"""The roster's first view read through hot queries gives what `roster` gives, for whoever may see the
org, and nothing for whoever may not; a first page longer than the page still counts every member."""

from __future__ import annotations

from typing import Any

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse

from dangjian.core.scoping import SYSTEM, Action, can
from dangjian.members import selectors
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db


def _orm_first(user: Any, org: Organization) -> list[dict[str, Any]]:
    qs = selectors.roster(user, org.path).order_by(*selectors.ROSTER_ORDER).values(*selectors.ROSTER_VALUES)
    return list(qs[: selectors.ROSTER_FIRST])


def test_first_rows_equal_the_scoped_roster(world: World) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="一组", kind="group")
    for i in range(3):
        make_member(world.branch, name=f"甲{i}", group=group)
    left = make_member(world.branch, name="离册者")
    Member.objects.filter(pk=left.pk).update(is_active=False)
    make_member(world.other_branch, name="别处")
    for user in (world.secretary, world.liaison, world.member_user, world.admin, world.outsider):
        for org in (world.branch, world.other_branch, world.city):
            if not can(user, Action.VIEW, org.path):
                assert selectors.roster_first_rows(user, org) is None
                continue
            got = selectors.roster_first_rows(user, org)
            assert got == _orm_first(user, org) and got
            assert all(r["name"] != "离册者" for r in got)
    assert selectors.groups_in(world.branch) == [(group.pk, "一组")]
    assert selectors.groups_in(world.city) == []
    assert selectors.groups_in(world.other_branch) == []


def test_first_view_past_a_full_page(world: World, as_secretary: Any) -> None:
    have = Member.objects.filter(org=world.branch, is_active=True).count()
    for i in range(51 - have):
        make_member(world.branch, name=f"名{i:02d}")
    url = reverse("members:roster", args=[world.branch.pk])
    first = as_secretary.get(url)
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.paginator.count == 51 and page.has_next()
    assert page.object_list == _orm_first(world.secretary, world.branch)[:50]
    assert "共 51 人" in first.content.decode()
    second = as_secretary.get(url + "?page=2").context["page"]
    assert list(second.object_list) == _orm_first(world.secretary, world.branch)[50:]
    Member.objects.filter(pk=second.object_list[0]["pk"]).update(is_active=False)
    again = as_secretary.get(url).context["page"]
    assert again.paginator.count == 50 and not again.has_next()


def test_buttons_follow_role_org_and_script_prefix(world: World, as_secretary: Any, as_member: Any) -> None:
    """The buttons are rendered once per process per (org, role, URLconf and script prefix): they
    match the markup rendered with `{% url %}`, and a prefix gets its own."""
    from django.template import Context, Template

    from dangjian.members.views import _roster_actions

    inline = Template(
        """<div class="roster-actions">
  {% if can_manage and is_branch %}<a class="btn" href="{% url 'members:create' org.pk %}">登记党员</a>
  <a class="btn secondary" href="{% url 'members:transfer_in' org.pk %}">转入（平台外）</a>{% endif %}
  {% if can_manage %}<a class="btn secondary" href="{% url 'members:import_upload' org.pk %}">Excel 导入</a>{% endif %}
  {% if can_export %}<a class="btn secondary" href="{% url 'members:export' org.pk %}">导出 Excel</a>{% endif %}
</div>"""
    )
    for manage in (False, True):
        for branch in (False, True):
            ctx = {"org": world.branch, "can_manage": manage, "is_branch": branch, "can_export": manage}
            assert _roster_actions(world.branch.pk, manage, branch, ("k",)) == inline.render(Context(ctx))
    url = reverse("members:roster", args=[world.branch.pk])
    create = reverse("members:create", args=[world.branch.pk])
    assert f'href="{create}">登记党员' in as_secretary.get(url).content.decode()
    assert "登记党员" not in as_member.get(url).content.decode()
    with override_script_prefix("/sub/"):
        prefixed = as_secretary.get(url).content.decode()
    assert f'href="/sub{create}">登记党员' in prefixed
    assert f'href="{create}">登记党员' in as_secretary.get(url).content.decode()
    assert "登记党员" not in as_secretary.get(reverse("members:roster", args=[world.city.pk])).content.decode()
