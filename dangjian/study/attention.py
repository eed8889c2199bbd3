"""Home-page 待办: 流动党员 not contacted for a month and home visits due (one query)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .models import DueKind
from .selectors import open_dues_by_kind


def study_attention(user: Any) -> list[Attention]:
    dues = open_dues_by_kind(user)
    items = []
    # All in one branch (the usual case for a branch's liaison): straight to that branch's log page.
    if DueKind.CONTACT in dues:
        n, org = dues[DueKind.CONTACT]
        items.append(
            Attention(
                f"{n} 名流动党员超过一个月未联系",
                "请通过电话、微信、短信或面谈联系，并登记联系记录",
                reverse("study:mobile", args=[org]) if org else reverse("study:index"),
                Severity.WARNING,
            )
        )
    if DueKind.VISIT in dues:
        n, org = dues[DueKind.VISIT]
        items.append(
            Attention(
                f"{n} 名免参党员的上门服务到期",
                "请安排“一对一”上门服务（送学、代收党费、了解关怀需求）并登记",
                reverse("study:visits", args=[org]) if org else reverse("study:index"),
                Severity.WARNING,
            )
        )
    return items
