"""Writes on assignments: publish, claim, provide deliverables, submit, review.

Each write checks scope, validates, audits inside its transaction. The reminder/督办 sweep lives in
`sweep.py` (it is a set-based batch job, not a per-object service).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, F, IntegerField, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit, notify, uploads
from dangjian.core.bulk import ANALYZE_AFTER_ROWS, refresh_statistics
from dangjian.core.paths import subtree_q
from dangjian.core.scoping import Action, require, require_four_eyes, require_person, user_or_none
from dangjian.core.text import quote
from dangjian.core.uploads import random_name
from dangjian.core.versioning import bump, check_version
from dangjian.members.models import Member
from dangjian.orglife import services as orglife
from dangjian.orgs.models import Organization, OrgKind
from dangjian.partyday.selectors import scheduled_party_day
from dangjian.study import services as study
from dangjian.study.models import ListSource, StudyList

from . import records
from .models import (
    Assignment,
    AssignmentTarget,
    Deliverable,
    DeliverableKind,
    Submission,
    SubmissionDecision,
    TargetItem,
    TargetMode,
    TargetStatus,
)
from .rules import DeliverableSpec, study_items, study_months, validate_assignment
from .selectors import missing_deliverables
from .summaries import target_summary_xlsx

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# ---------------------------------------------------------------- publish


def _target_orgs(publisher: Organization, mode: str, chosen: Sequence[Organization]) -> QuerySet[Organization]:
    """The branches an assignment goes to: the publisher's whole subtree, or the chosen orgs (a
    chosen 党委 or 党总支 stands for every branch below it)."""
    if mode == TargetMode.SUBTREE:
        q = subtree_q("path", publisher.path)
    else:
        q = Q(pk__in=[])
        for org in chosen:
            if org.pk == publisher.pk or not org.path.startswith(publisher.path):
                raise ValidationError({"targets": f"“{org.name}”不在本组织的下级范围内"})
            if org.kind == OrgKind.GROUP:
                raise ValidationError({"targets": f"“{org.name}”是党小组，任务应发布到党支部"})
            q |= Q(pk=org.pk) if org.kind == OrgKind.BRANCH else subtree_q("path", org.path)
    return Organization.objects.filter(q, kind=OrgKind.BRANCH).exclude(pk=publisher.pk)


def _insert_targets(assignment: Assignment, orgs: QuerySet[Organization]) -> int:
    """One INSERT … SELECT creates every target inside the database (10,000 rows in a blink)."""
    # Every selected column is an annotation, declared in the INSERT's column order.
    sel = (
        orgs.order_by()
        .annotate(
            _a=Value(assignment.pk, output_field=BigIntegerField()),
            _o=F("pk"),
            _p=F("path"),
            _s=Value(str(TargetStatus.UNCLAIMED), output_field=CharField()),
            _r=Value(0, output_field=IntegerField()),
            _v=Value(1, output_field=IntegerField()),
        )
        .values_list("_a", "_o", "_p", "_s", "_r", "_v")
    )
    select_sql, params = sel.query.sql_with_params()
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in ("assignment_id", "org_id", "org_path", "status", "rounds", "version"))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {qn(AssignmentTarget._meta.db_table)} ({cols}) {select_sql}", params)
        created = int(cursor.rowcount)
    if created >= ANALYZE_AFTER_ROWS:
        refresh_statistics(AssignmentTarget)
    return created


def assignment_publish(
    *,
    actor: Any,
    publisher_org: Organization,
    title: str,
    theme: str,
    window_start: dt.date,
    window_end: dt.date,
    deliverables: Sequence[DeliverableSpec],
    notice: str = "",
    min_hours: Decimal = Decimal(4),
    required_actions: Sequence[str] = (),
    collective_study: Sequence[str] = (),
    self_study: Sequence[str] = (),
    practical_deeds: Sequence[str] = (),
    target_mode: str = TargetMode.SUBTREE,
    chosen_orgs: Sequence[Organization] = (),
    published_on: dt.date | None = None,
) -> Assignment:
    """Publish an assignment and create one target per organization (bulk, any number of orgs)."""
    require(actor, Action.ADMIN, publisher_org.path)
    today = published_on or timezone.localdate()
    errors = validate_assignment(
        title=title,
        theme=theme,
        window_start=window_start,
        window_end=window_end,
        min_hours=min_hours,
        deliverables=deliverables,
        published_on=today,
    )
    if target_mode not in TargetMode.values:
        errors.setdefault("target_mode", []).append("发布范围无效")
    elif target_mode == TargetMode.CHOSEN and not chosen_orgs:
        errors.setdefault("targets", []).append("请选择至少一个发布对象")
    if errors:
        raise ValidationError(errors)
    targets = _target_orgs(publisher_org, target_mode, chosen_orgs)
    target_count = targets.count()
    if not target_count:
        raise ValidationError({"targets": "发布范围内没有党支部，无法发布"})
    now = timezone.now()
    assignment = Assignment(
        publisher_org=publisher_org,
        org_path=publisher_org.path,
        title=title.strip(),
        notice=notice.strip(),
        theme=theme.strip(),
        window_start=window_start,
        window_end=window_end,
        min_hours=min_hours,
        required_actions=list(required_actions),
        collective_study=list(collective_study),
        self_study=list(self_study),
        practical_deeds=list(practical_deeds),
        target_mode=target_mode,
        target_count=target_count,
        published_by=user_or_none(actor),
        published_at=now,
    )
    assignment.full_clean()
    with transaction.atomic():
        assignment.save()
        dlvs = [
            Deliverable(assignment=assignment, title=d.title.strip(), kind=d.kind, due_on=d.due_on, position=i)
            for i, d in enumerate(deliverables)
        ]
        for d in dlvs:
            d.full_clean(exclude=["assignment"])
        Deliverable.objects.bulk_create(dlvs)
        created = _insert_targets(assignment, targets)
        if created != target_count:  # the tree changed between count and insert: keep them consistent
            assignment.target_count = created
            assignment.save(update_fields=["target_count"])
        audit.record(
            actor,
            "assignment.publish",
            assignment,
            after={
                **audit.snapshot(assignment),
                "deliverables": [(d.title, d.kind, d.due_on) for d in dlvs],
            },
        )
        # Its study lines become the month's study lists of the branches (entered once, not retyped).
        assignment_study_lists_sync(
            actor=actor, assignment=assignment, orgs=list(chosen_orgs) if target_mode == TargetMode.CHOSEN else None
        )
        # The sweep announces the new task to each target's secretary and liaison (set-based).
        from .tasks import reminder_sweep

        aid = assignment.pk
        transaction.on_commit(lambda: reminder_sweep.enqueue(assignment_id=aid))
    return assignment


def assignment_study_lists_sync(
    *, actor: Any, assignment: Assignment, orgs: Sequence[Organization] | None = None
) -> int:
    """Derive the study lists of an assignment that carries study lines (集中学习 / 自学内容), for
    the months its activity window touches (`rules.study_months`: one list spanning them). A list
    applies to its org's whole subtree, so a task to the publisher's subtree gives one list at the
    publisher, and a task to chosen organizations one list per chosen org (`orgs`, given on
    publish: a chosen 党委 holds one list for all its branches). Without `orgs` a chosen-org task
    reuses the orgs that already hold its list, else one per target branch. Idempotent: running it
    again (re-publishing, an edit) adds only new lines, follows a corrected window and never makes a
    second list. Returns how many items were added."""
    require(actor, Action.ADMIN, assignment.org_path)
    items = study_items(assignment.collective_study, assignment.self_study)
    if not items:
        return 0
    with transaction.atomic():
        # One sync per assignment at a time, so two cannot both create the same list.
        Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
        ref = f"assignment:{assignment.pk}"
        if assignment.target_mode == TargetMode.SUBTREE:
            orgs = [assignment.publisher_org]
        elif orgs is None:
            holding = StudyList.objects.filter(source=ListSource.ASSIGNED, source_ref=ref).values("org_id")
            orgs = list(Organization.objects.filter(pk__in=holding).order_by("path")) or list(
                Organization.objects.filter(assignment_targets__assignment=assignment).order_by("path")
            )
        # A chosen org inside another chosen org's subtree is covered by that org's list already.
        orgs = [o for o in orgs if not any(o.path != c.path and o.path.startswith(c.path) for c in orgs)]
        added = 0
        first, last = study_months(assignment.window_start, assignment.window_end)
        for org in orgs:
            _, n = study.study_list_derive(
                actor=actor,
                org=org,
                month=first,
                until=last,
                title=f"{assignment.title}（学习内容）"[:200],
                items=items,
                source_ref=ref,
            )
            added += n
    return added


# ---------------------------------------------------------------- target side


def _require_manage(actor: Any, target: AssignmentTarget) -> None:
    require(actor, Action.MANAGE, target.org_path)


def _locked(target: AssignmentTarget) -> AssignmentTarget:
    return AssignmentTarget.objects.select_for_update().select_related("assignment").get(pk=target.pk)


def target_claim(*, actor: Any, target: AssignmentTarget, version: int | None = None) -> AssignmentTarget:
    """领取: the target org's secretary or liaison takes the task on."""
    _require_manage(actor, target)
    with transaction.atomic():
        t = _locked(target)
        check_version(t, version)
        if t.status != TargetStatus.UNCLAIMED:
            raise ValidationError(f"任务当前状态为“{t.get_status_display()}”，无需再次领取")
        before = audit.snapshot(t, ["status"])
        t.status = TargetStatus.CLAIMED
        t.claimed_at = timezone.now()
        t.claimed_by = user_or_none(actor)
        bump(t)
        t.save(update_fields=["status", "claimed_at", "claimed_by", "version"])
        t.refresh_from_db()
        audit.record(actor, "assignment.claim", t, before=before, after=audit.snapshot(t, ["status"]))
    return t


