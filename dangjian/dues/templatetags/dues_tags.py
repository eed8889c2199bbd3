"""Template tags: `{% party_day_dues org on_date %}` (other apps), the collection sheet's rows."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import PkUrl

from ..rules import ARREARS_FLAG_MONTHS, fen_to_yuan, month_label, month_start
from ..selectors import SheetRow, party_day_counts

register = template.Library()


@register.inclusion_tag("dues/_party_day_dues.html", takes_context=True)
def party_day_dues(context: dict[str, Any], org: Any, on_date: dt.date | dt.datetime) -> dict[str, Any]:
    """ "本月党费：应缴 N 人，已缴 M 人" for a party-day record, linking to the collection sheet."""
    if isinstance(on_date, dt.datetime):
        on_date = on_date.date()
    month = month_start(on_date)
    due, paid, unassessed = party_day_counts(org, month)
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    link = ""
    if org.kind == "branch" and can(user, Action.MANAGE, org.path):
        link = reverse("dues:sheet", args=[org.pk]) + f"?month={month:%Y-%m}"
    return {"due": due, "paid": paid, "unassessed": unassessed, "month_label": month_label(month), "link": link}


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen → '76.50'."""
    return fen_to_yuan(int(fen or 0))


# --- The collection sheet's rows -----------------------------------------------------------------
# One row per member with a payment form: as a `{% for %}` in a template the rows cost ~0.1 ms each
# (≈ 25 variable and condition nodes; issue 18), so they are joined as strings here. The markup is
# the one the sheet has always had; every value from the database is escaped (`html.escape`, as
# `django.utils.html.escape` does, without its lazy-string wrapper).

_METHODS = (
    '<select name="method" aria-label="缴纳方式"><option value="cash">现金</option>'
    '<option value="transfer">转账</option><option value="online">线上</option></select>'
)


def _who(r: SheetRow) -> str:
    if r.missing_base:
        small = '<span class="tag warn">未核定基数</span>'
    else:
        relief = f" · 经批准{escape(r.relief)}" if r.relief else ""
        small = f"{escape(r.rate_label)}{relief} · 应缴 {fen_to_yuan(r.amount_fen)} 元"
    if r.streak:
        level = "err" if r.streak >= ARREARS_FLAG_MONTHS else "warn"
        small += f' · <span class="tag {level}">此前连续欠缴{r.streak}个月</span>'
    if r.transferred_out:
        small += ' · <span class="tag">已转出</span>'
    return small


def _action(r: SheetRow, name: str, urls: dict[str, PkUrl], month_query: str, csrf_input: str) -> str:
    if r.is_paid:
        return f'\n    <span class="paid">✓ 已缴 {fen_to_yuan(r.paid_fen)} 元</span>\n  '
    if r.missing_base:
        return f'\n    <a class="btn secondary" href="{escape(urls["base_set"].for_pk(r.member_id))}">核定基数</a>\n  '
    if r.amount_fen == 0:
        return '\n    <span class="tag ok">本月免交</span>\n  '
    post = escape(urls["quick_pay"].for_pk(r.member_id) + month_query)
    pay = escape(urls["pay"].for_pk(r.member_id))
    amount = fen_to_yuan(r.amount_fen)
    arrears = (
        f'<a class="btn secondary arrears" href="{pay}?months={escape(r.arrears_months)}">补交欠缴 {r.streak} 个月</a>'
        if r.arrears_months
        else ""
    )
    return (
        f'\n    <form method="post" action="{post}"\n'
        f'          hx-post="{post}" hx-target="#row-{r.member_id}" hx-swap="outerHTML">\n'
        f"      {csrf_input}\n"
        f'      <input class="amount" name="amount" value="{amount}" inputmode="decimal"'
        f' aria-label="{name}实缴金额（元）">\n'
        f"      {_METHODS}\n"
        f'      <button type="submit" aria-label="登记{name}已缴">已缴</button>\n'
        f'      <input class="note" name="note" placeholder="备注（金额与应缴不一致时必填）" aria-label="{name}备注">\n'
        f"    </form>\n"
        f"    {arrears}\n"
        f'    <a class="muted" href="{pay}{escape(month_query)}">多月/代交</a>\n  '
    )


@register.simple_tag(takes_context=True)
def sheet_rows(
    context: Any, rows: list[SheetRow], urls: dict[str, PkUrl], month_query: str, errors: list[str] | None = None
) -> SafeString:
    """`{% sheet_rows rows urls month_query errors %}`: the sheet's member rows (and the refusal
    under a row the htmx view swapped), with the page's CSRF field in each form."""
    token = context.get("csrf_token")
    csrf_input = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
        if token and token != "NOTPROVIDED"  # noqa: S105 -- Django's "no token" marker, as {% csrf_token %}
        else ""
    )
    err = f'<div class="err" role="alert">{"；".join(escape(e) for e in errors)}</div>' if errors else ""
    out = []
    for r in rows:
        name = escape(r.name)
        out.append(
            f'<div class="sheet-row" id="row-{r.member_id}" data-member="{r.member_id}">\n'
            f'  <div class="who">{name}\n'
            f"    <small>{_who(r)}</small>\n"
            f"  </div>\n"
            f"  {_action(r, name, urls, month_query, csrf_input)}\n"
            f"  {err}\n"
            f"</div>"
        )
    return mark_safe("".join(out))  # every value from the database is escaped above
