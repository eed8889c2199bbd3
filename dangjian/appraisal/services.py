"""Writes for 谈心谈话 and 民主评议党员. Each starts at the write gate; nothing here decides a grade —
the branch decides, the platform records it (and refuses what the rules forbid)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holder_ids_by
from dangjian.core import notify
from dangjian.core.audit import record
from dangjian.core.registry import talk_triggers
from dangjian.core.scoping import PLATFORM, Action, SystemActor, require, require_four_eyes, user_or_none
from dangjian.core.versioning import bump, check_version
from dangjian.members.models import Member, MemberStatus, MemberTransfer, TransferStatus
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import selectors
from .models import (
    Appraisal,
    AppraisalEntry,
    AppraisalState,
    ContactShare,
    MobileAbsence,
    OrgLifeReview,
    Rectification,
    Talk,
    TalkCount,
    TalkFollowUp,
    TalkPart,
    TalkTodo,
)
from .rules import (
    Grade,
    TalkEvent,
    TalkMode,
    TalkOccasion,
    attribution_year,
    excellent_findings,
    grade_findings,
    talk_date_findings,
)

SWEEP_ONLY = "只有系统可以运行定期提醒"
RECORDER_DENIED = "只有谈话双方或支部书记可以记录谈话"
EVENT_LOOKBACK_DAYS = 60  # events older than this when the job first sees them raise no to-do
TALKS_DUE_MONTH = 11  # the year's talks are reminded in November, before the 组织生活会


@dataclass(frozen=True)
class FollowUpData:
    measure: str
    owner_id: int
    deadline: dt.date


def _talk_people(org: Organization) -> tuple[set[int], set[int]]:
    """(who may lead, who may be talked with) in a talk recorded at `org`: in a branch, its active
    members; at a committee (a talk across levels), its committee members lead, and the other
    committee members or the child organisations' secretaries and committee members are talked with."""
    if org.kind == OrgKind.BRANCH:
        ids = set(Member.objects.filter(org=org, is_active=True).values_list("pk", flat=True))
        return ids, ids
    talkers, lower = selectors.cross_talk_people(org)
    lead = {m for m, _ in talkers}
    return lead, lead | {m for m, _ in lower}


def _is_branch_secretary(actor: Any, org: Organization) -> bool:
    return getattr(actor, "pk", None) in selectors.secretary_user_ids(org)


def _own_member_id(actor: Any) -> int | None:
    member = getattr(actor, "member", None) if getattr(actor, "pk", None) else None
    return member.pk if member is not None else None


def _require_recorder(actor: Any, org: Organization, participants: list[int]) -> None:
    """A talk is written by a participant or the org's secretary: only they may read what was said."""
    require(actor, Action.VIEW, org.path)
    if not (
        isinstance(actor, SystemActor) or _own_member_id(actor) in participants or _is_branch_secretary(actor, org)
    ):
        raise PermissionDenied(RECORDER_DENIED)


def _talk_errors(
    org: Organization,
    talker_id: int,
    counterpart_ids: list[int],
    held_on: dt.date,
    mode: str,
    occasion: str,
    topics: list[str],
    follow_ups: list[FollowUpData],
    today: dt.date,
    kept: tuple[int | None, frozenset[int]] = (None, frozenset()),
) -> dict[str, str]:
    """Each bad field of a talk (recorded or corrected) with its Chinese message; empty if none.
    `kept`: the talker and counterparts of the talk being corrected, who stay acceptable in their
    role after leaving the branch (correcting the date must not fail on a later transfer)."""
    errors: dict[str, str] = {}
    if not counterpart_ids:
        errors["counterparts"] = "请选择至少一名“谈话对象”"
    elif talker_id in counterpart_ids:
        errors["counterparts"] = "“谈话对象”不能包括谈话人本人"
    talkers, others = _talk_people(org)
    talkers = talkers | ({kept[0]} if kept[0] else set())
    others = others | kept[1]
    if talker_id not in talkers:
        errors["talker"] = (
            "“谈话人”须为本支部在册党员" if org.kind == OrgKind.BRANCH else "跨级谈话的“谈话人”须为本级组织的书记或委员"
        )
    if any(c not in others for c in counterpart_ids):
        errors.setdefault(
            "counterparts",
            "“谈话对象”须为本支部在册党员"
            if org.kind == OrgKind.BRANCH
            else "跨级谈话的“谈话对象”只能是本级委员或下级组织的书记、委员",
        )
    for f in talk_date_findings(held_on, today):
        errors["held_on"] = f.message_zh
    if mode not in TalkMode.values:
        errors["mode"] = "“方式”无效"
    if occasion not in TalkOccasion.values:
        errors["occasion"] = "“类型”无效"
    allowed = selectors.topics_for(org)
    if any(t not in allowed for t in topics):
        errors["topics"] = "“谈话主题”不在本组织的主题清单中"
    for i, fu in enumerate(follow_ups, start=1):
        if not fu.measure.strip():
            errors["follow_ups"] = f"第{i}条落实事项：请填写“落实事项”"
        elif fu.owner_id not in others | talkers:
            errors["follow_ups"] = f"第{i}条落实事项：“责任人”须为谈话可选的人员"
        elif fu.deadline < held_on:
            errors["follow_ups"] = f"第{i}条落实事项：“完成期限”不能早于谈话日期"
    return errors


