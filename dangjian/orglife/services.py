"""Writes on organizational-life records. Scope check, full_clean, audit — all in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by
from dangjian.core import audit, notify
from dangjian.core.scoping import (
    PLATFORM,
    SYSTEM,
    Action,
    require,
    require_four_eyes,
    require_person,
    user_or_none,
)
from dangjian.core.uploads import MB, check_document, check_image
from dangjian.core.versioning import bump, lock
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgKind

from . import rules
from .config import effective_config
from .imaging import bands, dhash, exif_taken_at, hash_hex, image_size
from .models import (
    KIND_FIELDS,
    ActionStatus,
    Attendance,
    AttendanceExclusion,
    AttendanceStatus,
    BranchMonth,
    Meeting,
    MeetingAmendment,
    MeetingAttachment,
    MeetingPhoto,
    MeetingStatus,
    Resolution,
    ResolutionAction,
    VoteMatter,
)
from .selectors import branch_of as _branch_of
from .selectors import expected_members, sign_in_error

PHOTO_MAX_BYTES = 10 * MB
ATTACHMENT_MAX_BYTES = 20 * MB
FILED_READ_ONLY = "记录已归档，不能直接修改；如需更正，请提交更正并说明原因"

EDIT_FIELDS = [
    *KIND_FIELDS.values(),
    "theme",
    "started_at",
    "ended_at",
    "place",
    "host",
    "recorder",
    "lecturer",
    "lecture_topic",
    "minutes",
    "study_items",
    "required_actions",
    "invitees",
]
# Derived columns, and foreign keys whose instances the service itself supplies (org, people checked
# against the branch in _validate_data): skipping them saves a query each; the end>start check
# constraint is enforced by rules.meeting_time_errors first and by the database last.
CLEAN_EXCLUDE = [
    "org_path",
    "branch_path",
    "meeting_date",
    "month",
    "sign_in_token",
    "org",
    "host",
    "recorder",
    "filed_by",
    "created_by",
]
AUDIT_FIELDS = [*EDIT_FIELDS, "org", "status", "late", "level", "filed_at", "version"]


@dataclass
class MeetingData:
    """What a person enters for a meeting record (already parsed from the form)."""

    kinds: list[str]
    theme: str
    started_at: dt.datetime
    ended_at: dt.datetime
    place: str = ""
    host: Member | None = None
    recorder: Member | None = None
    lecturer: str = ""
    lecture_topic: str = ""
    minutes: str = ""
    study_items: str = ""
    required_actions: list[str] = field(default_factory=list)
    invitees: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ActionData:
    measure: str
    deadline: dt.date
    owner: Member | None = None
    owner_name: str = ""


def _has_groups(branch: Organization) -> bool:
    return Organization.objects.filter(path__startswith=branch.path, kind=OrgKind.GROUP).exclude(pk=branch.pk).exists()


def _config(org: Organization) -> dict[str, Any]:
    return effective_config(org.path)


def _validate_data(org: Organization, data: MeetingData, *, held: bool) -> None:
    errors: dict[str, str] = {}
    if not data.theme.strip():
        errors["theme"] = "请填写会议主题"
    errors.update(
        rules.kind_errors(
            data.kinds,
            org_is_group=org.kind == OrgKind.GROUP,
            has_committee=org.has_committee,
            has_groups=org.kind != OrgKind.GROUP and _has_groups(org),
            lecturer=data.lecturer,
            topic=data.lecture_topic,
        )
    )
    errors.update(rules.meeting_time_errors(data.started_at, data.ended_at, timezone.now(), held=held))
    branch = _branch_of(org)
    for name, person in (("host", data.host), ("recorder", data.recorder)):
        if person is not None and person.org_id != branch.pk:
            errors[name] = f"{person.name} 不是本支部党员"
    for i, inv in enumerate(data.invitees, start=1):
        if not str(inv.get("name", "")).strip():
            errors["invitees"] = f"第 {i} 位列席人员未填写姓名"
        elif inv.get("category") not in rules.INVITEE_CATEGORIES:
            errors["invitees"] = f"第 {i} 位列席人员的身份无效（可选：{'、'.join(rules.INVITEE_CATEGORIES)}）"
    if errors:
        raise ValidationError(errors)


def _apply(meeting: Meeting, data: MeetingData) -> None:
    for kind, fname in KIND_FIELDS.items():
        setattr(meeting, fname, kind in data.kinds)
    meeting.theme = data.theme.strip()
    meeting.started_at = data.started_at
    meeting.ended_at = data.ended_at
    meeting.place = data.place.strip()
    meeting.host = data.host
    meeting.recorder = data.recorder
    meeting.lecturer = data.lecturer.strip()
    meeting.lecture_topic = data.lecture_topic.strip()
    meeting.minutes = data.minutes
    meeting.study_items = data.study_items
    meeting.required_actions = list(dict.fromkeys(data.required_actions))
    meeting.invitees = [{"name": str(i["name"]).strip(), "category": str(i["category"])} for i in data.invitees]
    local = timezone.localtime(data.started_at).date()
    meeting.meeting_date = local
    meeting.month = rules.month_key(local)


def _initial_status(meeting: Meeting) -> str:
    """Attendance by exception: each expected member starts as 出席 unless the committee chose
    to mark everyone one by one (then they start as 缺席, as on paper)."""
    default = _config(meeting.org)["attendance_default"]
    return AttendanceStatus.PRESENT if default == "present" else AttendanceStatus.ABSENT


def _expected_rows(meeting: Meeting, members: Sequence[Member]) -> list[Attendance]:
    if not members:
        return []
    on = meeting.meeting_date
    initial = _initial_status(meeting)
    exclusions = {
        e.member_id: e
        for e in AttendanceExclusion.objects.filter(member__in=members, starts_on__lte=on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on)
        )
    }
    rows: list[Attendance] = []
    for m in members:
        ex = exclusions.get(m.pk)
        entry = rules.expected_entry(
            member_status=m.status,
            exempt=m.exempt,
            exempt_reason=m.exempt_reason,
            exclusion_kind=ex.kind if ex else "",
            exclusion_label=(f"{ex.get_kind_display()}（{ex.note}）" if ex else ""),
        )
        rows.append(
            Attendance(
                meeting=meeting,
                member=m,
                org_path=meeting.org_path,
                meeting_date=on,
                status=entry.status or initial,
                reason=entry.reason,
                voting=entry.voting,
            )
        )
    return rows


def _sync_expected(meeting: Meeting) -> None:
    """Add roster members missing from the list; drop unmarked rows of people no longer expected."""
    members = expected_members(meeting.org, meeting.meeting_date)
    have = set(meeting.attendance.values_list("member_id", flat=True))
    wanted = {m.pk for m in members}
    Attendance.objects.bulk_create(_expected_rows(meeting, [m for m in members if m.pk not in have]))
    meeting.attendance.filter(member_id__in=have - wanted, signed_in_at__isnull=True).exclude(
        status=AttendanceStatus.PRESENT
    ).delete()
    meeting.attendance.update(meeting_date=meeting.meeting_date)


def _refresh_rollup(branch: Organization, months: Sequence[int]) -> None:
    """Rewrite the branch's BranchMonth rows for `months` from its (and its groups') meetings."""
    from django.db.models import Case, Max, Value, When

    from dangjian.core.paths import subtree_q

    wanted = sorted(set(months))
    agg = {
        row["month"]: row
        for row in Meeting.objects.filter(subtree_q("org_path", branch.path), month__in=wanted)
        .order_by()
        .values("month")
        .annotate(
            **{
                kind: Max(Case(When(**{field: True}, then="level"), default=Value(0)))
                for kind, field in KIND_FIELDS.items()
            }
        )
    }
    existing = {bm.month: bm for bm in BranchMonth.objects.filter(org=branch, month__in=wanted)}
    to_update: list[BranchMonth] = []
    to_create: list[BranchMonth] = []
    for month in wanted:
        values = {kind: int((agg.get(month) or {}).get(kind) or 0) for kind in KIND_FIELDS}
        bm = existing.get(month)
        if bm is None:
            if any(values.values()):
                to_create.append(BranchMonth(org=branch, org_path=branch.path, month=month, **values))
            continue
        for kind, v in values.items():
            setattr(bm, kind, v)
        bm.org_path = branch.path
        to_update.append(bm)
    if to_update:
        BranchMonth.objects.bulk_update(to_update, ["org_path", *KIND_FIELDS.keys()])
    if to_create:
        BranchMonth.objects.bulk_create(to_create)


def _recompute(meeting: Meeting, cfg: dict[str, Any] | None = None) -> None:
    cfg = cfg or _config(meeting.org)
    missing = rules.missing_actions(meeting.kinds, meeting.required_actions, cfg["checklist"])
    short = rules.photos_short(meeting.kinds, meeting.photos.count() if meeting.pk else 0, cfg["photos"])
    meeting.level = rules.meeting_level(
        filed=meeting.status == MeetingStatus.FILED,
        late=meeting.late,
        missing_actions_count=len(missing),
        photos_short_count=short,
    )


def meeting_create(
    *,
    actor: Any,
    org: Organization,
    data: MeetingData,
    attendance: Sequence[Mark] = (),
    file: bool = False,
    filed_at: dt.datetime | None = None,
) -> Meeting:
    """Record a meeting (draft) and generate its expected attendance list from the roster.

    `attendance` optionally marks people at once (a record entered after the meeting), checked
    exactly as `attendance_mark` checks them; any bad row refuses the whole record. `file=True`
    files it at once (a past meeting entered in one go), with the same checks as `meeting_file`;
    `filed_at` is for system imports of paper records only (actor SYSTEM).
    """
    require(actor, Action.MANAGE, org.path, "无权为该组织录入组织生活记录")
    if org.kind not in (OrgKind.BRANCH, OrgKind.GROUP):
        raise ValidationError({"org": "组织生活记录应由党支部或党小组录入"})
    if filed_at is not None and (actor is not SYSTEM or not file):
        raise PermissionDenied("归档时间由系统记录")
    now = filed_at or timezone.now()
    _validate_data(org, data, held=False)
    if file:
        errors = rules.meeting_time_errors(data.started_at, data.ended_at, now, held=True)
        if errors:
            raise ValidationError(errors)
    meeting = Meeting(org=org, org_path=org.path, branch_path=_branch_of(org).path, created_by=user_or_none(actor))
    _apply(meeting, data)
    cfg = _config(org)
    if file:
        meeting.status = MeetingStatus.FILED
        meeting.filed_at = now
        meeting.filed_by = user_or_none(actor)
        ended_on = timezone.localtime(meeting.ended_at).date()
        meeting.late = rules.is_late(ended_on, timezone.localtime(now).date(), cfg["deadline_days"])
    _recompute(meeting, cfg)
    meeting.full_clean(exclude=CLEAN_EXCLUDE, validate_constraints=False)
    with transaction.atomic():
        meeting.save()
        members = expected_members(org, meeting.meeting_date)
        rows = _expected_rows(meeting, members)
        if attendance:
            by_member = {r.member_id: r for r in rows}
            _check_marks(meeting, by_member, {m.pk: m for m in members}, attendance)
            _set_marks(by_member, attendance)
        Attendance.objects.bulk_create(rows)
        _refresh_rollup(_branch_of(org), [meeting.month])
        after = audit.snapshot(meeting, AUDIT_FIELDS)
        if attendance:
            after["attendance"] = {str(m.member_id): m.status for m in attendance}
        audit.record(actor, "orglife.meeting_create", meeting, after=after)
    return meeting


def _locked(meeting: Meeting, version: int) -> Meeting:
    return lock(Meeting.objects.select_related("org"), meeting.pk, version)


def _save_edit(current: Meeting, data: MeetingData) -> int:
    """Apply an edit to the locked row, recompute, bump the version and save; returns the old month."""
    old_month = current.month
    _apply(current, data)
    _recompute(current)
    bump(current)
    current.full_clean(exclude=CLEAN_EXCLUDE, validate_constraints=False)
    current.save()
    return old_month


def meeting_update(*, actor: Any, meeting: Meeting, version: int, data: MeetingData) -> Meeting:
    """Edit a draft. A filed record refuses (use `meeting_amend`); a stale version refuses."""
    require(actor, Action.MANAGE, meeting.org_path, "无权修改该记录")
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status == MeetingStatus.FILED:
            raise ValidationError(FILED_READ_ONLY)
        _validate_data(current.org, data, held=False)
        before = audit.snapshot(current, AUDIT_FIELDS)
        old_month = _save_edit(current, data)
        _sync_expected(current)
        _refresh_rollup(_branch_of(current.org), [old_month, current.month])
        audit.record(
            actor, "orglife.meeting_update", current, before=before, after=audit.snapshot(current, AUDIT_FIELDS)
        )
    return current


def party_day_reschedule(
    *, actor: Any, org: Organization, on: dt.date, new_start: dt.datetime, place: str = ""
) -> list[Meeting]:
    """An approved change of the party day moves the branch's planned (draft) party day of `on`
    to `new_start`, keeping its length; a filed record is history and never moves. Whoever approved
    the change (APPROVE above the branch) or the branch itself may move it."""
    require(actor, Action.APPROVE, org.path, "无权调整该组织的主题党日")
    moved: list[Meeting] = []
    for m in Meeting.objects.filter(org=org, is_party_day=True, status=MeetingStatus.DRAFT, meeting_date=on):
        data = MeetingData(
            kinds=m.kinds,
            theme=m.theme,
            started_at=new_start,
            ended_at=new_start + (m.ended_at - m.started_at),
            place=place or m.place,
            host=m.host,
            recorder=m.recorder,
            lecturer=m.lecturer,
            lecture_topic=m.lecture_topic,
            minutes=m.minutes,
            study_items=m.study_items,
            required_actions=list(m.required_actions),
            invitees=list(m.invitees or []),
        )
        moved.append(meeting_update(actor=actor, meeting=m, version=m.version, data=data))
    return moved


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k) and k not in ("version", "level")]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def meeting_amend(*, actor: Any, meeting: Meeting, version: int, data: MeetingData, reason: str) -> Meeting:
    """Correct a filed record: the reason and the changed fields are kept in its history."""
    require(actor, Action.MANAGE, meeting.org_path, "无权更正该记录")
    if not reason.strip():
        raise ValidationError({"reason": "更正已归档的记录须填写更正原因"})
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status != MeetingStatus.FILED:
            raise ValidationError("记录尚未归档，直接编辑即可")
        _validate_data(current.org, data, held=True)
        before = audit.snapshot(current, EDIT_FIELDS)
        old_month = _save_edit(current, data)
        _refresh_rollup(_branch_of(current.org), [old_month, current.month])
        current.refresh_from_db()
        b, a = _diff(before, audit.snapshot(current, EDIT_FIELDS))
        if not a:
            raise ValidationError("没有任何修改")
        MeetingAmendment.objects.create(
            meeting=current,
            org_path=current.org_path,
            reason=reason.strip(),
            changed_by=user_or_none(actor),
            before=b,
            after=a,
        )
        audit.record(actor, "orglife.meeting_amend", current, before=b, after={**a, "reason": reason.strip()})
    return current


def meeting_file(*, actor: Any, meeting: Meeting, version: int, filed_at: dt.datetime | None = None) -> Meeting:
    """归档: the record becomes read-only; entry later than the committee's deadline is marked late.

    `filed_at` lets a system import (actor SYSTEM) file paper records with their real entry date.
    """
    require(actor, Action.MANAGE, meeting.org_path, "无权归档该记录")
    if filed_at is not None and actor is not SYSTEM:
        raise PermissionDenied("归档时间由系统记录")
    now = filed_at or timezone.now()
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status == MeetingStatus.FILED:
            raise ValidationError("记录已归档")
        errors = rules.meeting_time_errors(current.started_at, current.ended_at, now, held=True)
        if errors:
            raise ValidationError(errors)
        cfg = _config(current.org)
        current.status = MeetingStatus.FILED
        current.filed_at = now
        current.filed_by = user_or_none(actor)
        ended_on = timezone.localtime(current.ended_at).date()
        current.late = rules.is_late(ended_on, timezone.localtime(now).date(), cfg["deadline_days"])
        _recompute(current, cfg)
        bump(current)
        current.save()
        _refresh_rollup(_branch_of(current.org), [current.month])
        audit.record(
            actor,
            "orglife.meeting_file",
            current,
            after={"status": current.status, "late": current.late, "level": current.level},
        )
    return current


@dataclass
class Mark:
    member_id: int
    status: str
    reason: str = ""


def _check_marks(
    meeting: Meeting, rows: dict[int, Attendance], roster: dict[int, Member], marks: Sequence[Mark]
) -> None:
    """Every mark checked before any is saved; the errors name the row (and the person, if ours)."""
    errors: list[str] = []
    seen: set[int] = set()
    allowed = {AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT}
    not_started = meeting.started_at > timezone.now()
    for i, mark in enumerate(marks, start=1):
        row = rows.get(mark.member_id)
        name = row.member.name if row else (roster[mark.member_id].name if mark.member_id in roster else "")
        label = f"第 {i} 行（{name}）" if name else f"第 {i} 行"
        if mark.member_id in seen:
            errors.append(f"{label}：同一人重复登记")
            continue
        seen.add(mark.member_id)
        if row is None and mark.member_id not in roster:
            errors.append(f"{label}：该人员不是本组织党员，不能登记出勤")
            continue
        if mark.status not in allowed:
            errors.append(f"{label}：出勤状态无效")
            continue
        if row is not None and row.status in (AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED):
            # An exempt member may still come (recorded as present); leave/absent keeps the exemption.
            if mark.status == AttendanceStatus.PRESENT and not_started:
                errors.append(f"{label}：会议尚未开始，不能登记出席或请假")
            continue
        # The reason of a leave is optional (report once: the liaison is not made to type it).
        # Before the meeting only changes are checked: the list starts as 出席 by default.
        unchanged = row is not None and row.status == mark.status
        if mark.status != AttendanceStatus.ABSENT and not_started and not unchanged:
            errors.append(f"{label}：会议尚未开始，不能登记出席或请假")
    if errors:
        raise ValidationError(errors)


def _set_marks(rows: dict[int, Attendance], marks: Sequence[Mark]) -> list[Attendance]:
    """Apply checked marks to existing rows; returns the rows that changed."""
    changed: list[Attendance] = []
    for mark in marks:
        row = rows.get(mark.member_id)
        if row is None:
            continue
        if row.status not in (AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED):
            row.status, row.reason = mark.status, mark.reason.strip()
            changed.append(row)
        elif mark.status == AttendanceStatus.PRESENT:
            row.status = AttendanceStatus.PRESENT  # came although exempt; the reason stays on record
            changed.append(row)
    return changed


def attendance_mark(
    *, actor: Any, meeting: Meeting, version: int, marks: Sequence[Mark], amendment_reason: str = ""
) -> Meeting:
    """Set present / leave / absent for people on the list. All rows are checked before any is saved."""
    require(actor, Action.MANAGE, meeting.org_path, "无权登记出勤")
    with transaction.atomic():
        current = _locked(meeting, version)
        if current.status == MeetingStatus.FILED and not amendment_reason.strip():
            raise ValidationError(FILED_READ_ONLY)
        rows = {a.member_id: a for a in current.attendance.select_related("member")}
        # The roster at the meeting date is only needed for people not yet on the list.
        roster = (
            {m.pk: m for m in expected_members(current.org, current.meeting_date)}
            if any(mk.member_id not in rows for mk in marks)
            else {}
        )
        _check_marks(current, rows, roster, marks)
        before = {str(r.member_id): r.status for r in rows.values()}
        new_rows = _expected_rows(current, [roster[mk.member_id] for mk in marks if mk.member_id not in rows])
        for r in new_rows:
            rows[r.member_id] = r
        changed = _set_marks(rows, marks)
        Attendance.objects.bulk_update([r for r in changed if r.pk], ["status", "reason"])
        Attendance.objects.bulk_create(new_rows)
        bump(current)
        current.save(update_fields=["version", "updated_at"])
        after = {str(m.member_id): m.status for m in marks}
        if current.status == MeetingStatus.FILED:
            MeetingAmendment.objects.create(
                meeting=current,
                org_path=current.org_path,
                reason=amendment_reason.strip(),
                changed_by=user_or_none(actor),
                before={"attendance": before},
                after={"attendance": after},
            )
        audit.record(
            actor, "orglife.attendance_mark", current, before={"attendance": before}, after={"attendance": after}
        )
    return current


def attendance_all_present(*, actor: Any, meeting: Meeting, version: int, amendment_reason: str = "") -> Meeting:
    """全部出席: every expected member on the list (not the exempt or excluded) is marked present."""
    rows = meeting.attendance.exclude(status__in=[AttendanceStatus.EXEMPT, AttendanceStatus.EXCLUDED])
    marks = [Mark(mid, AttendanceStatus.PRESENT) for mid in rows.values_list("member_id", flat=True)]
    return attendance_mark(
        actor=actor, meeting=meeting, version=version, marks=marks, amendment_reason=amendment_reason
    )


def sign_in(*, actor: Any, token: str, now: dt.datetime | None = None) -> Attendance:
    """A member marks themself present by opening the meeting's QR link during the meeting."""
    require_person(actor)
    user = actor
    now = now or timezone.now()
    meeting = Meeting.objects.select_related("org").filter(sign_in_token=token).first()
    if meeting is None:
        raise ValidationError("签到二维码无效")
    with transaction.atomic():
        row = (
            Attendance.objects.select_for_update()
            .filter(meeting=meeting, member__user_id=user.pk)
            .select_related("member")
            .first()
        )
        err = sign_in_error(meeting, row, now)
        if err is not None:
            raise ValidationError(err)
        assert row is not None
        if row.signed_in_at is None:
            row.status = AttendanceStatus.PRESENT
            row.reason = ""
            row.signed_in_at = now
            row.save(update_fields=["status", "reason", "signed_in_at"])
            audit.record(user, "orglife.sign_in", row, org_path=meeting.org_path, after={"signed_in_at": now})
    return row


