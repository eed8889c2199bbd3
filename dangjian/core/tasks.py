"""Background work of core: the periodic anchoring of the audit chain's head outside the database."""

from __future__ import annotations

from django_tasks import task

from . import audit


@task()
def audit_anchor_job(today_iso: str = "") -> dict[str, int]:
    """Append the signed chain head to the anchor file (`manage.py periodic --only core`).

    The date does not matter: each run anchors the head as it is now; running twice only adds a
    second line for the same head, which `audit_verify` accepts."""
    anchor = audit.anchor_write()
    return {"anchored_seq": anchor.seq}
