"""The 学时 ledger as data: settings per branch, every member's hours from the records (meetings
attended, trainings, home visits that delivered study), and the yearly figures stored from them.
Read by the recompute (services) and by a member's page (selectors); writes nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from dangjian.members.models import Member
from dangjian.orglife.models import Attendance, AttendanceStatus, Meeting, MeetingStatus
from dangjian.orgs import config
from dangjian.orgs.models import OrgPost, Post

from . import rules as R
from .models import HomeVisit, TrainingKind, TrainingRecord

CONVERSION_KEYS = ["study.hours_per_hour", "study.half_day_hours", "study.full_day_hours"]
TARGET_KEYS = ["study.target_member", "study.target_cadre", "study.cadre_concentrated"]
ONLINE_KEYS = ["study.online_allowed", "study.online_cap"]
# Posts whose holders carry the 56-hour target (书记 and 班子成员); a 党小组组长 does not.
CADRE_POSTS = [p.value for p in Post if p != Post.GROUP_LEADER]


@dataclass(frozen=True)
class Settings:
    conversion: R.Conversion
    targets: R.Targets
    online_allowed: bool
    online_cap: int


def settings_for(paths: Iterable[str]) -> dict[str, Settings]:
    """Every path's conversion table, targets and online rule (one query)."""
    paths = sorted(set(paths))
    v = config.effective_for_paths_keys(paths, [*CONVERSION_KEYS, *TARGET_KEYS, *ONLINE_KEYS])
    out: dict[str, Settings] = {}
    cache: dict[tuple[Any, ...], Settings] = {}
    for p in paths:
        key = tuple(v[k][p] for k in (*CONVERSION_KEYS, *TARGET_KEYS, *ONLINE_KEYS))
        if key not in cache:
            cache[key] = Settings(
                R.Conversion(int(key[0]), int(key[1]), int(key[2])),
                R.Targets(int(key[3]), int(key[4]), int(key[5])),
                bool(key[6]),
                int(key[7]),
            )
        out[p] = cache[key]
    return out


@dataclass(frozen=True)
class Line:
    """One line of a member's 学时登记表 (built for one member's page; the recompute only sums)."""

    on: dt.date
    kind: str
    what: str
    organiser: str
    hours: Decimal
    ref: str


@dataclass
class Tally:
    meeting: Decimal = R.ZERO
    training: Decimal = R.ZERO
    online: Decimal = R.ZERO
    visit: Decimal = R.ZERO
    concentrated: int = 0


def reference_day(year: int, today: dt.date) -> dt.date:
    """The day whose posts decide the target: Dec 31, or today within the current year."""
    return min(dt.date(year, 12, 31), today)


def cadres(ids: list[int], on: dt.date) -> set[int]:
    """Members holding a 书记 / 委员 post on `on` (one query). Targets follow the role held at the
    year's end (domain-rules round 2 §9e leaves the choice open; the simpler rule, documented)."""
    return set(
        OrgPost.objects.filter(member_id__in=ids, post__in=CADRE_POSTS)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=on))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .values_list("member_id", flat=True)
    )


