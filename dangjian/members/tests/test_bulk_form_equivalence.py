"""The import's bulk form must judge every row exactly as the member form on the page does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core.scoping import SYSTEM
from dangjian.members.forms import MEMBER_FIELDS, BulkMemberForms, MemberForm, PrebuiltGroupField
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import member_data


def _as_strings(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


CASES = [
    {},
    {"status": "probationary", "converted_on": None},
    {"category": "astronaut"},  # not a choice
    {"education": "phd"},  # not a choice
    {"sex": "X"},
    {"status": "full", "converted_on": None},
    {"id_number": "420300198001010010"},  # wrong check digit
    {"phone": "12345"},
    {"name": "  "},
    {"ethnicity": ""},
    {"joined_on": dt.date(2999, 1, 1)},
    {"is_mobile": True, "mobile_destination": ""},
    {"exempt": True, "exempt_reason": "年老体弱", "exempt_application": "", "exempt_approved_by": "支委会"},
    {"lost_contact": True, "lost_contact_since": None},
]


@pytest.mark.parametrize("overrides", CASES)
def test_bulk_form_matches_member_form(world, overrides: dict[str, Any]) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="一组", kind="group")
    data = _as_strings(member_data(**overrides))
    data.setdefault("group", "")
    page = MemberForm(data=data, branch=world.branch)
    bulk = BulkMemberForms().form(
        dict(data), branch=world.branch, group_field=PrebuiltGroupField({str(group.pk): group})
    )
    assert page.is_valid() == bulk.is_valid()
    assert {k: list(v) for k, v in page.errors.items()} == {k: list(v) for k, v in bulk.errors.items()}
    if page.is_valid():
        for name in MEMBER_FIELDS:
            assert getattr(page.instance, name) == getattr(bulk.instance, name), name


def test_foreign_group_is_refused_by_both(world) -> None:
    data = _as_strings(member_data(group="999"))
    page = MemberForm(data=data, branch=world.branch)
    bulk = BulkMemberForms().form(dict(data), branch=world.branch, group_field=PrebuiltGroupField({}))
    assert not page.is_valid() and not bulk.is_valid()
    assert set(page.errors) == set(bulk.errors) == {"group"}
    assert bulk.errors["group"] == ["党小组“999”不属于该党支部"]  # the import names the value it got


def test_bulk_form_keeps_model_default_when_column_absent(world) -> None:
    data = _as_strings(member_data())
    data.pop("ethnicity")
    bulk = BulkMemberForms().form(data, branch=world.branch, group_field=PrebuiltGroupField({}))
    page = MemberForm(data=_as_strings({**data}), branch=world.branch)
    assert bulk.is_valid() == page.is_valid()
