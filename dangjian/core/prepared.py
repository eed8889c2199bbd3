"""A cursor whose statements PostgreSQL plans once per connection, for a fixed raw SQL read on a hot page.

Django's PostgreSQL cursors bind parameters client-side, so the server parses and plans every
statement again: ~1.2 ms of database CPU per page for the dues collection sheet's member query
(issue 18). The fixed-shape reads of every page (`core.hotquery`) and the dues sheet therefore run
here: `prepared_cursor()` opens a psycopg server-binding cursor on the same connection
instead: psycopg prepares each statement on first use (settings: `prepare_threshold`), and once
PostgreSQL settles on a generic plan it stops planning it. Queries run through Django's cursor
wrapper, so they are logged and counted as any other. Elsewhere (SQLite, or prepared statements off
in the settings) it is Django's ordinary cursor.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _LoggedCursor(CursorDebugWrapper):
    """Logs the statement with its values, as Django's client-side cursors are logged (the backend's
    `last_executed_query` has no text for a server-binding cursor)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor(connection: Any) -> CursorWrapper:
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is None
    ):
        return connection.cursor()
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    # As `BaseDatabaseWrapper._cursor`, `_prepare_cursor` and the backend's `create_cursor` do, with
    # the server-binding class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    timestamptz = psycopg.adapters.types["timestamptz"].oid
    if connection.timezone != connection.connection.adapters.get_loader(timestamptz, psycopg.pq.Format.TEXT).timezone:
        register_tzloader(connection.timezone, raw)
    return _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
