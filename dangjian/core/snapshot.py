"""Per-user snapshots of derived pages, kept until a write that could change them (issue 18).

The home page's 待办 is derived from a dozen apps' records; computing it costs one query per app.
Every write goes through a service and appends one audit event carrying the org path it touched
(`core.audit`), so "could anything this user sees have changed?" is one indexed query: is there an
audit event after the snapshot's sequence number whose org path lies in one of the user's subtrees
(a write below them), is one of their ancestors (a committee publishing to them), or is empty (an
instance-wide write)? If not, the snapshot is still right.

Writers are serialised by the audit chain's head lock, so event ids commit in order and a snapshot
taken after reading the head cannot miss an event before it. Things that change without a write --
the date -- are part of the key; what changes in another tree (a community confirming a member's
deed) or without an audit event is bounded by the time-to-live (`DANGJIAN_SNAPSHOT_SECONDS`).
The cache may be per process (locmem): each process validates its own snapshots against the
database, so several gunicorn workers never serve one another's stale copies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q, QuerySet

from .hotquery import HotQuery
from .models import AuditEvent
from .paths import ancestor_paths, minimal_prefixes, successor

T = TypeVar("T")


@dataclass(frozen=True)
class _Entry:
    seq: int
    paths: tuple[str, ...]
    value: Any


def audit_head() -> int:
    """The id of the newest audit event (0 on an empty chain): one index lookup."""
    return AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0


# The check runs on every visit of a snapshotted page; its SQL depends only on the shape of the
# user's paths (how many subtrees, which have an upper bound, how many ancestors), so it is compiled
# once per process and shape (core/hotquery.py) and the bounds are bound per call.
_Shape = tuple[tuple[bool, ...], int]
MOVE_ACTION = "org.move"
_CHANGED: dict[_Shape, HotQuery[AuditEvent]] = {}
_MAX_SHAPES = 256  # beyond (users with unusual role sets) each check is compiled as it is run


def _changed_query(shape: _Shape) -> HotQuery[AuditEvent]:
    bounded, n_above = shape

    def build(seq: int, *bounds_and_above: str) -> QuerySet[AuditEvent, tuple[int]]:
        rest = iter(bounds_and_above)
        cond = Q(org_path="")
        for has_upper in bounded:  # subtree_q, with the bounds as arguments
            sub = Q(org_path__gte=next(rest))
            if has_upper:
                sub &= Q(org_path__lt=next(rest))
            cond |= sub
        above = list(rest)
        if above:
            cond |= Q(org_path__in=above)
        cond |= Q(action=MOVE_ACTION)  # a move records only the new path: the old side must see it leave
        return AuditEvent.objects.filter(id__gt=seq).filter(cond).order_by().values_list("id")[:1]

    return HotQuery(AuditEvent, build, int, *([str] * (sum(1 + b for b in bounded) + n_above)))


def changed_since(seq: int, paths: Iterable[str]) -> bool:
    """Whether a write after audit event `seq` touched one of `paths`' subtrees, one of their
    ancestors, or no org at all -- or moved any subtree (`org.move` carries only the new path, so
    the old parent's side would otherwise keep showing a branch that has left)."""
    paths = list(paths)
    args: list[Any] = [seq]
    bounded = []
    for prefix in minimal_prefixes(paths):
        upper = successor(prefix)
        args += [prefix] if upper is None else [prefix, upper]
        bounded.append(upper is not None)
    above = sorted({a for p in paths for a in ancestor_paths(p, include_self=False)})
    shape = (tuple(bounded), len(above))
    query = _CHANGED.get(shape)
    if query is None:
        query = _changed_query(shape)
        if len(_CHANGED) < _MAX_SHAPES:
            _CHANGED[shape] = query
    return bool(query.rows(*args, *above))


def snapshot(key: str, paths: Iterable[str], compute: Callable[[], T], *, ttl: int | None = None) -> T:
    """`compute()`, or its cached value when no write touched `paths` since it was computed.

    `key` must name everything else the value depends on (the user, the date)."""
    seconds = settings.DANGJIAN_SNAPSHOT_SECONDS if ttl is None else ttl
    if seconds <= 0:
        return compute()
    wanted = tuple(sorted(set(paths)))
    entry = cache.get(key)
    if isinstance(entry, _Entry) and entry.paths == wanted and not changed_since(entry.seq, wanted):
        return entry.value
    seq = audit_head()  # read before computing: a write during compute is newer than the snapshot
    value = compute()
    cache.set(key, _Entry(seq, wanted, value), seconds)
    return value
