"""core.scoping.get_for_user: the get_<obj>_for_user contract (404 invisible, 403 visible-but-not-allowed)."""

from __future__ import annotations

import copy
from typing import Any

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


def test_own_record_hook_returns_the_row_outside_the_scope(world: World) -> None:
    """A member sees their own record wherever it is; the hook is the only way around the scope."""
    from dangjian.accounts.models import RoleAssignment
    from dangjian.core.scoping import is_own

    RoleAssignment.objects.filter(user=world.member_user).delete()
    user = type(world.member_user).objects.get(pk=world.member_user.pk)  # fresh: no cached scope
    qs = Member.objects.all()
    with pytest.raises(Http404):
        get_for_user(qs, world.member.pk, user, not_found="无")
    assert get_for_user(qs, world.member.pk, user, not_found="无", own=lambda m: is_own(user, m)) == world.member
    assert not is_own(world.outsider, world.member)


def test_also_visible_affects_the_404_never_the_action(world: World) -> None:
    qs = Member.objects.all()
    got = get_for_user(qs, world.member.pk, world.outsider, not_found="无", also_visible=lambda m: True)
    assert got == world.member
    with pytest.raises(PermissionDenied):
        get_for_user(qs, world.member.pk, world.outsider, Action.MANAGE, not_found="无", also_visible=lambda m: True)


def test_action_path_checks_the_action_elsewhere(world: World) -> None:
    """A branch's plan is decided by its parent: the branch secretary sees it but may not decide."""
    qs = Member.objects.all()
    parent = lambda m: world.unit.path  # noqa: E731
    with pytest.raises(PermissionDenied, match="上级"):
        get_for_user(
            qs, world.member.pk, world.secretary, Action.APPROVE, not_found="无", denied="上级", action_path=parent
        )
    assert get_for_user(qs, world.member.pk, world.admin, Action.APPROVE, not_found="无", action_path=parent)


def test_none_sees_nothing_and_system_everything(world: World) -> None:
    from dangjian.core.scoping import SYSTEM, require, scope_prefixes

    assert scope_prefixes(None, Action.VIEW) == []
    assert scope_prefixes(SYSTEM, Action.ADMIN) is None
    assert copy.deepcopy(SYSTEM) is SYSTEM  # one system, however a fixture or task copies it
    with pytest.raises(PermissionDenied):
        require(None, Action.VIEW, world.branch.path)
    require(SYSTEM, Action.ADMIN, world.branch.path)
    with pytest.raises(Http404):
        get_for_user(Member.objects.all(), world.member.pk, None, not_found="无")


def test_role_paths_are_read_once_per_user_object(world: World, django_assert_num_queries: Any) -> None:
    from dangjian.core.scoping import can

    user = type(world.secretary).objects.get(pk=world.secretary.pk)
    with django_assert_num_queries(1):
        for action in Action:
            can(user, action, world.branch.path)
            can(user, action, world.other_branch.path)