def _refresh_talk_parts(keys: Iterable[tuple[int, int]]) -> int:
    """Re-derive the `TalkPart` rows of these (member id, year) keys from the talks, in the caller's
    transaction. The rows are created if missing and locked (in one order, so writers never
    deadlock) before the talks are counted: a concurrent talk of the same member commits first,
    and the count read after the lock includes it. Returns the rows changed."""
    wanted = sorted({(y, m) for m, y in keys})
    if not wanted:
        return 0
    TalkPart.objects.bulk_create([TalkPart(member_id=m, year=y) for y, m in wanted], ignore_conflicts=True)
    years = {y for y, _ in wanted}
    members = {m for _, m in wanted}
    keyset = set(wanted)
    rows = [
        r
        for r in TalkPart.objects.select_for_update()
        .filter(year__in=years, member_id__in=members)
        .order_by("year", "member_id")
        if (r.year, r.member_id) in keyset
    ]
    counts = selectors.talk_part_counts(years, members)
    changed = []
    for r in rows:
        n = counts.get((r.member_id, r.year), 0)
        if r.talks != n:
            r.talks = n
            changed.append(r)
    TalkPart.objects.bulk_update(changed, ["talks"])
    return len(changed)


def _bump_talk_count(org_id: int, org_path: str, year: int, delta: int) -> None:
    """Add `delta` to the org's `TalkCount` for `year` (an atomic increment under the row's lock)."""
    TalkCount.objects.bulk_create([TalkCount(org_id=org_id, org_path=org_path, year=year)], ignore_conflicts=True)
    TalkCount.objects.filter(org_id=org_id, year=year).update(talks=F("talks") + delta)


def _refresh_talk_counts(year: int, org_ids: list[int]) -> int:
    """Re-derive these orgs' `TalkCount` for `year` from the talks: rows created if missing, locked,
    then counted (a talk recorded meanwhile adds its own increment after). Returns rows changed."""
    if not org_ids:
        return 0
    paths = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "path"))
    TalkCount.objects.bulk_create(
        [TalkCount(org_id=o, org_path=paths[o], year=year) for o in sorted(org_ids) if o in paths],
        ignore_conflicts=True,
    )
    rows = list(TalkCount.objects.select_for_update().filter(year=year, org_id__in=org_ids).order_by("org_id"))
    counts = selectors.talk_counts([year], org_ids)
    changed = []
    for r in rows:
        n = counts.get((r.org_id, year), ("", 0))[1]
        if r.talks != n:
            r.talks = n
            changed.append(r)
    TalkCount.objects.bulk_update(changed, ["talks"])
    return len(changed)


def _talk_keys(talk: Talk) -> set[tuple[int, int]]:
    """(member id, year) of everyone in `talk` as it is stored now."""
    return {(m, talk.year) for m in [talk.talker_id, *talk.counterparts.values_list("pk", flat=True)]}


@transaction.atomic
def talk_record(
    *,
    actor: Any,
    org: Organization,
    talker_id: int,
    counterpart_ids: list[int],
    held_on: dt.date,
    place: str = "",
    mode: str = TalkMode.INDIVIDUAL,
    occasion: str = TalkOccasion.ANNUAL,
    topics: list[str] | None = None,
    content: str = "",
    issues: str = "",
    follow_ups: list[FollowUpData] | None = None,
    today: dt.date | None = None,
) -> Talk:
    """Record a talk of branch `org` -- or, at a committee, a talk across levels (its secretary or
    members with the child organisations' secretaries and committees; counted wherever both people
    are). Recorded by a participant or the org's secretary, since only they may read what was
    said; the audit event names the people, never the content. The participants' `TalkPart`
    counts move in the same transaction."""
    participants = [talker_id, *counterpart_ids]
    _require_recorder(actor, org, participants)
    today = today or timezone.localdate()
    chosen = [t for t in (topics or []) if t]
    errors = _talk_errors(
        org, talker_id, counterpart_ids, held_on, mode, occasion, chosen, list(follow_ups or []), today
    )
    if errors:
        raise ValidationError(errors)
    if len(counterpart_ids) > 1 and mode == TalkMode.INDIVIDUAL:
        mode = TalkMode.GROUP
    talk = Talk(
        org=org,
        org_path=org.path,
        year=held_on.year,
        held_on=held_on,
        place=place.strip(),
        mode=mode,
        occasion=occasion,
        talker_id=talker_id,
        topics=chosen,
        content=content.strip(),
        issues=issues.strip(),
        created_by=user_or_none(actor),
    )
    talk.full_clean()
    talk.save()
    talk.counterparts.set(counterpart_ids)
    for fu in follow_ups or []:
        TalkFollowUp.objects.create(talk=talk, measure=fu.measure.strip(), owner_id=fu.owner_id, deadline=fu.deadline)
    closed = TalkTodo.objects.filter(org=org, talk__isnull=True, member_id__in=participants).update(talk=talk)
    _refresh_talk_parts((m, talk.year) for m in participants)
    _bump_talk_count(org.pk, org.path, talk.year, 1)
    record(
        actor=actor,
        action="appraisal.talk_record",
        obj=talk,
        org_path=org.path,
        after={
            "held_on": held_on,
            "talker": talker_id,
            "counterparts": sorted(counterpart_ids),
            "mode": mode,
            "todos_closed": closed,
        },
    )
    return talk


