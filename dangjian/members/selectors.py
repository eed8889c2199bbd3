"""Reads on the roster, always scoped to the acting user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, can, scope_q

from .models import Member, MemberTransfer


def members_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Member]:
    """Members in the user's subtrees; a member always sees their own record."""
    q = scope_q(user, action)
    if action == Action.VIEW and getattr(user, "is_authenticated", False):
        q |= Q(user_id=user.pk)
    return Member.objects.filter(q)


def get_member_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Member:
    """A member the user may see: in their subtree, their own record, or a member who transferred
    out of one of their organizations (history stays visible to both sides). 404 otherwise."""
    member = Member.objects.select_related("org", "group", "user").filter(pk=pk).first()
    if member is None:
        raise Http404("党员不存在")
    if action == Action.VIEW:
        if can(user, Action.VIEW, member.org_path) or (user.is_authenticated and member.user_id == user.pk):
            return member
        former = MemberTransfer.objects.filter(member_id=member.pk).filter(scope_q(user, Action.VIEW, "from_org_path"))
        if former.exists():
            return member
        raise Http404("党员不存在")
    if not can(user, Action.VIEW, member.org_path):
        raise Http404("党员不存在")
    if not can(user, action, member.org_path):
        raise PermissionDenied("无权执行此操作")
    return member


def can_see_sensitive(user: Any, member: Member) -> bool:
    """身份证号 and phone unmasked: the member themself, or roles that need them in the member's org."""
    if getattr(user, "is_authenticated", False) and member.user_id == user.pk:
        return True
    return can(user, Action.VIEW_SENSITIVE, member.org_path)


def roster(user: Any, org_path: str, *, include_inactive: bool = False) -> QuerySet[Member]:
    """The roster of one org's subtree, as the user may see it."""
    qs = members_visible_to(user).filter(subtree_q("org_path", org_path))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.select_related("org", "group")


def transfers_visible_to(user: Any) -> QuerySet[MemberTransfer]:
    q = scope_q(user, Action.VIEW, "from_org_path") | scope_q(user, Action.VIEW, "to_org_path")
    return MemberTransfer.objects.filter(q).select_related("member", "from_org", "to_org")


def pending_transfers_in(user: Any) -> QuerySet[MemberTransfer]:
    """Transfers waiting for one of the user's branches to accept."""
    return (
        MemberTransfer.objects.filter(status="pending")
        .filter(scope_q(user, Action.MANAGE, "to_org_path"))
        .select_related("member", "from_org", "to_org")
    )
