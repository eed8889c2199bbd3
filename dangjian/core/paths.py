"""Materialized-path helpers shared by every org-scoped table.

treebeard paths use the alphabet 0-9A-Z with fixed-width steps. A subtree is every path that
starts with the root's path; we express it as a half-open range [prefix, successor(prefix)) so
that an ordinary B-tree index serves it on SQLite and PostgreSQL alike (LIKE 'x%' would need a
pattern-ops index on PostgreSQL and is case-insensitive, hence unindexed, on SQLite).
"""

from __future__ import annotations

from django.db.models import Q

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Characters per tree level: `Organization.steplen` is set from this, so core never imports orgs.
STEPLEN = 4


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with `prefix`."""
    chars = list(prefix)
    while chars:
        last = chars.pop()
        idx = ALPHABET.find(last)
        if idx == -1:
            raise ValueError(f"unexpected character in path: {last!r}")
        if idx + 1 < len(ALPHABET):
            chars.append(ALPHABET[idx + 1])
            return "".join(chars)
    return None  # the prefix is all Z: no upper bound


def subtree_q(field: str, prefix: str) -> Q:
    """Rows whose `field` lies in the subtree rooted at `prefix`."""
    upper = successor(prefix)
    q = Q(**{f"{field}__gte": prefix})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def minimal_prefixes(paths: list[str] | set[str]) -> list[str]:
    """Drop every path that lies inside another one (a secretary of a 党委 and of one of its branches)."""
    result: list[str] = []
    for p in sorted(set(paths)):
        if not result or not p.startswith(result[-1]):
            result.append(p)
    return result


def is_within(path: str, prefixes: list[str]) -> bool:
    return any(path.startswith(p) for p in prefixes)


def parent_path(path: str) -> str:
    """The path of the parent organization; "" for a root (it has none)."""
    return path[:-STEPLEN]


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """Paths from the root down to `path` (root first), without `path` itself if not `include_self`."""
    end = len(path) + 1 if include_self else len(path)
    return [path[:i] for i in range(STEPLEN, end, STEPLEN)]


def depth_of(path: str) -> int:
    """The treebeard depth of `path` (a root is 1)."""
    return len(path) // STEPLEN
