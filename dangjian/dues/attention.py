"""Home-page items: this month's unpaid dues and long arrears for the branch, applications to
decide, the member's own arrears."""

from __future__ import annotations

import calendar
from typing import Any

from django.urls import reverse

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .rules import ARREARS_WARN_MONTHS, fen_to_yuan
from .selectors import (
    current_month,
    member_arrears,
    open_flags_for,
    own_member,
    own_month_line,
    pending_exemptions_for,
    unpaid_this_month,
)


def dues_attention(user: Any) -> list[Attention]:
    items: list[Attention] = []
    month = current_month()
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    for branch, n in unpaid_this_month(user):
        items.append(
            Attention(
                f"本月党费：{n} 人未交",
                f"{branch.name} · {month:%Y年%m月}，点开收缴表逐人登记",
                reverse("dues:sheet", args=[branch.pk]),
                Severity.ADVISORY,
                due=month_end,
            )
        )
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
        line = own_month_line(member)
        if line is not None and not line.is_paid and line.amount_fen > 0:
            owed = fen_to_yuan(line.amount_fen - line.paid_fen)
            items.append(
                Attention(
                    f"本月党费 {owed} 元待交",
                    "请按月交给党支部指定的收缴人",
                    reverse("dues:my"),
                    Severity.ADVISORY,
                    due=month_end,
                )
            )
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
