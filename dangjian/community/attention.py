"""Home-page items: members' reported work waiting for the community's confirmation (one query), and
for a branch (or committee) admin the in-service members not yet reported in this quarter (one query,
none for a user without MANAGE)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from dangjian.core.registry import Attention

from .selectors import pending_count, unreported_this_quarter


def community_attention(user: Any) -> list[Attention]:
    out: list[Attention] = []
    pending = pending_count(user)
    if pending:
        out.append(
            Attention(
                f"{pending}条在职党员服务记录待社区确认",
                "报到党员领办的实事和参加的活动，由社区党组织确认后才计入",
                reverse("community:index"),
            )
        )
    missing = unreported_this_quarter(user, timezone.localdate())
    if missing is not None:
        names = "、".join(missing.names) + ("等" if missing.more or missing.total > len(missing.names) else "")
        link = reverse("community:index")
        if missing.org_pk is not None:
            page = reverse("community:employer", args=[missing.org_pk])
            link = f"{page}?quarter={missing.year}-{missing.quarter}#unreported"
        out.append(
            Attention(
                f"{'超过' if missing.more else ''}{missing.total}名在职党员本季度尚未到社区报到",
                f"{names}：请提醒其到居住地社区党组织报到（{missing.year}年第{missing.quarter}季度）",
                link,
                due=missing.quarter_end,
            )
        )
    return out
