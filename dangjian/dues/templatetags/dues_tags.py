"""Template tags other apps may use: `{% load dues_tags %}{% party_day_dues org on_date %}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import reverse

from dangjian.core.scoping import Action, can

from ..rules import fen_to_yuan, month_label, month_start
from ..selectors import party_day_counts

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
