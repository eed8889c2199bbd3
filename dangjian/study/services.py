"""Writes on study: training records, the derived 学时 recompute, study lists, lecturers and
lectures, 学习心得, the 流动党员 contact log, home-service visits and the periodic 待办 check.

Every public function starts with the write gate (`require` / `require_person`), validates in full
before writing, runs in one transaction and records one audit event for its own rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.paths import ancestor_paths, subtree_q
from dangjian.core.registry import records_changed
from dangjian.core.scoping import Action, require, require_four_eyes, require_person, user_or_none
from dangjian.core.versioning import bump, lock
from dangjian.members import services as members_services
from dangjian.members.models import Member
from dangjian.orglife import services as orglife
from dangjian.orglife.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from .ledger import (
    YEAR_FIELDS,
    attendance_lengths,
    cadres,
    collect,
    present_at_filed,
    reference_day,
    settings_for,
    year_values,
)
from .models import (
    Channel,
    CollectiveStudy,
    DueKind,
    HomeVisit,
    ItemMode,
    Lecture,
    Lecturer,
    ListSource,
    MemberStudyYear,
    MobileContact,
    Reflection,
    SelfStudy,
    StudyDue,
    StudyItem,
    StudyList,
    TrainingKind,
    TrainingRecord,
)

CHUNK = 5000  # members recomputed per batch: bounded memory at city scale


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应在 2000 到 2100 之间"})


def _own_member(actor: Any) -> Member:
    member = Member.objects.filter(user_id=actor.pk, is_active=True).first()
    if member is None:
        raise PermissionDenied("您的账号未关联在册党员")
    return member


# ---------------------------------------------------------------------------------------------
# The derived ledger


def _recompute(members_qs: Any, year: int) -> dict[str, int]:
    """Rewrite the year rows whose figures differ from the records; touch nobody else."""
    today = timezone.localdate()
    ids = list(members_qs.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    changed = 0
    # Many members (a committee, the city): one grouped pass over the year's attendance beats one
    # index probe per member; a branch or a member keeps the per-batch query.
    lengths = (
        attendance_lengths(present_at_filed(year).filter(member__in=members_qs.filter(is_active=True)))
        if len(ids) > CHUNK
        else None
    )
    for i in range(0, len(ids), CHUNK):
        batch = list(
            Member.objects.filter(pk__in=ids[i : i + CHUNK]).order_by("pk").only("pk", "org_path", "exempt", "user_id")
        )
        settings = settings_for(m.org_path for m in batch)
        tallies, _ = collect(batch, year, settings, lengths=lengths)
        cadre_ids = cadres([m.pk for m in batch], reference_day(year, today))
        have = {y.member_id: y for y in MemberStudyYear.objects.filter(member_id__in=[m.pk for m in batch], year=year)}
        new: list[MemberStudyYear] = []
        touched: list[MemberStudyYear] = []
        for m in batch:
            values = year_values(m, tallies[m.pk], m.pk in cadre_ids, settings[m.org_path])
            row = have.get(m.pk)
            if row is None:
                new.append(MemberStudyYear(member_id=m.pk, year=year, **values))
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.computed_at = timezone.now()
                touched.append(row)
        MemberStudyYear.objects.bulk_create(new, batch_size=2000)
        if touched:
            MemberStudyYear.objects.bulk_update(touched, [*YEAR_FIELDS, "computed_at"], batch_size=1000)
        changed += len(new) + len(touched)
    return {"members": len(ids), "changed": changed}


def _recompute_member(member: Member, years: Iterable[int]) -> None:
    for y in sorted(set(years)):
        _recompute(Member.objects.filter(pk=member.pk), y)


def study_recompute(*, actor: Any, org: Organization, year: int) -> dict[str, int]:
    """Recompute every member's 学时 of the subtree for `year` from the records. Idempotent."""
    require(actor, Action.MANAGE, org.path, "无权计算该组织的学时")
    _check_year(year)
    with transaction.atomic():
        result = _recompute(Member.objects.filter(subtree_q("org_path", org.path)), year)
        if result["changed"]:
            audit.record(actor, "study.recompute", org, org_path=org.path, after={"year": year, **result})
    return result


