"""Photos and attachments of a meeting: upload (checked, flagged when suspicious), delete, review."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.scoping import Action, require, require_four_eyes, user_or_none
from dangjian.core.uploads import MB, check_document, check_image

from .. import rules
from ..imaging import bands, dhash, exif_taken_at, hash_hex, image_size
from ..models import Meeting, MeetingAttachment, MeetingPhoto, MeetingStatus
from ..selectors import branch_of as _branch_of
from ._common import FILED_READ_ONLY, _recompute, _refresh_rollup

PHOTO_MAX_BYTES = 10 * MB


ATTACHMENT_MAX_BYTES = 20 * MB


def _find_duplicate(value: int, exclude_meeting_id: int) -> tuple[MeetingPhoto | None, int | None]:
    b = bands(value)
    candidates = (
        MeetingPhoto.objects.filter(Q(band0=b[0]) | Q(band1=b[1]) | Q(band2=b[2]) | Q(band3=b[3]))
        .exclude(meeting_id=exclude_meeting_id)
        .only("id", "dhash", "meeting_id", "org_path")[:500]
    )
    best: tuple[MeetingPhoto | None, int | None] = (None, None)
    for p in candidates:
        d = rules.hamming(int(p.dhash, 16), value)
        if d <= rules.DUPLICATE_MAX_DISTANCE and (best[1] is None or d < best[1]):
            best = (p, d)
    return best


def photo_add(*, actor: Any, meeting: Meeting, file: IO[bytes], caption: str = "") -> MeetingPhoto:
    """Upload a meeting photo. Bad files are refused; suspicious ones are kept and flagged."""
    require(actor, Action.MANAGE, meeting.org_path, "无权上传照片")
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(FILED_READ_ONLY)
    try:
        check_image(file, PHOTO_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    taken_at = exif_taken_at(file)
    width, height = image_size(file)
    value = dhash(file)
    file.seek(0)
    content = file.read()
    dup, distance = _find_duplicate(value, meeting.pk)
    b = bands(value)
    photo = MeetingPhoto(
        meeting=meeting,
        org_path=meeting.org_path,
        caption=caption.strip()[:200],
        width=width,
        height=height,
        taken_at=taken_at,
        time_check=rules.photo_time_check(taken_at, meeting.started_at, meeting.ended_at),
        dhash=hash_hex(value),
        band0=b[0],
        band1=b[1],
        band2=b[2],
        band3=b[3],
        duplicate_of=dup,
        duplicate_distance=distance,
        uploaded_by=user_or_none(actor),
    )
    with transaction.atomic():
        photo.image.save("photo.jpg", ContentFile(content), save=False)
        photo.save()
        current = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
        _recompute(current)
        current.save(update_fields=["level", "updated_at"])
        _refresh_rollup(_branch_of(current.org), [current.month])
        audit.record(
            actor,
            "orglife.photo_add",
            photo,
            after={"time_check": photo.time_check, "taken_at": taken_at, "duplicate_of": dup.pk if dup else None},
        )
    return photo


def photo_delete(*, actor: Any, photo: MeetingPhoto) -> None:
    """Remove a photo from a draft record (a wrong or blurred shot); a filed record keeps its photos."""
    require(actor, Action.MANAGE, photo.org_path, "无权删除照片")
    with transaction.atomic():
        current = Meeting.objects.select_for_update().select_related("org").get(pk=photo.meeting_id)
        if current.status == MeetingStatus.FILED:
            raise ValidationError(FILED_READ_ONLY)
        audit.record(actor, "orglife.photo_delete", photo, before={"image": photo.image.name})
        name = photo.image.name
        photo.delete()
        transaction.on_commit(lambda: photo.image.storage.delete(name))
        _recompute(current)
        current.save(update_fields=["level", "updated_at"])
        _refresh_rollup(_branch_of(current.org), [current.month])


def photo_review(*, actor: Any, photo: MeetingPhoto) -> MeetingPhoto:
    """The reviewer confirms a flagged photo after checking it (flags stay visible in the history).
    Four eyes: the person who uploaded the photo does not confirm it."""
    require(actor, Action.APPROVE, photo.org_path, "须由书记或上级组织核实")
    require_four_eyes(actor, photo.uploaded_by_id)
    with transaction.atomic():
        photo.reviewed_by = user_or_none(actor)
        photo.reviewed_at = timezone.now()
        photo.save(update_fields=["reviewed_by", "reviewed_at"])
        audit.record(actor, "orglife.photo_review", photo, after={"reviewed_at": photo.reviewed_at})
    return photo


def attachment_add(*, actor: Any, meeting: Meeting, file: IO[bytes], name: str) -> MeetingAttachment:
    require(actor, Action.MANAGE, meeting.org_path, "无权上传附件")
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(FILED_READ_ONLY)
    try:
        # Opened by its parser (PDF, Office, image): a renamed page or script is refused.
        check_document(file, ATTACHMENT_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    file.seek(0)
    att = MeetingAttachment(meeting=meeting, org_path=meeting.org_path, name=(name or "附件")[:200])
    att.uploaded_by = user_or_none(actor)
    with transaction.atomic():
        att.file.save("attachment", ContentFile(file.read()), save=False)
        att.save()
        audit.record(actor, "orglife.attachment_add", att, after={"name": att.name})
    return att
