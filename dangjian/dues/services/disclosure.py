"""Disclosure (公开): a branch's month frozen and published to its members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit, notify
from dangjian.core.scoping import Action, require, user_or_none
from dangjian.core.versioning import bump
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgKind

from ..models import DuesDisclosure, DuesExpected
from ..rules import add_months, month_label, month_start
from .ledger import dues_month_compute


def dues_disclosure_publish(*, actor: Any, org: Organization, month: dt.date) -> DuesDisclosure:
    """Freeze the branch's month (who paid, who did not, totals) and publish it to its members."""
    require(actor, Action.MANAGE, org.path, "无权公开该支部的党费收缴情况")
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("党费收缴情况按党支部公开")
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": "不能公开未来月份的党费收缴情况"})
    with transaction.atomic():
        dues_month_compute(actor=actor, org=org, month=month, only_missing=True)
        lines = list(
            DuesExpected.objects.filter(org=org, month=month)
            .select_related("member")
            .order_by("member__name", "member_id")
        )
        rows = [
            {
                "member_id": e.member_id,
                "name": e.member.name,
                "expected_fen": e.amount_fen,
                "paid_fen": e.paid_fen,
                "paid": e.is_paid,
                "relief": e.relief,
            }
            for e in lines
        ]
        # Everyone on the roll is listed: members still without a base are shown as such.
        month_last = add_months(month, 1) - dt.timedelta(days=1)
        on_ledger = {e.member_id for e in lines}
        for mid, name in (
            Member.objects.filter(org=org, joined_on__lte=month_last)
            .filter(Q(is_active=True) | Q(left_on__gte=month))
            .exclude(pk__in=on_ledger)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ):
            rows.append(
                {
                    "member_id": mid,
                    "name": name,
                    "expected_fen": 0,
                    "paid_fen": 0,
                    "paid": False,
                    "relief": "",
                    "unassessed": True,
                }
            )
        due_lines = [e for e in lines if e.amount_fen > 0 or e.is_paid]
        values = {
            "rows": rows,
            "member_count": len(due_lines),
            "paid_count": sum(1 for e in due_lines if e.is_paid),
            "expected_total_fen": sum(e.amount_fen for e in lines),
            "paid_total_fen": sum(e.paid_fen for e in lines),
            "published_at": timezone.now(),
            "published_by": user_or_none(actor),
        }
        existing = DuesDisclosure.objects.select_for_update().filter(org=org, month=month).first()
        before = audit.snapshot(existing, ["member_count", "paid_count", "paid_total_fen"]) if existing else None
        if existing is None:
            disclosure = DuesDisclosure(org=org, org_path=org.path, month=month, **values)
        else:
            disclosure = existing
            for k, v in values.items():
                setattr(disclosure, k, v)
            bump(disclosure)
        disclosure.full_clean()
        disclosure.save()
        audit.record(
            actor,
            "dues.disclosure_publish",
            disclosure,
            before=before,
            after=audit.snapshot(disclosure, ["member_count", "paid_count", "expected_total_fen", "paid_total_fen"]),
        )
        notify.send(
            Member.objects.filter(org=org, is_active=True, user__isnull=False, user__is_active=True).values_list(
                "user_id", flat=True
            ),
            key=f"dues-disclosure-{org.pk}-{month:%Y%m}",
            title=f"{org.name}公开了{month_label(month)}党费收缴情况",
            link=reverse("dues:disclosure", args=[org.pk, month.year, month.month]),
        )
    return disclosure