# ---------------------------------------------------------------------------------------------
# Training records


def training_record_add(
    *,
    actor: Any,
    member: Member,
    title: str,
    organiser: str,
    kind: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    hours: Decimal | None,
    induction: bool = False,
    certificate: str = "",
) -> TrainingRecord:
    """Enter a training a member took part in, with the hours the organiser certified."""
    require(actor, Action.MANAGE, member.org_path, "无权为该党员登记培训")
    errors = R.training_errors(starts_on, ends_on, hours)
    if not title.strip():
        errors["title"] = "请填写培训名称"
    if not organiser.strip():
        errors["organiser"] = "请填写主办单位"
    if kind not in TrainingKind.values:
        errors["kind"] = "培训类别无效"
    if ends_on and ends_on > timezone.localdate():
        errors.setdefault("ends_on", "培训尚未结束，结束后再登记")
    if not member.is_active:
        errors["member"] = f"{member.name} 不在册"
    if errors:
        raise ValidationError(errors)
    assert starts_on is not None and ends_on is not None and hours is not None
    with transaction.atomic():
        t = TrainingRecord(
            member=member,
            org_path=member.org_path,
            title=title.strip(),
            organiser=organiser.strip(),
            kind=kind,
            induction=induction,
            starts_on=starts_on,
            ends_on=ends_on,
            hours=Decimal(hours).quantize(R.ONE_PLACE),
            certificate=certificate.strip(),
            entered_by=user_or_none(actor),
        )
        t.full_clean()
        t.save()
        audit.record(actor, "study.training_add", t, after=audit.snapshot(t))
        _recompute_member(member, range(starts_on.year, ends_on.year + 1))
        # A completed training is a points event (registry `point_event_source`): points follows.
        records_changed("training", [ends_on.year], member_ids=[member.pk])
    return t


# ---------------------------------------------------------------------------------------------
# Study lists


def study_list_create(
    *,
    actor: Any,
    org: Organization,
    month: dt.date,
    title: str,
    items: Sequence[tuple[str, str]],
    source: str = ListSource.OWN,
    source_ref: str = "",
    until: dt.date | None = None,
) -> StudyList:
    """A study list for `org` and below, for `month` (through `until`'s month when given: a list
    for several months, shown in each); `items` are (content, 'collective' | 'self')."""
    require(actor, Action.MANAGE, org.path, "无权为该组织制定学习清单")
    errors: dict[str, str] = {}
    first, last = month.replace(day=1), (until or month).replace(day=1)
    if last < first:
        errors["until"] = "截止月份不能早于起始月份"
    if org.kind == OrgKind.GROUP:
        errors["org"] = "学习清单由党委、党总支或党支部制定"
    if not title.strip():
        errors["title"] = "请填写清单名称"
    if source not in ListSource.values:
        errors["source"] = "来源无效"
    if source == ListSource.ASSIGNED and not source_ref.strip():
        errors["source_ref"] = "上级部署的清单请填写任务编号或文件"
    clean = [(t.strip(), mode) for t, mode in items if t.strip()]
    if not clean:
        errors["items"] = "请至少填写一项学习内容"
    for n, (_, mode) in enumerate(clean, start=1):
        if mode not in ItemMode.values:
            errors["items"] = f"第 {n} 项的学习方式无效（集体学习或个人自学）"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sl = StudyList(
            org=org,
            org_path=org.path,
            month=first,
            until_month=last,
            title=title.strip(),
            source=source,
            source_ref=source_ref.strip(),
            created_by=user_or_none(actor),
        )
        sl.full_clean()
        sl.save()
        StudyItem.objects.bulk_create(
            [StudyItem(study_list=sl, org_path=org.path, title=t[:300], mode=mode) for t, mode in clean]
        )
        audit.record(actor, "study.list_create", sl, after={**audit.snapshot(sl), "items": clean})
    return sl