def exclusion_add(
    *, actor: Any, member: Member, kind: str, note: str, starts_on: dt.date, ends_on: dt.date | None = None
) -> AttendanceExclusion:
    """Record an approved exclusion from the expected count (or suspension of 表决权), §0."""
    require(actor, Action.APPROVE, member.org_path, "须由书记或上级组织登记")
    ex = AttendanceExclusion(
        member=member, org_path=member.org_path, kind=kind, note=note.strip(), starts_on=starts_on, ends_on=ends_on
    )
    ex.created_by = user_or_none(actor)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": "结束日期应不早于起始日期"})
    ex.full_clean()
    with transaction.atomic():
        ex.save()
        audit.record(actor, "orglife.exclusion_add", ex, after=audit.snapshot(ex))
    return ex


def vote_record(*, actor: Any, meeting: Meeting, matter: str, yes: int, no: int, abstain: int) -> VoteMatter:
    require(actor, Action.MANAGE, meeting.org_path, "无权登记表决结果")
    if not meeting.is_general_meeting:
        raise ValidationError("只有支部党员大会需要登记表决结果")
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(FILED_READ_ONLY)
    vote = VoteMatter(meeting=meeting, matter=matter.strip(), yes=yes, no=no, abstain=abstain)
    vote.full_clean()
    counts = rules.count_attendance(meeting.attendance.values_list("status", "voting"))
    if yes + no + abstain > counts.present_voting:
        raise ValidationError(
            {"yes": f"赞成、反对、弃权合计 {yes + no + abstain} 票，超过实到有表决权党员 {counts.present_voting} 人"}
        )
    with transaction.atomic():
        vote.save()
        audit.record(actor, "orglife.vote_record", vote, org_path=meeting.org_path, after=audit.snapshot(vote))
    return vote