def _people_snapshot(talk: Talk, counterpart_ids: list[int]) -> dict[str, Any]:
    return {
        "held_on": talk.held_on,
        "talker": talk.talker_id,
        "counterparts": sorted(counterpart_ids),
        "mode": talk.mode,
    }


@transaction.atomic
def talk_update(
    *,
    actor: Any,
    talk: Talk,
    talker_id: int,
    counterpart_ids: list[int],
    held_on: dt.date,
    place: str = "",
    mode: str = TalkMode.INDIVIDUAL,
    occasion: str = TalkOccasion.ANNUAL,
    topics: list[str] | None = None,
    content: str = "",
    issues: str = "",
    today: dt.date | None = None,
) -> Talk:
    """Correct a recorded talk (its date, people, place, topics or content; follow-ups keep their
    own page). Allowed to whoever may record it -- a participant before or after the change, or the
    org's secretary -- under the same checks. The `TalkPart` counts of everyone in the talk before
    and after (and of both years, when the date moves across a year end) are re-derived in the
    same transaction. The audit event names the people, never the content."""
    talk = Talk.objects.select_for_update().select_related("org").get(pk=talk.pk)
    before_ids = list(talk.counterparts.values_list("pk", flat=True))
    _require_recorder(actor, talk.org, [talk.talker_id, *before_ids, talker_id, *counterpart_ids])
    today = today or timezone.localdate()
    chosen = [t for t in (topics or []) if t]
    errors = _talk_errors(
        talk.org,
        talker_id,
        counterpart_ids,
        held_on,
        mode,
        occasion,
        chosen,
        [],
        today,
        kept=(talk.talker_id, frozenset(before_ids)),
    )
    if errors:
        raise ValidationError(errors)
    if len(counterpart_ids) > 1 and mode == TalkMode.INDIVIDUAL:
        mode = TalkMode.GROUP
    before = _people_snapshot(talk, before_ids)
    touched = _talk_keys(talk)
    if talk.year != held_on.year:  # moved across a year end: the org's count moves with it
        _bump_talk_count(talk.org_id, talk.org_path, talk.year, -1)
        _bump_talk_count(talk.org_id, talk.org_path, held_on.year, 1)
    talk.year = held_on.year
    talk.held_on = held_on
    talk.place = place.strip()
    talk.mode = mode
    talk.occasion = occasion
    talk.talker_id = talker_id
    talk.topics = chosen
    talk.content = content.strip()
    talk.issues = issues.strip()
    talk.full_clean()
    talk.save()
    talk.counterparts.set(counterpart_ids)
    _refresh_talk_parts(touched | _talk_keys(talk))
    record(
        actor=actor,
        action="appraisal.talk_update",
        obj=talk,
        org_path=talk.org_path,
        before=before,
        after=_people_snapshot(talk, counterpart_ids),
    )
    return talk


@transaction.atomic
def talk_delete(*, actor: Any, talk: Talk) -> None:
    """Delete a talk recorded in error (by a participant or the org's secretary). Its follow-ups go
    with it; a 必谈 to-do it had closed opens again; its people's `TalkPart` counts drop in the
    same transaction. The audit event keeps who and when, never the content."""
    talk = Talk.objects.select_for_update().select_related("org").get(pk=talk.pk)
    counterpart_ids = list(talk.counterparts.values_list("pk", flat=True))
    _require_recorder(actor, talk.org, [talk.talker_id, *counterpart_ids])
    touched = _talk_keys(talk)
    before = _people_snapshot(talk, counterpart_ids)
    reopened = TalkTodo.objects.filter(talk=talk).update(talk=None)
    record(
        actor=actor,
        action="appraisal.talk_delete",
        obj=talk,
        org_path=talk.org_path,
        before=before,
        after={"todos_reopened": reopened},
    )
    talk.delete()
    _refresh_talk_parts(touched)
    _bump_talk_count(talk.org_id, talk.org_path, talk.year, -1)


TALK_PART_BATCH = 2000


@transaction.atomic
def talk_parts_rebuild(*, actor: Any, years: Iterable[int] | None = None) -> dict[str, int]:
    """Re-derive `TalkPart` (per member) and `TalkCount` (per org) from the talks for `years`
    (default: every year with a talk or a row).
    Idempotent: rows already right are not written, so a second run changes nothing. Rows found
    wrong are re-derived under their lock (as the talk services do), in batches."""
    require(actor, Action.ADMIN, PLATFORM, SWEEP_ONLY)
    if years is None:
        found = set(Talk.objects.order_by().values_list("year", flat=True).distinct())
        found |= set(TalkPart.objects.order_by().values_list("year", flat=True).distinct())
        found |= set(TalkCount.objects.order_by().values_list("year", flat=True).distinct())
        years = found
    changed = 0
    checked = 0
    for year in sorted(set(years)):
        counts = selectors.talk_part_counts([year])
        have = dict(TalkPart.objects.filter(year=year).values_list("member_id", "talks"))
        wrong = sorted(m for m in set(have) | {m for m, _ in counts} if have.get(m, 0) != counts.get((m, year), 0))
        checked += len(have.keys() | {m for m, _ in counts})
        # Missing rows are inserted with their counts: a talk recorded meanwhile either committed
        # first (its row exists; ours is skipped) or waits on our row and then re-counts under lock.
        missing = [m for m in wrong if m not in have]
        TalkPart.objects.bulk_create(
            [TalkPart(member_id=m, year=year, talks=counts[(m, year)]) for m in missing],
            ignore_conflicts=True,
            batch_size=5000,
        )
        changed += len(missing)
        present = [m for m in wrong if m in have]
        for i in range(0, len(present), TALK_PART_BATCH):
            changed += _refresh_talk_parts((m, year) for m in present[i : i + TALK_PART_BATCH])
        by_org = selectors.talk_counts([year])
        stored = dict(TalkCount.objects.filter(year=year).values_list("org_id", "talks"))
        orgs = {o for o, _ in by_org} | set(stored)
        checked += len(orgs)
        off = sorted(o for o in orgs if stored.get(o, 0) != by_org.get((o, year), ("", 0))[1])
        for i in range(0, len(off), TALK_PART_BATCH):
            changed += _refresh_talk_counts(year, off[i : i + TALK_PART_BATCH])
    if changed:
        record(
            actor=actor,
            action="appraisal.talk_parts_rebuild",
            org_path=PLATFORM,
            after={"years": sorted(set(years)), "changed": changed},
        )
    return {"checked": checked, "changed": changed}


