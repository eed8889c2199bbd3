"""Reads on the organization tree, always scoped to the acting user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.core.scoping import Action, can, scope_q

from .models import Organization, OrgKind


def orgs_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_q(user, action, "path"))


def get_org_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Organization:
    """The organization, or 404 if the user cannot see it, or 403 if they may see but not `action`."""
    org = Organization.objects.filter(pk=pk).first()
    if org is None or not can(user, Action.VIEW, org.path):
        raise Http404("组织不存在")
    if action != Action.VIEW and not can(user, action, org.path):
        raise PermissionDenied("无权执行此操作")
    return org


def branches_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    return orgs_visible_to(user, action).filter(kind=OrgKind.BRANCH)


def groups_of(branch: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=branch.path, kind=OrgKind.GROUP).exclude(pk=branch.pk)


def top_orgs_for(user: Any, action: str = Action.VIEW) -> QuerySet[Organization]:
    """The roots of the user's visible forest (the orgs of their assignments, minimal)."""
    from dangjian.core.scoping import scope_prefixes

    prefixes = scope_prefixes(user, action)
    if prefixes is None:
        return Organization.get_root_nodes()
    if not prefixes:
        return Organization.objects.none()
    return Organization.objects.filter(Q(path__in=prefixes)).order_by("path")
