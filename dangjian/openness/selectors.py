"""Reads of openness, scoped to the acting user: the catalogue in force, the gate's queue, the
boards (members' and public), obligations and compliance, deliberations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from dangjian.core.paths import STEPLEN, ancestor_paths, is_within, parent_path, subtree_q
from dangjian.core.scoping import Action, can, get_for_user, scope_prefixes, scope_q
from dangjian.members.models import Member
from dangjian.members.selectors import own_member
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import get_org_for_user

from .models import (
    AppliesTo,
    CatalogueItem,
    Deliberation,
    Disclosure,
    DisclosureDue,
    DisclosureRequest,
    DisclosureStatus,
    RequestStatus,
    Scope,
    Timing,
)

DUE_SOON_DAYS = 5  # an obligation enters the 待办 this many days before its deadline


# ---------------------------------------------------------------------------------------------
# The catalogue


def items_in_force(org: Organization) -> QuerySet[CatalogueItem]:
    """The active items an organisation follows: a branch, its own and its ancestors' items for
    branches; a committee or 总支, its own items that apply to itself."""
    if org.kind == OrgKind.BRANCH:
        above = ancestor_paths(org.path, include_self=False)
        q = Q(org_path=org.path) | Q(org_path__in=above, applies_to=AppliesTo.BRANCHES)
    else:
        q = Q(org_path=org.path, applies_to=AppliesTo.OWNER)
    return CatalogueItem.objects.filter(q, active=True).select_related("org")


def own_items(org: Organization) -> QuerySet[CatalogueItem]:
    return CatalogueItem.objects.filter(org=org).order_by("-active", "category", "id")


def catalogue_owner_path(org: Organization) -> str:
    """Who approves a disclosure outside the catalogue: the nearest organisation above that compiled
    a catalogue (county committees compile the grassroots ones), else the parent, else the org."""
    above = ancestor_paths(org.path, include_self=False)
    compiled = set(CatalogueItem.objects.filter(org_path__in=above, active=True).values_list("org_path", flat=True))
    for p in reversed(above):
        if p in compiled:
            return p
    return parent_path(org.path) or org.path


def get_item_for_user(user: Any, pk: int | str, action: str = Action.ADMIN) -> CatalogueItem:
    return get_for_user(CatalogueItem.objects.select_related("org"), pk, user, action, not_found="没有该目录事项")


# ---------------------------------------------------------------------------------------------
# Disclosures and the gate


def visible_scopes(user: Any, org: Organization) -> list[str]:
    """Which scopes of `org`'s disclosures the user may read on its board: everything with VIEW on
    the org (its members and officers, and the committees above); subtree and public items for a
    member of a branch below it; nothing otherwise."""
    if can(user, Action.VIEW, org.path):
        return [Scope.ORG, Scope.SUBTREE, Scope.PUBLIC]
    me = own_member(user)
    if me is not None and is_within(me.org_path, [org.path]):
        return [Scope.SUBTREE, Scope.PUBLIC]
    if Organization.objects.filter(scope_q(user, Action.VIEW, "path"), path__startswith=org.path).exists():
        return [Scope.SUBTREE, Scope.PUBLIC]
    return []


def get_board_org(user: Any, org_pk: int | str) -> tuple[Organization, list[str]]:
    org = Organization.objects.filter(pk=org_pk).first()
    if org is None:
        raise Http404("没有该组织")
    scopes = visible_scopes(user, org)
    if not scopes:
        raise Http404("没有该组织")
    return org, scopes


def board(org: Organization, scopes: list[str], year: int | None = None) -> QuerySet[Disclosure]:
    qs = Disclosure.objects.filter(org=org, status=DisclosureStatus.PUBLISHED, scope__in=scopes)
    if year is not None:
        qs = qs.filter(published_at__year=year)
    return qs.order_by("-published_at", "-id")


def public_board(org_pk: int) -> QuerySet[Disclosure]:
    """What a public page shows: the org's published 向社会 disclosures, nothing else."""
    return Disclosure.objects.filter(org_id=org_pk, status=DisclosureStatus.PUBLISHED, scope=Scope.PUBLIC).order_by(
        "-published_at", "-id"
    )


def public_board_stamp(org_pk: int) -> str | None:
    """The ETag of a public board: its newest publication and count (one indexed query)."""
    agg = public_board(org_pk).order_by().aggregate(n=Count("id"), last=Max("published_at"))
    return f'"{org_pk}-{agg["n"]}-{agg["last"].timestamp() if agg["last"] else 0}"'


def get_public_disclosure(pk: int | str) -> Disclosure:
    d = Disclosure.objects.filter(pk=pk, status=DisclosureStatus.PUBLISHED, scope=Scope.PUBLIC).select_related("org")
    found = d.first()
    if found is None:
        raise Http404("没有该公开内容")
    return found


