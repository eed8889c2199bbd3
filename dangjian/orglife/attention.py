"""Home-page items: meetings held but not filed, overdue resolution measures, photos to check."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.findings import Severity
from dangjian.core.registry import Attention

from .selectors import flagged_photos, meetings_to_file, overdue_actions


def orglife_attention(user: Any) -> list[Attention]:
    items: list[Attention] = []
    for m in meetings_to_file(user)[:3]:
        items.append(
            Attention(
                f"会议记录待归档：{m.theme}",
                f"{m.org.name} · {m.meeting_date:%m月%d日}已召开，请补全出勤和记录后归档",
                reverse("orglife:detail", args=[m.pk]),
                Severity.WARNING,
            )
        )
    n_actions = overdue_actions(user).count()
    if n_actions:
        items.append(
            Attention(
                "决议落实措施逾期",
                f"{n_actions} 项落实措施已超过完成时限，请督促责任人并在下次会议通报",
                reverse("orglife:review"),
                Severity.WARNING,
            )
        )
    n_photos = flagged_photos(user).count()
    if n_photos:
        items.append(
            Attention(
                "会议照片待核实",
                f"{n_photos} 张照片的拍摄时间异常或与其他会议照片重复，请核实",
                reverse("orglife:review"),
                Severity.ADVISORY,
            )
        )
    return items