def resolution_add(
    *, actor: Any, meeting: Meeting, title: str, content: str, actions: Sequence[ActionData]
) -> Resolution:
    """A decision and its implementation plan: each measure with an owner and a deadline."""
    require(actor, Action.MANAGE, meeting.org_path, "无权登记决议")
    if meeting.status == MeetingStatus.FILED:
        raise ValidationError(FILED_READ_ONLY)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "请填写决议事项"
    if not actions:
        errors["actions"] = "决议应有落实措施（措施、责任人、完成时限）"
    branch = _branch_of(meeting.org)
    for i, a in enumerate(actions, start=1):
        if not a.measure.strip():
            errors["actions"] = f"第 {i} 项措施未填写内容"
        elif a.owner is None and not a.owner_name.strip():
            errors["actions"] = f"第 {i} 项措施未指定责任人"
        elif a.owner is not None and a.owner.org_id != branch.pk:
            errors["actions"] = f"第 {i} 项措施的责任人 {a.owner.name} 不是本支部党员"
        elif a.deadline < meeting.meeting_date:
            errors["actions"] = f"第 {i} 项措施的完成时限早于会议日期"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        res = Resolution(meeting=meeting, org_path=meeting.org_path, title=title.strip(), content=content.strip())
        res.full_clean()
        res.save()
        for a in actions:
            act = ResolutionAction(
                resolution=res,
                org=meeting.org,
                org_path=meeting.org_path,
                measure=a.measure.strip(),
                owner=a.owner,
                owner_name=a.owner.name if a.owner else a.owner_name.strip(),
                deadline=a.deadline,
            )
            act.full_clean()
            act.save()
        audit.record(
            actor,
            "orglife.resolution_add",
            res,
            after={"title": res.title, "actions": [(a.measure, a.deadline) for a in actions]},
        )
    return res