def get_disclosure_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Disclosure:
    """A disclosure: a draft needs MANAGE on its org (drafts are the branch's business); a published
    one is read by whoever may read its board and scope. Approving one outside the catalogue is
    checked at the catalogue owner."""
    d = Disclosure.objects.select_related("org", "item").filter(pk=pk).first()
    if d is None:
        raise Http404("没有该公开事项")
    if action == Action.VIEW:
        if d.status in SHOWN and d.scope in visible_scopes(user, d.org):
            return d  # a withdrawn item: its notice of withdrawal (the page shows no content)
        if can(user, Action.MANAGE, d.org_path) or can(user, Action.APPROVE, d.approver_path):
            return d
        raise Http404("没有该公开事项")
    return get_for_user(
        Disclosure.objects.select_related("org", "item"),
        pk,
        user,
        action,
        not_found="没有该公开事项",
        also_visible=lambda r: can(user, Action.APPROVE, r.approver_path),
        action_path=(lambda r: r.approver_path) if action == Action.APPROVE else None,
    )


def in_progress(org: Organization) -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(
        org=org, status__in=[DisclosureStatus.PROPOSED, DisclosureStatus.REVIEWED, DisclosureStatus.APPROVED]
    ).order_by("proposed_at", "id")


def awaiting_my_approval(user: Any) -> QuerySet[Disclosure]:
    """Disclosures outside the catalogue of organisations below the user, waiting for approval."""
    return (
        Disclosure.objects.filter(scope_q(user, Action.APPROVE, "approver_path"), status=DisclosureStatus.REVIEWED)
        .exclude(approver_path=F("org_path"))
        .select_related("org")
    )


# ---------------------------------------------------------------------------------------------
# Obligations, 待办 and compliance


def dues_of(org: Organization) -> QuerySet[DisclosureDue]:
    return DisclosureDue.objects.filter(org=org).select_related("item", "disclosure").order_by("-due_on", "id")


def open_dues(org: Organization) -> list[DisclosureDue]:
    return list(
        DisclosureDue.objects.filter(org=org, fulfilled_on__isnull=True).select_related("item").order_by("due_on")[:50]
    )


@dataclass(frozen=True)
class AttentionCounts:
    overdue: int
    soon: int
    first_due: dt.date | None
    org_id: int | None


def attention_counts(user: Any, today: dt.date) -> AttentionCounts:
    """Open obligations of the organisations where the user holds MANAGE themselves (a branch's
    secretary and liaison), overdue or due within DUE_SOON_DAYS: one indexed query. A committee's
    officers follow their subtree in the compliance view, not in their 待办."""
    prefixes = scope_prefixes(user, Action.MANAGE)
    if not prefixes:  # nobody, or the platform itself (SYSTEM / superuser: the compliance view)
        return AttentionCounts(0, 0, None, None)
    agg = DisclosureDue.objects.filter(
        org_path__in=prefixes, fulfilled_on__isnull=True, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    ).aggregate(
        overdue=Count("id", filter=Q(due_on__lt=today)),
        total=Count("id"),
        first=Min("due_on"),
        org=Min("org_id"),
    )
    return AttentionCounts(agg["overdue"] or 0, (agg["total"] or 0) - (agg["overdue"] or 0), agg["first"], agg["org"])


@dataclass(frozen=True)
class ComplianceRow:
    org_id: int
    name: str
    path: str
    owed: int
    done_on_time: int
    done_late: int
    overdue: int


def compliance(org: Organization, start: dt.date, end: dt.date, today: dt.date) -> list[ComplianceRow]:
    """Obligations due in [start, end] met on time, met late and still overdue, rolled up per child
    organisation of `org` (its own row first when it owes any): one aggregation in the database plus
    the children's names, whatever the size of the subtree."""
    child_len = len(org.path) + STEPLEN
    per_prefix = {
        r["prefix"]: r
        for r in DisclosureDue.objects.filter(subtree_q("org_path", org.path), due_on__gte=start, due_on__lte=end)
        .annotate(prefix=Substr("org_path", 1, child_len))
        .values("prefix")
        .annotate(
            owed=Count("id"),
            on_time=Count("id", filter=Q(fulfilled_on__isnull=False, fulfilled_on__lte=F("due_on"))),
            late=Count("id", filter=Q(fulfilled_on__isnull=False, fulfilled_on__gt=F("due_on"))),
            overdue=Count("id", filter=Q(fulfilled_on__isnull=True, due_on__lt=today)),
        )
        .order_by()
    }

    def row(o: Organization, name: str) -> ComplianceRow:
        r = per_prefix.get(o.path, {})
        return ComplianceRow(
            o.pk, name, o.path, r.get("owed", 0), r.get("on_time", 0), r.get("late", 0), r.get("overdue", 0)
        )

    kids = Organization.objects.filter(subtree_q("path", org.path), depth=org.depth + 1).exclude(kind=OrgKind.GROUP)
    rows = [row(k, k.name) for k in kids.order_by("path")[:2000]]
    if org.path in per_prefix:
        rows.insert(0, row(org, f"{org.name}（本级）"))
    return rows


