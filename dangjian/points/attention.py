"""Home-page items: manual points items waiting for a second person's approval."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.registry import Attention

from .selectors import pending_for


def points_attention(user: Any) -> list[Attention]:
    pending = pending_for(user)
    if not pending:
        return []
    return [
        Attention(
            f"{pending}条手工积分项待审核",
            "表彰、志愿服务、违纪等须由录入人以外的同志审核后计分",
            reverse("points:index"),
        )
    ]