@transaction.atomic
def study_list_derive(
    *,
    actor: Any,
    org: Organization,
    month: dt.date,
    title: str,
    items: Sequence[tuple[str, str]],
    source_ref: str,
    until: dt.date | None = None,
) -> tuple[StudyList, int]:
    """The list derived from a superior's record (an assignment's study lines) for the months
    `month` through `until` (the record says which), entered once: the first call creates it
    (source "assigned", `source_ref` naming the record); later calls for the same org and record
    move it to the months given (the record's dates were corrected), add only the lines not yet on
    it and never remove one (members may have studied it already). Returns the list and how many
    items were added (0: no line added). The caller serialises calls for one record (assignments
    locks the assignment row)."""
    if not source_ref.strip():
        raise ValidationError({"source_ref": "上级部署的清单请填写任务编号或文件"})
    existing = (
        StudyList.objects.select_for_update()
        .filter(org=org, source=ListSource.ASSIGNED, source_ref=source_ref.strip())
        .first()
    )
    if existing is None:
        sl = study_list_create(
            actor=actor,
            org=org,
            month=month,
            title=title,
            items=items,
            source=ListSource.ASSIGNED,
            source_ref=source_ref,
            until=until,
        )
        return sl, sl.items.count()
    require(actor, Action.MANAGE, org.path, "无权为该组织制定学习清单")
    first, last = month.replace(day=1), (until or month).replace(day=1)
    if last < first:
        raise ValidationError({"until": "截止月份不能早于起始月份"})
    if (existing.month, existing.until_month) != (first, last):
        before = {"month": existing.month.isoformat(), "until_month": existing.until_month.isoformat()}
        existing.month, existing.until_month = first, last
        existing.save(update_fields=["month", "until_month"])
        audit.record(
            actor,
            "study.list_months",
            existing,
            before=before,
            after={"month": first.isoformat(), "until_month": last.isoformat()},
        )
    have = set(existing.items.values_list("title", "mode"))
    new = [
        (t.strip()[:300], mode)
        for t, mode in items
        if t.strip() and mode in ItemMode.values and (t.strip()[:300], mode) not in have
    ]
    new = list(dict.fromkeys(new))
    if new:
        StudyItem.objects.bulk_create(
            [StudyItem(study_list=existing, org_path=existing.org_path, title=t, mode=m) for t, m in new]
        )
        audit.record(actor, "study.list_extend", existing, after={"items": new})
    return existing, len(new)


def collective_study_link(*, actor: Any, item: StudyItem, meeting: Meeting) -> CollectiveStudy:
    """Record that a collective item was studied at a branch meeting: done for those present."""
    require(actor, Action.MANAGE, meeting.org_path, "无权登记该会议的学习内容")
    if item.mode != ItemMode.COLLECTIVE:
        raise ValidationError({"item": "个人自学内容由党员本人标记完成"})
    if item.org_path not in ancestor_paths(meeting.branch_path):
        raise ValidationError({"item": "该学习清单不适用于本支部"})
    with transaction.atomic():
        row, created = CollectiveStudy.objects.get_or_create(
            item=item, meeting=meeting, defaults={"org_path": meeting.branch_path, "linked_by": user_or_none(actor)}
        )
        if created:
            audit.record(actor, "study.collective_link", row, org_path=row.org_path, after={"meeting": meeting.pk})
    return row


def study_mark_done(*, actor: Any, item: StudyItem) -> SelfStudy:
    """A member marks a self-study item of their branch's lists done. Collective items are done by
    attending the meeting where they were studied — never by a claim."""
    require_person(actor)
    member = _own_member(actor)
    if item.org_path not in ancestor_paths(member.org_path):
        raise PermissionDenied("该学习清单不适用于您所在的支部")
    if item.mode == ItemMode.COLLECTIVE:
        attended = Attendance.objects.filter(
            member=member,
            status=AttendanceStatus.PRESENT,
            meeting__in=CollectiveStudy.objects.filter(item=item).values("meeting_id"),
        ).exists()
        if not attended:
            raise ValidationError({"item": "集体学习内容以会议出勤为准：您未出席学习该内容的会议，不能认定已学"})
        raise ValidationError({"item": "您已出席学习该内容的会议，无需重复标记"})
    with transaction.atomic():
        row, created = SelfStudy.objects.get_or_create(
            item=item, member=member, defaults={"org_path": member.org_path, "done_on": timezone.localdate()}
        )
        if created:
            audit.record(actor, "study.self_done", row, org_path=member.org_path, after={"item": item.pk})
    return row


