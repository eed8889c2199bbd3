"""Votes, resolutions and their measures: record a vote, a decision with its measures, close a
measure, and the sweep telling secretaries about overdue measures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by
from dangjian.core import audit, notify
from dangjian.core.scoping import PLATFORM, Action, require, user_or_none
from dangjian.core.versioning import bump, lock
from dangjian.members.models import Member

from .. import rules
from ..models import ActionStatus, Meeting, MeetingStatus, Resolution, ResolutionAction, VoteMatter
from ..selectors import branch_of as _branch_of
from ._common import FILED_READ_ONLY


def vote_record(*, actor: Any, meeting: Meeting, matter: str, yes: int, no: int, abstain: int) -> VoteMatter:
    require(actor, Action.MANAGE, meeting.org_path, "无权登记表决结果")
    if not meeting.is_general_meeting:
        raise ValidationError("只有支部党员大会需要登记表决结果")
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(FILED_READ_ONLY)
    vote = VoteMatter(meeting=meeting, matter=matter.strip(), yes=yes, no=no, abstain=abstain)
    vote.full_clean()
    counts = rules.count_attendance(meeting.attendance.values_list("status", "voting"))
    if yes + no + abstain > counts.present_voting:
        raise ValidationError(
            {"yes": f"赞成、反对、弃权合计 {yes + no + abstain} 票，超过实到有表决权党员 {counts.present_voting} 人"}
        )
    with transaction.atomic():
        vote.save()
        audit.record(actor, "orglife.vote_record", vote, org_path=meeting.org_path, after=audit.snapshot(vote))
    return vote


@dataclass
class ActionData:
    measure: str
    deadline: dt.date
    owner: Member | None = None
    owner_name: str = ""


def resolution_add(
    *, actor: Any, meeting: Meeting, title: str, content: str, actions: Sequence[ActionData]
) -> Resolution:
    """A decision and its implementation plan: each measure with an owner and a deadline."""
    require(actor, Action.MANAGE, meeting.org_path, "无权登记决议")
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(FILED_READ_ONLY)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "请填写决议事项"
    if not actions:
        errors["actions"] = "决议应有落实措施（措施、责任人、完成时限）"
    branch = _branch_of(meeting.org)
    for i, a in enumerate(actions, start=1):
        if not a.measure.strip():
            errors["actions"] = f"第 {i} 项措施未填写内容"
        elif a.owner is None and not a.owner_name.strip():
            errors["actions"] = f"第 {i} 项措施未指定责任人"
        elif a.owner is not None and a.owner.org_id != branch.pk:
            errors["actions"] = f"第 {i} 项措施的责任人 {a.owner.name} 不是本支部党员"
        elif a.deadline < meeting.meeting_date:
            errors["actions"] = f"第 {i} 项措施的完成时限早于会议日期"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        res = Resolution(meeting=meeting, org_path=meeting.org_path, title=title.strip(), content=content.strip())
        res.full_clean()
        res.save()
        for a in actions:
            act = ResolutionAction(
                resolution=res,
                org=meeting.org,
                org_path=meeting.org_path,
                measure=a.measure.strip(),
                owner=a.owner,
                owner_name=a.owner.name if a.owner else a.owner_name.strip(),
                deadline=a.deadline,
            )
            act.full_clean()
            act.save()
        audit.record(
            actor,
            "orglife.resolution_add",
            res,
            after={"title": res.title, "actions": [(a.measure, a.deadline) for a in actions]},
        )
    return res


def action_close(*, actor: Any, action: ResolutionAction, version: int, note: str) -> ResolutionAction:
    """Mark a measure done, recording who closed it and when."""
    require(actor, Action.MANAGE, action.org_path, "无权办结该措施")
    if not note.strip():
        raise ValidationError({"close_note": "请填写落实情况"})
    with transaction.atomic():
        current = lock(ResolutionAction.objects, action.pk, version)
        if current.status == ActionStatus.DONE:
            raise ValidationError("该措施已办结")
        current.status = ActionStatus.DONE
        current.closed_by = user_or_none(actor)
        current.closed_at = timezone.now()
        current.close_note = note.strip()
        bump(current)
        current.save()
        audit.record(actor, "orglife.action_close", current, after={"status": "done", "note": current.close_note})
    return current


def notify_overdue_actions(*, actor: Any, today: dt.date | None = None) -> int:
    """Tell each branch's secretaries about measures past their deadline (idempotent per action).
    A platform-wide sweep: run by SYSTEM."""
    require(actor, Action.ADMIN, PLATFORM, "只有系统可以运行逾期提醒")
    today = today or timezone.localdate()
    overdue = list(
        ResolutionAction.objects.filter(status=ActionStatus.OPEN, deadline__lt=today).select_related(
            "resolution__meeting"
        )[:5000]
    )
    if not overdue:
        return 0
    secretaries = holder_ids_by(Role.SECRETARY, org_paths={a.org_path for a in overdue}, key="org__path")
    return notify.send_many(
        notify.Message(
            user_id,
            f"orglife.action_overdue.{a.pk}",
            f"决议落实措施已逾期：{a.measure[:40]}",
            f"责任人 {a.owner_name}，完成时限 {a.deadline:%Y-%m-%d}",
            f"/orglife/{a.resolution.meeting_id}/",
        )
        for a in overdue
        for user_id in secretaries.get(a.org_path, [])
    )
