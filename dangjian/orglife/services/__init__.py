"""Writes on organizational-life records. Scope check, full_clean, audit — all in one transaction.

One module per concern (meetings, attendance, photos, resolutions); helpers they share live in
`_common`. Callers import from this package (`from dangjian.orglife import services`), never from a
submodule: every public name is re-exported here.
"""

from ._common import FILED_READ_ONLY, Mark
from .attendance import attendance_all_present, attendance_mark, exclusion_add, sign_in
from .meetings import (
    AUDIT_FIELDS,
    CLEAN_EXCLUDE,
    EDIT_FIELDS,
    MeetingData,
    meeting_amend,
    meeting_create,
    meeting_file,
    meeting_update,
    party_day_reschedule,
)
from .photos import ATTACHMENT_MAX_BYTES, PHOTO_MAX_BYTES, attachment_add, photo_add, photo_delete, photo_review
from .resolutions import ActionData, action_close, notify_overdue_actions, resolution_add, vote_record

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "AUDIT_FIELDS",
    "CLEAN_EXCLUDE",
    "EDIT_FIELDS",
    "FILED_READ_ONLY",
    "PHOTO_MAX_BYTES",
    "ActionData",
    "Mark",
    "MeetingData",
    "action_close",
    "attachment_add",
    "attendance_all_present",
    "attendance_mark",
    "exclusion_add",
    "meeting_amend",
    "meeting_create",
    "meeting_file",
    "meeting_update",
    "notify_overdue_actions",
    "party_day_reschedule",
    "photo_add",
    "photo_delete",
    "photo_review",
    "resolution_add",
    "sign_in",
    "vote_record",
]
