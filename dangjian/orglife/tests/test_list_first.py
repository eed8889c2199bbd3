"""The meeting list's first view read through a hot query gives what `meeting_list` gives, for whoever
may see the org, and nothing for whoever may not; its rows are escaped as the template escaped them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_script_prefix
from django.urls import reverse

from dangjian.core.scoping import SYSTEM, Action, can
from dangjian.orglife import selectors
from dangjian.orglife.models import Meeting
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World

from .helpers import at, make_meeting

pytestmark = pytest.mark.django_db


def test_first_rows_equal_the_scoped_list(world: World) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="一组", kind="group")
    for days in range(1, 34):
        held_by, kinds = (world.branch, ["party_day"]) if days % 3 else (group, ["group_meeting"])
        make_meeting(held_by, world.liaison, started_at=at(days), theme=f"会{days:02d}", kinds=kinds)
    make_meeting(world.other_branch, SYSTEM, started_at=at(2), theme="别的支部")
    for user in (world.secretary, world.liaison, world.member_user, world.admin):
        for org in (world.branch, group, world.city):
            if not can(user, Action.VIEW, org.path):
                assert selectors.list_first_rows(user, org) is None
                continue
            want = list(selectors.meeting_list(user, org)[: selectors.LIST_FIRST])
            assert selectors.list_first_rows(user, org) == want
    assert len(selectors.list_first_rows(world.admin, world.city) or []) == selectors.LIST_FIRST
    assert selectors.list_first_rows(world.outsider, world.branch) is None
    assert selectors.list_first_rows(world.secretary, world.other_branch) is None


def test_empty_list_and_escaped_rows(world: World, as_secretary: Client) -> None:
    url = reverse("orglife:org_meetings", args=[world.branch.pk])
    body = as_secretary.get(url).content.decode()
    assert '<tr><td colspan="4" class="muted">暂无记录。</td></tr>' in body
    group = org_create(actor=SYSTEM, parent=world.branch, name="<i>组&'\"</i>", kind="group")
    m = make_meeting(group, world.liaison, started_at=at(1), theme="<b>主题&'\"</b>", kinds=["group_meeting"])
    body = as_secretary.get(url).content.decode()
    assert "&lt;b&gt;主题&amp;&#x27;&quot;&lt;/b&gt;" in body and "<b>主题" not in body
    assert '<div class="muted">&lt;i&gt;组&amp;&#x27;&quot;&lt;/i&gt;</div>' in body
    assert f'href="{reverse("orglife:detail", args=[m.pk])}"' in body
    assert Meeting.objects.count() == 1


def test_buttons_follow_role_and_script_prefix(world: World, as_secretary: Client, as_member: Client) -> None:
    from django.template import Context, Template

    from dangjian.orglife.views import _list_actions

    inline = Template(
        """<div class="actions">
  {% if can_manage %}<a class="btn" href="{% url 'orglife:meeting_new' org.pk %}?kind=party_day">录入主题党日</a>
  <a class="btn secondary" href="{% url 'orglife:meeting_new' org.pk %}">录入其他会议</a>{% endif %}
  <a class="btn secondary" href="{% url 'orglife:matrix' org.pk %}">合规矩阵</a>
  {% if can_approve %}<a class="btn secondary" href="{% url 'orglife:exclusions' org.pk %}">不计入应到人数</a>"""
        """{% endif %}
</div>"""
    )
    for manage in (False, True):
        for approve in (False, True):
            ctx = {"org": world.branch, "can_manage": manage, "can_approve": approve}
            assert _list_actions(world.branch.pk, manage, approve, ("k",)) == inline.render(Context(ctx))
    url = reverse("orglife:org_meetings", args=[world.branch.pk])
    new = reverse("orglife:meeting_new", args=[world.branch.pk])
    assert f'href="{new}">录入其他会议' in as_secretary.get(url).content.decode()
    assert "录入其他会议" not in as_member.get(url).content.decode()
    with override_script_prefix("/sub/"):
        prefixed = as_secretary.get(url).content.decode()
    assert f'href="/sub{new}">录入其他会议' in prefixed
    assert f'href="{new}">录入其他会议' in as_secretary.get(url).content.decode()