def _require_editable(t: AssignmentTarget) -> None:
    if t.status == TargetStatus.UNCLAIMED:
        raise ValidationError("请先领取任务，再关联会议记录或上传材料")
    if t.status == TargetStatus.SUBMITTED:
        raise ValidationError("材料已提交，等待审核期间不能修改")
    if t.status == TargetStatus.APPROVED:
        raise ValidationError("任务已审核通过，不能再修改材料")


def _deliverable_of(t: AssignmentTarget, deliverable_id: int | str) -> Deliverable:
    d = Deliverable.objects.filter(pk=deliverable_id, assignment_id=t.assignment_id).first()
    if d is None:
        raise ValidationError({"deliverable": "报送材料项不存在"})
    return d


def target_link_meeting(
    *, actor: Any, target: AssignmentTarget, deliverable_id: int | str, meeting_id: int | str
) -> TargetItem:
    """Link one of the org's own meeting records to a 会议记录 deliverable (never retyped)."""
    _require_manage(actor, target)
    with transaction.atomic():
        t = _locked(target)
        _require_editable(t)
        d = _deliverable_of(t, deliverable_id)
        if d.kind != DeliverableKind.MEETING_RECORD:
            raise ValidationError({"deliverable": f"“{d.title}”是{d.get_kind_display()}，不能关联会议记录"})
        meeting = records.meeting_of_org(meeting_id, t.org_path)
        if meeting is None:
            raise ValidationError({"meeting": "会议记录不存在或不属于本组织"})
        if TargetItem.objects.filter(target=t, deliverable=d, meeting_id=meeting.pk).exists():
            raise ValidationError({"meeting": "该会议记录已关联"})
        item = TargetItem(
            target=t,
            deliverable=d,
            org_path=t.org_path,
            meeting_id=meeting.pk,
            created_by=user_or_none(actor),
            round=t.rounds + 1,
        )
        item.full_clean(exclude=["meeting", "created_by"])
        item.save()
        audit.record(actor, "assignment.link_meeting", item, after={"meeting": meeting.pk, "deliverable": d.pk})
    return item


