"""The home page's 待办 for reports: this month's report to sign off (one query)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention
from dangjian.core.scoping import Action, scope_prefixes
from dangjian.orgs.models import Organization, OrgKind

from . import selectors as S
from .models import Report


def reports_attention(user: Any) -> list[Attention]:
    """The report of the latest ended month, for each org where the user may sign off and has not.

    Default settings are assumed for the due date shown here (the report page states the one in
    force); one query."""
    prefixes = scope_prefixes(user, Action.APPROVE)
    if not prefixes:  # None (the platform) or nothing to sign
        return []
    today = timezone.localdate()
    s = S.LineSettings(25, "month", "keep", 3)
    y, m = S.latest_ended(s, today)
    _, due = S.period_and_due(s, y, m)
    done = Report.objects.filter(org=OuterRef("pk"), year=y, month=m, current__gt=0)
    orgs = (
        Organization.objects.filter(path__in=prefixes)
        .exclude(kind=OrgKind.GROUP)
        .annotate(done=Exists(done))
        .filter(done=False)
        .values_list("pk", "name")
    )
    return [
        Attention(
            f"签发{y}年{m}月工作报告",
            f"{name}：数据已由系统汇总，填写亮点、问题后签发",
            reverse("reports:month", args=[pk, y, m]),
            Severity.WARNING,
            due=due.on,
        )
        for pk, name in orgs
    ]
