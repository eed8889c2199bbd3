"""Model field factories shared by the apps (each returns a plain Django field: no schema change)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from dangjian.accounts.models import User


def actor_fk(**kwargs: Any) -> models.ForeignKey[User | None, User | None]:
    """The optional user who did something to a row (created_by, decided_by …): kept when the
    account is deleted (SET_NULL), with no reverse accessor on User."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", **kwargs
    )
