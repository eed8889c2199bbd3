"""Read replicas (issue 18): heavy reads on a streaming replica, everything else on the primary.

Only pages marked `@replica_reads` (dashboards, roll-ups, exports, reports) read from the replica:
their figures may be a moment old, which those pages tolerate, while ordinary pages and every
service (a write and the reads inside its transaction) stay on the primary. A user who has just
written is pinned to the primary for `DANGJIAN_REPLICA_PIN_SECONDS`, so they always see their own
write (read-your-writes) whatever the replica's lag; the pin is set by the write gate itself --
`core.audit` calls `pin_writer` for the actor of every audited write.

Without `DANGJIAN_REPLICA_URL` there is one database and the router answers None everywhere.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections

REPLICA = "replica"

F = TypeVar("F", bound=Callable[..., Any])

_replica_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_ok", default=False)
_reader_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("replica_reader", default=None)


def enabled() -> bool:
    return REPLICA in settings.DATABASES


def _pin_key(user_id: int) -> str:
    return f"replica:pin:{user_id}"


def pin_writer(user_id: int | None) -> None:
    """After a write, this user reads from the primary for a while (read-your-writes)."""
    if user_id is not None and enabled():
        cache.set(_pin_key(user_id), 1, settings.DANGJIAN_REPLICA_PIN_SECONDS)


def is_pinned(user_id: int | None) -> bool:
    return user_id is not None and cache.get(_pin_key(user_id)) is not None


@contextmanager
def reading_replica(user_id: int | None) -> Iterator[None]:
    """Reads in this block may go to the replica, unless `user_id` has just written."""
    ok, who = _replica_ok.set(True), _reader_id.set(user_id)
    try:
        yield
    finally:
        _replica_ok.reset(ok)
        _reader_id.reset(who)


def replica_reads(view: F) -> F:
    """Mark a read-only view whose figures may lag a moment: it reads from the replica."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        with reading_replica(getattr(request.user, "pk", None)):
            return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    """`DATABASE_ROUTERS` entry: reads inside `reading_replica` go to the replica when the reader is
    not pinned and no write transaction is open on the primary; all writes go to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if not (_replica_ok.get() and enabled()):
            return None
        if connections["default"].in_atomic_block or is_pinned(_reader_id.get()):
            return None
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None  # the default database, always

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == REPLICA:
            return False  # it receives the primary's schema by replication
        return None
