"""The keyed, anchored audit chain: a rewrite without the key, with a wrong key, or a truncated
tail after an anchor is detected; keys rotate."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from dangjian.core import audit
from dangjian.core.audit import anchor_write, last_anchor, verify_chain
from dangjian.core.models import AuditEvent, AuditHead


def _write(n: int, label: str = "事件") -> None:
    with transaction.atomic():
        for i in range(n):
            audit.record(None, "test.event", object_type="test", object_id=str(i), object_label=f"{label}{i}")


def _unkeyed_rehash(from_index: int) -> None:
    """What an attacker with database access but no key can do: recompute every hash from the
    edited event on with the old (unkeyed) chaining function."""
    events = list(AuditEvent.objects.order_by("id"))
    prev = events[from_index - 1].hash if from_index else audit.GENESIS
    for event in events[from_index:]:
        body = json.dumps(audit._payload(event), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((prev + body).encode("utf-8")).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(pk=1).update(last_hash=prev)


def test_events_carry_the_key_id_and_verify(db: Any) -> None:
    _write(3)
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {"dev"}
    assert verify_chain().ok


def test_edited_row_with_recomputed_unkeyed_hashes_is_detected(db: Any) -> None:
    _write(5)
    victim = AuditEvent.objects.order_by("id")[2]
    AuditEvent.objects.filter(pk=victim.pk).update(object_label="篡改")
    _unkeyed_rehash(2)
    result = verify_chain()
    assert not result.ok and result.broken_id == victim.pk


def test_a_wrong_key_is_detected(db: Any, settings: Any) -> None:
    _write(3)
    settings.DANGJIAN_AUDIT_KEY = "another-key"
    result = verify_chain()
    assert not result.ok and result.broken_id == AuditEvent.objects.order_by("id")[0].pk


def test_unknown_key_id_is_detected(db: Any) -> None:
    _write(2)
    AuditEvent.objects.filter(pk=AuditEvent.objects.order_by("-id")[0].pk).update(key_id="")
    result = verify_chain()
    assert not result.ok and "密钥编号" in result.reason


def test_rotation_keeps_old_events_verifiable(db: Any, settings: Any) -> None:
    _write(2)
    settings.DANGJIAN_AUDIT_OLD_KEYS = {"dev": settings.DANGJIAN_AUDIT_KEY}
    settings.DANGJIAN_AUDIT_KEY_ID, settings.DANGJIAN_AUDIT_KEY = "k2", "the-new-key"
    _write(2)
    assert list(AuditEvent.objects.order_by("id").values_list("key_id", flat=True)) == ["dev", "dev", "k2", "k2"]
    assert verify_chain().ok
    settings.DANGJIAN_AUDIT_OLD_KEYS = {}  # the retired key is needed to verify the older events
    assert not verify_chain().ok


def test_truncation_after_an_anchor_is_detected(db: Any) -> None:
    _write(4)
    anchor = anchor_write()
    assert anchor.seq == 4 and last_anchor() == anchor and verify_chain().ok
    # Delete the tail and put the head back, so the chain itself is consistent again.
    last, before_last = AuditEvent.objects.order_by("-id")[:2]
    last.delete()
    AuditHead.objects.filter(pk=1).update(last_hash=before_last.hash, count=3)
    result = verify_chain()
    assert not result.ok and "少于锚点" in result.reason


def test_a_rewrite_with_the_key_before_the_anchor_is_detected(db: Any) -> None:
    _write(4)
    anchor_write()
    _write(2)
    # An insider who also holds the key rewrites an anchored event and re-chains with the key.
    events = list(AuditEvent.objects.order_by("id"))
    AuditEvent.objects.filter(pk=events[1].pk).update(object_label="篡改")
    prev = events[0].hash
    for event in AuditEvent.objects.order_by("id")[1:]:
        digest = audit._digest(prev, audit._payload(event), event.key_id)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(pk=1).update(last_hash=prev)
    result = verify_chain()
    assert not result.ok and "锚点" in result.reason and result.broken_id == events[3].pk


def test_a_forged_anchor_line_is_detected(db: Any, settings: Any) -> None:
    _write(2)
    anchor_write()
    path = settings.DANGJIAN_AUDIT_ANCHOR_FILE
    line = json.loads(path.read_text().splitlines()[-1])
    line["seq"] = 1
    path.write_text(json.dumps(line) + "\n")
    result = verify_chain()
    assert not result.ok and "签名无效" in result.reason


def test_commands_anchor_and_verify(db: Any, capsys: Any) -> None:
    _write(3)
    call_command("audit_anchor")
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "锚点已写入：第 3 个事件" in out and "延续最后一个锚点（第 3 个事件" in out
    AuditEvent.objects.order_by("-id")[0].delete()
    AuditHead.objects.filter(pk=1).update(last_hash=AuditEvent.objects.order_by("-id")[0].hash, count=2)
    with pytest.raises(CommandError, match="少于锚点"):
        call_command("audit_verify")
