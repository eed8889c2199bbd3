"""Optimistic locking: a record's `version` column detects an edit made from a stale page.

A form carries the version the user started from; the service locks the row, compares, and
refuses with one message when someone else saved in between, so nothing is silently overwritten.
The saved row's version then goes up by one::

    current = lock(Member.objects, member.pk, version)   # SELECT … FOR UPDATE + check
    ...
    bump(current)
    current.save()
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

CONFLICT_MESSAGE = "该记录已被他人修改，请刷新后重试（您的修改未保存）"

M = TypeVar("M", bound=models.Model)


class VersionConflict(ValidationError):
    """Someone else saved the record after the user opened it."""

    def __init__(self, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(message, code="version_conflict")


def check_version(obj: Any, version: int | str | None) -> None:
    """Refuse if `obj` is no longer at `version`. `None` means the caller sent no version (an API
    client or a background job acting on the current row) and is not checked."""
    if version is None:
        return
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise VersionConflict() from None
    if obj.version != expected:
        raise VersionConflict()


def lock(qs: models.Manager[M] | models.QuerySet[M], pk: Any, version: int | str | None) -> M:
    """The row `pk` locked for update (inside the caller's transaction), checked against `version`."""
    obj = qs.select_for_update().get(pk=pk)
    check_version(obj, version)
    return obj


def bump(obj: Any) -> int:
    """Increment `obj.version` in memory (the caller saves, listing "version" in update_fields)."""
    obj.version = int(obj.version) + 1
    return int(obj.version)
