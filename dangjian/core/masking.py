"""The one masking policy for personal identifiers (身份证号, phone numbers) and birth dates.

A viewer who may not see a number in full (no `Action.VIEW_SENSITIVE` on the owning org, and not
the person themself) sees only its LAST 4 characters and never the birth date: the old mask kept
the first 6 and last 4 digits of a 身份证号 and hid digits 7–14 — exactly the birth date shown on
the same page — so anyone could rebuild the whole number. With 4 characters shown and no birth
date, 14 characters (region code, birth date, order number) stay unknown.

Every page, export and search uses these functions (selectors and views decide what a template
receives); no other module builds a mask of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .scoping import Action, can

VISIBLE_TAIL = 4


def mask_tail(value: str | None, visible: int = VISIBLE_TAIL) -> str:
    """`*` for every character but the last `visible` ones; an empty value stays empty."""
    v = (value or "").strip()
    if not v:
        return ""
    if len(v) <= visible:
        return "*" * len(v)
    return "*" * (len(v) - visible) + v[-visible:]


def mask_id_number(value: str | None) -> str:
    """身份证号 for a viewer without VIEW_SENSITIVE: `**************8022`."""
    return mask_tail(value)


def mask_phone(value: str | None) -> str:
    """Phone number for a viewer without VIEW_SENSITIVE: `*******0001`."""
    return mask_tail(value)


def mask_name(value: str | None) -> str:
    """A name found by an exact phone number outside the searcher's scope: `王**`."""
    v = (value or "").strip()
    return v[:1] + "*" * (len(v) - 1) if v else ""


def age_years(birth: dt.date | None, today: dt.date | None = None) -> int | None:
    """Age in whole years — what a page shows instead of the birth date to a masked viewer."""
    if birth is None:
        return None
    today = today or dt.date.today()
    years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return max(years, 0)


def may_see_identity(user: Any, org_path: str, owner_user_id: int | None = None) -> bool:
    """May `user` see a person's 身份证号, phone and birth date in full?

    Yes for the person themself (`owner_user_id`) and for roles holding VIEW_SENSITIVE on the org
    the person belongs to (`org_path`); no for everyone else."""
    if owner_user_id is not None and getattr(user, "is_authenticated", False) and owner_user_id == user.pk:
        return True
    return can(user, Action.VIEW_SENSITIVE, org_path)
