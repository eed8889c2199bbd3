"""Writes on points: the committee's manual, manual items (four eyes) and the derived recompute."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit, notify
from dangjian.core.bulk import insert_rows, refresh_statistics
from dangjian.core.calendar import add_working_days, span_is_provisional
from dangjian.core.paths import subtree_q
from dangjian.core.registry import RecordChange, get_branch_score_source, point_event_sources
from dangjian.core.scoping import Action, is_own, require, require_four_eyes, user_or_none
from dangjian.core.versioning import bump, check_version, lock
from dangjian.dues.models import DuesExpected, DuesPayment, DuesPaymentMonth
from dangjian.members.models import Member
from dangjian.orglife.models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingStatus
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from .models import (
    BranchRating,
    ManualPoint,
    ManualStatus,
    MemberYear,
    Objection,
    ObjectionStatus,
    PointEntry,
    PublicNotice,
    RatingStatus,
    ScoringManual,
)
from .selectors import ManualResolver, event_source_labels, manual_for

CHUNK = 2000  # members recomputed per batch: bounded memory at city scale
ALL_IDS = 2**62  # above every member id: a member-id slice with this end is open-ended


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应在 2000 到 2100 之间"})


# ---------------------------------------------------------------------------------------------
# The manual (积分细则)


def points_manual_save(
    *, actor: Any, org: Organization, year: int, data: dict[str, Any], document: str = "", version: int | None = None
) -> ScoringManual:
    """Set the committee's manual for `year`: it applies to the whole subtree (nearest ancestor wins).
    Once saved, the subtree's ledger of `year` is recomputed under it by a queue job (on commit), not
    left on the old manual until the nightly sweep."""
    require(actor, Action.ADMIN, org.path, "无权制定该组织的积分细则")
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise ValidationError("积分细则由党委或党总支制定")
    _check_year(year)
    # Raises on contradictions (item cap above category cap…) and on a source no app registered.
    manual = R.manual_from_data(year, data, sources=event_source_labels())
    started = (
        PublicNotice.objects.filter(subtree_q("org_path", org.path), year=year, starts_on__lte=timezone.localdate())
        .order_by("starts_on")
        .first()
    )
    if started is not None:
        raise ValidationError(
            f"{year} 年度星级已于 {started.starts_on:%Y-%m-%d} 开始公示，本年度细则不能再修改（可制定下一年度的细则）"
        )
    clean = R.manual_to_data(manual)
    with transaction.atomic():
        row = ScoringManual.objects.select_for_update().filter(org=org, year=year).first()
        before = audit.snapshot(row, ["data", "document"]) if row else None
        if row is None:
            row = ScoringManual(org=org, org_path=org.path, year=year)
        else:
            check_version(row, version)
            bump(row)
        row.data = clean
        row.document = document.strip()[:200]
        row.updated_by = user_or_none(actor)
        row.full_clean()
        row.save()
        audit.record(actor, "points.manual_save", row, before=before, after=audit.snapshot(row, ["data", "document"]))
        from .tasks import points_recompute_slice  # the task module imports this one

        path = org.path
        transaction.on_commit(lambda: points_recompute_slice.enqueue(path, year, 0, ALL_IDS), robust=True)
    return row


# ---------------------------------------------------------------------------------------------
# Manual items: entered by the branch, approved by a second person


def manual_point_enter(
    *, actor: Any, member: Member, item_code: str, on: dt.date, reason: str, document: str
) -> ManualPoint:
    require(actor, Action.MANAGE, member.org_path, "无权为该党员录入积分项")
    if on > timezone.localdate():
        raise ValidationError({"on": "日期不能晚于今天"})
    item = manual_for(member.org_path, on.year).manual.item(item_code)
    if item is None or item.source != R.Source.MANUAL:
        raise ValidationError({"item_code": f"{on.year} 年度积分细则中没有该手工积分项目"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写事由"})
    if not document.strip():
        raise ValidationError({"document": "请填写依据（表彰文件号、活动记录或处分决定）"})
    with transaction.atomic():
        point = ManualPoint(
            member=member,
            org_path=member.org_path,
            on=on,
            item_code=item.code,
            item_label=item.label,
            reason=reason.strip(),
            document=document.strip(),
            entered_by=user_or_none(actor),
        )
        point.full_clean()
        point.save()
        audit.record(actor, "points.manual_enter", point, after=audit.snapshot(point))
    return point


def manual_point_decide(
    *, actor: Any, point: ManualPoint, approve: bool, version: int | None, note: str = ""
) -> ManualPoint:
    """A second person approves or rejects; never whoever entered it nor the member concerned."""
    require(actor, Action.MANAGE, point.org_path, "无权审核该积分项")
    with transaction.atomic():
        p = lock(ManualPoint.objects, point.pk, version)
        concerned = Member.objects.filter(pk=p.member_id).values_list("user_id", flat=True).first()
        require_four_eyes(actor, p.entered_by_id, concerned)
        if p.status != ManualStatus.PENDING:
            raise ValidationError("该积分项已审核")
        if not approve and not note.strip():
            raise ValidationError({"note": "不通过的，请填写审核意见"})
        before = audit.snapshot(p)
        p.status = ManualStatus.APPROVED if approve else ManualStatus.REJECTED
        p.decided_by = user_or_none(actor)
        p.decided_at = timezone.now()
        p.decision_note = note.strip()[:300]
        bump(p)
        p.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
        audit.record(actor, "points.manual_decide", p, before=before, after=audit.snapshot(p))
        if approve:
            _recompute(Member.objects.filter(pk=p.member_id), p.on.year)
    return p


# ---------------------------------------------------------------------------------------------
# Derived points: recomputed from records, idempotently


def points_recompute(
    *, actor: Any, org: Organization, year: int, member_ids: tuple[int, int] | None = None
) -> dict[str, int]:
    """Recompute every member of the subtree for `year` from filed meetings, the dues ledger and
    approved manual items. Running it twice changes nothing; a corrected meeting corrects the points.

    Each batch of CHUNK members is its own transaction (a city-wide sweep holds no lock for
    minutes); a sweep stopped half-way leaves every batch either recomputed or untouched, and the
    next run finishes the job. `member_ids` = (first, last) limits it to a slice of member ids, so
    queue workers can share one tree's sweep (`points_sweep_slices`)."""
    require(actor, Action.MANAGE, org.path, "无权计算该组织的积分")
    _check_year(year)
    members = Member.objects.filter(subtree_q("org_path", org.path))
    if member_ids is not None:
        members = members.filter(pk__gte=member_ids[0], pk__lte=member_ids[1])
    result = _recompute(members, year)
    if result["changed"]:
        after = {"year": year, **result, **({"member_ids": list(member_ids)} if member_ids else {})}
        with transaction.atomic():
            audit.record(actor, "points.recompute", org, org_path=org.path, after=after)
    return result


