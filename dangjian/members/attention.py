"""Home-page items from the roster: transfers waiting for the user's branches, recent import results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .models import ImportStatus
from .selectors import pending_transfers_count, recent_import_jobs

RECENT_IMPORT_DAYS = 3


def members_attention(user: Any) -> list[Attention]:
    items: list[Attention] = []
    pending = pending_transfers_count(user)
    if pending:
        items.append(
            Attention(
                title=f"{pending} 名党员的组织关系待接收",
                detail="请核对介绍信后确认接收",
                link=reverse("members:transfers"),
                severity=Severity.WARNING,
            )
        )
    since = timezone.now() - dt.timedelta(days=RECENT_IMPORT_DAYS)
    latest: dict[int, Any] = {}
    for job in recent_import_jobs(user, since)[:20]:  # newest first
        latest.setdefault(job.org_id, job)
    # Only each branch's latest import counts: a later import resolves an earlier failure, and a
    # clean import is done (nothing left to do). Rows it could not take remain a 待办.
    for job in list(latest.values())[:3]:
        link = reverse("members:import_detail", args=[job.pk])
        if job.status == ImportStatus.COMPLETED:
            if job.error_rows:
                detail = f"新增 {job.created_count} 人，更新 {job.updated_count} 人，{job.error_rows} 行有错误未导入"
                items.append(Attention(f"名册导入有未导入的行：{job.org.name}", detail, link, Severity.WARNING))
        elif job.status in (ImportStatus.REJECTED, ImportStatus.FAILED):
            detail = job.message or "未写入任何数据"
            if job.error_rows:
                detail = f"{job.error_rows} 行有错误，未写入任何数据"
            items.append(Attention(f"名册导入未完成：{job.org.name}", detail, link, Severity.WARNING))
        else:
            title = f"名册导入处理中：{job.org.name}"
            items.append(Attention(title, job.get_status_display(), link, Severity.ADVISORY))
    return items