def _party_day_slot(a: Assignment, org: Organization) -> tuple[dt.datetime, str]:
    """When and where the task's party day is held: the fixed-day schedule (with an approved change
    request) of the first month of the activity window whose party day falls inside it."""
    first: Any = None
    y, m = a.window_start.year, a.window_start.month
    while (y, m) <= (a.window_end.year, a.window_end.month):
        pd = scheduled_party_day(org, y, m)
        first = first or pd
        if pd.date is not None and a.window_start <= pd.date <= a.window_end:
            first = pd
            break
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    day = first.date if first is not None and first.date is not None else a.window_start
    start = first.start_time if first is not None else dt.time(14, 30)
    place = first.place if first is not None and first.change_id else ""
    return timezone.make_aware(dt.datetime.combine(day, start)), place


def target_record_party_day(*, actor: Any, target: AssignmentTarget) -> Any:
    """录入本次主题党日 from the task: the branch's party-day record, prefilled and linked.

    Theme, study list and required actions come from the task; date and time from the fixed-day
    schedule (an approved change request included); the place from the change request or else the
    branch's last party day; the recorder is the person entering it. An unclaimed task is claimed
    on the way. If a party day is already linked to the task, that one is returned (never twice).
    """
    _require_manage(actor, target)
    existing = records.linked_party_day(target.pk)
    if existing is not None:
        return existing
    t = AssignmentTarget.objects.select_related("assignment", "org").get(pk=target.pk)
    if t.status == TargetStatus.UNCLAIMED:
        t = target_claim(actor=actor, target=t)
    _require_editable(t)
    a = t.assignment
    started_at, place = _party_day_slot(a, t.org)
    hours = max(Decimal(a.min_hours), Decimal(2))
    data = orglife.MeetingData(
        kinds=["party_day"],
        theme=a.theme,
        started_at=started_at,
        ended_at=started_at + dt.timedelta(minutes=int(hours * 60)),
        place=place or records.last_party_day_place(t.org_path),
        recorder=Member.objects.filter(user__pk=getattr(actor, "pk", 0), org_id=t.org_id).first(),
        study_items="\n".join([*a.collective_study, *a.self_study]),
        required_actions=list(a.required_actions),
    )
    with transaction.atomic():
        meeting = orglife.meeting_create(actor=actor, org=t.org, data=data)
        for d in Deliverable.objects.filter(assignment_id=a.pk, kind=DeliverableKind.MEETING_RECORD):
            target_link_meeting(actor=actor, target=t, deliverable_id=d.pk, meeting_id=meeting.pk)
        audit.record(actor, "assignment.record_party_day", t, after={"meeting": meeting.pk})
    return meeting


