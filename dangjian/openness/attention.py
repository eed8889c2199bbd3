"""Home-page items: members' 申请公开 awaiting the branch's answer (one query), and disclosures owed
(定期 and 及时) overdue or due within a few days (one query); none for a user without MANAGE."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .selectors import DUE_SOON_DAYS, attention_counts, request_counts


def openness_attention(user: Any) -> list[Attention]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    return _requests(user, today) + _dues(user, today)


def _requests(user: Any, today: Any) -> list[Attention]:
    """Members' 申请公开 waiting for the branch's answer (one query; none without MANAGE)."""
    r = request_counts(user, today)
    if not r.pending:
        return []
    late = f"，其中 {r.overdue} 件已超过答复期限" if r.overdue else ""
    return [
        Attention(
            f"{r.pending}件党员申请公开待答复",
            f"党员申请公开的事项，须在规定的工作日内答复{late}",
            reverse("openness:requests", args=[r.org_id]) if r.org_id else reverse("openness:index"),
            Severity.ERROR if r.overdue else Severity.WARNING,
            due=r.first_due,
        )
    ]


def _dues(user: Any, today: Any) -> list[Attention]:
    c = attention_counts(user, today)
    if not c.overdue and not c.soon:
        return []
    link = reverse("openness:org", args=[c.org_id]) if c.org_id else reverse("openness:index")
    if c.overdue:
        return [
            Attention(
                f"{c.overdue}项党务公开已逾期",
                "按党务公开目录应定期或及时公开的事项已过期限，请经保密审查、审批后公开"
                + (f"；另有 {c.soon} 项 {DUE_SOON_DAYS} 天内到期" if c.soon else ""),
                link,
                Severity.ERROR,
                due=c.first_due,
            )
        ]
    return [
        Attention(
            f"{c.soon}项党务公开即将到期",
            "按党务公开目录应公开的事项即将到期，请及时提出并完成保密审查、审批",
            link,
            Severity.WARNING,
            due=c.first_due,
        )
    ]
