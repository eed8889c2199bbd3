"""The audit chain: every service write appends an event here, inside the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .bulk import insert_rows
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


_PLAIN = (str, int, float, bool)


def _jsonable(value: Any) -> Any:
    """The JSON form stored in the log: what json.loads(json.dumps(x)) gives back, so hashes
    computed on write match what verification reads from the database."""
    if value is None or isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return str(value)


def snapshot(instance: models.Model, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """A JSON-able dict of an instance's concrete field values (FKs as ids)."""
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        data[f.attname] = _jsonable(getattr(instance, f.attname))
    return data


def _digest(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "org_path": event.org_path,
        "before": event.before,
        "after": event.after,
    }


@dataclass(frozen=True)
class Change:
    """One change to append; `obj` may be an instance or a (type, id, label) description."""

    action: str
    obj: models.Model | None = None
    object_type: str = ""
    object_id: str = ""
    object_label: str = ""
    org_path: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


_COLUMNS = (
    "created_at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "object_label", "org_path", "before", "after", "prev_hash", "hash",
)  # fmt: skip


def _payload_of(change: Change, actor_id: int | None, actor_label: str, created_at: str) -> dict[str, Any]:
    obj = change.obj
    return {
        "created_at": created_at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": change.action,
        "object_type": change.object_type or (obj._meta.label if obj is not None else ""),
        "object_id": (change.object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""))[:64],
        "object_label": (change.object_label or (str(obj) if obj is not None else ""))[:200],
        "org_path": change.org_path or (getattr(obj, "org_path", "") or getattr(obj, "path", "") if obj else ""),
        "before": _jsonable(change.before) if change.before is not None else None,
        "after": _jsonable(change.after) if change.after is not None else None,
    }


def record_many(actor: Any, changes: Iterable[Change]) -> int:
    """Append events in order, chained to the current head; returns how many.

    Must run inside the writer's transaction, so an event exists exactly when its write does.
    Rows go in through `core.bulk` (executemany / COPY): imports append tens of thousands of events at once.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the service's transaction")
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    actor_label = (getattr(actor, "name", "") or str(actor or "系统"))[:100]
    created_at = now.isoformat()
    payloads = [_payload_of(c, actor_id, actor_label, created_at) for c in changes]
    if not payloads:
        return 0
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditHead.objects.create(pk=1, last_hash=GENESIS, count=0)
        head = AuditHead.objects.select_for_update().get(pk=1)
    prev = head.last_hash
    db_now = connection.ops.adapt_datetimefield_value(now)
    rows = []
    for payload in payloads:
        digest = _digest(prev, payload)
        rows.append(
            (
                db_now,
                actor_id,
                actor_label,
                payload["action"],
                payload["object_type"],
                payload["object_id"],
                payload["object_label"],
                payload["org_path"],
                None if payload["before"] is None else json.dumps(payload["before"], ensure_ascii=False),
                None if payload["after"] is None else json.dumps(payload["after"], ensure_ascii=False),
                prev,
                digest,
            )
        )
        prev = digest
    # Bulk appends (imports, sweeps) go in with one executemany / COPY, not a statement per row.
    insert_rows(AuditEvent, _COLUMNS, rows, using=connection.alias)
    head.last_hash = prev
    head.count += len(rows)
    head.save(update_fields=["last_hash", "count"])
    return len(rows)


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    record_many(actor, [Change(action=action, obj=obj, before=before, after=after, **kwargs)])


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> VerifyResult:
    """Recompute every hash in order; name the first event whose link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not chunk:
            break
        for event in chunk:
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.id, "上一环哈希不一致（有事件被删除或插入）")
            if _digest(prev, _payload(event)) != event.hash:
                return VerifyResult(False, checked, event.id, "事件内容与哈希不符（事件被篡改）")
            prev = event.hash
            checked += 1
            last_id = event.id
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return VerifyResult(False, checked, None, "链头与最后一个事件不一致（末尾事件被删除）")
    return VerifyResult(True, checked)