@transaction.atomic
def talk_follow_up_done(*, actor: Any, follow_up: TalkFollowUp, done_on: dt.date) -> TalkFollowUp:
    """Mark a talk's follow-up done (by someone who may read the talk)."""
    talk = follow_up.talk
    require(actor, Action.VIEW, talk.org_path)
    if not selectors.can_read_talk(actor, talk):
        raise PermissionDenied(selectors.CONTENT_DENIED)
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "“完成日期”不能晚于今天"})
    follow_up.done_on = done_on
    follow_up.save(update_fields=["done_on"])
    record(actor=actor, action="appraisal.follow_up_done", obj=talk, org_path=talk.org_path, after={"done_on": done_on})
    return follow_up


@transaction.atomic
def share_assign(*, actor: Any, org: Organization, shares: dict[int, int | None]) -> int:
    """Set the branch's 分工联系 (for the "each committee member with their share" coverage mode):
    `shares` maps member id -> the committee member responsible (None: no share). Members not in
    `shares` keep theirs. Returns the number of members whose share changed."""
    require(actor, Action.MANAGE, org.path)
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("分工联系以党支部为单位设置")
    members = dict(selectors.branch_members(org).values_list("pk", "name"))
    committee, _ = selectors.committee_of(org)
    committee_set = {c for c in committee if c in members}
    for member_id, owner in shares.items():
        if member_id not in members:
            raise ValidationError({"shares": "分工联系的党员须为本支部在册党员"})
        if owner is not None and owner not in committee_set:
            raise ValidationError({"shares": f"{members[member_id]}：“联系支委”须为本支部现任支委"})
        if owner == member_id:
            raise ValidationError({"shares": f"{members[member_id]}：支委不能联系自己"})
    current = selectors.shares_of(org)
    changed = {m: o for m, o in shares.items() if current.get(m) != o}
    if not changed:
        return 0
    ContactShare.objects.filter(org=org, member_id__in=list(changed)).delete()
    rows = [
        ContactShare(org=org, org_path=org.path, committee_member_id=o, member_id=m, created_by=user_or_none(actor))
        for m, o in changed.items()
        if o is not None
    ]
    for row in rows:
        row.full_clean(validate_unique=False, validate_constraints=False)
    ContactShare.objects.bulk_create(rows)
    record(
        actor=actor,
        action="appraisal.share_assign",
        obj=org,
        org_path=org.path,
        before={str(m): current.get(m) for m in changed},
        after={str(m): o for m, o in changed.items()},
    )
    return len(changed)


# ---------------------------------------------------------------- event-triggered talks (必谈)


def _mobile_returns(today: dt.date) -> list[tuple[int, int, str, str, dt.date]]:
    """Members the job saw away as 流动党员 and whom the roster no longer marks so: returned (dated
    the day the job notices it). Members seen away for the first time are remembered."""
    away = MobileAbsence.objects.all()
    returned = list(
        away.filter(member__is_active=True, member__is_mobile=False).values_list(
            "member_id", "member__org_id", "member__org_path"
        )
    )
    gone = away.filter(member__is_active=False)
    if returned or gone.exists():
        MobileAbsence.objects.filter(member_id__in=[r[0] for r in returned]).delete()
        gone.delete()
    newly_away = Member.objects.filter(is_active=True, is_mobile=True).exclude(
        pk__in=MobileAbsence.objects.values("member_id")
    )
    rows = newly_away.values_list("pk", "org_path")
    MobileAbsence.objects.bulk_create(
        [MobileAbsence(member_id=m, org_path=path, since=today) for m, path in rows], ignore_conflicts=True
    )
    return [(org_id, member_id, path, TalkEvent.MOBILE_RETURN.value, today) for member_id, org_id, path in returned]


