"""The one way a message reaches people: the in-app inbox plus every configured channel.

    notify.send(users, key="dues-arrears-17-202605", title="…", body="…", link="/dues/…")
    notify.send_many([Message(user_id, key, title, body, link), …])   # different texts (sweeps)

- The inbox row is the idempotency ledger: one per (person, key). Sending a key again creates
  nothing and sends nothing, so a periodic job can run any number of times.
- Messages that leave the process (e-mail, and SMS / WeChat gateways named in
  `DANGJIAN_NOTIFY_CHANNELS`, see `core.channels`) go out after the caller's transaction commits,
  only for messages that are new, and a failing gateway stops neither the others nor the write.
- Recipients are users or user ids, in any number: rows are inserted in bulk (`core.bulk`), so a
  city-wide sweep costs a few statements per thousand messages. Deactivated accounts are skipped;
  who else should receive a message is the caller's business (`accounts.selectors.holders` for
  "who holds role R at org X").

Meant for one sweep process at a time (cron); even so, the unique (user, key) constraint keeps
the inbox itself free of duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from .bulk import insert_rows
from .channels import configured_channels
from .models import Notification

log = logging.getLogger(__name__)

# "Who holds role R at these orgs" lives in accounts, above every app that sends notices; accounts
# registers it here so apps below it (members) can still address a role without importing it.
_holder_ids: Any = None


def register_holder_ids(fn: Any) -> None:
    """`fn(role, org_paths) -> {org path: [active user ids]}`; accounts registers it in ready()."""
    global _holder_ids
    _holder_ids = fn


def holder_ids(role: str, org_paths: Iterable[str]) -> dict[str, list[int]]:
    """{org path → ids of the active accounts holding `role` there} for the given exact paths."""
    if _holder_ids is None:
        raise RuntimeError("no role-holder resolver registered (accounts app not installed?)")
    result: dict[str, list[int]] = _holder_ids(role, list(org_paths))
    return result


CHUNK = 900  # below SQLite's bound-parameter limit for the "already sent?" lookup
_COLUMNS = ("user_id", "key", "title", "body", "link", "created_at")


@dataclass(frozen=True)
class Message:
    """One message for one person; `user` is a user or a user id."""

    user: Any
    key: str
    title: str
    body: str = ""
    link: str = ""

    @property
    def user_id(self) -> int:
        return int(self.user if isinstance(self.user, int) else self.user.pk)


def send(recipients: Iterable[Any], *, key: str, title: str, body: str = "", link: str = "") -> int:
    """Send one message to every recipient (users or user ids); returns how many were new."""
    return send_many([Message(u, key, title, body, link) for u in recipients])


def send_many(messages: Iterable[Message]) -> int:
    """Send each message once per (person, key); returns how many were new (stored and sent)."""
    pending: dict[tuple[int, str], Message] = {}
    for m in messages:
        pending.setdefault((m.user_id, m.key[:200]), m)
    if not pending:
        return 0
    items = list(pending.items())
    fresh: list[tuple[tuple[int, str], Message]] = []
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic():
        for start in range(0, len(items), CHUNK):
            part = items[start : start + CHUNK]
            sent, inactive = _known({pair for pair, _ in part})
            # Each (person, key) once; a deactivated account gets nothing, whoever the caller picked.
            fresh.extend((pair, m) for pair, m in part if pair not in sent and pair[0] not in inactive)
        # One bulk load (COPY on PostgreSQL); a big one refreshes the planner's statistics at once.
        insert_rows(
            Notification,
            _COLUMNS,
            [(uid, k, m.title[:200], m.body, m.link[:300], stamp) for (uid, k), m in fresh],
            ignore_conflicts=True,
            analyze=True,
        )
        new = [m for _, m in fresh]
        channels = configured_channels()
        if channels and new:
            transaction.on_commit(partial(_send_outside, channels, new))
    return len(new)


def _known(pairs: set[tuple[int, str]]) -> tuple[set[tuple[int, str]], set[int]]:
    """(user, key) pairs already in the inbox, and the deactivated accounts among the users.

    Plain SQL: the ORM's per-value compilation of two large IN lists costs more than the queries
    themselves at sweep scale. Identifiers are quoted model metadata; values are parameters."""
    user_ids = sorted({uid for uid, _ in pairs})
    keys = sorted({k for _, k in pairs})
    qn = connection.ops.quote_name
    uid_marks = ", ".join(["%s"] * len(user_ids))
    key_marks = ", ".join(["%s"] * len(keys))
    user_model = get_user_model()
    inbox, users = qn(Notification._meta.db_table), qn(user_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, {qn('key')} FROM {inbox} WHERE user_id IN ({uid_marks}) AND {qn('key')} IN ({key_marks})",  # noqa: S608
            [*user_ids, *keys],
        )
        sent = {(uid, k) for uid, k in cursor.fetchall() if (uid, k) in pairs}
        pk, active = qn(user_model._meta.pk.column), qn(user_model._meta.get_field("is_active").column)
        cursor.execute(f"SELECT {pk} FROM {users} WHERE {pk} IN ({uid_marks}) AND NOT {active}", user_ids)  # noqa: S608
        inactive = {row[0] for row in cursor.fetchall()}
    return sent, inactive


def _send_outside(channels: list[Any], messages: list[Message]) -> None:
    """After commit: every new message on every outside channel (each decides if it can reach the person)."""
    users = _users_of(messages)
    for m in messages:
        user = users.get(m.user_id)
        if user is None:
            continue
        for ch in channels:
            try:
                ch.send(user, m.title, m.body, m.link)
            except Exception:  # a gateway outage must not stop the other recipients or channels
                log.exception("channel %s failed for user %s", getattr(ch, "name", ch), m.user_id)


def _users_of(messages: list[Message]) -> dict[int, Any]:
    """The active recipients as loaded users: objects passed in are used as they are, ids are loaded."""
    users: dict[int, Any] = {}
    ids: set[int] = set()
    for m in messages:
        if isinstance(m.user, int) or getattr(m.user, "_state", None) is None or m.user._state.adding:
            ids.add(m.user_id)
        elif m.user.is_active:
            users[m.user_id] = m.user
    ids -= set(users)
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        users.update(
            (u.pk, u) for u in get_user_model().objects.filter(pk__in=ordered[start : start + CHUNK], is_active=True)
        )
    return users
