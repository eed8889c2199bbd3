"""URL-walk fixtures for dues: the member's base, a payment and a pending relief application."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangjian.dues import services as S
from dangjian.dues.rules import DuesCategory, month_start
from dangjian.site.testing.factories import World


def rows(world: World) -> dict[str, dict[str, Any]]:
    today = timezone.localdate()
    month = month_start(today)
    S.dues_base_set(
        actor=world.liaison,
        member=world.member,
        year=today.year,
        category=DuesCategory.IN_SERVICE,
        monthly_base_fen=510_000,
    )
    payment = S.dues_payment_record(
        actor=world.liaison, member=world.member, months=[month], amount_fen=7650, paid_on=today
    )
    exemption = S.dues_exemption_apply(
        actor=world.liaison,
        member=world.member,
        kind="exempt",
        start_month=month,
        end_month=month,
        reason="家庭重大变故",
        application="书面申请",
    )
    by_member = ("dues:member", "dues:member_card", "dues:base_set", "dues:pay", "dues:exemption_apply")
    return {
        **{name: {"pk": world.member} for name in by_member},
        "dues:payment_void": {"pk": payment},
        "dues:exemption_decide": {"pk": exemption},
        "dues:quick_pay": {"member_pk": world.member},
        "dues:disclosure": {"year": month.year, "month": month.month},
    }
