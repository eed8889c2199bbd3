"""Home-page items: disclosures owed (定期 and 及时) overdue or due within a few days — one query."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .selectors import DUE_SOON_DAYS, attention_counts


def openness_attention(user: Any) -> list[Attention]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
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
