"""Per-request memo: a lookup several parts of one page repeat (the member row of the signed-in
user, a branch's next party day) is read once while the page is being built.

Only a read-only view opens the memo (`with request_memo(): ...`); outside it `memoized` computes
every time, so services, sweeps and tests never see a stale value.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_MEMO: ContextVar[dict[Hashable, Any] | None] = ContextVar("dangjian_request_memo", default=None)


@contextmanager
def request_memo() -> Iterator[None]:
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, read once per `key` inside `request_memo()`; computed every time outside it."""
    store = _MEMO.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def remember(key: Hashable, value: object) -> None:
    """Give `key` its value for the rest of the page, when a read made for another purpose already
    holds it (the home's notice list carries the unread count the layout shows). Outside
    `request_memo()` it does nothing."""
    store = _MEMO.get()
    if store is not None:
        store[key] = value
