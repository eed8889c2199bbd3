"""Writes on the roster. The form validates; the service checks scope, saves and audits."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, models, transaction
from django.utils import timezone, translation

from dangjian.core import audit, notify
from dangjian.core.bulk import insert_rows
from dangjian.core.models import AuditEvent
from dangjian.core.paths import ancestor_paths
from dangjian.core.scoping import Action, can, require, require_four_eyes, user_or_none
from dangjian.core.uploads import check_xlsx
from dangjian.core.versioning import bump, lock
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.services import member_counts_follow

from .excel import COLUMNS, build_template, declared_rows, write_rows
from .forms import MEMBER_FIELDS, MemberForm
from .importer import build_org_index, validate_workbook
from .models import ImportJob, ImportMode, ImportStatus, Member, MemberTransfer, TransferStatus
from .rules import ID_CONFLICT_LIMIT_MESSAGE, ID_CONFLICT_MESSAGE
from .selectors import export_rows

logger = logging.getLogger(__name__)

AUDIT_FIELDS = [*MEMBER_FIELDS, "org", "is_active", "left_on", "left_reason"]
ID_CONFLICT_ACTION = "member.id_conflict"


def _validated(actor: Any, data: dict[str, Any], branch: Organization, instance: Member | None = None) -> Member:
    form = MemberForm(data=data, branch=branch, instance=instance)
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    member: Member = form.save(commit=False)
    _check_id_number_free(actor, member, branch)
    return member


def _id_conflicts_left(actor: Any) -> int:
    """How many more 身份证号 registered outside `actor`'s scope they may run into this hour."""
    limit: int = settings.DANGJIAN_ID_CONFLICTS_PER_HOUR
    if getattr(actor, "pk", None) is None:
        return limit  # the system actor (demo data, commands)
    since = timezone.now() - dt.timedelta(hours=1)
    afters = AuditEvent.objects.filter(action=ID_CONFLICT_ACTION, actor_id=actor.pk, created_at__gte=since)
    used = sum(int((a or {}).get("count", 0)) for a in afters.values_list("after", flat=True))
    return max(limit - used, 0)


def _require_id_conflicts_left(actor: Any) -> None:
    # Refused whatever the numbers are: a refusal that depended on them would be the oracle again.
    if _id_conflicts_left(actor) <= 0:
        raise ValidationError(ID_CONFLICT_LIMIT_MESSAGE)


def _id_conflicts_record(*, actor: Any, org: Organization, count: int, source: str) -> None:
    """Log `count` out-of-scope 身份证号 conflicts met by `actor`; the committee admins above `org`
    are told once an hour when the actor reaches the hourly limit (someone may be probing numbers)."""
    if count <= 0 or getattr(actor, "pk", None) is None:
        return
    before = _id_conflicts_left(actor)
    with transaction.atomic():
        audit.record(actor, ID_CONFLICT_ACTION, org, org_path=org.path, after={"count": count, "source": source})
    if before > count:
        return
    hour = timezone.localtime().strftime("%Y%m%d%H")
    notify.send(
        _committee_admin_ids_above(org),
        key=f"member.id_conflicts:{actor.pk}:{hour}",
        title=f"{actor.name} 一小时内多次登记无法登记的身份证号",
        body=(
            f"{actor.name}（{org.name}）在一小时内 {settings.DANGJIAN_ID_CONFLICTS_PER_HOUR} 次以上登记或导入"
            "已在其管理范围外登记的身份证号，登记和导入已暂停一小时。请核实是否为正常的组织关系转接。"
        ),
    )


def _committee_admin_ids_above(org: Organization) -> list[int]:
    """The 组织部/党委管理员 of the nearest committee above (or at) `org` that has any."""
    committees = Organization.objects.filter(
        path__in=ancestor_paths(org.path, include_self=True), kind=OrgKind.COMMITTEE
    ).values_list("path", flat=True)
    by_path = notify.holder_ids("org_admin", committees)
    for path in sorted(by_path, key=len, reverse=True):
        if by_path[path]:
            return by_path[path]
    return []


