"""Home-page items: change requests and annual plans waiting for the user's decision, plans returned
for revision; a member's next party day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention
from dangjian.members.selectors import own_member

from .selectors import changes_to_decide, next_party_day, plans_returned_to, plans_to_decide

UPCOMING_DAYS = 7
WEEKDAYS = "一二三四五六日"


def next_party_day_attention(user: Any, today: dt.date | None = None) -> list[Attention]:
    """The member's own branch's next party day, when it falls within the coming week."""
    member = own_member(user)
    if member is None or not member.is_active:
        return []
    today = today or timezone.localdate()
    pd = next_party_day(member.org, today)
    if pd is None or pd.date is None or (pd.date - today).days > UPCOMING_DAYS:
        return []
    when = f"{pd.date:%m月%d日}（周{WEEKDAYS[pd.date.weekday()]}）{pd.start_time:%H:%M}"
    detail = "，".join(x for x in (pd.theme and f"主题：{pd.theme}", pd.place and f"地点：{pd.place}") if x)
    return [
        Attention(
            f"本支部主题党日：{when}",
            detail or "请准时参加",
            reverse("partyday:year", args=[member.org_id, pd.date.year]),
            Severity.ADVISORY,
            due=pd.date,
        )
    ]


def partyday_attention(user: Any) -> list[Attention]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = next_party_day_attention(user)
    n = changes_to_decide(user).exclude(requested_by=user).count()
    if n:
        items.append(
            Attention("主题党日调整申请待审批", f"{n} 件申请等待审批", reverse("partyday:changes"), Severity.WARNING)
        )
    for p in plans_to_decide(user)[:3]:
        items.append(
            Attention(
                f"{p.year}年主题党日计划待备案：{p.org.name}",
                "审阅后备案或退回修改",
                reverse("partyday:plan", args=[p.org_id, p.year]),
                Severity.WARNING,
            )
        )
    for p in plans_returned_to(user).select_related("org")[:3]:
        items.append(
            Attention(
                f"{p.year}年主题党日计划被退回，请修改后重新提交",
                p.org.name + (f" · {p.review_comment}" if p.review_comment else ""),
                reverse("partyday:plan", args=[p.org_id, p.year]),
                Severity.WARNING,
            )
        )
    return items
