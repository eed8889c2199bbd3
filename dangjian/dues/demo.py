"""Demo data for dues: yearly bases, a year of payments (monthly on the party day or quarterly),
a few members in arrears and one past 6 months (flagged to the branch), a reduction approved by the
next-level committee, a proxy payment, a mismatched amount with a note, and a published disclosure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM

from . import services
from .models import DuesExpected
from .rules import FROM_MEMBER_CATEGORY, DuesCategory, add_months, month_start

DEMO_BRANCH = "市教育局机关第一党支部"


def _base_fen(rng: Any, category: str) -> int:
    if category == DuesCategory.IN_SERVICE:
        return rng.choice([rng.randint(2_400, 3_000), rng.randint(3_001, 5_000), rng.randint(5_001, 10_000)]) * 100 + (
            rng.randint(0, 99)
        )
    if category == DuesCategory.RETIRED:
        return rng.randint(3_000, 7_500) * 100
    return 0


def _party_day(month: dt.date, today: dt.date) -> dt.date:
    """A weekday early in the month (the fixed party day), never after today."""
    d = month.replace(day=3)
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return min(d, today)


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("dues: no admin or branches, skipped")
        return
    rng = ctx.rng
    today = ctx.today
    this_month = month_start(today)
    months = [add_months(this_month, -i) for i in range(11, -1, -1)]  # a year, ending this month
    years = sorted({m.year for m in months})

    members: list[Any] = []
    for branch in ctx.branches:
        members.extend(m for m in ctx.members_by_branch.get(branch.pk, []) if m.is_active)

    # Bases, fixed at the start of each year (one batch per year; one member re-assessed mid-year).
    first: dict[int, int] = {}
    for year in years:
        rows = []
        for member in members:
            category = FROM_MEMBER_CATEGORY.get(member.category, DuesCategory.IN_SERVICE)
            fen = first.setdefault(member.pk, _base_fen(rng, category))
            fen = int(fen * 1.03 ** (year - years[0]))  # a modest raise each year
            rows.append(services.BaseRow(member, year, category, monthly_base_fen=fen))
        services.dues_bases_set(actor=admin, rows=rows)
    promoted = next((m for m in members if m.category == "in_service"), None)
    if promoted is not None and this_month.month > 3:
        services.dues_base_set(
            actor=admin,
            member=promoted,
            year=this_month.year,
            category=DuesCategory.IN_SERVICE,
            monthly_base_fen=1_080_000,
            effective_from=add_months(this_month, -2),
            reason="职务晋升，工资调整，经支部核定自当月起调整",
        )

    # An approved reduction (hardship) for one member: branch discusses, next-level committee approves.
    hardship = next((m for m in reversed(members) if m.category == "in_service" and m is not promoted), None)
    if hardship is not None:
        # The member's written application is entered for the branch; the committee admin decides
        # (four eyes: whoever applied never approves).
        ex = services.dues_exemption_apply(
            actor=SYSTEM,
            member=hardship,
            kind="reduce",
            reduced_fen=500,
            start_month=months[6],
            end_month=add_months(this_month, 5),
            reason="家属重病住院，家庭经济十分困难",
            application="本人书面申请（附医院证明）",
            branch_discussed_on=_party_day(months[6], today),
        )
        services.dues_exemption_decide(actor=admin, exemption=ex, approve=True, version=ex.version, note="同意减交")

    # The ledger for the year, computed in bulk over the whole tree.
    for m in months:
        services.dues_month_compute(actor=admin, org=ctx.root, month=m)

    # Who pays how: most monthly on the party day or quarterly; a few fall behind.
    demo_branch = next((b for b in ctx.branches if b.name == DEMO_BRANCH), ctx.branches[0])
    demo_members = [m for m in ctx.members_by_branch.get(demo_branch.pk, []) if m.is_active]
    login_member = ctx.users.get("member")
    login_member_id = getattr(getattr(login_member, "member", None), "pk", None)
    long_arrears = next((m for m in reversed(demo_members) if m.pk != login_member_id), None)
    behind: dict[int, int] = {}
    if long_arrears is not None:
        behind[long_arrears.pk] = 7  # past 6 months: flagged to the branch
    others = [m for m in members if m.pk not in behind and m.pk != login_member_id]
    for m in rng.sample(others, min(4, len(others))):
        behind[m.pk] = rng.randint(2, 4)

    ledger: dict[tuple[int, dt.date], int] = {
        (mid, mon): amount
        for mid, mon, amount in DuesExpected.objects.filter(month__gte=months[0]).values_list(
            "member_id", "month", "amount_fen"
        )
    }
    proxy_done = mismatch_done = False
    payments: list[services.PaymentRow] = []
    for member in members:
        unpaid = behind.get(member.pk, 0)
        # This month is paid on the party day by most, but not yet by everyone.
        if member.pk != login_member_id and rng.random() < 0.25:
            unpaid = max(unpaid, 1)
        payable = [m for m in months[: len(months) - unpaid] if ledger.get((member.pk, m), 0) > 0]
        quarterly = member.org_id != demo_branch.pk and rng.random() < 0.7
        chunks = [payable[i : i + 3] for i in range(0, len(payable), 3)] if quarterly else [[m] for m in payable]
        for chunk in chunks:
            amount = sum(ledger[(member.pk, m)] for m in chunk)
            kw: dict[str, Any] = {"method": rng.choice(["cash", "cash", "transfer", "online"])}
            if not proxy_done and member.category == "retired":
                kw.update(
                    by_proxy=True, proxy_name="家属", proxy_reason="本人行动不便，委托家属代交", proxy_consent=True
                )
                proxy_done = True
            elif not mismatch_done and amount > 1000 and member.pk != login_member_id:
                amount -= 100
                kw["note"] = "本人称本月工资有扣减，少交1元，待核实后补交"
                mismatch_done = True
            paid_on = _party_day(chunk[0], today)
            payments.append(services.PaymentRow(member, chunk, amount, paid_on, collector_name="组织委员", **kw))
    services.dues_payments_record(actor=admin, rows=payments)

    # Long arrears are flagged to the branch (never a status change); last month's disclosure is public.
    services.dues_arrears_scan(actor=admin, org=ctx.root, through=add_months(this_month, -1))
    last_month = add_months(this_month, -1)
    for branch in ctx.branches[:10]:
        services.dues_disclosure_publish(actor=admin, org=branch, month=last_month)
    services.dues_disclosure_publish(actor=admin, org=demo_branch, month=this_month)
    ctx.log(f"党费：{len(members)} 名党员的缴费基数与一年缴费记录，{len(behind)} 人欠缴，已公开收缴情况")
