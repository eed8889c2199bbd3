"""Writes on the roster. The form validates; the service checks scope, saves and audits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dangjian.core import audit
from dangjian.core.scoping import Action, can
from dangjian.orgs.models import Organization, OrgKind

from .forms import MEMBER_FIELDS, MemberForm
from .models import Member, MemberTransfer, TransferStatus

AUDIT_FIELDS = [*MEMBER_FIELDS, "org", "is_active", "left_on", "left_reason"]


def _validated(data: dict[str, Any], branch: Organization, instance: Member | None = None) -> Member:
    form = MemberForm(data=data, branch=branch, instance=instance)
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    member: Member = form.save(commit=False)
    return member


def _check_branch(org: Organization) -> None:
    if org.kind != OrgKind.BRANCH:
        raise ValidationError({"org": "党员应登记在党支部（党小组请在“党小组”一栏选择）"})


def member_create(*, actor: Any, org: Organization, data: dict[str, Any]) -> Member:
    """Add a member to a branch's roster. `data` is what the member form takes (strings or values)."""
    if actor is not None and not can(actor, Action.MANAGE, org.path):
        raise PermissionDenied("无权在该组织登记党员")
    _check_branch(org)
    member = _validated(data, org)
    member.org = org
    member.org_path = org.path
    with transaction.atomic():
        member.save()
        audit.record(actor, "member.create", member, after=audit.snapshot(member, AUDIT_FIELDS))
    return member


def member_update(*, actor: Any, member: Member, version: int, data: dict[str, Any]) -> Member:
    """Edit a member. A stale `version` means someone else saved first: refuse, lose nothing."""
    if actor is not None and not can(actor, Action.MANAGE, member.org_path):
        raise PermissionDenied("无权修改该党员信息")
    with transaction.atomic():
        current = Member.objects.select_for_update().get(pk=member.pk)
        if current.version != version:
            raise ValidationError("该党员信息已被他人修改，请刷新后重新编辑（您的修改未保存）")
        before = audit.snapshot(current, AUDIT_FIELDS)
        updated = _validated(data, current.org, instance=current)
        updated.version = current.version + 1
        updated.save()
        audit.record(actor, "member.update", updated, before=before, after=audit.snapshot(updated, AUDIT_FIELDS))
    return updated


def transfer_out(
    *,
    actor: Any,
    member: Member,
    out_on: dt.date,
    to_org: Organization | None = None,
    to_org_name: str = "",
    letter_number: str = "",
    note: str = "",
) -> MemberTransfer:
    """Start moving a member's 组织关系 out. Inside the platform it completes when the receiver accepts;
    to an organization outside the platform it completes at once and the member leaves the roster."""
    if actor is not None and not can(actor, Action.MANAGE, member.org_path):
        raise PermissionDenied("无权办理该党员的组织关系转出")
    if not member.is_active:
        raise ValidationError("该党员已不在册，不能转出")
    if to_org is None and not to_org_name.strip():
        raise ValidationError({"to_org_name": "请选择转入组织，或填写平台外的转入组织名称"})
    if to_org is not None:
        _check_branch(to_org)
        if to_org.pk == member.org_id:
            raise ValidationError({"to_org": "转入组织不能是当前所在组织"})
    with transaction.atomic():
        if MemberTransfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
            raise ValidationError("该党员已有正在办理的转接，请先完成或撤回")
        t = MemberTransfer(
            member=member,
            from_org=member.org,
            from_org_path=member.org_path,
            from_org_name=member.org.name,
            to_org=to_org,
            to_org_path=to_org.path if to_org else "",
            to_org_name=to_org.name if to_org else to_org_name.strip(),
            out_on=out_on,
            letter_number=letter_number,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if to_org is None:
            t.status = TransferStatus.COMPLETED
            before = audit.snapshot(member, AUDIT_FIELDS)
            member.is_active = False
            member.left_on = out_on
            member.left_reason = f"组织关系转出至{t.to_org_name}"
            member.version += 1
            member.save(update_fields=["is_active", "left_on", "left_reason", "version", "updated_at"])
            audit.record(actor, "member.leave", member, before=before, after=audit.snapshot(member, AUDIT_FIELDS))
        t.save()
        audit.record(actor, "member.transfer_out", t, org_path=member.org_path, after=audit.snapshot(t))
    return t


def transfer_accept(*, actor: Any, transfer: MemberTransfer, in_on: dt.date) -> MemberTransfer:
    """The receiving branch accepts: the member moves to it; earlier records stay with the old org."""
    if transfer.status != TransferStatus.PENDING or transfer.to_org is None:
        raise ValidationError("该转接不是待接收状态")
    if actor is not None and not can(actor, Action.MANAGE, transfer.to_org.path):
        raise PermissionDenied("无权接收该党员")
    if transfer.out_on and in_on < transfer.out_on:
        raise ValidationError({"in_on": "转入日期不能早于转出日期"})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        before = audit.snapshot(member, AUDIT_FIELDS)
        member.org = transfer.to_org
        member.org_path = transfer.to_org.path
        member.group = None
        member.version += 1
        member.save(update_fields=["org", "org_path", "group", "version", "updated_at"])
        transfer.status = TransferStatus.COMPLETED
        transfer.in_on = in_on
        transfer.save(update_fields=["status", "in_on"])
        audit.record(actor, "member.transfer_in", member, before=before, after=audit.snapshot(member, AUDIT_FIELDS))
    return transfer


def transfer_cancel(*, actor: Any, transfer: MemberTransfer) -> MemberTransfer:
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError("只能撤回正在办理的转接")
    if actor is not None and not can(actor, Action.MANAGE, transfer.from_org_path):
        raise PermissionDenied("无权撤回该转接")
    with transaction.atomic():
        transfer.status = TransferStatus.CANCELLED
        transfer.save(update_fields=["status"])
        audit.record(actor, "member.transfer_cancel", transfer, org_path=transfer.from_org_path)
    return transfer


def transfer_in_from_outside(
    *,
    actor: Any,
    org: Organization,
    data: dict[str, Any],
    from_org_name: str,
    in_on: dt.date,
    letter_number: str = "",
) -> Member:
    """Register a member arriving from an organization outside the platform."""
    if not from_org_name.strip():
        raise ValidationError({"from_org_name": "请填写转出组织名称"})
    with transaction.atomic():
        member = member_create(actor=actor, org=org, data=data)
        t = MemberTransfer.objects.create(
            member=member,
            from_org_name=from_org_name.strip(),
            to_org=org,
            to_org_path=org.path,
            to_org_name=org.name,
            in_on=in_on,
            letter_number=letter_number,
            status=TransferStatus.COMPLETED,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(actor, "member.transfer_in", t, org_path=org.path, after=audit.snapshot(t))
    return member