def _check_id_number_free(actor: Any, member: Member, branch: Organization) -> None:
    """A 身份证号 already on the roster: name the record when the actor may see it; otherwise one
    neutral message that does not confirm it exists, rate-limited per user and audited."""
    _require_id_conflicts_left(actor)
    current = Member.objects.filter(id_number=member.id_number).exclude(pk=member.pk).first()
    if current is None:
        return
    if can(actor, Action.MANAGE, current.org_path):
        raise ValidationError({"id_number": f"该身份证号已登记为“{current.org.name}”的党员 {current.name}"})
    _id_conflicts_record(actor=actor, org=branch, count=1, source="form")
    raise ValidationError({"id_number": ID_CONFLICT_MESSAGE})


def _check_branch(org: Organization) -> None:
    if org.kind != OrgKind.BRANCH:
        raise ValidationError({"org": "党员应登记在党支部（党小组请在“党小组”一栏选择）"})


def member_create(*, actor: Any, org: Organization, data: dict[str, Any]) -> Member:
    """Add a member to a branch's roster. `data` is what the member form takes (strings or values)."""
    require(actor, Action.MANAGE, org.path, "无权在该组织登记党员")
    _check_branch(org)
    member = _validated(actor, data, org)
    member.org = org
    member.org_path = org.path
    with transaction.atomic():
        member.save()
        member_counts_follow([member.org_id, member.group_id])
        audit.record(actor, "member.create", member, after=audit.snapshot(member, AUDIT_FIELDS))
    return member


def member_update(*, actor: Any, member: Member, version: int, data: dict[str, Any]) -> Member:
    """Edit a member. A stale `version` means someone else saved first: refuse, lose nothing."""
    require(actor, Action.MANAGE, member.org_path, "无权修改该党员信息")
    # Checked once outside the transaction too, so the audit event of a refused 身份证号 is kept.
    _validated(actor, data, member.org, instance=Member.objects.get(pk=member.pk))
    with transaction.atomic():
        current = lock(Member.objects, member.pk, version)
        before = audit.snapshot(current, AUDIT_FIELDS)
        counted_before = (current.status, current.group_id)
        updated = _validated(actor, data, current.org, instance=current)
        updated.version = current.version
        bump(updated)
        updated.save()
        if (updated.status, updated.group_id) != counted_before:  # 正式/预备 or 党小组 changed
            member_counts_follow([updated.org_id, counted_before[1], updated.group_id])
        audit.record(actor, "member.update", updated, before=before, after=audit.snapshot(updated, AUDIT_FIELDS))
    return updated


def transfer_out(
    *,
    actor: Any,
    member: Member,
    out_on: dt.date,
    to_org: Organization | None = None,
    to_org_name: str = "",
    letter_number: str = "",
    note: str = "",
) -> MemberTransfer:
    """Start moving a member's 组织关系 out. Inside the platform it completes when the receiver accepts;
    to an organization outside the platform it completes at once and the member leaves the roster."""
    require(actor, Action.MANAGE, member.org_path, "无权办理该党员的组织关系转出")
    if not member.is_active:
        raise ValidationError("该党员已不在册，不能转出")
    if to_org is None and not to_org_name.strip():
        raise ValidationError({"to_org_name": "请选择转入组织，或填写平台外的转入组织名称"})
    if to_org is not None:
        _check_branch(to_org)
        if to_org.pk == member.org_id:
            raise ValidationError({"to_org": "转入组织不能是当前所在组织"})
    with transaction.atomic():
        if MemberTransfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
            raise ValidationError("该党员已有正在办理的转接，请先完成或撤回")
        t = MemberTransfer(
            member=member,
            from_org=member.org,
            from_org_path=member.org_path,
            from_org_name=member.org.name,
            to_org=to_org,
            to_org_path=to_org.path if to_org else "",
            to_org_name=to_org.name if to_org else to_org_name.strip(),
            out_on=out_on,
            letter_number=letter_number,
            note=note,
            created_by=user_or_none(actor),
        )
        if to_org is None:
            t.status = TransferStatus.COMPLETED
            before = audit.snapshot(member, AUDIT_FIELDS)
            member.is_active = False
            member.left_on = out_on
            member.left_reason = f"组织关系转出至{t.to_org_name}"
            bump(member)
            member.save(update_fields=["is_active", "left_on", "left_reason", "version", "updated_at"])
            member_counts_follow([member.org_id, member.group_id])
            audit.record(actor, "member.leave", member, before=before, after=audit.snapshot(member, AUDIT_FIELDS))
        t.save()
        audit.record(actor, "member.transfer_out", t, org_path=member.org_path, after=audit.snapshot(t))
    return t


