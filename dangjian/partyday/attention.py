"""Home-page items: change requests waiting for the user's decision."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .selectors import changes_to_decide


def partyday_attention(user: Any) -> list[Attention]:
    if not getattr(user, "is_authenticated", False):
        return []
    n = changes_to_decide(user).exclude(requested_by=user).count()
    if not n:
        return []
    return [Attention("主题党日调整申请待审批", f"{n} 件申请等待审批", reverse("partyday:changes"), Severity.WARNING)]
