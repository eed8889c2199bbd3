"""The home page: each role's 待办 (what is due or overdue, one tap from its action).

It sits above every app: the items come from the apps' attention providers (core.registry), the
party-day card from partyday and orglife, the notices from core.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.selectors import own_member_ref, roles_of_with_scope
from dangjian.core.memo import request_memo
from dangjian.core.registry import attention_for
from dangjian.core.scoping import Action, can
from dangjian.core.selectors import newest_unread
from dangjian.core.snapshot import snapshot
from dangjian.dues.models import DuesExpected
from dangjian.dues.selectors import own_month_line
from dangjian.members.selectors import own_member
from dangjian.orglife.selectors import meetings_of_org
from dangjian.orgs.models import Organization
from dangjian.partyday.selectors import PartyDay, next_party_day


@dataclass(frozen=True)
class PartyDayCard:
    """The coming party day of the user's own branch (or the first branch they run)."""

    org: Organization
    day: PartyDay
    days_left: int
    link: str
    action_label: str


def _home_branch(user: Any, role_orgs: list[Organization]) -> tuple[Organization | None, bool]:
    """(branch, manages): a branch the user runs comes first, else the member's own branch."""
    for org in role_orgs:
        if org.kind == "branch" and can(user, Action.MANAGE, org.path):
            return org, True
    member = own_member(user)
    if member is not None and member.is_active:
        return member.org, False
    return None, False


def party_day_card(user: Any, role_orgs: list[Organization], today: dt.date) -> PartyDayCard | None:
    org, manages = _home_branch(user, role_orgs)
    if org is None:
        return None
    pd = next_party_day(org, today)
    if pd is None or pd.date is None:
        return None
    if manages:
        held = meetings_of_org(user, org, month=pd.date.year * 100 + pd.date.month, kind="party_day").first()
        if held is not None:
            link, label = reverse("orglife:detail", args=[held.pk]), "查看本次记录"
        else:
            link, label = reverse("orglife:meeting_new", args=[org.pk]) + "?kind=party_day", "录入本次主题党日"
    else:
        link, label = reverse("partyday:year", args=[org.pk, pd.date.year]), "查看全年安排"
    return PartyDayCard(org, pd, (pd.date - today).days, link, label)


def paid_this_month(user: Any) -> DuesExpected | None:
    """The member's dues line for this month once paid (unpaid, it is a 待办 item instead)."""
    member = own_member(user)
    if member is None or not member.is_active:
        return None
    line = own_month_line(member)
    return line if line is not None and line.is_paid else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The coming party day, 待办 (most urgent first, then by due date), unread notices, and the
    standing findings (检查提醒) of the orgs the user runs. A read-only page: the lookups its parts
    share (the user's member row, the branch's next party day) are read once (`request_memo`)."""
    with request_memo():
        return _home(request)


@dataclass(frozen=True)
class HomeSnapshot:
    """Everything on the home page derived from records (not the notices, which are the user's own).
    The 待办 and 检查提醒 lists are kept rendered: they depend only on the items and the date, which
    is part of the snapshot's key."""

    todo_count: int
    todo_html: str
    standing_count: int
    standing_html: str
    party_day: PartyDayCard | None
    dues_paid: DuesExpected | None


def _render_items(items: list[Any]) -> str:
    return render_to_string("site/_todo_list.html", {"items": items}) if items else ""


def _home_snapshot(user: Any, role_orgs: list[Organization], today: dt.date) -> HomeSnapshot:
    items = attention_for(user)
    todo, standing = [a for a in items if not a.standing], [a for a in items if a.standing]
    return HomeSnapshot(
        len(todo),
        _render_items(todo),
        len(standing),
        _render_items(standing),
        party_day_card(user, role_orgs, today),
        paid_this_month(user),
    )


def _home(request: HttpRequest) -> HttpResponse:
    user = request.user
    orgs: dict[int, tuple[Any, list[str], bool]] = {}
    for ra in roles_of_with_scope(user):
        if ra.org_id not in orgs:
            orgs[ra.org_id] = (ra.org, [], can(user, Action.VIEW, ra.org.path))
        orgs[ra.org_id][1].append(ra.get_role_display())
    today = timezone.localdate()
    role_orgs = [o for o, _, _ in orgs.values()]
    me = own_member_ref(user)  # the full row is read only when the snapshot is recomputed
    # The derived part is kept per user and day until a write in the user's orgs (or their own
    # branch, or above them) could change it: core/snapshot.py.
    paths = [o.path for o in role_orgs] + ([me.org_path] if me is not None else [])
    snap = snapshot(
        f"home:{user.pk}:{today.isoformat()}",
        paths,
        lambda: _home_snapshot(user, role_orgs, today),
    )
    notices, _unread = newest_unread(user)
    return render(
        request,
        "site/home.html",
        {
            "today": today,
            "orgs": list(orgs.values()),
            "snap": snap,
            "party_day": snap.party_day,
            "notices": notices,
            "dues_paid": snap.dues_paid,
            "me": me,
        },
    )
