"""Template filters of the one masking policy (`dangjian.core.masking`)."""

from __future__ import annotations

import datetime as dt

from django import template

from dangjian.core import masking

register = template.Library()


@register.filter
def mask_id_number(value: str | None) -> str:
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value: str | None) -> str:
    return masking.mask_phone(value)


@register.filter
def age_years(value: dt.date | None) -> int | None:
    return masking.age_years(value)
