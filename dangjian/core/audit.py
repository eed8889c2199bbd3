"""The audit chain: every service write appends an event here, inside the same transaction.

Each event's hash is an HMAC-SHA256 over the previous hash and the event, under a key held
outside the database (`DANGJIAN_AUDIT_KEY`); the key's id is stored with the event so keys can
rotate. Someone who can write to the database but does not hold the key cannot recompute the
chain after editing a row. Periodically the chain head (position, hash, time) is signed and
appended to a file outside the database (`anchor_write`, `manage.py audit_anchor`);
verification checks that the chain still extends the last anchor, so a rewrite even with the
key, or a truncated tail, is detected.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from .bulk import insert_rows
from .models import AuditEvent, AuditHead
from .replicas import pin_writer

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


class UnknownKey(Exception):
    """An event or anchor names a key id this installation does not hold."""


def _keys() -> dict[str, str]:
    """Every key verification may use: the current one and the retired ones (rotation)."""
    return {**settings.DANGJIAN_AUDIT_OLD_KEYS, settings.DANGJIAN_AUDIT_KEY_ID: settings.DANGJIAN_AUDIT_KEY}


def _mac(key_id: str, message: str) -> str:
    key = _keys().get(key_id) if key_id else None
    if key is None:
        raise UnknownKey(key_id)
    return hmac.new(key.encode("utf-8"), f"{key_id}|{message}".encode(), hashlib.sha256).hexdigest()


def _digest(prev_hash: str, payload: dict[str, Any], key_id: str) -> str:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _mac(key_id, prev_hash + body)


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
    "object_label", "org_path", "before", "after", "prev_hash", "hash", "key_id",
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
    pin_writer(actor_id)  # read-your-writes: this user reads from the primary for a while
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
    key_id = settings.DANGJIAN_AUDIT_KEY_ID
    db_now = connection.ops.adapt_datetimefield_value(now)
    rows = []
    for payload in payloads:
        digest = _digest(prev, payload, key_id)
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
                key_id,
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
class Anchor:
    """A signed chain head: after `seq` events the chain's hash was `hash` (at `time`)."""

    seq: int
    hash: str
    time: str
    key_id: str
    mac: str

    def message(self) -> str:
        return f"anchor|{self.seq}|{self.hash}|{self.time}"

    def valid(self) -> bool:
        try:
            return hmac.compare_digest(_mac(self.key_id, self.message()), self.mac)
        except UnknownKey:
            return False


def _anchor_file(path: Path | str | None) -> Path:
    return Path(path or settings.DANGJIAN_AUDIT_ANCHOR_FILE)


def anchor_write(path: Path | str | None = None) -> Anchor:
    """Sign the current chain head and append it as one JSON line to the anchor file."""
    head = AuditHead.objects.filter(pk=1).first()
    seq, last = (head.count, head.last_hash) if head is not None else (0, GENESIS)
    key_id = settings.DANGJIAN_AUDIT_KEY_ID
    unsigned = Anchor(seq, last, timezone.now().isoformat(timespec="seconds"), key_id, "")
    anchor = Anchor(seq, last, unsigned.time, key_id, _mac(key_id, unsigned.message()))
    target = _anchor_file(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as f:
        f.write(json.dumps(anchor.__dict__, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return anchor


def last_anchor(path: Path | str | None = None) -> Anchor | None:
    """The anchor file's last line (None when there is no file yet); a garbled line counts as
    an anchor with a bad signature, so verification reports it."""
    target = _anchor_file(path)
    if not target.exists():
        return None
    lines = [line for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        data = json.loads(lines[-1])
        return Anchor(int(data["seq"]), str(data["hash"]), str(data["time"]), str(data["key_id"]), str(data["mac"]))
    except (ValueError, KeyError, TypeError):
        return Anchor(-1, "", "", "", "")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    anchor: Anchor | None = None


def verify_chain(batch: int = 5000, anchor_path: Path | str | None = None) -> VerifyResult:
    """Recompute every keyed hash in order; name the first event whose link does not hold; then
    check that the chain extends the last anchor written outside the database."""
    anchor = last_anchor(anchor_path)
    if anchor is not None and not anchor.valid():
        return VerifyResult(False, 0, None, "最后一个锚点的签名无效（锚点文件被改动，或密钥不符）", anchor)
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not chunk:
            break
        for event in chunk:
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.id, "上一环哈希不一致（有事件被删除或插入）", anchor)
            try:
                digest = _digest(prev, _payload(event), event.key_id)
            except UnknownKey:
                return VerifyResult(False, checked, event.id, f"事件的密钥编号“{event.key_id}”未配置", anchor)
            if not hmac.compare_digest(digest, event.hash):
                return VerifyResult(False, checked, event.id, "事件内容与哈希不符（事件被篡改，或密钥不符）", anchor)
            prev = event.hash
            checked += 1
            last_id = event.id
            if anchor is not None and checked == anchor.seq and prev != anchor.hash:
                reason = "与锚点不符：锚点之前的事件被改写"
                return VerifyResult(False, checked, event.id, reason, anchor)
    if anchor is not None and checked < anchor.seq:
        reason = f"审计链只有 {checked} 个事件，少于锚点记录的 {anchor.seq} 个（末尾事件被删除）"
        return VerifyResult(False, checked, None, reason, anchor)
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != prev:
        return VerifyResult(False, checked, None, "链头与最后一个事件不一致（末尾事件被删除）", anchor)
    return VerifyResult(True, checked, anchor=anchor)
