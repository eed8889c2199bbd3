"""Reliefs (少交/免交): the member's written application and the next-level 党委's decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.scoping import Action, is_own, require, require_four_eyes, user_or_none
from dangjian.core.versioning import bump, lock
from dangjian.members.models import Member

from ..models import DuesExemption, DuesExpected, ExemptionStatus
from ..rules import ReliefKind, month_start
from ..selectors import approver_path
from ._common import _reassess


def dues_exemption_apply(
    *,
    actor: Any,
    member: Member,
    kind: str,
    start_month: dt.date,
    end_month: dt.date,
    reason: str,
    application: str,
    reduced_fen: int = 0,
    branch_discussed_on: dt.date | None = None,
) -> DuesExemption:
    """A written application to pay less or nothing; by the member or entered by the branch."""
    own = is_own(actor, member)  # a member applies for themself
    if not own:
        require(actor, Action.MANAGE, member.org_path, "无权为该党员提交党费减免申请")
    if kind not in ReliefKind.values:
        raise ValidationError({"kind": "请选择少交或免交"})
    if kind == ReliefKind.REDUCE and reduced_fen <= 0:
        raise ValidationError({"reduced_fen": "少交的，请填写减免后每月交纳的金额"})
    start_month, end_month = month_start(start_month), month_start(end_month)
    if end_month < start_month:
        raise ValidationError({"end_month": "截止月份不能早于起始月份"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写困难情况"})
    if not application.strip():
        raise ValidationError({"application": "减免须有本人书面申请，请填写申请编号或说明"})
    with transaction.atomic():
        ex = DuesExemption(
            member=member,
            org_path=member.org_path,
            kind=kind,
            reduced_fen=reduced_fen if kind == ReliefKind.REDUCE else 0,
            start_month=start_month,
            end_month=end_month,
            reason=reason.strip(),
            application=application.strip(),
            branch_discussed_on=branch_discussed_on,
            applied_by=user_or_none(actor),
        )
        ex.full_clean()
        ex.save()
        audit.record(actor, "dues.exemption_apply", ex, after=audit.snapshot(ex))
    return ex


def dues_exemption_decide(
    *, actor: Any, exemption: DuesExemption, approve: bool, version: int, note: str = ""
) -> DuesExemption:
    """The next-level 党委 approves or rejects. Four eyes: never the applicant or the member concerned."""
    require(actor, Action.APPROVE, approver_path(exemption.org_path), "党费减免须由上一级党委批准")
    with transaction.atomic():
        ex = lock(DuesExemption.objects, exemption.pk, version)
        concerned = Member.objects.filter(pk=ex.member_id).values_list("user_id", flat=True).first()
        require_four_eyes(actor, ex.applied_by_id, concerned)
        if ex.status != ExemptionStatus.PENDING:
            raise ValidationError("该申请已处理")
        before = audit.snapshot(ex)
        ex.status = ExemptionStatus.APPROVED if approve else ExemptionStatus.REJECTED
        ex.decided_by = user_or_none(actor)
        ex.decided_at = timezone.now()
        ex.decision_note = note.strip()[:300]
        bump(ex)
        ex.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
        audit.record(actor, "dues.exemption_decide", ex, before=before, after=audit.snapshot(ex))
        if approve:
            _reassess(
                list(
                    DuesExpected.objects.filter(
                        member_id=ex.member_id, month__gte=ex.start_month, month__lte=ex.end_month
                    )
                )
            )
    return ex
