"""The orglife settings in force for an organization (per-committee configuration, one query)."""

from __future__ import annotations

from typing import Any

from dangjian.core.paths import ancestor_paths
from dangjian.orgs import config
from dangjian.orgs.models import OrgConfig

from . import rules
from .models import MeetingKind


def effective_config(path: str) -> dict[str, Any]:
    """Every orglife setting in force at `path`, in one query (nearest ancestor wins, else the default)."""
    ancestors = ancestor_paths(path)
    rows = list(
        OrgConfig.objects.filter(org__path__in=ancestors, key__startswith="orglife.").values_list(
            "org__path", "key", "value"
        )
    )
    depth = {p: i for i, p in enumerate(ancestors)}
    chosen: dict[str, tuple[int, Any]] = {}
    for org_path, key, value in rows:
        if key not in chosen or depth[org_path] > chosen[key][0]:
            chosen[key] = (depth[org_path], value)

    def get(key: str) -> Any:
        return chosen[key][1] if key in chosen else config.get_key(key).default

    return {
        "deadline_days": int(get("orglife.entry_deadline_days")),
        "checklist": rules.parse_checklist(str(get("orglife.required_actions"))),
        "photos": {k.value: int(get(f"orglife.photos.{k.value}")) for k in MeetingKind},
        "grace": int(get("orglife.signin_grace_minutes")),
        "lecture_every": rules.FREQUENCY_MONTHS.get(str(get("orglife.lecture_frequency")), 3),
        "annual_month": int(get("orglife.annual_month")),
        "absence_streak": int(get("orglife.absence_streak")),
        "attendance_default": str(get("orglife.attendance_default")),
    }
