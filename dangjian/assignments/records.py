"""Read-only access to the organizational-life records (orglife) that assignments build upon.

Kept in one module so the summary tables and the linking flow read meetings the same way, with a
constant number of queries whatever the number of branches (aggregates grouped by meeting).
Expected attendance (应到) counts present + on leave + absent; members exempt from collective
activities or excluded from the expected count are not expected (domain-rules §0).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangjian.orglife.models import (
    KIND_FIELDS,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    MeetingPhoto,
    Resolution,
)

from .models import TargetItem


@dataclass
class MeetingFacts:
    """Everything a summary table shows about one meeting, read once from its record."""

    id: int
    branch_path: str
    date: dt.date
    started_at: dt.datetime
    ended_at: dt.datetime
    theme: str
    place: str
    kinds: list[str]
    required_actions: list[str]
    study_items: list[str]
    filed: bool
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    resolutions: list[str] = field(default_factory=list)
    photo_count: int = 0
    photos: list[str] = field(default_factory=list)  # storage names (for the PDF)

    @property
    def hours(self) -> Decimal:
        seconds = (self.ended_at - self.started_at).total_seconds()
        return Decimal(round(seconds / 3600, 1)).quantize(Decimal("0.1"))

    @property
    def time_label(self) -> str:
        s = timezone.localtime(self.started_at)
        e = timezone.localtime(self.ended_at)
        return f"{s:%Y-%m-%d %H:%M}–{e:%H:%M}"

    @property
    def attendance_rate(self) -> str:
        return f"{self.present * 100 / self.expected:.0f}%" if self.expected else "—"


_FIELDS = (
    "id",
    "branch_path",
    "meeting_date",
    "started_at",
    "ended_at",
    "theme",
    "place",
    "required_actions",
    "study_items",
    "status",
    *KIND_FIELDS.values(),
)
# Meeting flag column -> the kind's label, in orglife's order.
_KIND_LABELS = {flag: MeetingKind(kind).label for kind, flag in KIND_FIELDS.items()}


def meeting_of_org(meeting_id: int | str, branch_path: str) -> Meeting | None:
    """The meeting if it belongs to the branch (its own or one of its 党小组's), else None."""
    try:
        pk = int(meeting_id)
    except (TypeError, ValueError):
        return None
    return Meeting.objects.filter(pk=pk, branch_path=branch_path).first()


def last_party_day_place(branch_path: str) -> str:
    """Where the branch held its last party day (the likeliest place of the next one)."""
    place = (
        Meeting.objects.filter(branch_path=branch_path, is_party_day=True)
        .exclude(place="")
        .order_by("-started_at", "-id")
        .values_list("place", flat=True)
        .first()
    )
    return place or ""


def linked_party_day(target_id: int) -> Meeting | None:
    """The party-day meeting already linked to a target (so the hub's button opens it again)."""
    item = (
        TargetItem.objects.filter(target_id=target_id, meeting__isnull=False, meeting__is_party_day=True)
        .select_related("meeting")
        .order_by("id")
        .first()
    )
    return item.meeting if item else None


def _linked_photos(target_id: int) -> QuerySet[MeetingPhoto]:
    linked = TargetItem.objects.filter(target_id=target_id, meeting__isnull=False).values("meeting_id")
    return MeetingPhoto.objects.filter(meeting_id__in=linked).order_by("meeting_id", "id")


def linked_meeting_photo_count(target_id: int) -> int:
    """Photos attached to the meeting records linked to a target (they count as its photos)."""
    return _linked_photos(target_id).count()


def linked_meeting_photo_ids(target_id: int) -> list[int]:
    return list(_linked_photos(target_id).values_list("id", flat=True))


def linked_meeting_photos(target_id: int) -> list[MeetingPhoto]:
    return list(_linked_photos(target_id).only("id", "meeting_id"))


def meetings_for_linking(branch_path: str, start: dt.date, end: dt.date) -> QuerySet[Meeting]:
    """The branch's meetings around an activity window, party days first (the likely match)."""
    return (
        Meeting.objects.filter(branch_path=branch_path, meeting_date__gte=start, meeting_date__lte=end)
        .order_by("-is_party_day", "-meeting_date", "-id")
        .only("id", "theme", "meeting_date", "is_party_day", "place", "status", "started_at", "ended_at")
    )


def collect(meetings: QuerySet[Meeting], with_photos: bool = False) -> list[MeetingFacts]:
    """Facts for every meeting of `meetings`, in four queries whatever their number."""
    rows = list(meetings.order_by("branch_path", "started_at", "id").values(*_FIELDS))
    if not rows:
        return []
    facts: dict[int, MeetingFacts] = {}
    for r in rows:
        facts[r["id"]] = MeetingFacts(
            id=r["id"],
            branch_path=r["branch_path"],
            date=r["meeting_date"],
            started_at=r["started_at"],
            ended_at=r["ended_at"],
            theme=r["theme"],
            place=r["place"],
            kinds=[label for f, label in _KIND_LABELS.items() if r[f]],
            required_actions=[str(a) for a in (r["required_actions"] or [])],
            study_items=[s.strip() for s in (r["study_items"] or "").splitlines() if s.strip()],
            filed=r["status"] == "filed",
        )
    ids = meetings.values("id")
    counted = Q(status__in=[AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT])
    for a in (
        Attendance.objects.filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(
            expected=Count("id", filter=counted),
            present=Count("id", filter=Q(status=AttendanceStatus.PRESENT)),
            leave=Count("id", filter=Q(status=AttendanceStatus.LEAVE)),
            absent=Count("id", filter=Q(status=AttendanceStatus.ABSENT)),
        )
        .order_by()
    ):
        f = facts.get(a["meeting_id"])
        if f is not None:
            f.expected, f.present, f.leave, f.absent = a["expected"], a["present"], a["leave"], a["absent"]
    for mid, title in Resolution.objects.filter(meeting_id__in=ids).order_by("id").values_list("meeting_id", "title"):
        if mid in facts:
            facts[mid].resolutions.append(title)
    if with_photos:
        for mid, image in (
            MeetingPhoto.objects.filter(meeting_id__in=ids).order_by("id").values_list("meeting_id", "image")
        ):
            if mid in facts:
                facts[mid].photos.append(image)
                facts[mid].photo_count += 1
    else:
        for p in (
            MeetingPhoto.objects.filter(meeting_id__in=ids).values("meeting_id").annotate(n=Count("id")).order_by()
        ):
            if p["meeting_id"] in facts:
                facts[p["meeting_id"]].photo_count = p["n"]
    return list(facts.values())


def party_days_in(branch_path_q: Q, start: dt.date, end: dt.date, extra_ids: Any = None) -> QuerySet[Meeting]:
    """Party-day meetings in [start, end] of the branches matched by `branch_path_q`, plus any
    meetings whose ids are in `extra_ids` (meetings linked to an assignment)."""
    q = branch_path_q & Q(is_party_day=True, meeting_date__gte=start, meeting_date__lte=end)
    if extra_ids is not None:
        q |= Q(pk__in=extra_ids)
    return Meeting.objects.filter(q)


def by_branch(facts: Iterable[MeetingFacts]) -> dict[str, list[MeetingFacts]]:
    out: dict[str, list[MeetingFacts]] = defaultdict(list)
    for f in facts:
        out[f.branch_path].append(f)
    return out