def overdue_list(org: Organization, today: dt.date, limit: int = 200) -> list[DisclosureDue]:
    return list(
        DisclosureDue.objects.filter(subtree_q("org_path", org.path), fulfilled_on__isnull=True, due_on__lt=today)
        .select_related("org", "item")
        .order_by("due_on", "org_path")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Deliberations


def deliberations_of(org: Organization) -> QuerySet[Deliberation]:
    return Deliberation.objects.filter(org=org).order_by("-created_at", "-id")


def get_deliberation_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Deliberation:
    return get_for_user(
        Deliberation.objects.select_related("org", "decision_disclosure", "result_disclosure"),
        pk,
        user,
        action,
        not_found="没有该议事记录",
    )


def org_for_manage(user: Any, org_pk: int | str) -> Organization:
    return get_org_for_user(user, org_pk, Action.MANAGE)


def manageable_orgs(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_q(user, Action.MANAGE, "path")).order_by("path")


def this_year() -> int:
    return timezone.localdate().year


def timing_label(item: CatalogueItem) -> str:
    if item.timing == Timing.PERIODIC:
        return (
            f"{item.get_frequency_display()}（期末后 {item.due_days} 天内）"
            if item.due_days
            else item.get_frequency_display()
        )
    if item.timing == Timing.TIMELY:
        return f"及时（{item.due_days} 个工作日内）" if item.due_days else "及时"
    return "长期"


def public_org(org_pk: int | str) -> Organization:
    """An organisation for its public page: any organisation has one (it may be empty)."""
    o = Organization.objects.filter(pk=org_pk).only("pk", "name", "path").first()
    if o is None:
        raise Http404("没有该组织")
    return o


# ---------------------------------------------------------------------------------------------
# 撤回 and 申请公开

# What a reader of the board may open: published items, and withdrawn ones as a notice of withdrawal.
SHOWN = (DisclosureStatus.PUBLISHED, DisclosureStatus.WITHDRAWN)


def withdrawn_on_board(org: Organization, scopes: list[str], limit: int = 20) -> list[Disclosure]:
    """The board's items taken down, newest first: title, when and why (never their content)."""
    return list(
        Disclosure.objects.filter(org=org, status=DisclosureStatus.WITHDRAWN, scope__in=scopes)
        .only("pk", "title", "withdrawn_at", "withdraw_reason", "org_id")
        .order_by("-withdrawn_at", "-pk")[:limit]
    )


def my_requests(member: Member) -> list[DisclosureRequest]:
    return list(
        DisclosureRequest.objects.filter(member=member).select_related("disclosure").order_by("-requested_at")[:50]
    )


def requests_of(org: Organization) -> list[DisclosureRequest]:
    """The branch's requests: pending first (soonest due), then the answered ones, newest first."""
    rows = DisclosureRequest.objects.filter(org=org).select_related("member", "disclosure")
    pending = list(rows.filter(status=RequestStatus.PENDING).order_by("due_on", "pk")[:100])
    done = list(rows.exclude(status=RequestStatus.PENDING).order_by("-answered_at", "-pk")[:50])
    return pending + done


def answerable_disclosures(org: Organization) -> list[tuple[int, str]]:
    """What an agreeing answer may point to: the branch's disclosures in the gate or published."""
    return list(
        Disclosure.objects.filter(org=org)
        .exclude(status__in=[DisclosureStatus.REJECTED, DisclosureStatus.WITHDRAWN])
        .order_by("-proposed_at", "-pk")
        .values_list("pk", "title")[:50]
    )


def get_request_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> DisclosureRequest:
    return get_for_user(
        DisclosureRequest.objects.select_related("member", "org"),
        pk,
        user,
        action,
        not_found="没有该申请",
        denied="无权答复该申请",
    )


@dataclass(frozen=True)
class RequestCounts:
    pending: int
    overdue: int
    first_due: dt.date | None
    org_id: int | None


def request_counts(user: Any, today: dt.date) -> RequestCounts:
    """Unanswered requests at the orgs where the user holds MANAGE themselves (one indexed query;
    none without MANAGE)."""
    prefixes = scope_prefixes(user, Action.MANAGE)
    if not prefixes:
        return RequestCounts(0, 0, None, None)
    agg = DisclosureRequest.objects.filter(org_path__in=prefixes, status=RequestStatus.PENDING).aggregate(
        total=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)), first=Min("due_on"), org=Min("org_id")
    )
    return RequestCounts(agg["total"] or 0, agg["overdue"] or 0, agg["first"], agg["org"])
