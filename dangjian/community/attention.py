"""Home-page item: members' reported work waiting for the community's confirmation (one query)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.registry import Attention

from .selectors import pending_count


def community_attention(user: Any) -> list[Attention]:
    pending = pending_count(user)
    if not pending:
        return []
    return [
        Attention(
            f"{pending}条在职党员服务记录待社区确认",
            "报到党员领办的实事和参加的活动，由社区党组织确认后才计入",
            reverse("community:index"),
        )
    ]