def _events(today: dt.date) -> list[tuple[int, int, str, str, dt.date]]:
    """(org id, member id, org path, event, event date) for recent transfers-in, conversions,
    returns of 流动党员, and the events other apps register (`core.registry.talk_trigger`, e.g.
    dues' 6 months of arrears)."""
    since = today - dt.timedelta(days=EVENT_LOOKBACK_DAYS)
    out: list[tuple[int, int, str, str, dt.date]] = []
    for trigger in talk_triggers():
        if trigger.code in TalkEvent.values:
            out.extend((e.org_id, e.member_id, e.org_path, trigger.code, e.on) for e in trigger.events(since, today))
    out.extend(_mobile_returns(today))
    transfers = MemberTransfer.objects.filter(
        status=TransferStatus.COMPLETED, to_org__isnull=False, in_on__gte=since, in_on__lte=today
    ).filter(member__is_active=True, member__org_id=F("to_org_id"))
    for org_id, member_id, path, on in transfers.values_list("to_org_id", "member_id", "to_org_path", "in_on"):
        if on is not None:
            out.append((org_id, member_id, path, TalkEvent.TRANSFER_IN.value, on))
    converted = Member.objects.filter(
        is_active=True, status=MemberStatus.FULL, converted_on__gte=since, converted_on__lte=today
    )
    for org_id, member_id, path, on in converted.values_list("org_id", "pk", "org_path", "converted_on"):
        if on is not None:
            out.append((org_id, member_id, path, TalkEvent.CONVERSION.value, on))
    return out


