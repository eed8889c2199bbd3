"""Home-page items: the findings a person owns that are still to be rectified (one query)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.registry import Attention

from .selectors import open_findings_owned


def inspections_attention(user: Any) -> list[Attention]:
    return [
        Attention("检查发现问题待整改", problem, reverse("inspections:finding", args=[pk]), due=deadline)
        for pk, problem, deadline in open_findings_owned(user)
    ]