def target_attach_file(
    *, actor: Any, target: AssignmentTarget, deliverable_id: int | str, upload: UploadedFile
) -> TargetItem:
    """Attach a photo or document; the file is checked by content for the deliverable's type."""
    _require_manage(actor, target)
    t = AssignmentTarget.objects.get(pk=target.pk)
    _require_editable(t)
    d = _deliverable_of(t, deliverable_id)
    if d.kind == DeliverableKind.SUMMARY_TABLE:
        raise ValidationError({"file": f"“{d.title}”由系统根据会议记录自动生成，提交时自动附上，不能上传"})
    if d.kind == DeliverableKind.MEETING_RECORD:
        raise ValidationError({"file": f"“{d.title}”请关联本组织的会议记录，不能上传文件"})
    if d.kind == DeliverableKind.PHOTOS:
        uploads.check_image(upload, MAX_PHOTO_BYTES)
    else:
        uploads.check_document(upload, MAX_DOCUMENT_BYTES)
    with transaction.atomic():
        t = _locked(target)
        _require_editable(t)
        name = (getattr(upload, "name", "") or "file")[-200:]
        item = TargetItem(
            target=t,
            deliverable=d,
            org_path=t.org_path,
            original_name=name,
            created_by=user_or_none(actor),
            round=t.rounds + 1,
        )
        # Stored under a random name (the original stays in `original_name`, for the download).
        item.file.save(uploads.random_name(), upload, save=False)
        item.full_clean(exclude=["meeting", "created_by"])
        item.save()
        audit.record(actor, "assignment.attach", item, after={"deliverable": d.pk, "file": item.file.name})
    return item


def target_remove_item(*, actor: Any, item: TargetItem) -> None:
    _require_manage(actor, item.target)
    with transaction.atomic():
        t = _locked(item.target)
        _require_editable(t)
        if item.generated:
            raise ValidationError("系统生成的总结表不能删除")
        audit.record(actor, "assignment.remove_item", item, before={"deliverable": item.deliverable_id})
        item.delete()


