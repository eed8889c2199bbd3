"""`prepared_cursor` (issue 18): on PostgreSQL a server-binding cursor whose statements are prepared
once per connection, read and counted like Django's cursors; elsewhere, or with prepared statements
off, Django's ordinary cursor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.core.prepared import prepared_cursor
from dangjian.site.testing.factories import World

pytestmark = pytest.mark.django_db

_SQL = f"SELECT id, title, created_at FROM {Notification._meta.db_table} WHERE user_id = %(user)s ORDER BY id"  # noqa: S608


def _rows(cursor: Any, user_id: int) -> list[tuple[Any, ...]]:
    with cursor as cur:
        cur.execute(_SQL, {"user": user_id})
        return list(cur.fetchall())


def _notify(world: World) -> None:
    for title in ("甲", "<乙>"):
        Notification.objects.create(user=world.secretary, key=title, title=title)


def test_reads_what_a_plain_cursor_reads_and_is_counted(world: World) -> None:
    _notify(world)
    plain = _rows(connection.cursor(), world.secretary.pk)
    with CaptureQueriesContext(connection) as queries:
        prepared = _rows(prepared_cursor(connection), world.secretary.pk)
        again = _rows(prepared_cursor(connection), world.secretary.pk)
    assert prepared == again == plain and [r[1] for r in plain] == ["甲", "<乙>"]
    assert len(queries) == 2
    assert [q["sql"] for q in queries] == [_SQL % {"user": world.secretary.pk}] * 2  # logged with its value
    at = prepared[0][2]
    assert isinstance(at, dt.datetime) and timezone.is_aware(at) == timezone.is_aware(plain[0][2])
    assert _rows(prepared_cursor(connection), world.admin.pk) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_the_statement_is_prepared_once(world: World) -> None:
    _rows(prepared_cursor(connection), world.secretary.pk)
    _rows(prepared_cursor(connection), world.admin.pk)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [_SQL.split("%")[0] + "%"])
        assert cur.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_without_prepared_statements_it_is_the_plain_cursor(world: World) -> None:
    options = connection.settings_dict.setdefault("OPTIONS", {})
    kept = options.pop("prepare_threshold", None)
    try:
        with prepared_cursor(connection) as cur:
            assert type(cur.cursor) is type(connection.cursor().cursor)  # Django's client-side binding
    finally:
        options["prepare_threshold"] = kept
    with prepared_cursor(connection) as cur:
        assert type(cur.cursor).__name__ == "Cursor"  # psycopg's server-binding cursor


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other databases")
def test_elsewhere_it_is_the_plain_cursor(world: World) -> None:
    with prepared_cursor(connection) as cur:
        assert type(cur.cursor) is type(connection.cursor().cursor)
