"""Arrears scan (6 consecutive months → flag the branch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by
from dangjian.core import audit, notify
from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, require
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from ..models import DuesArrearsFlag, DuesExemption, DuesExpected, ExemptionStatus
from ..rules import ARREARS_FLAG_MONTHS, MonthStatus, add_months, consecutive_unpaid, month_label, month_start


def dues_arrears_scan(*, actor: Any, org: Organization, through: dt.date) -> dict[str, int]:
    """Flag members of the subtree with 6+ consecutive unpaid months through `through`, notify each
    branch's secretaries, and close flags that no longer hold. Idempotent; never changes a status."""
    require(actor, Action.MANAGE, org.path, "无权检查该组织的党费欠缴")
    through = month_start(through)
    window_start = add_months(through, -ARREARS_FLAG_MONTHS - 1)
    rows = (
        DuesExpected.objects.filter(subtree_q("org_path", org.path), month__gte=window_start, month__lte=through)
        .order_by("member_id", "month")
        .values_list("member_id", "month", "amount_fen", "is_paid")
    )
    exempt_now = set(
        DuesExemption.objects.filter(
            subtree_q("org_path", org.path),
            status=ExemptionStatus.APPROVED,
            start_month__lte=through,
            end_month__gte=through,
        ).values_list("member_id", flat=True)
    )
    # Rows arrive ordered by member: keep one member's months at a time (memory stays flat at scale).
    flagged: dict[int, int] = {}
    current: int | None = None
    statuses: list[MonthStatus] = []

    def close() -> None:
        if current is not None and current not in exempt_now:
            n = consecutive_unpaid(statuses, through)
            if n >= ARREARS_FLAG_MONTHS:
                flagged[current] = n

    for member_id, month, amount, paid in rows.iterator(chunk_size=20_000):
        if member_id != current:
            close()
            current, statuses = member_id, []
        statuses.append(MonthStatus(month, amount, paid))
    close()
    created = 0
    with transaction.atomic():
        open_flags = {
            f.member_id: f
            for f in DuesArrearsFlag.objects.filter(subtree_q("org_path", org.path), resolved_at__isnull=True)
        }
        now = timezone.now()
        DuesArrearsFlag.objects.filter(pk__in=[f.pk for mid, f in open_flags.items() if mid not in flagged]).update(
            resolved_at=now
        )
        members: list[Member] = []
        ids = list(flagged)
        for i in range(0, len(ids), 5000):
            members.extend(
                Member.objects.filter(pk__in=ids[i : i + 5000], is_active=True).only("id", "name", "org_id", "org_path")
            )
        secretaries = holder_ids_by(Role.SECRETARY, org_ids={m.org_id for m in members})
        new_flags: list[DuesArrearsFlag] = []
        kept: list[DuesArrearsFlag] = []
        notes: list[notify.Message] = []
        for m in members:
            n = flagged[m.pk]
            flag = open_flags.get(m.pk)
            if flag is None:
                new_flags.append(
                    DuesArrearsFlag(member=m, org_id=m.org_id, org_path=m.org_path, through_month=through, months=n)
                )
            else:
                flag.through_month, flag.months = through, n
                kept.append(flag)
            link = reverse("dues:member", args=[m.pk])
            notes.extend(
                notify.Message(
                    user_id,
                    f"dues-arrears-{m.pk}-{through:%Y%m}",
                    f"{m.name}已连续{n}个月未交纳党费",
                    "请支部了解情况、批评教育并限期改正；系统不会自动变更党员身份。",
                    link,
                )
                for user_id in secretaries.get(m.org_id, [])
            )
        DuesArrearsFlag.objects.bulk_create(new_flags, batch_size=2000)
        DuesArrearsFlag.objects.bulk_update(kept, ["through_month", "months"], batch_size=2000)
        notify.send_many(notes)
        created = len(new_flags)
        if flagged or open_flags:
            audit.record(
                actor,
                "dues.arrears_scan",
                object_type="dues.DuesArrearsFlag",
                object_id=through.isoformat(),
                object_label=f"{org.name} 截至{month_label(through)}",
                org_path=org.path,
                after={"flagged": len(flagged), "created": created},
            )
    return {"flagged": len(flagged), "created": created}