# ---------------------------------------------------------------------------------------------
# Lecturers and lectures


def _committee(org: Organization) -> None:
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise ValidationError({"org": "讲师团由党委或党总支组建"})


def lecturer_add(*, actor: Any, org: Organization, name: str, team: str, subject: str = "", unit: str = "") -> Lecturer:
    require(actor, Action.MANAGE, org.path, "无权管理该党委的讲师团")
    _committee(org)
    errors = {}
    if not name.strip():
        errors["name"] = "请填写讲师姓名"
    if not team.strip():
        errors["team"] = "请填写所在宣讲队"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lecturer = Lecturer(
            org=org, org_path=org.path, name=name.strip(), team=team.strip(), subject=subject.strip(), unit=unit.strip()
        )
        lecturer.full_clean()
        lecturer.save()
        audit.record(actor, "study.lecturer_add", lecturer, after=audit.snapshot(lecturer))
    return lecturer


def lecture_schedule(
    *,
    actor: Any,
    lecturer: Lecturer,
    audience: Organization,
    topic: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    place: str = "",
) -> Lecture:
    """Schedule a lecture by one of the committee's lecturers for a branch of its subtree."""
    require(actor, Action.MANAGE, lecturer.org_path, "无权安排该党委的专题宣讲")
    errors: dict[str, str] = {}
    if not topic.strip():
        errors["topic"] = "请填写宣讲题目"
    if audience.kind != OrgKind.BRANCH or not audience.path.startswith(lecturer.org_path):
        errors["audience"] = "听讲对象应为本党委所属的党支部"
    if starts_at is None:
        errors["starts_at"] = "请填写开始时间"
    if ends_at is None:
        errors["ends_at"] = "请填写结束时间"
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = "结束时间应晚于开始时间"
    elif starts_at is not None and ends_at - starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = "一次宣讲不超过 24 小时"
    if not lecturer.active:
        errors["lecturer"] = f"{lecturer.name} 已不在讲师团"
    if errors:
        raise ValidationError(errors)
    assert starts_at is not None and ends_at is not None
    with transaction.atomic():
        lecture = Lecture(
            org_id=lecturer.org_id,
            org_path=lecturer.org_path,
            lecturer=lecturer,
            topic=topic.strip(),
            audience=audience,
            audience_path=audience.path,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place.strip(),
            created_by=user_or_none(actor),
        )
        lecture.full_clean()
        lecture.save()
        audit.record(actor, "study.lecture_schedule", lecture, after=audit.snapshot(lecture))
    return lecture


def lecture_record(*, actor: Any, lecture: Lecture) -> Meeting:
    """Record a held lecture as the audience branch's 党课 (a draft meeting, attendance list from the
    roster); the branch marks attendance and files it as any meeting, and attendance feeds hours."""
    require(actor, Action.MANAGE, lecture.audience_path, "无权为听讲支部录入会议")
    if lecture.meeting_id is not None:
        raise ValidationError("该宣讲已记录为会议")
    with transaction.atomic():
        locked = Lecture.objects.select_for_update().get(pk=lecture.pk)
        if locked.meeting_id is not None:
            raise ValidationError("该宣讲已记录为会议")
        meeting = orglife.meeting_create(
            actor=actor,
            org=locked.audience,
            data=orglife.MeetingData(
                kinds=[MeetingKind.PARTY_LECTURE],
                theme=f"专题宣讲：{locked.topic}"[:200],
                started_at=locked.starts_at,
                ended_at=locked.ends_at,
                place=locked.place,
                lecturer=locked.lecturer.name,
                lecture_topic=locked.topic,
                study_items=locked.topic,
            ),
        )
        locked.meeting = meeting
        locked.save(update_fields=["meeting"])
        audit.record(actor, "study.lecture_record", locked, after={"meeting": meeting.pk})
    lecture.meeting = meeting
    return meeting


# ---------------------------------------------------------------------------------------------
# 学习心得