def points_recompute_member(*, actor: Any, member: Member, year: int) -> MemberYear:
    require(actor, Action.MANAGE, member.org_path, "无权计算该党员的积分")
    _check_year(year)
    with transaction.atomic():
        _recompute(Member.objects.filter(pk=member.pk), year)
    return MemberYear.objects.get(member=member, year=year)


def points_follow_records(change: RecordChange) -> None:
    """Registry listener (`core.registry.records_changed`): a meeting was filed or corrected, a dues
    payment recorded or voided — the members concerned are recomputed as soon as the writer
    commits, without waiting for the sweep. Robust: a failure here is logged and never undoes the
    writer's record; the nightly sweep repairs whatever it missed."""
    years = [y for y in change.years if 2000 <= y <= 2100]
    if years:
        transaction.on_commit(lambda: points_follow_now(change.member_ids, change.meeting_id, years), robust=True)


def points_follow_now(member_ids: tuple[int, ...], meeting_id: int | None, years: list[int]) -> dict[str, int]:
    """The incremental recompute: the given members, or everyone on the meeting's list (≤ 50 ms for
    a branch, `bench/bench_points.py`)."""
    ids = list(member_ids)
    if meeting_id is not None and not ids:
        ids = list(Attendance.objects.filter(meeting_id=meeting_id).values_list("member_id", flat=True))
    out = {"members": 0, "changed": 0}
    if ids:
        for year in years:
            r = _recompute(Member.objects.filter(pk__in=ids), year)
            out["members"] += r["members"]
            out["changed"] += r["changed"]
    return out