def action_close(*, actor: Any, action: ResolutionAction, version: int, note: str) -> ResolutionAction:
    """Mark a measure done, recording who closed it and when."""
    require(actor, Action.MANAGE, action.org_path, "无权办结该措施")
    if not note.strip():
        raise ValidationError({"close_note": "请填写落实情况"})
    with transaction.atomic():
        current = lock(ResolutionAction.objects, action.pk, version)
        if current.status == ActionStatus.DONE:
            raise ValidationError("该措施已办结")
        current.status = ActionStatus.DONE
        current.closed_by = user_or_none(actor)
        current.closed_at = timezone.now()
        current.close_note = note.strip()
        bump(current)
        current.save()
        audit.record(actor, "orglife.action_close", current, after={"status": "done", "note": current.close_note})
    return current


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


def notify_overdue_actions(*, actor: Any, today: dt.date | None = None) -> int:
    """Tell each branch's secretaries about measures past their deadline (idempotent per action).
    A platform-wide sweep: run by SYSTEM."""
    require(actor, Action.ADMIN, PLATFORM, "只有系统可以运行逾期提醒")
    today = today or timezone.localdate()
    overdue = list(
        ResolutionAction.objects.filter(status=ActionStatus.OPEN, deadline__lt=today).select_related(
            "resolution__meeting"
        )[:5000]
    )
    if not overdue:
        return 0
    secretaries = holder_ids_by(Role.SECRETARY, org_paths={a.org_path for a in overdue}, key="org__path")
    return notify.send_many(
        notify.Message(
            user_id,
            f"orglife.action_overdue.{a.pk}",
            f"决议落实措施已逾期：{a.measure[:40]}",
            f"责任人 {a.owner_name}，完成时限 {a.deadline:%Y-%m-%d}",
            f"/orglife/{a.resolution.meeting_id}/",
        )
        for a in overdue
        for user_id in secretaries.get(a.org_path, [])
    )