def transfer_accept(*, actor: Any, transfer: MemberTransfer, in_on: dt.date) -> MemberTransfer:
    """The receiving branch accepts: the member moves to it; earlier records stay with the old org.
    Four eyes: the person who started the transfer does not accept it."""
    require(actor, Action.MANAGE, transfer.to_org_path, "无权接收该党员")
    if transfer.status != TransferStatus.PENDING or transfer.to_org is None:
        raise ValidationError("该转接不是待接收状态")
    require_four_eyes(actor, transfer.created_by_id)  # whoever sent the member out does not also take them in
    if transfer.out_on and in_on < transfer.out_on:
        raise ValidationError({"in_on": "转入日期不能早于转出日期"})
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        before = audit.snapshot(member, AUDIT_FIELDS)
        left = [member.org_id, member.group_id]
        member.org = transfer.to_org
        member.org_path = transfer.to_org.path
        member.group = None
        bump(member)
        member.save(update_fields=["org", "org_path", "group", "version", "updated_at"])
        member_counts_follow([*left, member.org_id])
        transfer.status = TransferStatus.COMPLETED
        transfer.in_on = in_on
        transfer.save(update_fields=["status", "in_on"])
        audit.record(actor, "member.transfer_in", member, before=before, after=audit.snapshot(member, AUDIT_FIELDS))
    return transfer


def transfer_cancel(*, actor: Any, transfer: MemberTransfer) -> MemberTransfer:
    require(actor, Action.MANAGE, transfer.from_org_path, "无权撤回该转接")
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError("只能撤回正在办理的转接")
    with transaction.atomic():
        transfer.status = TransferStatus.CANCELLED
        transfer.save(update_fields=["status"])
        audit.record(actor, "member.transfer_cancel", transfer, org_path=transfer.from_org_path)
    return transfer


def transfer_in_from_outside(
    *,
    actor: Any,
    org: Organization,
    data: dict[str, Any],
    from_org_name: str,
    in_on: dt.date,
    letter_number: str = "",
) -> Member:
    """Register a member arriving from an organization outside the platform."""
    require(actor, Action.MANAGE, org.path, "无权在该组织登记党员")
    if not from_org_name.strip():
        raise ValidationError({"from_org_name": "请填写转出组织名称"})
    with transaction.atomic():
        member = member_create(actor=actor, org=org, data=data)
        t = MemberTransfer.objects.create(
            member=member,
            from_org_name=from_org_name.strip(),
            to_org=org,
            to_org_path=org.path,
            to_org_name=org.name,
            in_on=in_on,
            letter_number=letter_number,
            status=TransferStatus.COMPLETED,
            created_by=user_or_none(actor),
        )
        audit.record(actor, "member.transfer_in", t, org_path=org.path, after=audit.snapshot(t))
    return member


def member_leave(*, actor: Any, member: Member, version: int, reason: str, left_on: dt.date, note: str = "") -> Member:
    """Take a member off the roster (去世, 出党 …). The record and its history stay."""
    require(actor, Action.MANAGE, member.org_path, "无权办理该党员离册")
    if not reason.strip():
        raise ValidationError({"reason": "请填写离册原因"})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "离册日期不能晚于今天"})
    with transaction.atomic():
        current = lock(Member.objects, member.pk, version)
        if not current.is_active:
            raise ValidationError("该党员已不在册")
        if MemberTransfer.objects.filter(member_id=current.pk, status=TransferStatus.PENDING).exists():
            raise ValidationError("该党员有正在办理的组织关系转接，请先撤回转接")
        before = audit.snapshot(current, AUDIT_FIELDS)
        current.is_active = False
        current.left_on = left_on
        current.left_reason = (reason.strip() + (f"：{note.strip()}" if note.strip() else ""))[:200]
        bump(current)
        current.save(update_fields=["is_active", "left_on", "left_reason", "version", "updated_at"])
        member_counts_follow([current.org_id, current.group_id])
        audit.record(actor, "member.leave", current, before=before, after=audit.snapshot(current, AUDIT_FIELDS))
    return current


