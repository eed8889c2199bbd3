"""core.scoping.get_for_user: the get_<obj>_for_user contract (404 invisible, 403 visible-but-not-allowed)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from dangjian.core.scoping import Action, get_for_user
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.site.testing.factories import World


def test_visible_row_is_returned(world: World) -> None:
    got = get_for_user(Member.objects.all(), world.member.pk, world.secretary, Action.MANAGE, not_found="无")
    assert got == world.member
    org = get_for_user(Organization.objects.all(), world.branch.pk, world.secretary, not_found="无", path_field="path")
    assert org == world.branch


def test_invisible_or_missing_row_is_404_with_the_message(world: World) -> None:
    with pytest.raises(Http404, match="党员不存在"):
        get_for_user(Member.objects.all(), world.member.pk, world.outsider, not_found="党员不存在")
    with pytest.raises(Http404, match="党员不存在"):
        get_for_user(Member.objects.all(), 10**9, world.admin, not_found="党员不存在")


def test_visible_but_not_allowed_is_403(world: World) -> None:
    assert get_for_user(Member.objects.all(), world.member.pk, world.liaison, not_found="无") == world.member
    with pytest.raises(PermissionDenied):
        get_for_user(Member.objects.all(), world.member.pk, world.liaison, Action.ADMIN, not_found="无")