def reflection_write(*, actor: Any, title: str, body: str, lecture: Lecture | None = None) -> Reflection:
    """A member writes a 学习心得 of their own: optional, any length."""
    require_person(actor)
    member = _own_member(actor)
    errors = {}
    if not title.strip():
        errors["title"] = "请填写题目"
    if not body.strip():
        errors["body"] = "请填写心得内容"
    if lecture is not None and lecture.audience_path != member.org_path:
        errors["lecture"] = "该专题宣讲不是为您所在支部安排的"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        r = Reflection(
            member=member,
            org_path=member.org_path,
            title=title.strip()[:200],
            body=body.strip(),
            lecture=lecture,
            written_on=timezone.localdate(),
        )
        r.full_clean()
        r.save()
        audit.record(actor, "study.reflection_write", r, after={"title": r.title})
    return r


def reflection_feature(*, actor: Any, reflection: Reflection, featured: bool, version: int | None) -> Reflection:
    """The secretary shows a good 心得 on the branch page (or takes it down); never their own."""
    require(actor, Action.MANAGE, reflection.org_path, "无权评选该支部的学习心得")
    with transaction.atomic():
        r = lock(Reflection.objects, reflection.pk, version)
        require_four_eyes(actor, Member.objects.filter(pk=r.member_id).values_list("user_id", flat=True).first())
        if r.featured == featured:
            return r
        r.featured = featured
        r.featured_by = user_or_none(actor) if featured else None
        r.featured_at = timezone.now() if featured else None
        bump(r)
        r.save(update_fields=["featured", "featured_by", "featured_at", "version"])
        audit.record(actor, "study.reflection_feature", r, after={"featured": featured})
    return r


# ---------------------------------------------------------------------------------------------
# 流动党员 contacts and home service


def _close_dues(member: Member, kind: str, on: dt.date) -> None:
    StudyDue.objects.filter(member=member, kind=kind, closed_on__isnull=True).update(closed_on=on)


def contact_log(
    *,
    actor: Any,
    member: Member,
    on: dt.date | None,
    channel: str,
    contacted_by: str,
    topic: str,
    location: str = "",
) -> MobileContact:
    """Log a contact with a 流动党员 of the branch; the roster's 最近联系日期 follows the log."""
    require(actor, Action.MANAGE, member.org_path, "无权登记该党员的联系记录")
    errors: dict[str, str] = {}
    if not (member.is_active and member.is_mobile):
        errors["member"] = f"{member.name} 不是本支部在册的流动党员"
    if on is None:
        errors["on"] = "请填写联系日期"
    elif on > timezone.localdate():
        errors["on"] = "联系日期不能晚于今天"
    if channel not in Channel.values:
        errors["channel"] = "联系方式应为电话、微信、短信或面谈"
    if not contacted_by.strip():
        errors["contacted_by"] = "请填写联系人"
    if not topic.strip():
        errors["topic"] = "请填写联系内容"
    if errors:
        raise ValidationError(errors)
    assert on is not None
    with transaction.atomic():
        c = MobileContact(
            member=member,
            org_path=member.org_path,
            on=on,
            channel=channel,
            contacted_by=contacted_by.strip(),
            topic=topic.strip(),
            location=location.strip(),
            entered_by=user_or_none(actor),
        )
        c.full_clean()
        c.save()
        audit.record(actor, "study.contact_log", c, after=audit.snapshot(c))
        current = Member.objects.filter(pk=member.pk).values_list("mobile_last_contact", flat=True).first()
        if current is None or on > current:
            members_services.member_record_contact(actor=actor, member=member, on=on)
        _close_dues(member, DueKind.CONTACT, on)
    return c