_KIND_FLAGS = [k.value for k in MeetingKind]


def _among(column: str, ids: Any) -> Any:
    """`column IN ids` for a batch's thousands of ids. On PostgreSQL one array parameter
    (`= ANY(%s)`): with an IN list the driver splits a query of thousands of placeholders and
    Django prepares every value, a fifth of the sweep's Python time at city scale. Single-table
    queries only (the column is unqualified)."""
    if connection.vendor == "postgresql":
        sql = f"{connection.ops.quote_name(column)} = ANY(%s)"  # a column named in code; the ids a parameter
        return RawSQL(sql, (list(ids),), output_field=BooleanField())  # noqa: S611
    return Q(**{f"{column}__in": list(ids)})


def _of_members(ids: list[int], field: str = "member_id") -> Q:
    """The rows of these members: a pk range when the batch is a dense run of ids (the full sweep
    walks the roll in pk order, so a batch of 2,000 is ~2,000 consecutive ids), else an IN list.
    A range may also match members outside the batch; callers drop those rows."""
    lo, hi = min(ids), max(ids)
    if hi - lo < 2 * len(ids) + 100:
        return Q(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return _among(field, ids)


def _events(members: list[Member], year: int, resolve: ManualResolver) -> dict[int, list[R.Event]]:
    """Every member's scorable events of `year` (7 queries for the whole batch, plus one per
    registered source in use)."""
    ids = [m.pk for m in members]
    manuals = {m.pk: resolve(m.org_path) for m in members}
    events: dict[int, list[R.Event]] = {pk: [] for pk in ids}
    if not ids:
        return events
    grace: dict[str, Any] = config.effective_for_paths(sorted({m.org_path for m in members}), "points.dues_grace_days")
    path_of = {m.pk: m.org_path for m in members}
    first_of: dict[tuple[int, str], R.Item | None] = {}  # (manual, source) → its first item

    def first(manual: R.Manual, source: str) -> R.Item | None:
        key = (id(manual), source)
        if key not in first_of:
            first_of[key] = next((i for i in manual.items if i.source == source), None)
        return first_of[key]

    for m in members:
        base = first(manuals[m.pk], R.Source.BASE)
        if base is not None:
            events[m.pk].append(R.Event(dt.date(year, 1, 1), base.code, f"base:{year}", f"{year} 年度在册党员基础分"))

    # Attendance by member (an index range), then the meetings once each, filed and of the year:
    # joined in SQL the planner hashes every meeting of the city for every batch.
    marks = list(
        Attendance.objects.filter(
            _of_members(ids), status__in=[AttendanceStatus.PRESENT, AttendanceStatus.ABSENT]
        ).values_list("member_id", "status", "meeting_id")
    )
    meetings = {
        r[0]: (r[1], r[2], {k for k, flag in zip(_KIND_FLAGS, r[3:], strict=True) if flag})
        for r in Meeting.objects.filter(
            _among("id", {m for _, _, m in marks}), status=MeetingStatus.FILED, meeting_date__year=year
        ).values_list("pk", "meeting_date", "theme", *(f"is_{k}" for k in _KIND_FLAGS))
    }
    # (manual, status, meeting) → the event every such mark scores (one per manual, not per mark)
    picked: dict[tuple[int, str, int], R.Event | None] = {}
    for member_id, status, meeting_id in marks:
        manual = manuals.get(member_id)
        if manual is None or meeting_id not in meetings:
            continue  # outside the batch (a pk range), a draft meeting or another year's
        key = (id(manual), status, meeting_id)
        if key not in picked:
            on, theme, kinds = meetings[meeting_id]
            source = R.Source.ATTEND if status == AttendanceStatus.PRESENT else R.Source.ABSENT
            item = next((i for i in manual.items if i.source == source and kinds & set(i.kinds)), None)
            what = "出席" if source == R.Source.ATTEND else "无故缺席"
            picked[key] = (
                R.Event(on, item.code, f"meeting:{meeting_id}", f"{on:%Y-%m-%d} {what}“{theme}”"[:300])
                if item is not None
                else None
            )
        event = picked[key]
        if event is not None:
            events[member_id].append(event)  # events are immutable: shared between members

    # Payments and the months they cover read apart, each by member (an index range): joined in SQL
    # the planner hashes the whole payments table for every batch.
    months = [
        r
        for r in DuesPaymentMonth.objects.filter(_of_members(ids), month__year=year).values_list(
            "member_id", "month", "payment_id"
        )
        if r[0] in manuals
    ]
    paid_on_of = dict(
        DuesPayment.objects.filter(
            _of_members(ids), paid_on__range=(dt.date(year - 1, 1, 1), dt.date(year + 1, 12, 31))
        ).values_list("pk", "paid_on")
    )
    paid = {(member_id, month): paid_on_of[pid] for member_id, month, pid in months if pid in paid_on_of}
    free = {
        key
        for key in DuesExpected.objects.filter(_of_members(ids), month__year=year, amount_fen=0).values_list(
            "member_id", "month"
        )
        if key[0] in manuals
    }
    month_label = {m: (f"dues:{m:%Y-%m}", f"{m:%Y年%m月}") for m in {month for _, month in (*paid, *free)}}
    # Members who paid a month on the same day share its event (a branch pays on its party day).
    on_time: dict[tuple[str, dt.date, dt.date, int], R.Event | None] = {}
    for (pk, month), paid_on in sorted(paid.items()):
        item = first(manuals[pk], R.Source.DUES_ON_TIME)
        if item is None:
            continue
        dkey = (item.code, month, paid_on, int(grace[path_of[pk]]))
        if dkey not in on_time:
            ref, label = month_label[month]
            on_time[dkey] = (
                R.Event(month, item.code, ref, f"{label}党费，{paid_on:%Y-%m-%d} 交纳")
                if R.dues_on_time(month, paid_on, dkey[3])
                else None
            )
        if (dues_event := on_time[dkey]) is not None:
            events[pk].append(dues_event)
    for pk, month in sorted(free - set(paid)):
        item = first(manuals[pk], R.Source.DUES_ON_TIME)
        if item:  # an approved 免交: the member loses nothing
            ref, label = month_label[month]
            events[pk].append(R.Event(month, item.code, ref, f"{label}党费经批准免交"))

    for p in ManualPoint.objects.filter(_among("member_id", ids), on__year=year, status=ManualStatus.APPROVED):
        if manuals[p.member_id].item(p.item_code) is not None:
            events[p.member_id].append(
                R.Event(p.on, p.item_code, f"manual:{p.pk}", f"{p.reason}（依据：{p.document}）"[:300])
            )

    # Sources other apps registered (a confirmed community deed, a completed training): asked once
    # per source for the whole batch, and only when some manual in force has an item for it.
    in_use = {i.source for one in {id(x): x for x in manuals.values()}.values() for i in one.items}
    for src in point_event_sources():
        if src.code not in in_use:
            continue
        for ev in src.events(ids, dt.date(year, 1, 1), dt.date(year, 12, 31)):
            theirs = manuals.get(ev.member_id)
            if theirs is None or ev.on.year != year:
                continue  # a source answering beyond what it was asked is ignored, not trusted
            item = first(theirs, src.code)
            if item is not None:
                events[ev.member_id].append(R.Event(ev.on, item.code, ev.ref[:60], ev.label[:300]))
    return events


_KEY_FIELDS = ("org_path", "on", "item_code", "category", "ref", "ref_label", "raw", "points", "cap_note", "item_label")


_YEAR_FIELDS = ("org_path", "total", "stars", "star_label", "exempt", "suggestion", "veto_reason", "digest")


def _line_key(path: str, ln: R.Line) -> tuple[Any, ...]:
    return (
        path,
        ln.event.on,
        ln.item.code,
        ln.item.category,
        ln.event.ref,
        ln.event.ref_label,
        ln.raw,
        ln.points,
        ln.cap_note,
        ln.item.label,
    )


def _digest(keys: list[tuple[Any, ...]]) -> str:
    """Fingerprint of a member's lines as scored (in date order, values straight from the rules)."""
    return hashlib.sha256("\n".join("|".join(map(str, k)) for k in keys).encode()).hexdigest()


def _digest_lines(path: str, lines: list[R.Line], day: dict[dt.date, str]) -> str:
    """`_digest` of the lines' keys, without building the key tuples (the sweep fingerprints every
    member and writes only the changed ones): the same text, field by field, `day` caching the
    dates' text across a batch. `test_services` pins the two equal."""
    out = []
    for ln in lines:
        ev, item = ln.event, ln.item
        on = day.get(ev.on)
        if on is None:
            on = day[ev.on] = str(ev.on)
        out.append(
            f"{path}|{on}|{item.code}|{item.category}|{ev.ref}|{ev.ref_label}|{ln.raw!s}|{ln.points!s}|{ln.cap_note}|{item.label}"
        )
    return hashlib.sha256("\n".join(out).encode()).hexdigest()


class _Roll(NamedTuple):
    """The three columns of a member the recompute needs (not the whole row: 200,000 of them)."""

    pk: int
    org_path: str
    exempt: bool


_ENTRY_COLUMNS = ("member_id", "year", *_KEY_FIELDS)
_YEAR_COLUMNS = ("member_id", "year", *_YEAR_FIELDS, "computed_at")


def _recompute(members_qs: Any, year: int) -> dict[str, int]:
    """Rewrite the ledger of the members whose derived lines differ (by digest); touch nobody else.

    Set-based per batch of CHUNK members: 5 reads for the events, 1 for the stored years, then one
    DELETE and one bulk INSERT (COPY on PostgreSQL, `core.bulk`) each for the changed ledger lines
    and the changed years — no ORM instance per line, no per-member query."""
    resolve = ManualResolver(year)
    changed = members = 0
    now = timezone.now()
    ids = list(members_qs.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            n, c = _recompute_batch(ids[start : start + CHUNK], year, resolve, now)
        members += n
        changed += c
    if changed > 5000:  # a large rewrite: let PostgreSQL's planner see the new row counts at once
        refresh_statistics(PointEntry)
        refresh_statistics(MemberYear)
    return {"members": members, "changed": changed}


def _recompute_batch(ids: list[int], year: int, resolve: ManualResolver, now: dt.datetime) -> tuple[int, int]:
    """One batch, in one transaction. The members' rows are locked first (FOR NO KEY UPDATE: it
    does not block the ledger's foreign-key checks), so two recomputes of one member — the sweep
    and a meeting just filed, or two clicks — queue instead of both rewriting the ledger."""
    batch = [
        _Roll(*row)
        for row in Member.objects.select_for_update(no_key=True)
        .filter(_among("id", ids))
        .order_by("pk")
        .values_list("pk", "org_path", "exempt")
    ]
    events = _events(batch, year, resolve)  # type: ignore[arg-type]  # only .pk and .org_path are read
    stored = {
        r[0]: r[1:]
        for r in MemberYear.objects.filter(_among("member_id", [m.pk for m in batch]), year=year).values_list(
            "member_id", *_YEAR_FIELDS
        )
    }
    entry_rows: list[tuple[Any, ...]] = []
    stale: list[int] = []
    year_rows: list[tuple[Any, ...]] = []
    gone: list[int] = []  # stored years to replace
    day: dict[dt.date, str] = {}
    for m in batch:
        manual = resolve(m.org_path)
        lines = R.score(manual, events[m.pk])
        digest = _digest_lines(m.org_path, lines, day)
        old = stored.get(m.pk)
        if old is None or old[-1] != digest:  # the lines changed: rewrite this member's ledger
            stale.append(m.pk)
            entry_rows.extend(
                (m.pk, year, m.org_path, ln.event.on, ln.item.code, ln.item.category, ln.event.ref,
                 ln.event.ref_label, ln.raw, ln.points, ln.cap_note, ln.item.label)
                for ln in lines
            )  # fmt: skip  # (member, year, *_line_key(...)) written out: millions of rows on a first sweep
        total = R.total_of(lines).quantize(R.ONE_PLACE)
        veto = "" if m.exempt else R.veto_reason(lines)
        star = None if veto else R.star_for(total, manual.thresholds)
        values = (
            m.org_path,
            total,
            star.stars if star and not m.exempt else 0,
            "不参与评星" if m.exempt else (star.label if star else R.NO_STAR),
            m.exempt,
            "" if m.exempt else R.appraisal_suggestion(total, manual.thresholds),
            veto,
            digest,
        )
        if old != values:
            if old is not None:
                gone.append(m.pk)
            year_rows.append((m.pk, year, *values, now))
    if stale:
        # A member without a stored year has no stored lines either (both are written together).
        if had := [pk for pk in stale if pk in stored]:
            PointEntry.objects.filter(_among("member_id", had), year=year).delete()
        insert_rows(PointEntry, _ENTRY_COLUMNS, entry_rows)
    if gone:
        MemberYear.objects.filter(_among("member_id", gone), year=year).delete()
    insert_rows(MemberYear, _YEAR_COLUMNS, year_rows)
    return len(batch), len(set(stale) | {r[0] for r in year_rows})


# ---------------------------------------------------------------------------------------------
# 公示 and objections


def points_notice_publish(*, actor: Any, org: Organization, year: int) -> PublicNotice:
    """Recompute the branch's year, freeze each member's star and publish it to the branch for the
    committee's number of working days (default 5); members may object within the period."""
    require(actor, Action.MANAGE, org.path, "无权公示该支部的星级")
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("星级按党支部公示")
    _check_year(year)
    today = timezone.localdate()
    with transaction.atomic():
        existing = PublicNotice.objects.select_for_update().filter(org=org, year=year).first()
        if existing is not None:
            raise ValidationError(f"{year} 年度星级已于 {existing.starts_on:%Y-%m-%d} 公示，不能重复公示")
        members = Member.objects.filter(org=org, is_active=True)
        _recompute(members, year)
        years = MemberYear.objects.filter(member__in=members, year=year).select_related("member")
        rows = [
            {
                "member_id": y.member_id,
                "name": y.member.name,
                "star_label": y.star_label,
                "stars": y.stars,
                "exempt": y.exempt,
                "total": str(y.total),
            }
            for y in sorted(years, key=lambda y: (y.member.name, y.member_id))
        ]
        days = int(config.effective(org.path, "points.notice_days"))
        # The period counts `days` working days from today (today included when it is one).
        ends = add_working_days(today - dt.timedelta(days=1), days)
        notice = PublicNotice(
            org=org,
            org_path=org.path,
            year=year,
            starts_on=today,
            ends_on=ends,
            answer_days=int(config.effective(org.path, "points.answer_days")),
            rows=rows,
            provisional=span_is_provisional(today, ends),
            published_by=user_or_none(actor),
        )
        notice.full_clean()
        notice.save()
        audit.record(
            actor, "points.notice_publish", notice, after=audit.snapshot(notice, ["year", "starts_on", "ends_on"])
        )
        users = Member.objects.filter(pk__in=[r["member_id"] for r in rows], user__isnull=False)
        notify.send(
            users.values_list("user_id", flat=True),
            key=f"points.notice:{notice.pk}",
            title=f"{org.name}{year}年度星级评定公示",
            body=f"公示期至 {ends:%Y-%m-%d}，如有异议请在公示期内提出",
            link=reverse("points:notice", args=[notice.pk]),
        )
    return notice


def points_objection_raise(*, actor: Any, notice: PublicNotice, reason: str) -> Objection:
    """A member objects to their own entry, within the 公示 period, with a reason."""
    require(actor, Action.VIEW, notice.org_path, "无权对该公示提出异议")
    listed = {r["member_id"] for r in notice.rows}
    me = getattr(actor, "pk", None)
    member = Member.objects.filter(pk__in=listed, user_id=me).first() if me else None
    if member is None or not is_own(actor, member):
        raise ValidationError("只有公示名单中的党员本人可以提出异议")
    today = timezone.localdate()
    if today > notice.ends_on:
        raise ValidationError(f"公示期已于 {notice.ends_on:%Y-%m-%d} 结束，不能再提出异议")
    if not reason.strip():
        raise ValidationError({"reason": "请填写异议理由（如哪次会议、哪个月的党费记录有误）"})
    star = next(r["star_label"] for r in notice.rows if r["member_id"] == member.pk)
    with transaction.atomic():
        obj = Objection(
            notice=notice,
            member=member,
            org_path=notice.org_path,
            reason=reason.strip()[:500],
            raised_by=user_or_none(actor),
            answer_due=add_working_days(today, notice.answer_days),
            star_before=star,
        )
        obj.full_clean()
        obj.save()
        audit.record(actor, "points.objection_raise", obj, after=audit.snapshot(obj))
    return obj


def points_objection_decide(
    *, actor: Any, objection: Objection, upheld: bool, answer: str, version: int | None
) -> Objection:
    """The branch committee answers; if the objection is upheld the records were corrected first and
    the member's points are recomputed. The objector never answers their own objection."""
    require(actor, Action.MANAGE, objection.org_path, "无权答复该异议")
    with transaction.atomic():
        obj = lock(Objection.objects, objection.pk, version)
        require_four_eyes(actor, obj.raised_by_id)
        if obj.status != ObjectionStatus.OPEN:
            raise ValidationError("该异议已答复")
        if not answer.strip():
            raise ValidationError({"answer": "请填写答复意见"})
        before = audit.snapshot(obj)
        star_after = obj.star_before
        if upheld:
            _recompute(Member.objects.filter(pk=obj.member_id), obj.notice.year)
            y = MemberYear.objects.filter(member_id=obj.member_id, year=obj.notice.year).first()
            star_after = y.star_label if y else obj.star_before
        obj.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        obj.answer = answer.strip()[:500]
        obj.answered_by = user_or_none(actor)
        obj.answered_at = timezone.now()
        obj.star_after = star_after
        bump(obj)
        obj.save(update_fields=["status", "answer", "answered_by", "answered_at", "star_after", "version"])
        audit.record(actor, "points.objection_answer", obj, before=before, after=audit.snapshot(obj))
        if obj.raised_by_id:
            notify.send(
                [obj.raised_by_id],
                key=f"points.objection:{obj.pk}",
                title="您对星级公示提出的异议已答复",
                body=f"{obj.get_status_display()}：{obj.answer}",
                link=reverse("points:notice", args=[obj.notice_id]),
            )
    return obj


# ---------------------------------------------------------------------------------------------
# 星级党支部: entered by the committee's 考核小组, approved by a second person


def _score(raw: Any, label: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({label: "应为数字（可保留一位小数）"}) from exc
    if not value.is_finite() or value != value.quantize(R.ONE_PLACE) or not 0 <= value <= 200:
        raise ValidationError({label: "应为 0 到 200 之间的数字，最多保留一位小数"})
    return value


def points_branch_rating_enter(
    *,
    actor: Any,
    committee: Organization,
    branch: Organization,
    year: int,
    points_score: Any,
    target_score: Any,
    document: str,
    direct_stars: int | None = None,
    note: str = "",
    version: int | None = None,
) -> BranchRating:
    """The committee enters (or corrects, until approved) a branch's rating: the weighted score of its
    two assessments, or a direct rating with a reason; both cite the document. It counts once a
    second person approves it (`points_branch_rating_decide`)."""
    require(actor, Action.MANAGE, committee.path, "无权评定该党委下属支部的星级")
    if committee.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise ValidationError("星级党支部由党委或党总支评定")
    if branch.kind != OrgKind.BRANCH or not branch.path.startswith(committee.path) or branch.pk == committee.pk:
        raise ValidationError({"branch": "只能评定本党委所属的党支部"})
    _check_year(year)
    p_score = _score(points_score, "points_score")
    t_score = _score(target_score, "target_score")
    # The committee may take the 年终目标考核 score from another app's records (points.branch_target_source).
    source = get_branch_score_source(str(config.effective(committee.path, "points.branch_target_source")))
    sourced = source.scores([branch.path], year).get(branch.path) if source else None
    t_score, from_source = R.target_input(t_score, sourced.value if sourced else None)
    thresholds = manual_for(branch.path, year).manual.branch_thresholds
    if direct_stars is not None:
        if direct_stars != 0 and direct_stars not in {t.stars for t in thresholds}:
            raise ValidationError({"direct_stars": "直接评定的星级不在本年度细则中"})
        if not note.strip():
            raise ValidationError({"note": "直接评定须写明理由（如获评区级以上先进基层党组织）"})
    elif p_score is None or t_score is None:
        missing = "请填写积分制管理考核得分和年终目标考核得分"
        if source:
            missing += f"（{branch.name}本年度无{source.label}，需录入）"
        raise ValidationError({"points_score": f"{missing}，或选择直接评定"})
    if not document.strip():
        raise ValidationError({"document": "请填写依据文件（考核文件号或表彰文件号）"})
    weight = int(config.effective(committee.path, "points.branch_points_weight"))
    score = R.branch_score(p_score, t_score, weight) if p_score is not None and t_score is not None else None
    if direct_stars is not None:
        stars = direct_stars
    else:
        assert score is not None
        star = R.star_for(score, thresholds)
        stars = star.stars if star else 0
    with transaction.atomic():
        row = BranchRating.objects.select_for_update().filter(org=branch, year=year).first()
        before = audit.snapshot(row) if row else None
        if row is None:
            row = BranchRating(org=branch, org_path=branch.path, year=year)
        else:
            check_version(row, version)
            if row.status == RatingStatus.APPROVED:
                raise ValidationError(f"{branch.name} {year} 年度星级已审定，不能修改")
            bump(row)
        row.committee, row.committee_path = committee, committee.path
        row.points_score, row.target_score, row.points_weight, row.score = p_score, t_score, weight, score
        row.target_source = source.code if source and from_source else ""
        row.target_ref = sourced.ref if sourced and from_source else ""
        row.direct_stars = direct_stars
        row.stars, row.star_label = stars, R.stars_label(stars, thresholds)
        row.document, row.note = document.strip()[:200], note.strip()[:300]
        row.status, row.decision_note = RatingStatus.PENDING, ""
        row.entered_by = user_or_none(actor)
        row.decided_by, row.decided_at = None, None
        row.full_clean()
        row.save()
        audit.record(actor, "points.branch_rating_enter", row, before=before, after=audit.snapshot(row))
    return row


def points_branch_rating_decide(
    *, actor: Any, rating: BranchRating, approve: bool, version: int | None, note: str = ""
) -> BranchRating:
    """A second person of the committee approves (quota checked) or returns the rating."""
    require(actor, Action.MANAGE, rating.committee_path, "无权审定该支部的星级")
    with transaction.atomic():
        r = lock(BranchRating.objects, rating.pk, version)
        require_four_eyes(actor, r.entered_by_id)
        if r.status != RatingStatus.PENDING:
            raise ValidationError("该评定不在待审定状态")
        if not approve and not note.strip():
            raise ValidationError({"note": "退回的，请填写审定意见"})
        if approve and r.stars:
            quotas = R.parse_quotas(config.effective(r.committee_path, "points.branch_quotas"))
            if r.stars in quotas:
                branches = Organization.objects.filter(subtree_q("path", r.committee_path), kind=OrgKind.BRANCH)
                taken = BranchRating.objects.filter(
                    committee_id=r.committee_id, year=r.year, status=RatingStatus.APPROVED, stars=r.stars
                ).count()
                problem = R.quota_problem(r.stars, r.star_label, quotas, taken, branches.count())
                if problem:
                    raise ValidationError(problem)
        before = audit.snapshot(r)
        r.status = RatingStatus.APPROVED if approve else RatingStatus.RETURNED
        r.decided_by = user_or_none(actor)
        r.decided_at = timezone.now()
        r.decision_note = note.strip()[:300]
        bump(r)
        r.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])
        audit.record(actor, "points.branch_rating_decide", r, before=before, after=audit.snapshot(r))
    return r