def member_record_contact(*, actor: Any, member: Member, on: dt.date | None = None) -> Member:
    """“今天已联系”: a 流动党员's last contact date set in one tap."""
    require(actor, Action.MANAGE, member.org_path, "无权修改该党员信息")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"mobile_last_contact": "日期不能晚于今天"})
    with transaction.atomic():
        current = Member.objects.select_for_update().get(pk=member.pk)
        if not current.is_active or not current.is_mobile:
            raise ValidationError("只有在册的流动党员可以登记联系")
        last = current.mobile_last_contact
        before = {"mobile_last_contact": last.isoformat() if last else None}
        current.mobile_last_contact = on
        bump(current)
        current.save(update_fields=["mobile_last_contact", "version", "updated_at"])
        audit.record(actor, "member.contact", current, before=before, after={"mobile_last_contact": on.isoformat()})
    return current


# ---------------------------------------------------------------- Excel import


def _count_rows(f: Any) -> int | None:
    """Data rows per the sheet's declared dimension (cheap); None when the file does not say."""
    try:
        return declared_rows(f)
    finally:
        f.seek(0)


def import_job_create(
    *, actor: Any, org: Organization, upload: UploadedFile, mode: str = ImportMode.COMMIT
) -> ImportJob:
    """Accept an uploaded roster workbook and start checking it (inline when small, else on the
    task worker). Only a well-formed .xlsx within the size limits is stored."""
    require(actor, Action.MANAGE, org.path, "无权向该组织导入党员")
    if mode not in (ImportMode.VALIDATE, ImportMode.COMMIT):
        raise ValidationError({"mode": "请选择导入方式"})
    max_bytes = settings.DANGJIAN_MAX_IMPORT_BYTES
    check_xlsx(upload, max_bytes)  # also refuses a zip bomb, inflating no more than the limit
    total = _count_rows(upload)
    name = os.path.basename(upload.name or "")[:200]
    with transaction.atomic():
        job = ImportJob(org=org, org_path=org.path, user=actor, mode=mode, original_name=name, total=total or 0)
        job.file.save("upload.xlsx", upload, save=False)
        job.save()
        audit.record(actor, "member.import_upload", job, after={"file": name, "mode": mode, "rows": job.total})
    _dispatch(job, actor=actor, large=total is None or total > settings.DANGJIAN_IMPORT_INLINE_ROWS)
    job.refresh_from_db()
    return job


def import_job_rerun(*, actor: Any, job: ImportJob, mode: str) -> ImportJob:
    """Run a checked job again in another mode: 导入 after a clean check, or 只导入无误的行."""
    require(actor, Action.MANAGE, job.org_path, "无权操作该导入")
    if mode not in ImportMode.values:
        raise ValidationError({"mode": "请选择导入方式"})
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in (ImportStatus.VALIDATED, ImportStatus.REJECTED):
            raise ValidationError("该导入已完成或正在处理，不能重复执行")
        locked.mode = mode
        locked.status = ImportStatus.QUEUED
        locked.processed = 0
        locked.message = ""
        locked.save(update_fields=["mode", "status", "processed", "message", "updated_at"])
        audit.record(actor, "member.import_run", locked, after={"mode": mode})
    _dispatch(locked, actor=actor, large=locked.total > settings.DANGJIAN_IMPORT_INLINE_ROWS)
    locked.refresh_from_db()
    return locked


def _dispatch(job: ImportJob, *, actor: Any, large: bool) -> None:
    if large:
        from .tasks import run_import

        transaction.on_commit(lambda: run_import.enqueue(job_pk=job.pk))
    else:
        import_job_run(actor=actor, job_pk=job.pk)


def _progress(job_pk: int) -> Any:
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_pk).update(processed=done, total=total)

    return report


