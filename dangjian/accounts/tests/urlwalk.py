"""URL-walk fixtures for accounts: a real row in branch A behind every route that takes an id."""

from __future__ import annotations

from typing import Any

from dangjian.accounts.models import RoleAssignment
from dangjian.site.testing.factories import World


def rows(world: World) -> dict[str, dict[str, Any]]:
    liaison_role = RoleAssignment.objects.get(user=world.liaison, org=world.branch, role="liaison")
    return {
        "accounts:role_grant": {"org_pk": world.branch},
        "accounts:role_revoke": {"pk": liaison_role},
        "accounts:user": {"pk": world.liaison},
    }
