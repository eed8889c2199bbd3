"""The database session store, its per-request read compiled once per process (issue 18).

Same table, same semantics as `django.contrib.sessions.backends.db`: a session is found only by its
key and only while it has not expired; a logout deletes the row, so it ends in every worker at once.
Writes (login, the minute-granular last-seen stamp, logout) are Django's own.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from .hotquery import HotQuery

_BY_KEY = HotQuery(Session, lambda key: Session.objects.filter(session_key=key), str)


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        found = _BY_KEY.objects(key) if isinstance(key, str) else []
        # The expiry is compared here rather than in SQL, so that the query has no per-call
        # datetime parameter; the outcome is that of `expire_date > now()` in the WHERE clause.
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