def import_job_run(*, actor: Any, job_pk: int) -> ImportJob | None:
    """Check every row; then, as the mode says, write all rows (only if none is bad), the good rows
    only, or nothing. The write is one transaction. Running a job twice does nothing twice.

    `actor` is who runs the job (SYSTEM on the worker); the rows are checked and written with the
    permissions of the user who uploaded them."""
    org_path = ImportJob.objects.filter(pk=job_pk).values_list("org_path", flat=True).first()
    if org_path is None:
        return None
    require(actor, Action.MANAGE, org_path, "无权操作该导入")
    claimed = ImportJob.objects.filter(pk=job_pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), processed=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("org", "user").get(pk=job_pk)
    uploader = job.user
    try:
        with translation.override("zh-hans"):
            if not can(uploader, Action.MANAGE, job.org_path):
                raise ValidationError("您已无权向该组织导入党员")
            left = _id_conflicts_left(uploader)
            if left <= 0:  # refused whatever the numbers are (see _require_id_conflicts_left)
                raise ValidationError(ID_CONFLICT_LIMIT_MESSAGE)
            with job.file.open("rb") as f:
                outcome = validate_workbook(f, user=uploader, org=job.org, progress=_progress(job.pk))
            _id_conflicts_record(actor=uploader, org=job.org, count=outcome.id_conflicts, source="import")
            if outcome.id_conflicts > left:
                # Past the hourly limit no row is answered: the per-row result would be the oracle.
                raise ValidationError(ID_CONFLICT_LIMIT_MESSAGE)
    except ValidationError as exc:
        return _finish(job, ImportStatus.FAILED, message="；".join(exc.messages)[:500])
    except Exception:
        logger.exception("import job %s failed", job_pk)
        return _finish(job, ImportStatus.FAILED, message="处理失败：文件无法读取或内容异常，请使用下载的模板重新填写")

    job.total = outcome.total
    job.processed = outcome.total
    job.errors = sorted(outcome.errors, key=lambda e: e["row"])
    job.error_rows = len(outcome.bad_rows)
    has_errors = bool(outcome.errors)
    if job.mode == ImportMode.VALIDATE or (has_errors and job.mode == ImportMode.COMMIT) or not outcome.good:
        status = ImportStatus.REJECTED if has_errors else ImportStatus.VALIDATED
        if not has_errors and not outcome.good:
            status = ImportStatus.REJECTED
            job.message = "文件中没有党员数据"
        return _finish(job, status)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.WRITING)
    try:
        _write_import(job, outcome, uploader)
    except Exception:
        logger.exception("import job %s write failed", job_pk)
        job.created_count = job.updated_count = job.unchanged_count = 0
        return _finish(job, ImportStatus.FAILED, message="写入失败，未写入任何数据，请稍后重试")
    return job


def _finish(job: ImportJob, status: str, message: str = "") -> ImportJob:
    job.status = status
    if message:
        job.message = message
    job.finished_at = timezone.now()
    job.save()
    return job


def _fast_snapshot(fields: list[tuple[str, bool]], m: Member) -> dict[str, Any]:
    """Same dict as `audit.snapshot(m, AUDIT_FIELDS)`, without its generic per-field dispatch."""
    out: dict[str, Any] = {}
    for attname, is_date in fields:
        value = getattr(m, attname)
        out[attname] = value.isoformat() if is_date and value is not None else value
    return out


def _snapshot_fields() -> list[tuple[str, bool]]:
    return [
        (f.attname, isinstance(f, models.DateField))
        for f in Member._meta.concrete_fields
        if f.name in set(AUDIT_FIELDS)
    ]


def _insert_members(members: list[Member]) -> None:
    """Insert new members through `core.bulk` (executemany / COPY) instead of bulk_create's
    per-value SQL compilation, then read their ids back by 身份证号 (unique)."""
    if not members:
        return
    conn = connections[Member.objects.db]
    now = timezone.now()
    fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
    convert: list[Any] = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            convert.append(lambda v, f=f: f.get_db_prep_save(v, conn))
        elif isinstance(f, models.DateField):
            convert.append(lambda v: conn.ops.adapt_datefield_value(v))
        else:
            convert.append(None)
    rows = []
    for m in members:
        m.created_at = m.created_at or now
        m.updated_at = now
        values = [getattr(m, f.attname) for f in fields]
        rows.append([c(v) if c is not None and v is not None else v for c, v in zip(convert, values, strict=True)])
    insert_rows(Member, [f.column for f in fields], rows, using=conn.alias)
    by_id = {m.id_number: m for m in members}
    keys = list(by_id)
    for start in range(0, len(keys), 900):
        for id_number, pk in Member.objects.filter(id_number__in=keys[start : start + 900]).values_list(
            "id_number", "pk"
        ):
            m = by_id[id_number]
            m.pk = pk
            m._state.adding = False
            m._state.db = conn.alias


