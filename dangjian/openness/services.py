"""Writes of openness: the catalogue, the disclosure gate (提出 → 保密审查 → 审批 → 实施), the
obligations sweep, and 民主议事. Each public function starts at the write gate and records one
audit event per write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit, notify
from dangjian.core.bulk import insert_rows
from dangjian.core.calendar import add_working_days, span_is_provisional
from dangjian.core.paths import subtree_q
from dangjian.core.registry import get_disclosable_kind
from dangjian.core.scoping import Action, require, require_four_eyes, user_or_none
from dangjian.core.versioning import bump, lock
from dangjian.members.models import Member
from dangjian.members.selectors import own_member
from dangjian.orglife.models import Meeting, Resolution
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from .models import (
    AppliesTo,
    CatalogueItem,
    Category,
    Channel,
    Deliberation,
    DeliberationOption,
    DeliberationStage,
    DeliberationStatus,
    Disclosure,
    DisclosureDue,
    DisclosureRequest,
    DisclosureStatus,
    Procedure,
    RequestStatus,
    Scope,
    Secrecy,
    Timing,
)
from .selectors import catalogue_owner_path, items_in_force

ITEM_FIELDS = [
    "title", "category", "basis", "kind", "applies_to", "scope", "timing", "frequency", "due_days", "channel",
    "secrecy", "starts_on", "active",
]  # fmt: skip


def _errors(findings: list[Any], field: str | None = None) -> None:
    errors = [f.message_zh for f in findings if f.severity == "error"]
    if errors:
        raise ValidationError({field: errors} if field else errors)


# ---------------------------------------------------------------------------------------------
# The catalogue (党务公开目录)


def catalogue_item_save(
    *,
    actor: Any,
    org: Organization,
    title: str,
    basis: str,
    category: str = Category.OTHER,
    kind: str = "",
    applies_to: str = AppliesTo.BRANCHES,
    scope: str = Scope.ORG,
    timing: str = Timing.PERIODIC,
    frequency: str = "",
    due_days: int | None = None,
    channel: str = Channel.BOARD,
    secrecy: str = Secrecy.INTERNAL,
    starts_on: dt.date | None = None,
    active: bool = True,
    item: CatalogueItem | None = None,
    version: int | None = None,
) -> CatalogueItem:
    """Add or change one catalogue item of `org` (the committee, or a branch for its own matters)."""
    require(actor, Action.APPROVE, org.path, "无权编制该组织的党务公开目录")
    if item is not None and item.org_id != org.pk:
        raise ValidationError("该目录事项不属于本组织")
    if not title.strip():
        raise ValidationError({"title": "请填写公开事项"})
    if not basis.strip():
        raise ValidationError({"basis": "请填写公开依据（文件或条款）"})
    registered = get_disclosable_kind(kind) if kind else None
    if kind and registered is None:
        raise ValidationError({"kind": "没有这种记录类型"})
    if timing != Timing.PERIODIC:
        frequency = ""
    elif registered is not None and registered.period and not frequency:
        frequency = registered.period
    _errors(R.item_findings(timing=timing, frequency=frequency, scope=scope, secrecy=secrecy))
    if timing == Timing.TIMELY and due_days is None:
        due_days = int(config.effective(org.path, "openness.timely_working_days"))
    if timing == Timing.PERIODIC and due_days is None:
        due_days = int(config.effective(org.path, "openness.periodic_days"))
    if org.kind == OrgKind.BRANCH:
        applies_to = AppliesTo.BRANCHES  # a branch's own items apply to the branch itself
    values = {
        "title": title.strip(), "category": category, "basis": basis.strip(), "kind": kind,
        "applies_to": applies_to, "scope": scope, "timing": timing, "frequency": frequency, "due_days": due_days,
        "channel": channel, "secrecy": secrecy, "starts_on": starts_on or timezone.localdate(), "active": active,
    }  # fmt: skip
    with transaction.atomic():
        if item is None:
            row = CatalogueItem(org=org, org_path=org.path, created_by=user_or_none(actor), **values)
            before = None
        else:
            row = lock(CatalogueItem.objects, item.pk, version)
            before = audit.snapshot(row, ITEM_FIELDS)
            for k, v in values.items():
                setattr(row, k, v)
            bump(row)
        row.full_clean()
        row.save()
        audit.record(actor, "openness.catalogue_item_save", row, before=before, after=audit.snapshot(row, ITEM_FIELDS))
    return row


# ---------------------------------------------------------------------------------------------
# The gate


def _content(org: Organization, kind: str, start: dt.date | None, end: dt.date | None, ref: str) -> dict[str, Any]:
    registered = get_disclosable_kind(kind)
    if registered is None:
        raise ValidationError({"kind": "没有这种记录类型"})
    return dict(registered.snapshot(org, start, end, ref))


def _propose(
    actor: Any,
    org: Organization,
    *,
    item: CatalogueItem | None,
    kind: str,
    period_start: dt.date | None,
    source_ref: str,
    title: str,
    text: str,
    scope: str,
    channel: str,
) -> Disclosure:
    period_end: dt.date | None = None
    if item is not None and item.timing == Timing.PERIODIC:
        if period_start is None:
            raise ValidationError({"period_start": "请选择公开的期间"})
        period_start, period_end = R.period_of(period_start, item.frequency)
        if period_start > timezone.localdate():
            raise ValidationError({"period_start": "不能公开尚未开始的期间"})
    content: dict[str, Any] = {"title": title.strip(), "summary": [], "text": ""}
    if kind:
        content = _content(org, kind, period_start, period_end, source_ref)
    if text.strip():
        content["text"] = "\n\n".join(t for t in [str(content.get("text", "")), text.strip()] if t)
    if scope == Scope.PUBLIC:
        content = R.public_content(content)  # per-person lines never leave the Party (minimised by design)
    heading = title.strip() or str(content.get("title", "")) or (item.title if item else "")
    if not heading:
        raise ValidationError({"title": "请填写公开事项的标题"})
    if not kind and not content.get("text"):
        raise ValidationError({"text": "请填写公开内容"})
    label = R.period_label(period_start, period_end)
    if label and label not in heading:
        heading = f"{heading}（{label}）"
    same = Disclosure.objects.filter(org=org, period_start=period_start, source_ref=source_ref).exclude(
        status__in=[DisclosureStatus.REJECTED, DisclosureStatus.WITHDRAWN]
    )
    same = same.filter(item=item) if item is not None else same.filter(item__isnull=True, title=heading[:200])
    if same.exists():
        raise ValidationError("该事项本期已提出或已公开，不重复公开（报一次）")
    d = Disclosure(
        org=org,
        org_path=org.path,
        item=item,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        source_ref=source_ref,
        title=heading[:200],
        content=content,
        scope=scope,
        channel=channel,
        approver_path=org.path if item is not None else catalogue_owner_path(org),
        proposed_by=user_or_none(actor),
    )
    d.full_clean()
    d.save()
    return d


def disclosure_propose(
    *,
    actor: Any,
    org: Organization,
    item: CatalogueItem | None = None,
    period_start: dt.date | None = None,
    source_ref: str = "",
    title: str = "",
    text: str = "",
    scope: str = Scope.ORG,
    channel: str = Channel.BOARD,
) -> Disclosure:
    """提出: the draft with content, scope and channel. A catalogue item fixes scope and channel and
    supplies the content from its record type; without one the matter is outside the catalogue and
    goes to the catalogue owner for approval."""
    require(actor, Action.MANAGE, org.path, "无权提出该组织的公开事项")
    if item is not None:
        if not items_in_force(org).filter(pk=item.pk).exists():
            raise ValidationError({"item": "该事项不在本组织适用的党务公开目录中"})
        scope, channel = item.scope, item.channel
    elif scope not in Scope.values or channel not in Channel.values:
        raise ValidationError({"scope": "请选择公开范围和公开方式"})
    with transaction.atomic():
        d = _propose(
            actor,
            org,
            item=item,
            kind=item.kind if item is not None else "",
            period_start=period_start,
            source_ref=source_ref.strip()[:60],
            title=title,
            text=text,
            scope=scope,
            channel=channel,
        )
        audit.record(actor, "openness.disclosure_propose", d, after=audit.snapshot(d, ["title", "scope", "item"]))
    return d


def disclosure_review(
    *, actor: Any, disclosure: Disclosure, passed: bool, note: str = "", version: int | None = None
) -> Disclosure:
    """保密审查 (with necessity and accuracy): recorded with its reviewer. Content carrying 身份证号,
    phone numbers, or per-person lines meant for a public page cannot pass."""
    require(actor, Action.MANAGE, disclosure.org_path, "无权对该公开事项进行保密审查")
    with transaction.atomic():
        d = lock(Disclosure.objects, disclosure.pk, version)
        if (err := R.gate_error(d.status, "reviewed")) is not None:
            raise ValidationError(err)
        if passed:
            _errors(R.secrecy_findings(d.content, d.scope))
        elif not note.strip():
            raise ValidationError({"note": "审查未通过的，请填写审查意见"})
        before = audit.snapshot(d, ["status"])
        d.status = DisclosureStatus.REVIEWED if passed else DisclosureStatus.REJECTED
        d.reviewed_by = user_or_none(actor)
        d.reviewed_at = timezone.now()
        d.review_note = note.strip()[:300] or "经审查，不涉及国家秘密和个人隐私，内容准确"
        bump(d)
        d.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "version"])
        audit.record(actor, "openness.disclosure_review", d, before=before, after=audit.snapshot(d, ["status"]))
    return d


def disclosure_approve(
    *, actor: Any, disclosure: Disclosure, approve: bool, note: str = "", version: int | None = None
) -> Disclosure:
    """审批 by the organisation within its powers; a matter outside the catalogue by the catalogue
    owner, and never by whoever proposed it (four eyes). Inside the catalogue one person of a small
    branch may propose, review and approve: each step is still recorded with its actor."""
    require(actor, Action.APPROVE, disclosure.approver_path, "无权审批该公开事项")
    with transaction.atomic():
        d = lock(Disclosure.objects, disclosure.pk, version)
        if d.item_id is None:
            require_four_eyes(actor, d.proposed_by_id)
        if (err := R.gate_error(d.status, "approved")) is not None:
            raise ValidationError(err)
        if not approve and not note.strip():
            raise ValidationError({"note": "不同意公开的，请填写审批意见"})
        before = audit.snapshot(d, ["status"])
        d.status = DisclosureStatus.APPROVED if approve else DisclosureStatus.REJECTED
        d.approved_by = user_or_none(actor)
        d.approved_at = timezone.now()
        d.approval_note = note.strip()[:300] or "同意公开"
        bump(d)
        d.save(update_fields=["status", "approved_by", "approved_at", "approval_note", "version"])
        audit.record(actor, "openness.disclosure_approve", d, before=before, after=audit.snapshot(d, ["status"]))
    return d


def disclosure_publish(*, actor: Any, disclosure: Disclosure, version: int | None = None) -> Disclosure:
    """实施: publish exactly the reviewed and approved content; it is archived as published and meets
    the obligation of its item, period or event."""
    require(actor, Action.MANAGE, disclosure.org_path, "无权公开该事项")
    with transaction.atomic():
        d = lock(Disclosure.objects, disclosure.pk, version)
        if (err := R.gate_error(d.status, "published")) is not None:
            raise ValidationError(err)
        before = audit.snapshot(d, ["status"])
        d.status = DisclosureStatus.PUBLISHED
        d.published_by = user_or_none(actor)
        d.published_at = timezone.now()
        bump(d)
        d.save(update_fields=["status", "published_by", "published_at", "version"])
        if d.item_id is not None:
            owed = DisclosureDue.objects.filter(org_id=d.org_id, item_id=d.item_id, fulfilled_on__isnull=True)
            owed = owed.filter(period_start=d.period_start) if d.period_start else owed.filter(source_ref=d.source_ref)
            owed.update(disclosure=d, fulfilled_on=timezone.localdate())
        audit.record(actor, "openness.disclosure_publish", d, before=before, after=audit.snapshot(d, ["status"]))
        notify.send(
            Member.objects.filter(
                org_id=d.org_id, is_active=True, user__isnull=False, user__is_active=True
            ).values_list("user_id", flat=True),
            key=f"openness-published-{d.pk}",
            title=f"{d.org.name}公开了：{d.title}",
            link=reverse("openness:disclosure", args=[d.pk]),
        )
    return d


# ---------------------------------------------------------------------------------------------
# Obligations: what each organisation owes, and by when


def disclosure_dues_refresh(*, actor: Any, org: Organization, today: dt.date, periods: int = 3) -> dict[str, int]:
    """Write the obligations of the active periodic and timely items of `org`'s subtree for the
    recent periods and events (idempotent), and mark those already met by a published disclosure."""
    require(actor, Action.ADMIN, org.path, "无权更新应公开事项")
    items = list(
        CatalogueItem.objects.filter(subtree_q("org_path", org.path), active=True, starts_on__lte=today)
        .exclude(timing=Timing.STANDING)
        .select_related("org")
    )
    rows: list[tuple[Any, ...]] = []
    branch_cache: dict[str, list[tuple[int, str]]] = {}

    def targets(item: CatalogueItem) -> list[tuple[int, str]]:
        if item.applies_to == AppliesTo.OWNER or item.org.kind == OrgKind.BRANCH:
            return [(item.org_id, item.org_path)]
        if item.org_path not in branch_cache:
            branch_cache[item.org_path] = list(
                Organization.objects.filter(subtree_q("path", item.org_path), kind=OrgKind.BRANCH).values_list(
                    "pk", "path"
                )
            )
        return branch_cache[item.org_path]

    for item in items:
        days = int(item.due_days or 0)
        if item.timing == Timing.PERIODIC and item.frequency:
            for start, end in R.closed_periods(item.frequency, item.starts_on, today, periods):
                due = R.periodic_due(end, days)
                title = f"{item.title}（{R.period_label(start, end)}）"
                rows.extend((oid, path, item.pk, start, end, "", title, due, False) for oid, path in targets(item))
        elif item.timing == Timing.TIMELY and item.kind:
            registered = get_disclosable_kind(item.kind)
            if registered is None or registered.events is None:
                continue
            since = max(item.starts_on, today - dt.timedelta(days=90))
            by_path = dict((p, oid) for oid, p in targets(item))
            for ev in registered.events([item.org_path], since, today):
                oid = by_path.get(ev.org_path)
                if oid is None:
                    continue
                due = R.timely_due(ev.on, days, add_working_days)
                rows.append(
                    (oid, ev.org_path, item.pk, ev.on, ev.on, ev.ref, f"{item.title}：{ev.title}"[:200], due,
                     span_is_provisional(ev.on, due))
                )  # fmt: skip
    columns = [
        "org_id", "org_path", "item_id", "period_start", "period_end", "source_ref", "title", "due_on", "provisional"
    ]  # fmt: skip
    with transaction.atomic():
        added = insert_rows(DisclosureDue, columns, rows, ignore_conflicts=True, analyze=True)
        published = Disclosure.objects.filter(
            org_id=OuterRef("org_id"),
            item_id=OuterRef("item_id"),
            status=DisclosureStatus.PUBLISHED,
        ).filter(
            Q(period_start=OuterRef("period_start"), source_ref="")
            | Q(source_ref=OuterRef("source_ref")) & ~Q(source_ref="")
        )
        met = (
            DisclosureDue.objects.filter(subtree_q("org_path", org.path), fulfilled_on__isnull=True)
            .filter(Exists(published))
            .update(fulfilled_on=today)
        )
        audit.record(actor, "openness.dues_refresh", org, after={"added": added, "met": met, "today": today})
    return {"added": added, "met": met}


# ---------------------------------------------------------------------------------------------
# 民主议事


DELIB_FIELDS = ["topic", "proposer", "procedure", "status", "decision", "decided_on", "owner", "deadline", "result"]


def deliberation_open(
    *, actor: Any, org: Organization, topic: str, proposer: str, procedure: str = Procedure.GENERAL
) -> Deliberation:
    require(actor, Action.MANAGE, org.path, "无权登记该组织的民主议事")
    if not topic.strip():
        raise ValidationError({"topic": "请填写议题"})
    if not proposer.strip():
        raise ValidationError({"proposer": "请填写提议人或提议组织"})
    if procedure not in Procedure.values:
        raise ValidationError({"procedure": "请选择议事程序"})
    with transaction.atomic():
        d = Deliberation(
            org=org, org_path=org.path, topic=topic.strip(), proposer=proposer.strip(), procedure=procedure,
            created_by=user_or_none(actor),
        )  # fmt: skip
        d.full_clean()
        d.save()
        audit.record(actor, "openness.deliberation_open", d, after=audit.snapshot(d, DELIB_FIELDS))
    return d


def deliberation_stage_record(
    *,
    actor: Any,
    deliberation: Deliberation,
    stage: str,
    held_on: dt.date,
    expected: int = 0,
    present: int = 0,
    note: str = "",
    meeting: Meeting | None = None,
    version: int | None = None,
) -> DeliberationStage:
    """Record the next stage; each needs the one before (四议 in order), the 党员大会 its quorum."""
    require(actor, Action.MANAGE, deliberation.org_path, "无权登记该议事环节")
    if meeting is not None and not meeting.branch_path.startswith(deliberation.org_path):
        raise ValidationError({"meeting": "只能关联本组织的会议记录"})
    with transaction.atomic():
        d = lock(Deliberation.objects, deliberation.pk, version)
        if d.status != DeliberationStatus.OPEN:
            raise ValidationError("已作出决议，不能再登记议事环节")
        done = list(d.stages.order_by("seq").values_list("stage", "held_on"))
        _errors(
            R.stage_findings(
                procedure=d.procedure, done=done, stage=stage, held_on=held_on, expected=expected, present=present,
                today=timezone.localdate(),
            )
        )  # fmt: skip
        s = DeliberationStage(
            deliberation=d, org_path=d.org_path, stage=stage, seq=len(done) + 1, held_on=held_on, meeting=meeting,
            expected=expected, present=present, note=note.strip()[:300], recorded_by=user_or_none(actor),
        )  # fmt: skip
        s.full_clean()
        s.save()
        bump(d)
        d.save(update_fields=["version"])
        audit.record(actor, "openness.deliberation_stage", s, after=audit.snapshot(s))
    return s


def deliberation_record_decision(
    *,
    actor: Any,
    deliberation: Deliberation,
    options: list[tuple[str, int, int, int]],
    chosen: int,
    decision: str,
    version: int | None = None,
) -> Deliberation:
    """The options put to the final vote with their counts, and the decision: the adopted option must
    have passed at the last stage (党员大会: orglife's rule; 村民会议: majority of those present)."""
    require(actor, Action.MANAGE, deliberation.org_path, "无权登记该议事的决议")
    with transaction.atomic():
        d = lock(Deliberation.objects, deliberation.pk, version)
        if d.status != DeliberationStatus.OPEN:
            raise ValidationError("该议事已作出决议")
        stages = list(d.stages.order_by("seq"))
        missing = R.next_stage(d.procedure, [s.stage for s in stages])
        if missing is not None:
            raise ValidationError(f"须先完成“{missing.label}”，才能登记决议")
        if not decision.strip():
            raise ValidationError({"decision": "请填写决议内容"})
        last = stages[-1]
        _errors(
            R.vote_findings(
                procedure=d.procedure, options=options, chosen=chosen, expected=last.expected, present=last.present
            )
        )
        DeliberationOption.objects.bulk_create(
            [
                DeliberationOption(deliberation=d, label=label[:200], yes=y, no=n, abstain=a, chosen=i == chosen)
                for i, (label, y, n, a) in enumerate(options)
            ]
        )
        before = audit.snapshot(d, DELIB_FIELDS)
        d.decision = decision.strip()
        d.decided_on = last.held_on
        d.status = DeliberationStatus.DECIDED
        bump(d)
        d.save(update_fields=["decision", "decided_on", "status", "version"])
        audit.record(actor, "openness.deliberation_decision", d, before=before, after=audit.snapshot(d, DELIB_FIELDS))
    return d


def deliberation_implementation_save(
    *,
    actor: Any,
    deliberation: Deliberation,
    owner: str,
    deadline: dt.date,
    resolutions: list[Resolution] | None = None,
    version: int | None = None,
) -> Deliberation:
    """Who implements the decision, by when, and the meeting resolutions it is carried out through."""
    require(actor, Action.MANAGE, deliberation.org_path, "无权登记该议事的落实")
    linked = list(resolutions or [])
    if any(not r.org_path.startswith(deliberation.org_path) for r in linked):
        raise ValidationError({"resolutions": "只能关联本组织会议的决议"})
    if not owner.strip():
        raise ValidationError({"owner": "请填写落实责任人"})
    with transaction.atomic():
        d = lock(Deliberation.objects, deliberation.pk, version)
        if d.status != DeliberationStatus.DECIDED:
            raise ValidationError("作出决议后才能登记落实，办结后不能再改")
        if d.decided_on and deadline < d.decided_on:
            raise ValidationError({"deadline": "落实期限不能早于决议日期"})
        before = audit.snapshot(d, DELIB_FIELDS)
        d.owner, d.deadline = owner.strip()[:50], deadline
        bump(d)
        d.save(update_fields=["owner", "deadline", "version"])
        d.resolutions.set(linked)
        audit.record(
            actor, "openness.deliberation_implementation", d, before=before,
            after={**audit.snapshot(d, DELIB_FIELDS), "resolutions": [r.pk for r in linked]},
        )  # fmt: skip
    return d


def deliberation_result_record(
    *, actor: Any, deliberation: Deliberation, result: str, result_on: dt.date, version: int | None = None
) -> Deliberation:
    require(actor, Action.MANAGE, deliberation.org_path, "无权登记该议事的实施结果")
    if not result.strip():
        raise ValidationError({"result": "请填写实施结果"})
    if result_on > timezone.localdate():
        raise ValidationError({"result_on": "日期不能晚于今天"})
    with transaction.atomic():
        d = lock(Deliberation.objects, deliberation.pk, version)
        if d.status != DeliberationStatus.DECIDED:
            raise ValidationError("作出决议后才能登记实施结果")
        if d.decided_on and result_on < d.decided_on:
            raise ValidationError({"result_on": "实施结果日期不能早于决议日期"})
        before = audit.snapshot(d, DELIB_FIELDS)
        d.result, d.result_on = result.strip(), result_on
        bump(d)
        d.save(update_fields=["result", "result_on", "version"])
        audit.record(actor, "openness.deliberation_result", d, before=before, after=audit.snapshot(d, DELIB_FIELDS))
    return d


def deliberation_disclose(
    *, actor: Any, deliberation: Deliberation, which: str, scope: str = Scope.ORG, channel: str = Channel.BOARD
) -> Disclosure:
    """Put the decision (`which="decision"`) or the result (`"result"`) through the gate. A catalogue
    item for the record type fixes scope and channel; without one it is a matter outside the
    catalogue (approved by the catalogue owner)."""
    require(actor, Action.MANAGE, deliberation.org_path, "无权提出该议事的公开")
    if which not in ("decision", "result"):
        raise ValidationError("请选择公开决议或实施结果")
    kind = f"deliberation_{which}"
    with transaction.atomic():
        d = lock(Deliberation.objects, deliberation.pk, None)
        if which == "decision" and d.status == DeliberationStatus.OPEN:
            raise ValidationError("尚未作出决议")
        if which == "result" and not d.result:
            raise ValidationError("尚未登记实施结果")
        current = d.decision_disclosure if which == "decision" else d.result_disclosure
        if current is not None and current.status != DisclosureStatus.REJECTED:
            raise ValidationError("已提出公开，请在公开事项中完成审查、审批和公开")
        item = items_in_force(d.org).filter(kind=kind).first()
        disclosure = _propose(
            actor,
            d.org,
            item=item,
            kind=kind,
            period_start=None,
            source_ref=f"deliberation:{d.pk}:{which}",
            title="",
            text="",
            scope=item.scope if item else scope,
            channel=item.channel if item else channel,
        )
        if which == "decision":
            d.decision_disclosure = disclosure
        else:
            d.result_disclosure = disclosure
        bump(d)
        d.save(update_fields=[f"{which}_disclosure", "version"])
        audit.record(
            actor, "openness.deliberation_disclose", disclosure,
            after={**audit.snapshot(disclosure, ["title", "scope", "item"]), "deliberation": d.pk, "which": which},
        )  # fmt: skip
    return disclosure


def deliberation_close(*, actor: Any, deliberation: Deliberation, version: int | None = None) -> Deliberation:
    """办结: only once the decision and the result are both published (两公开)."""
    require(actor, Action.MANAGE, deliberation.org_path, "无权办结该议事")
    with transaction.atomic():
        d = lock(Deliberation.objects, deliberation.pk, version)  # no outer join: PostgreSQL refuses FOR UPDATE
        if d.status == DeliberationStatus.CLOSED:
            raise ValidationError("该议事已办结")
        published = set(
            Disclosure.objects.filter(
                pk__in=[d.decision_disclosure_id, d.result_disclosure_id], status=DisclosureStatus.PUBLISHED
            ).values_list("pk", flat=True)
        )
        err = R.close_error(
            decision_published=d.decision_disclosure_id in published,
            result_published=d.result_disclosure_id in published,
            has_result=bool(d.result),
        )
        if err is not None:
            raise ValidationError(err)
        before = audit.snapshot(d, DELIB_FIELDS)
        d.status = DeliberationStatus.CLOSED
        d.closed_by = user_or_none(actor)
        d.closed_at = timezone.now()
        bump(d)
        d.save(update_fields=["status", "closed_by", "closed_at", "version"])
        audit.record(actor, "openness.deliberation_close", d, before=before, after=audit.snapshot(d, DELIB_FIELDS))
    return d


# ---------------------------------------------------------------------------------------------
# 撤回 (take-down) and 申请公开 (a member's request)


def disclosure_withdraw(*, actor: Any, disclosure: Disclosure, reason: str, version: int | None = None) -> Disclosure:
    """撤回: take a published item off the boards, keeping it — content, who took it down, when and
    why — in the record. Whoever may approve the item may take it down. The obligation it met is owed
    again (a corrected disclosure may be proposed for the same period)."""
    require(actor, Action.APPROVE, disclosure.approver_path, "无权撤回该公开事项")
    with transaction.atomic():
        d = lock(Disclosure.objects, disclosure.pk, version)
        if (err := R.withdraw_error(d.status, reason)) is not None:
            raise ValidationError({"reason": err})
        before = audit.snapshot(d, ["status"])
        d.status = DisclosureStatus.WITHDRAWN
        d.withdrawn_by = user_or_none(actor)
        d.withdrawn_at = timezone.now()
        d.withdraw_reason = reason.strip()[:300]
        bump(d)
        d.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason", "version"])
        DisclosureDue.objects.filter(disclosure=d).update(disclosure=None, fulfilled_on=None)
        audit.record(
            actor,
            "openness.disclosure_withdraw",
            d,
            before=before,
            after={"status": d.status, "reason": d.withdraw_reason},
        )
    return d


def disclosure_request_file(
    *, actor: Any, matter: str = "", reason: str = "", item: CatalogueItem | None = None, today: dt.date | None = None
) -> DisclosureRequest:
    """申请公开: the signed-in member asks their own branch to disclose a matter (a catalogue item in
    force for the branch, or one in their own words). The answer is due within the configured number
    of working days (core calendar; past its last year the Mon–Fri fallback is marked provisional)."""
    member = own_member(actor)
    if member is None:
        raise PermissionDenied("只有党员本人可以申请公开")
    org = member.org
    if item is not None and not items_in_force(org).filter(pk=item.pk).exists():
        raise ValidationError({"item": "该事项不在本支部适用的党务公开目录中"})
    matter = (matter.strip() or (item.title if item is not None else ""))[:200]
    if not matter:
        raise ValidationError({"matter": "请填写申请公开的事项"})
    if len(reason.strip()) > 500:
        raise ValidationError({"reason": "申请理由不能超过500字"})
    day = today or timezone.localdate()
    days = int(config.effective(org.path, "openness.request_working_days"))
    with transaction.atomic():
        if DisclosureRequest.objects.filter(member=member, matter=matter, status=RequestStatus.PENDING).exists():
            raise ValidationError({"matter": "该事项的申请正在等待答复，请勿重复申请"})
        due = add_working_days(day, days)
        row = DisclosureRequest(
            org=org,
            org_path=org.path,
            member=member,
            item=item,
            matter=matter,
            reason=reason.strip(),
            due_on=due,
            provisional=span_is_provisional(day, due),
        )
        row.full_clean()
        row.save()
        audit.record(actor, "openness.request_file", row, org_path=org.path, after={"matter": matter, "due": str(due)})
    return row


def disclosure_request_answer(
    *,
    actor: Any,
    request: DisclosureRequest,
    agree: bool,
    answer: str,
    disclosure: Disclosure | None = None,
    version: int | None = None,
) -> DisclosureRequest:
    """The branch answers a request: agreeing (naming its disclosure when there is one) or declining,
    each with a written answer the member reads. Never by the member who asked (four eyes)."""
    require(actor, Action.MANAGE, request.org_path, "无权答复该申请")
    require_four_eyes(actor, request.member.user_id)
    if not answer.strip():
        raise ValidationError({"answer": "请填写答复内容" if agree else "不予公开的，请写明理由"})
    if disclosure is not None and (
        disclosure.org_id != request.org_id
        or disclosure.status in (DisclosureStatus.REJECTED, DisclosureStatus.WITHDRAWN)
    ):
        raise ValidationError({"disclosure": "请选择本支部已提出或已公开的事项"})
    if disclosure is not None and not agree:
        raise ValidationError({"disclosure": "不予公开的答复不能关联公开事项"})
    with transaction.atomic():
        row = lock(DisclosureRequest.objects, request.pk, version)
        if row.status != RequestStatus.PENDING:
            raise ValidationError("该申请已答复")
        row.status = RequestStatus.AGREED if agree else RequestStatus.DECLINED
        row.answer = answer.strip()[:500]
        row.answered_by = user_or_none(actor)
        row.answered_at = timezone.now()
        row.disclosure = disclosure
        bump(row)
        row.save(update_fields=["status", "answer", "answered_by", "answered_at", "disclosure", "version"])
        audit.record(
            actor,
            "openness.request_answer",
            row,
            org_path=row.org_path,
            before={"status": RequestStatus.PENDING},
            after={"status": row.status, "late": timezone.localdate() > row.due_on},
        )
        if request.member.user_id:
            notify.send(
                [request.member.user_id],
                key=f"openness-request-{row.pk}",
                title=f"您申请公开的“{row.matter}”已答复：{row.get_status_display()}",
                link=reverse("openness:requests_mine"),
            )
    return row