@transaction.atomic
def sweep(*, actor: Any, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: 必谈 to-dos, November's "talks still due" notice, overdue 整改 items. Each
    notice goes once per (person, key), so running it any number of times sends nothing twice."""
    require(actor, Action.ADMIN, PLATFORM, SWEEP_ONLY)
    today = today or timezone.localdate()
    todos, notices = _raise_todos(actor, today)
    # The derived talk counts are checked against the talks (this year and last, so a talk moved
    # across the year end is caught too); rows already right are not written.
    parts = talk_parts_rebuild(actor=actor, years=[today.year - 1, today.year])
    return {
        "talk_parts": parts["changed"],
        "todos": todos,
        "notices": notices,
        "talks_due": _talks_due_notices(today),
        "overdue": _overdue_rectification_notices(today),
        "not_filed": _not_filed_notices(today),
    }


def _raise_todos(actor: Any, today: dt.date) -> tuple[int, int]:
    """A 必谈 to-do (with a due date) for each configured event, once; the branch secretary is told."""
    events = _events(today)
    paths = sorted({e[2] for e in events})
    enabled = config.effective_for_paths(paths, "appraisal.event_talks")
    days = config.effective_for_paths(paths, "appraisal.event_talk_days")
    existing = set(
        TalkTodo.objects.filter(member_id__in={e[1] for e in events}).values_list("member_id", "event", "event_on")
    )
    new: list[TalkTodo] = []
    for org_id, member_id, path, event, on in events:
        wanted = {e.strip() for e in str(enabled[path]).split(",")}
        if event not in wanted or (member_id, event, on) in existing:
            continue
        existing.add((member_id, event, on))
        due = on + dt.timedelta(days=int(days[path]))
        new.append(TalkTodo(org_id=org_id, org_path=path, member_id=member_id, event=event, event_on=on, due_on=due))
    TalkTodo.objects.bulk_create(new, ignore_conflicts=True)
    sent = _tell_secretaries(
        (
            t.org_id,
            f"appraisal-todo-{t.member_id}-{t.event}-{t.event_on.isoformat()}",
            f"必谈事项：{t.get_event_display()}",
            f"请在 {t.due_on:%Y-%m-%d} 前与该党员谈心谈话",
            reverse("appraisal:coverage", args=[t.org_id, today.year]),
        )
        for t in new
    )
    if new:
        record(actor=actor, action="appraisal.todo_sweep", org_path=PLATFORM, after={"todos": len(new)})
    return len(new), sent


def _talks_due_notices(today: dt.date) -> int:
    """In November: each branch secretary hears how many members have had no talk this year (one
    aggregate query for every branch; the coverage page has the detail)."""
    if today.month != TALKS_DUE_MONTH:
        return 0
    counts = selectors.count_by_org(selectors.members_without_talk(today.year))
    return _tell_secretaries(
        (
            org_id,
            f"appraisal-talks-due-{org_id}-{today.year}",
            f"{today.year}年谈心谈话：{n} 名党员尚未谈话",
            "《中国共产党支部工作条例（试行）》第十九条：每年谈心谈话一般不少于1次",
            reverse("appraisal:coverage", args=[org_id, today.year]),
        )
        for org_id, n in counts.items()
    )


def _overdue_rectification_notices(today: dt.date) -> int:
    overdue = Rectification.objects.filter(done_on__isnull=True, deadline__lt=today).values_list(
        "pk", "org_id", "measure", "deadline"
    )
    return _tell_secretaries(
        (
            org_id,
            f"appraisal-rect-overdue-{pk}",
            f"整改事项逾期：{measure[:60]}",
            f"整改时限 {deadline:%Y-%m-%d}，尚未完成",
            reverse("appraisal:review", args=[org_id, today.year]),
        )
        for pk, org_id, measure, deadline in overdue
    )


def _not_filed_notices(today: dt.date) -> int:
    """After a committee's attribution cutoff (default 31 March): branches whose 组织生活会 for the
    previous year has no date, or whose 民主评议 is not signed off, are reminded once."""
    year = today.year - 1
    branches = dict(Organization.objects.filter(kind=OrgKind.BRANCH).values_list("pk", "path"))
    cutoffs = config.effective_for_paths(sorted(set(branches.values())), "appraisal.attribution_cutoff")
    held = set(OrgLifeReview.objects.filter(year=year, held_on__isnull=False).values_list("org_id", flat=True))
    signed = set(Appraisal.objects.filter(year=year, status=AppraisalState.SIGNED).values_list("org_id", flat=True))
    notices = []
    for org_id, path in branches.items():
        month, day = selectors.parse_cutoff(str(cutoffs[path]))
        if (today.month, today.day) <= (month, day) or (org_id in held and org_id in signed):
            continue
        missing = "、".join(
            x for x, ok in (("组织生活会", org_id in held), ("民主评议党员", org_id in signed)) if not ok
        )
        notices.append(
            (
                org_id,
                f"appraisal-not-filed-{org_id}-{year}",
                f"{year}年度{missing}尚未完成",
                f"按规定应在{month}月{day}日前完成{year}年度的组织生活会和民主评议党员",
                reverse("appraisal:review", args=[org_id, year]),
            )
        )
    return _tell_secretaries(notices)


def _tell_secretaries(notices: Iterable[tuple[int, str, str, str, str]]) -> int:
    """Each (branch id, key, title, body, link) to that branch's secretaries, once per key and person."""
    rows = list(notices)
    secretaries = holder_ids_by(Role.SECRETARY, org_ids={r[0] for r in rows})
    return notify.send_many(
        notify.Message(uid, key, title, body, link)
        for org_id, key, title, body, link in rows
        for uid in secretaries.get(org_id, [])
    )


# ---------------------------------------------------------------- 民主评议党员


def _not_graded_reason(member: Member) -> str:
    if member.status == MemberStatus.PROBATIONARY:
        return "预备党员参加民主评议，但不评定等次"
    if member.exempt:
        return f"免于参加集体活动（{member.exempt_reason or '已批准'}）"
    return ""


@transaction.atomic
def appraisal_open(*, actor: Any, org: Organization, year: int) -> Appraisal:
    """Start the branch's appraisal for `year`: every active member listed, probationary and exempt
    members apart with the reason. Opening again returns the same appraisal."""
    require(actor, Action.MANAGE, org.path)
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("民主评议党员以党支部为单位开展")
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationError({"year": "“年度”无效"})
    existing = Appraisal.objects.filter(org=org, year=year).first()
    if existing is not None:
        return existing
    appraisal = Appraisal(org=org, org_path=org.path, year=year, created_by=user_or_none(actor))
    appraisal.full_clean()
    appraisal.save()
    entries = []
    for m in selectors.branch_members(org):
        reason = _not_graded_reason(m)
        entries.append(AppraisalEntry(appraisal=appraisal, member=m, graded=not reason, not_graded_reason=reason))
    AppraisalEntry.objects.bulk_create(entries)
    appraisal.save(update_fields=_refresh_counts(appraisal))
    record(
        actor=actor,
        action="appraisal.open",
        obj=appraisal,
        org_path=org.path,
        after={"year": year, "members": len(entries), "graded": sum(e.graded for e in entries)},
    )
    return appraisal


COUNT_FIELDS = {
    Grade.EXCELLENT: "n_excellent",
    Grade.QUALIFIED: "n_qualified",
    Grade.BASICALLY_QUALIFIED: "n_basically_qualified",
    Grade.UNQUALIFIED: "n_unqualified",
}


def _refresh_counts(appraisal: Appraisal) -> list[str]:
    """Recount the appraisal's grade distribution from its entries (one grouped query over one
    branch); returns the fields to save."""
    counts = selectors.grade_counts(appraisal)
    for grade, f in COUNT_FIELDS.items():
        setattr(appraisal, f, counts[grade])
    appraisal.n_not_graded = appraisal.entries.filter(graded=False).count()
    return [*COUNT_FIELDS.values(), "n_not_graded"]


def _require_draft(appraisal: Appraisal) -> None:
    if appraisal.status != AppraisalState.DRAFT:
        raise ValidationError("评议结果已提交，不能再修改")


def _quota_errors(appraisal: Appraisal, excellent: int) -> list[str]:
    graded, _ = selectors.quota_for(appraisal)
    divisor = int(config.effective(appraisal.org_path, "appraisal.excellent_divisor"))
    return [f.message_zh + f"（{f.citation}）" for f in excellent_findings(excellent, graded, divisor)]


@transaction.atomic
def appraisal_grade(
    *,
    actor: Any,
    entry: AppraisalEntry,
    grade: str,
    handling: str = "",
    handling_deadline: dt.date | None = None,
    handling_outcome: str = "",
    note: str = "",
    version: int | None = None,
) -> AppraisalEntry:
    """Record the grade the branch decided for one member (and, for 不合格, its decided handling)."""
    appraisal = Appraisal.objects.select_for_update().get(pk=entry.appraisal_id)
    require(actor, Action.MANAGE, appraisal.org_path)
    check_version(appraisal, version)
    _require_draft(appraisal)
    if not entry.graded:
        raise ValidationError({"grade": f"{entry.member.name}：{entry.not_graded_reason}"})
    if grade not in Grade.values:
        raise ValidationError({"grade": "请选择“等次”（优秀、合格、基本合格、不合格）"})
    for f in grade_findings(grade, handling, handling_deadline):
        raise ValidationError({"handling_deadline" if f.code == "deadline_missing" else "handling": f.message_zh})
    if grade == Grade.EXCELLENT and config.effective(appraisal.org_path, "appraisal.excellent_cap_enforced"):
        others = appraisal.entries.filter(graded=True, grade=Grade.EXCELLENT).exclude(pk=entry.pk).count()
        for msg in _quota_errors(appraisal, others + 1):
            raise ValidationError({"grade": msg})
    before = {"grade": entry.grade, "handling": entry.handling}
    entry.grade = grade
    entry.handling = handling if grade == Grade.UNQUALIFIED else ""
    entry.handling_deadline = handling_deadline if grade == Grade.UNQUALIFIED else None
    entry.handling_outcome = handling_outcome.strip()
    entry.note = note.strip()
    entry.full_clean()
    entry.save()
    bump(appraisal)
    appraisal.save(update_fields=["version", *_refresh_counts(appraisal)])
    record(
        actor=actor,
        action="appraisal.grade",
        obj=appraisal,
        org_path=appraisal.org_path,
        before=before,
        after={"member": entry.member_id, "grade": grade, "handling": entry.handling},
    )
    return entry


VOTE_FIELDS = {
    Grade.EXCELLENT: "votes_excellent",
    Grade.QUALIFIED: "votes_qualified",
    Grade.BASICALLY_QUALIFIED: "votes_basically_qualified",
    Grade.UNQUALIFIED: "votes_unqualified",
}


@transaction.atomic
def appraisal_record_evaluation(
    *, actor: Any, entry: AppraisalEntry, self_review: str, votes: dict[str, int], version: int | None = None
) -> AppraisalEntry:
    """Record a member's self-review and the 民主测评 tallies (counts per grade, never who voted how).
    Probationary members take part too, so their entries accept this."""
    appraisal = Appraisal.objects.select_for_update().get(pk=entry.appraisal_id)
    require(actor, Action.MANAGE, appraisal.org_path)
    check_version(appraisal, version)
    _require_draft(appraisal)
    voters = appraisal.entries.count()
    for grade, n in votes.items():
        if grade not in VOTE_FIELDS or not isinstance(n, int) or n < 0:
            raise ValidationError({"votes": "测评票数须为不小于 0 的整数"})
    if sum(votes.values()) > voters:
        raise ValidationError({"votes": f"测评票数合计 {sum(votes.values())} 超过参加评议的 {voters} 人"})
    entry.self_review = self_review.strip()
    for grade, field in VOTE_FIELDS.items():
        setattr(entry, field, votes.get(grade, 0))
    entry.full_clean()
    entry.save()
    bump(appraisal)
    appraisal.save(update_fields=["version"])
    record(
        actor=actor,
        action="appraisal.evaluation",
        obj=appraisal,
        org_path=appraisal.org_path,
        after={"member": entry.member_id, "votes": {g: votes.get(g, 0) for g in VOTE_FIELDS}},
    )
    return entry


@transaction.atomic
def appraisal_submit(*, actor: Any, appraisal: Appraisal, version: int | None = None) -> Appraisal:
    """Submit the grades for the secretary's sign-off: every graded member has a grade."""
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
    require(actor, Action.MANAGE, appraisal.org_path)
    check_version(appraisal, version)
    _require_draft(appraisal)
    missing = list(appraisal.entries.filter(graded=True, grade="").values_list("member__name", flat=True)[:5])
    if missing:
        raise ValidationError({"grade": f"尚未评定等次：{'、'.join(missing)}"})
    excellent = appraisal.entries.filter(graded=True, grade=Grade.EXCELLENT).count()
    if config.effective(appraisal.org_path, "appraisal.excellent_cap_enforced"):
        for msg in _quota_errors(appraisal, excellent):
            raise ValidationError({"grade": msg})
    appraisal.status = AppraisalState.SUBMITTED
    appraisal.submitted_by = user_or_none(actor)
    appraisal.submitted_at = timezone.now()
    bump(appraisal)
    appraisal.save(update_fields=["status", "submitted_by", "submitted_at", "version"])
    record(actor=actor, action="appraisal.submit", obj=appraisal, org_path=appraisal.org_path)
    secretaries = selectors.secretary_user_ids(appraisal.org) - {getattr(actor, "pk", None)}
    notify.send(
        secretaries,
        key=f"appraisal-submitted-{appraisal.pk}-{appraisal.version}",
        title=f"{appraisal.year}年民主评议党员结果待签发",
        link=reverse("appraisal:appraisal", args=[appraisal.org_id, appraisal.year]),
    )
    return appraisal


@transaction.atomic
def appraisal_approve(*, actor: Any, appraisal: Appraisal, version: int | None = None) -> Appraisal:
    """The secretary signs the submitted result off — never the person who submitted it."""
    return _decide(actor, appraisal, version, approve=True)


@transaction.atomic
def appraisal_return(*, actor: Any, appraisal: Appraisal, version: int | None = None) -> Appraisal:
    """The secretary returns the submitted result for changes (four eyes as for the sign-off)."""
    return _decide(actor, appraisal, version, approve=False)


def _decide(actor: Any, appraisal: Appraisal, version: int | None, *, approve: bool) -> Appraisal:
    appraisal = Appraisal.objects.select_for_update().get(pk=appraisal.pk)
    require(actor, Action.APPROVE, appraisal.org_path)
    require_four_eyes(actor, appraisal.submitted_by_id)
    check_version(appraisal, version)
    if appraisal.status != AppraisalState.SUBMITTED:
        raise ValidationError("评议结果尚未提交签发")
    appraisal.status = AppraisalState.SIGNED if approve else AppraisalState.DRAFT
    appraisal.signed_by = user_or_none(actor) if approve else None
    appraisal.signed_at = timezone.now() if approve else None
    bump(appraisal)
    appraisal.save(update_fields=["status", "signed_by", "signed_at", "version"])
    record(
        actor=actor,
        action="appraisal.sign_off" if approve else "appraisal.return",
        obj=appraisal,
        org_path=appraisal.org_path,
    )
    return appraisal


# ---------------------------------------------------------------- 组织生活会 and 整改清单

REVIEW_FIELDS = ("theme", "announced_on", "held_on", "self_exams_received", "opinions", "problems")


@transaction.atomic
def orglife_review_save(
    *, actor: Any, org: Organization, year: int, data: dict[str, Any], version: int | None = None
) -> OrgLifeReview:
    """Record the 组织生活会's preparation and problems for reporting year `year`."""
    require(actor, Action.MANAGE, org.path)
    if org.kind != OrgKind.BRANCH:
        raise ValidationError("组织生活会以党支部为单位记录")
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": "“年度”无效"})
    review = OrgLifeReview.objects.select_for_update().filter(org=org, year=year).first()
    before = {f: getattr(review, f) for f in REVIEW_FIELDS} if review else None
    if review is None:
        review = OrgLifeReview(org=org, org_path=org.path, year=year)
    else:
        check_version(review, version)
        bump(review)
    for f in REVIEW_FIELDS:
        if f in data:
            setattr(review, f, data[f].strip() if isinstance(data[f], str) else data[f])
    today = timezone.localdate()
    if review.held_on is not None:
        if review.held_on > today:
            raise ValidationError({"held_on": "“召开日期”不能晚于今天（可先记录会前准备）"})
        month, day = selectors.cutoff_of(org.path)
        counted = attribution_year(review.held_on, month, day)
        if counted != year:
            when = f"{review.held_on:%Y年%m月%d日}"
            rule = f"{month}月{day}日前（含）召开的计入上一年度"
            raise ValidationError({"held_on": f"“召开日期”{when}的组织生活会计入{counted}年度（{rule}）"})
    if review.announced_on is not None and review.announced_on > today:
        raise ValidationError({"announced_on": "“议题通知日期”不能晚于今天"})
    review.updated_by = user_or_none(actor)
    review.full_clean()
    review.save()
    record(
        actor=actor,
        action="appraisal.review_save",
        obj=review,
        org_path=org.path,
        before=before,
        after={f: getattr(review, f) for f in REVIEW_FIELDS},
    )
    return review


@transaction.atomic
def rectification_add(
    *,
    actor: Any,
    org: Organization,
    year: int,
    problem: str,
    measure: str,
    owner_id: int,
    deadline: dt.date,
) -> Rectification:
    """Add a line to the branch's 整改清单 for reporting year `year`."""
    require(actor, Action.MANAGE, org.path)
    errors: dict[str, str] = {}
    if not problem.strip():
        errors["problem"] = "请填写“问题”"
    if not measure.strip():
        errors["measure"] = "请填写“整改措施”"
    if not Member.objects.filter(org=org, is_active=True, pk=owner_id).exists():
        errors["owner"] = "“责任人”须为本支部在册党员"
    if not 2000 <= year <= timezone.localdate().year:
        errors["year"] = "“年度”无效"
    if errors:
        raise ValidationError(errors)
    item = Rectification(
        org=org,
        org_path=org.path,
        year=year,
        problem=problem.strip(),
        measure=measure.strip(),
        owner_id=owner_id,
        deadline=deadline,
        created_by=user_or_none(actor),
    )
    item.full_clean()
    item.save()
    record(actor=actor, action="appraisal.rectification_add", obj=item, org_path=org.path, after={"deadline": deadline})
    return item


@transaction.atomic
def rectification_done(*, actor: Any, item: Rectification, done_on: dt.date) -> Rectification:
    """Mark a 整改 item done; another person verifies it."""
    item = Rectification.objects.select_for_update().get(pk=item.pk)
    require(actor, Action.MANAGE, item.org_path)
    if item.verified_at is not None:
        raise ValidationError("该整改事项已销号")
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "“完成日期”不能晚于今天"})
    item.done_on = done_on
    item.done_by = user_or_none(actor)
    item.save(update_fields=["done_on", "done_by"])
    record(
        actor=actor, action="appraisal.rectification_done", obj=item, org_path=item.org_path, after={"done_on": done_on}
    )
    return item


@transaction.atomic
def rectification_verify(*, actor: Any, item: Rectification) -> Rectification:
    """Verify (销号) a done item — never by the person who marked it done."""
    item = Rectification.objects.select_for_update().get(pk=item.pk)
    require(actor, Action.MANAGE, item.org_path)
    require_four_eyes(actor, item.done_by_id)
    if item.done_on is None:
        raise ValidationError("整改事项尚未完成，不能销号")
    if item.verified_at is not None:
        raise ValidationError("该整改事项已销号")
    item.verified_by = user_or_none(actor)
    item.verified_at = timezone.now()
    item.save(update_fields=["verified_by", "verified_at"])
    record(actor=actor, action="appraisal.rectification_verify", obj=item, org_path=item.org_path)
    return item
