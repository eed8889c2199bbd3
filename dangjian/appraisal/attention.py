"""Home-page items: 必谈 talks due in the branches the user manages."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .selectors import open_todos_for


def appraisal_attention(user: Any) -> list[Attention]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    items = []
    for todo in open_todos_for(user)[:10]:
        overdue = todo.due_on < today
        items.append(
            Attention(
                f"必谈：{todo.member.name}（{todo.get_event_display()}）",
                f"{todo.org.name}，应于 {todo.due_on:%Y-%m-%d} 前谈话" + ("，已逾期" if overdue else ""),
                reverse("appraisal:talk_new", args=[todo.org_id]) + f"?with={todo.member_id}",
                Severity.WARNING if overdue else Severity.ADVISORY,
            )
        )
    return items