def _write_import(job: ImportJob, outcome: Any, actor: Any) -> None:
    """All-or-nothing: creates, updates, their audit events and the job's result commit together."""
    now = timezone.now()
    attnames = [str(getattr(Member._meta.get_field(f), "attname", f)) for f in MEMBER_FIELDS]
    creates = [g.member for g in outcome.good if g.existing is None]
    snap_fields = _snapshot_fields()
    changed: list[Member] = []
    changes: list[audit.Change] = []
    touched: set[Any] = set()  # the branches and 党小组 of the changed rows, before and after
    unchanged = 0
    with transaction.atomic():
        for g in outcome.good:
            if g.existing is None:
                continue
            current: Member = g.existing
            before = _fast_snapshot(snap_fields, current)
            for a in attnames:
                setattr(current, a, getattr(g.member, a))
            after = _fast_snapshot(snap_fields, current)
            diff = [k for k in after if after[k] != before.get(k)]
            if not diff:
                unchanged += 1
                continue
            bump(current)
            current.updated_at = now
            changed.append(current)
            touched.update((current.org_id, before.get("group_id"), current.group_id))
            changes.append(
                audit.Change(
                    "member.update",
                    current,
                    before={k: before.get(k) for k in diff},
                    after={k: after[k] for k in diff},
                )
            )
        _insert_members(creates)
        if changed:
            Member.objects.bulk_update(changed, [*attnames, "version", "updated_at"], batch_size=500)
        # Every branch and 党小组 a created or changed row is (or was) in: counts re-derived once.
        member_counts_follow(touched | {m.org_id for m in creates} | {m.group_id for m in creates})
        changes.extend(audit.Change("member.create", m, after=_fast_snapshot(snap_fields, m)) for m in creates)
        for start in range(0, len(changes), 2000):
            audit.record_many(actor, changes[start : start + 2000])
        job.created_count = len(creates)
        job.updated_count = len(changed)
        job.unchanged_count = unchanged
        job.status = ImportStatus.COMPLETED
        job.finished_at = timezone.now()
        job.save()
        audit.record(
            actor,
            "member.import",
            job,
            after={
                "file": job.original_name,
                "mode": job.mode,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": unchanged,
                "error_rows": job.error_rows,
            },
        )


# ---------------------------------------------------------------- Excel export


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int
    masked: bool
    filename: str


def member_export(*, actor: Any, org: Organization) -> ExportResult:
    """The roster of `org`'s subtree as the user may see it, streamed to a temporary workbook.
    身份证号 and phone are masked unless the user may see them; the export is audited."""
    # The roster workbook is for those who keep the roster; a plain member sees names only.
    require(actor, Action.MANAGE, org.path, "无权导出该组织的党员名册")
    masked = not can(actor, Action.VIEW_SENSITIVE, org.path)
    rows: Iterator[tuple[Any, ...]] = export_rows(actor, org, masked=masked)
    path, count = write_rows([c.header for c in COLUMNS], rows)
    with transaction.atomic():
        audit.record(
            actor,
            "member.export",
            org,
            org_path=org.path,
            after={"org": org.name, "rows": count, "masked": masked},
        )
    filename = f"{org.name}-党员名册-{timezone.localdate():%Y%m%d}.xlsx"
    return ExportResult(path=path, rows=count, masked=masked, filename=filename)


def template_build(*, actor: Any, org: Organization) -> str:
    """The import template for `org`, with its branches and 党小组 in the drop-down lists."""
    require(actor, Action.MANAGE, org.path, "无权向该组织导入党员")
    index = build_org_index(actor, org)
    groups = sorted({g.name for gs in index.groups.values() for g in gs.values()})
    return build_template(index.labels, groups)