def target_submit(*, actor: Any, target: AssignmentTarget, note: str = "", version: int | None = None) -> Submission:
    """提交: freeze what is provided as a new round; the summary table is generated now and stored.
    A person submits (the reviewer checks who), never SYSTEM."""
    _require_manage(actor, target)
    require_person(actor, "任务材料须由本组织书记或联络员提交")
    with transaction.atomic():
        t = _locked(target)
        check_version(t, version)
        if t.status == TargetStatus.UNCLAIMED:
            raise ValidationError("尚未领取任务，请先领取再提交")
        if t.status == TargetStatus.SUBMITTED:
            raise ValidationError("材料已提交，正在等待审核")
        if t.status == TargetStatus.APPROVED:
            raise ValidationError("任务已审核通过，无需再次提交")
        missing = missing_deliverables(t)
        if missing:
            raise ValidationError("以下材料尚未提供：" + "、".join(d.title for d in missing))
        round_no = t.rounds + 1
        now = timezone.now()
        deliverables = list(Deliverable.objects.filter(assignment_id=t.assignment_id))
        sub = Submission(
            target=t,
            org_path=t.org_path,
            round=round_no,
            submitted_by=user_or_none(actor),
            submitted_at=now,
            note=note.strip(),
        )
        summary_dlv = [d for d in deliverables if d.kind == DeliverableKind.SUMMARY_TABLE]
        if summary_dlv:
            content, filename = target_summary_xlsx(t)
            sub.summary_file.save(random_name(".xlsx"), ContentFile(content), save=False)
            for d in summary_dlv:
                TargetItem.objects.filter(target=t, deliverable=d, generated=True).delete()
                TargetItem.objects.create(
                    target=t,
                    deliverable=d,
                    org_path=t.org_path,
                    file=sub.summary_file.name,
                    original_name=filename,
                    generated=True,
                    round=round_no,
                    created_by=user_or_none(actor),
                )
        items = TargetItem.objects.filter(target=t).order_by("deliverable_id", "id")
        sub.contents = {
            "items": [
                {"deliverable": i.deliverable_id, "meeting": i.meeting_id, "file": i.file.name or "", "name": str(i)}
                for i in items
            ],
            "meeting_photos": records.linked_meeting_photo_ids(t.pk),
        }
        sub.full_clean(exclude=["target", "submitted_by"])
        sub.save()
        t.status = TargetStatus.SUBMITTED
        t.submitted_at = now
        t.rounds = round_no
        bump(t)
        t.save(update_fields=["status", "submitted_at", "rounds", "version"])
        t.refresh_from_db()
        audit.record(actor, "assignment.submit", sub, after={"round": round_no, "contents": sub.contents})
    return sub


def target_review(
    *, actor: Any, target: AssignmentTarget, approve: bool, comment: str = "", version: int | None = None
) -> Submission:
    """审核: the publisher approves the latest round, or returns it with a comment."""
    require(actor, Action.APPROVE, target.assignment.org_path)
    comment = (comment or "").strip()
    with transaction.atomic():
        t = _locked(target)
        check_version(t, version)
        if t.status != TargetStatus.SUBMITTED:
            raise ValidationError(f"任务当前状态为“{t.get_status_display()}”，没有待审核的提交")
        sub = Submission.objects.select_for_update().get(target=t, round=t.rounds)
        require_four_eyes(actor, sub.submitted_by_id)
        if not approve and not comment:
            raise ValidationError({"comment": "退回时请填写退回意见"})
        now = timezone.now()
        sub.decision = SubmissionDecision.APPROVED if approve else SubmissionDecision.RETURNED
        sub.decided_by = user_or_none(actor)
        sub.decided_at = now
        sub.comment = comment
        sub.save(update_fields=["decision", "decided_by", "decided_at", "comment"])
        t.status = TargetStatus.APPROVED if approve else TargetStatus.RETURNED
        t.reviewed_at = now
        bump(t)
        t.save(update_fields=["status", "reviewed_at", "version"])
        t.refresh_from_db()
        audit.record(
            actor,
            "assignment.approve" if approve else "assignment.return",
            sub,
            after={"round": sub.round, "decision": sub.decision, "comment": comment},
        )
        _notify_review(t, sub, approve)
    return sub


def _notify_review(t: AssignmentTarget, sub: Submission, approve: bool) -> None:
    verb = "已审核通过" if approve else "被退回"
    notify.send(
        [sub.submitted_by],
        key=f"asg{t.assignment_id}.t{t.pk}.review{sub.round}",
        title=f"任务{quote(t.assignment.title)}第{sub.round}次提交{verb}",
        body=sub.comment,
        link=reverse("assignments:target", args=[t.pk]),
    )