def home_visit_log(
    *,
    actor: Any,
    member: Member,
    on: dt.date | None,
    visitors: str,
    study: bool = False,
    study_content: str = "",
    study_hours: Decimal | None = None,
    dues: bool = False,
    care: str = "",
) -> HomeVisit:
    """Log a one-to-one home visit to a member excused from collective activities."""
    require(actor, Action.MANAGE, member.org_path, "无权登记该党员的上门服务")
    errors: dict[str, str] = {}
    if not (member.is_active and member.exempt):
        errors["member"] = f"{member.name} 不是经批准免于参加集体活动的党员"
    if on is None:
        errors["on"] = "请填写走访日期"
    elif on > timezone.localdate():
        errors["on"] = "走访日期不能晚于今天"
    if not visitors.strip():
        errors["visitors"] = "请填写走访人"
    hours = Decimal(study_hours or 0)
    if study:
        if not study_content.strip():
            errors["study_content"] = "送学上门请填写学习内容"
        if hours <= 0:
            errors["study_hours"] = "送学上门请填写学时"
        elif hours > R.MAX_HOURS_PER_DAY:
            errors["study_hours"] = "一天不超过 24 学时"
    elif hours:
        errors["study_hours"] = "未送学上门的走访不计学时"
    if not (study or dues or care.strip()):
        errors["care"] = "请填写走访内容（送学、代收党费或关怀需求）"
    if errors:
        raise ValidationError(errors)
    assert on is not None
    with transaction.atomic():
        v = HomeVisit(
            member=member,
            org_path=member.org_path,
            on=on,
            visitors=visitors.strip(),
            study=study,
            study_content=study_content.strip(),
            study_hours=hours.quantize(R.ONE_PLACE),
            dues=dues,
            care=care.strip(),
            entered_by=user_or_none(actor),
        )
        v.full_clean()
        v.save()
        audit.record(actor, "study.home_visit", v, after=audit.snapshot(v))
        _close_dues(member, DueKind.VISIT, on)
        if study:
            _recompute_member(member, [on.year])
    return v


def study_due_check(*, actor: Any, org: Organization, today: dt.date) -> dict[str, int]:
    """The monthly check: a 待办 for every 流动党员 a month past their last contact and every exempt
    member whose home visit is due (cadence setting). Idempotent: one 待办 per member, kind and
    month; a 待办 closes when the contact or visit is logged (or the member no longer qualifies)."""
    require(actor, Action.MANAGE, org.path, "无权检查该组织的联系和走访")
    period = today.year * 100 + today.month
    scope = subtree_q("org_path", org.path)
    with transaction.atomic():
        wanted: dict[tuple[int, str], tuple[str, dt.date]] = {}
        for pk, path, last in (
            Member.objects.filter(scope, is_active=True, is_mobile=True)
            .values_list("pk", "org_path", "mobile_last_contact")
            .iterator(chunk_size=5000)
        ):
            if R.contact_overdue(last, today):
                wanted[(pk, DueKind.CONTACT)] = (path, R.contact_due(last, today))
        exempt = list(Member.objects.filter(scope, is_active=True, exempt=True).values_list("pk", "org_path"))
        if exempt:
            last_visit = dict(
                HomeVisit.objects.filter(scope, member_id__in=[pk for pk, _ in exempt])
                .values("member_id")
                .annotate(last=Max("on"))
                .values_list("member_id", "last")
            )
            cadence = config.effective_for_paths(sorted({p for _, p in exempt}), "study.visit_cadence_months")
            for pk, path in exempt:
                due = R.visit_due(last_visit.get(pk), int(cadence[path]), today)
                if due <= today:
                    wanted[(pk, DueKind.VISIT)] = (path, due)
        open_rows = list(StudyDue.objects.filter(scope, closed_on__isnull=True).values_list("pk", "member_id", "kind"))
        have = {(m, k) for _, m, k in open_rows}
        stale = [pk for pk, m, k in open_rows if (m, k) not in wanted]
        closed = StudyDue.objects.filter(pk__in=stale).update(closed_on=today) if stale else 0
        this_month = set(
            StudyDue.objects.filter(scope, period=period).values_list("member_id", "kind")
        )  # closed this month: not raised again until next month
        new = [
            StudyDue(member_id=m, kind=k, org_path=path, period=period, due_on=due)
            for (m, k), (path, due) in wanted.items()
            if (m, k) not in have and (m, k) not in this_month
        ]
        StudyDue.objects.bulk_create(new, batch_size=5000)
        if new or closed:
            audit.record(actor, "study.due_check", org, org_path=org.path, after={"opened": len(new), "closed": closed})
    return {"opened": len(new), "closed": closed, "open": len(have) - closed + len(new)}