def _meeting_minutes(meeting_ids: set[int], known: dict[int, tuple[int, dt.date, str, str]]) -> None:
    missing = [m for m in meeting_ids if m not in known]
    for i in range(0, len(missing), 20000):
        for pk, start, end, day, theme, org_name in Meeting.objects.filter(pk__in=missing[i : i + 20000]).values_list(
            "pk", "started_at", "ended_at", "meeting_date", "theme", "org__name"
        ):
            known[pk] = (int((end - start).total_seconds() // 60), day, theme, org_name)


def present_at_filed(year: int) -> Any:
    """Attendance rows that earn hours: present, at a filed meeting, in `year`."""
    return Attendance.objects.filter(
        status=AttendanceStatus.PRESENT, meeting_date__year=year, meeting__status=MeetingStatus.FILED
    )


def attendance_lengths(present: Any) -> dict[int, list[tuple[dt.timedelta, int]]]:
    """Each member's attendances counted by meeting length, in the database (a handful of lengths
    per member), so millions of attendance rows never reach Python."""
    length = ExpressionWrapper(F("meeting__ended_at") - F("meeting__started_at"), output_field=DurationField())
    out: dict[int, list[tuple[dt.timedelta, int]]] = defaultdict(list)
    for member_id, duration, n in (
        present.annotate(length=length)
        .values("member_id", "length")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("member_id", "length", "n")
        .iterator(chunk_size=20000)
    ):
        out[member_id].append((duration, n))
    return out


def collect(
    members: Sequence[Member],
    year: int,
    settings: dict[str, Settings],
    *,
    lines: bool = False,
    meetings: dict[int, tuple[int, dt.date, str, str]] | None = None,
    lengths: dict[int, list[tuple[dt.timedelta, int]]] | None = None,
) -> tuple[dict[int, Tally], dict[int, list[Line]]]:
    """Every member's hours of `year` from the records (4 queries per batch, plus the meetings not
    yet known): present at filed meetings, training records (split by days across years), home
    visits that delivered study content. With `lines`, the ledger lines too. `lengths` (from
    `attendance_lengths`, read once for a whole subtree) replaces the batch's attendance query."""
    ids = [m.pk for m in members]
    path_of = {m.pk: m.org_path for m in members}
    tallies = {pk: Tally() for pk in ids}
    out_lines: dict[int, list[Line]] = defaultdict(list)
    known = meetings if meetings is not None else {}
    present = present_at_filed(year).filter(member_id__in=ids)
    if lines:
        marks = list(present.values_list("member_id", "meeting_id"))
        _meeting_minutes({m for _, m in marks}, known)
        for member_id, meeting_id in marks:
            minutes, day, theme, org_name = known[meeting_id]
            hours = R.meeting_hours(minutes, settings[path_of[member_id]].conversion)
            tallies[member_id].meeting += hours
            what = f"出席“{theme}”（{minutes // 60}小时{minutes % 60:02d}分）"
            out_lines[member_id].append(Line(day, "集体学习", what, org_name, hours, f"meeting:{meeting_id}"))
    else:
        if lengths is None:
            lengths = attendance_lengths(present)
        converted: dict[tuple[dt.timedelta, R.Conversion], Decimal] = {}
        for member_id in ids:
            conv = settings[path_of[member_id]].conversion
            for duration, n in lengths.get(member_id, ()):
                each = converted.get((duration, conv))
                if each is None:
                    each = converted[(duration, conv)] = R.meeting_hours(int(duration.total_seconds() // 60), conv)
                tallies[member_id].meeting += each * n

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for t in TrainingRecord.objects.filter(member_id__in=ids, starts_on__lte=end, ends_on__gte=start).only(
        "pk", "member_id", "title", "organiser", "kind", "starts_on", "ends_on", "hours"
    ):
        part = R.split_by_year(t.starts_on, t.ends_on, t.hours).get(year, R.ZERO)
        tally = tallies[t.member_id]
        if t.kind == TrainingKind.ONLINE:
            tally.online += part
        else:
            tally.training += part
            if t.kind == TrainingKind.CONCENTRATED and t.ends_on.year == year:
                tally.concentrated += 1
        if lines:
            label = dict(TrainingKind.choices)[t.kind]
            what = f"{t.title}（{t.starts_on:%m-%d} 至 {t.ends_on:%m-%d}）"
            if part != t.hours:
                what += f"，共 {R.fmt(t.hours)} 学时，按天数计入本年 {R.fmt(part)}"
            out_lines[t.member_id].append(Line(t.starts_on, label, what, t.organiser, part, f"training:{t.pk}"))

    visits = HomeVisit.objects.filter(member_id__in=ids, on__year=year, study=True)
    if lines:
        for v in visits:
            what = f"送学上门：{v.study_content}"
            out_lines[v.member_id].append(Line(v.on, "送学上门", what, v.visitors, v.study_hours, f"visit:{v.pk}"))
            tallies[v.member_id].visit += v.study_hours
    else:
        for member_id, hours in visits.values("member_id").annotate(h=Sum("study_hours")).values_list("member_id", "h"):
            tallies[member_id].visit += hours or R.ZERO
    for pk in ids:
        s = settings[path_of[pk]]
        tallies[pk].online = R.online_counted(tallies[pk].online, allowed=s.online_allowed, cap=s.online_cap)
    for pk in out_lines:
        out_lines[pk].sort(key=lambda ln: (ln.on, ln.ref))
    return tallies, dict(out_lines)


YEAR_FIELDS = (
    "org_path",
    "meeting_hours",
    "training_hours",
    "online_hours",
    "visit_hours",
    "total",
    "concentrated",
    "cadre",
    "target",
    "concentrated_target",
    "exempt",
    "on_track",
)


def year_values(member: Member, tally: Tally, cadre: bool, s: Settings) -> dict[str, Any]:
    total = (tally.meeting + tally.training + tally.online + tally.visit).quantize(R.ONE_PLACE)
    st = R.standing(total, tally.concentrated, cadre=cadre, exempt=member.exempt, targets=s.targets)
    return {
        "org_path": member.org_path,
        "meeting_hours": tally.meeting.quantize(R.ONE_PLACE),
        "training_hours": tally.training.quantize(R.ONE_PLACE),
        "online_hours": tally.online.quantize(R.ONE_PLACE),
        "visit_hours": tally.visit.quantize(R.ONE_PLACE),
        "total": total,
        "concentrated": tally.concentrated,
        "cadre": cadre,
        "target": st.target,
        "concentrated_target": st.concentrated_target,
        "exempt": member.exempt,
        "on_track": st.on_track,
    }
