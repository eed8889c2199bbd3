"""Home-page items: long arrears for the branch, applications to decide, the member's own arrears."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .rules import ARREARS_WARN_MONTHS
from .selectors import member_arrears, open_flags_for, own_member, pending_exemptions_for


def dues_attention(user: Any) -> list[Attention]:
    items: list[Attention] = []
    flags = open_flags_for(user).count()
    if flags:
        items.append(
            Attention(
                f"{flags}名党员连续6个月以上未交纳党费",
                "请支部了解情况、批评教育并限期改正（系统不会自动变更党员身份）",
                reverse("dues:index"),
                Severity.ERROR,
            )
        )
    pending = pending_exemptions_for(user)
    if pending:
        items.append(Attention(f"{len(pending)}件党费减免申请待批准", "上一级党委批准后生效", reverse("dues:index")))
    member = own_member(user)
    if member is not None and member.is_active:
        streak = member_arrears(member)
        if streak:
            items.append(
                Attention(
                    f"您已连续{streak}个月未交纳党费",
                    "请按月足额交纳党费",
                    reverse("dues:my"),
                    Severity.ERROR if streak >= ARREARS_WARN_MONTHS else Severity.WARNING,
                )
            )
    return items
