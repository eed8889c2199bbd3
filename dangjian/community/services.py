"""Writes of 五亮五共 and 三个一. Every public function starts at the gate (`core.scoping`).

Who acts where:
- the member on their own records (report-in, claims, activity reports, pledge): `require_person`
  and the actor's own in-service roster row;
- the community organization on the link's community side (`community_path`): needs, confirmations;
- the 分党委 (committee) on its 三个一.
Confirming is a decision: never by the member whose work it is (four eyes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.core import audit, notify
from dangjian.core.calendar import add_working_days
from dangjian.core.registry import records_changed
from dangjian.core.scoping import (
    PLATFORM,
    Action,
    can,
    is_own,
    require,
    require_four_eyes,
    require_person,
    user_or_none,
)
from dangjian.core.versioning import bump, check_version
from dangjian.members.models import Member, MemberCategory
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind, Sector

from . import rules as R
from .models import (
    PENDING,
    Channel,
    ContactVisit,
    Deed,
    DeedKind,
    DeedRole,
    DeedStatus,
    Need,
    NeedStatus,
    Pledge,
    SecretaryPledge,
    ServiceCategory,
    ServiceLink,
)

NOT_A_MEMBER = "只有关联了党员档案的账号可以办理社区报到"


def _own_member(actor: Any) -> Member:
    """The actor's own current roster row (self-service writes act on it and nothing else)."""
    require_person(actor, NOT_A_MEMBER)
    member = Member.objects.filter(user_id=actor.pk, is_active=True).first()
    if member is None:
        raise PermissionDenied(NOT_A_MEMBER)
    return member


def _active_link(member: Member) -> ServiceLink | None:
    return ServiceLink.objects.filter(member=member, ended_on__isnull=True).select_related("community").first()


def _require_community(actor: Any, community_path: str) -> None:
    require(actor, Action.MANAGE, community_path, "只有该社区党组织可以办理")


def _check_community(org: Organization) -> None:
    if org.sector != Sector.COMMUNITY or org.kind == OrgKind.GROUP:
        raise ValidationError({"community": f"{org.name} 不是城市社区党组织，不能接收报到"})


def _clean_text(value: str, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: f"请填写{label}"})
    if len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过 {max_length} 个字"})
    return text


# ---------------------------------------------------------------------------------------------
# Report-in (报到): the service link


def link_report_in(
    *,
    actor: Any,
    community: Organization,
    address: str,
    compound: str = "",
    skills: str = "",
    categories: Iterable[str] = (),
    channel: str = Channel.ONLINE,
) -> ServiceLink:
    """The member reports to the community where they live (by choosing it or by its QR code).
    Reporting to another community ends the previous link (moving house)."""
    member = _own_member(actor)
    if member.category != MemberCategory.IN_SERVICE:
        raise ValidationError("到居住地社区报到的是在职党员；您的人员类别不是“在职”，如有误请联系本支部")
    _check_community(community)
    address = _clean_text(address, "address", "居住地址", 200)
    cats = [c for c in categories if c]
    bad = [c for c in cats if c not in ServiceCategory.values]
    if bad:
        raise ValidationError({"categories": f"服务类别无效：{'、'.join(bad)}"})
    if channel not in Channel.values:
        raise ValidationError({"channel": "报到方式无效"})
    today = timezone.localdate()
    with transaction.atomic():
        current = ServiceLink.objects.select_for_update().filter(member=member, ended_on__isnull=True).first()
        if current is not None and current.community_id == community.pk:
            raise ValidationError({"community": f"您已于 {current.reported_on:%Y-%m-%d} 向{community.name}报到"})
        if current is not None:
            before = audit.snapshot(current, ["ended_on", "end_reason"])
            current.ended_on = today
            current.end_reason = f"改为向{community.name}报到"
            bump(current)
            current.save(update_fields=["ended_on", "end_reason", "version"])
            audit.record(
                actor,
                "community.link_end",
                current,
                before=before,
                after=audit.snapshot(current, ["ended_on", "end_reason"]),
            )
        link = ServiceLink(
            member=member,
            org_path=member.org_path,
            community=community,
            community_path=community.path,
            address=address,
            compound=compound.strip()[:100],
            skills=skills.strip()[:200],
            categories=cats,
            channel=channel,
            reported_on=today,
        )
        link.full_clean()
        link.save()
        # The audit event names the community, never the address (the employer's admins read the log).
        audit.record(
            actor,
            "community.report_in",
            link,
            after=audit.snapshot(link, ["member", "community", "channel", "reported_on"]),
        )
    return link


def link_end(*, actor: Any, link: ServiceLink, reason: str) -> ServiceLink:
    """End a report-in: the member (moved away) or the community (no longer lives here)."""
    if not is_own(actor, link.member, "user_id"):
        _require_community(actor, link.community_path)
    reason = _clean_text(reason, "reason", "结束原因", 200)
    with transaction.atomic():
        row = ServiceLink.objects.select_for_update().get(pk=link.pk)
        if row.ended_on is not None:
            raise ValidationError("该报到已结束")
        before = audit.snapshot(row, ["ended_on", "end_reason"])
        row.ended_on = timezone.localdate()
        row.end_reason = reason
        bump(row)
        row.save(update_fields=["ended_on", "end_reason", "version"])
        audit.record(
            actor, "community.link_end", row, before=before, after=audit.snapshot(row, ["ended_on", "end_reason"])
        )
    return row


# ---------------------------------------------------------------------------------------------
# Needs (需求/实事清单)


def need_publish(
    *,
    actor: Any,
    community: Organization,
    title: str,
    category: str,
    due_on: dt.date,
    description: str = "",
    slots: int = 1,
) -> Need:
    _require_community(actor, community.path)
    _check_community(community)
    title = _clean_text(title, "title", "实事名称", 100)
    if category not in ServiceCategory.values:
        raise ValidationError({"category": "请选择类别"})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "完成期限不能早于今天"})
    if not 1 <= slots <= 500:
        raise ValidationError({"slots": "可领办人数应在 1 到 500 之间"})
    with transaction.atomic():
        need = Need(
            community=community,
            org_path=community.path,
            title=title,
            category=category,
            description=description.strip()[:500],
            due_on=due_on,
            slots=slots,
            created_by=user_or_none(actor),
        )
        need.full_clean()
        need.save()
        audit.record(actor, "community.need_publish", need, after=audit.snapshot(need))
    return need


def need_close(*, actor: Any, need: Need) -> Need:
    _require_community(actor, need.org_path)
    with transaction.atomic():
        row = Need.objects.select_for_update().get(pk=need.pk)
        if row.status == NeedStatus.CLOSED:
            raise ValidationError("该需求已关闭")
        row.status = NeedStatus.CLOSED
        row.save(update_fields=["status"])
        audit.record(actor, "community.need_close", row, before={"status": "open"}, after={"status": "closed"})
    return row


def need_claim(*, actor: Any, need: Need) -> Deed:
    """The member takes on a need of the community they reported to (领办实事)."""
    member = _own_member(actor)
    link = _active_link(member)
    if link is None or link.community_id != need.community_id:
        raise ValidationError("您未向该社区报到，不能领办其需求")
    today = timezone.localdate()
    with transaction.atomic():
        row = Need.objects.select_for_update().get(pk=need.pk)
        if row.status != NeedStatus.OPEN or row.due_on < today:
            raise ValidationError(f"“{row.title}”已关闭或已过完成期限")
        taken = Deed.objects.filter(need=row).exclude(status__in=[DeedStatus.REJECTED, DeedStatus.EXPIRED])
        if taken.filter(member=member).exists():
            raise ValidationError(f"您已领办“{row.title}”")
        if taken.count() >= row.slots:
            raise ValidationError(f"“{row.title}”已有 {row.slots} 人领办，名额已满")
        deed = Deed(
            link=link,
            member=member,
            org_path=member.org_path,
            community_id=row.community_id,
            community_path=row.org_path,
            kind=DeedKind.TASK,
            need=row,
            title=row.title,
            on=today,
            status=DeedStatus.CLAIMED,
            entered_by=user_or_none(actor),
        )
        deed.full_clean()
        deed.save()
        # Filed under the community: it is the community's queue that changes (core/snapshot.py).
        audit.record(
            actor,
            "community.need_claim",
            deed,
            org_path=deed.community_path,
            after=audit.snapshot(deed, ["need", "member", "status"]),
        )
    return deed


def _hours(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": "时长应为数字（小时）"}) from None
    if not Decimal("0") < value <= Decimal("24"):
        raise ValidationError({"hours": "时长应在 0.1 到 24 小时之间"})
    return value


def deed_report(*, actor: Any, deed: Deed, note: str, on: dt.date | None = None, hours: Any = "1") -> Deed:
    """The member reports a claimed task done; it counts once the community confirms it."""
    member = _own_member(actor)
    if deed.member_id != member.pk:
        raise PermissionDenied("只能报告本人领办的实事")
    note = _clean_text(note, "note", "完成情况", 300)
    done_on = on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"on": "完成日期不能晚于今天"})
    with transaction.atomic():
        row = Deed.objects.select_for_update().get(pk=deed.pk)
        if row.status != DeedStatus.CLAIMED:
            raise ValidationError(f"该实事当前状态为“{row.get_status_display()}”，不能报告完成")
        before = audit.snapshot(row, ["status", "on", "note", "hours"])
        row.status, row.on, row.note, row.hours = DeedStatus.REPORTED, done_on, note, _hours(hours)
        bump(row)
        row.save(update_fields=["status", "on", "note", "hours", "version"])
        audit.record(
            actor,
            "community.deed_report",
            row,
            org_path=row.community_path,  # the community's queue changes (core/snapshot.py)
            before=before,
            after=audit.snapshot(row, ["status", "on", "note", "hours"]),
        )
    return row


def _activity_fields(title: str, on: dt.date, hours: Any, role: str) -> tuple[str, Decimal]:
    title = _clean_text(title, "title", "活动内容", 100)
    if on > timezone.localdate():
        raise ValidationError({"on": "活动日期不能晚于今天"})
    if role not in DeedRole.values:
        raise ValidationError({"role": "请选择角色"})
    return title, _hours(hours)


def activity_report(*, actor: Any, title: str, on: dt.date, hours: Any, role: str) -> Deed:
    """The member reports taking part in a community activity; the community confirms it."""
    member = _own_member(actor)
    link = _active_link(member)
    if link is None:
        raise ValidationError("请先到居住地社区党组织报到")
    title, h = _activity_fields(title, on, hours, role)
    if on < link.reported_on:
        raise ValidationError({"on": f"活动日期不能早于报到日期 {link.reported_on:%Y-%m-%d}"})
    with transaction.atomic():
        deed = Deed(
            link=link, member=member, org_path=member.org_path, community_id=link.community_id,
            community_path=link.community_path, kind=DeedKind.ACTIVITY, title=title, on=on, hours=h, role=role,
            status=DeedStatus.REPORTED, entered_by=user_or_none(actor),
        )  # fmt: skip
        deed.full_clean()
        deed.save()
        audit.record(actor, "community.activity_report", deed, org_path=deed.community_path, after=audit.snapshot(deed))
    return deed


def activity_record(*, actor: Any, link: ServiceLink, title: str, on: dt.date, hours: Any, role: str) -> Deed:
    """The community records a linked member's activity from its own sign-up sheet (服务记录卡):
    confirmed as entered, since the community is the confirming party — never for oneself."""
    _require_community(actor, link.community_path)
    require_four_eyes(actor, link.member.user_id)
    if not ServiceLink.objects.filter(pk=link.pk, ended_on__isnull=True).exists():
        raise ValidationError("该党员已不在本社区报到，不能登记其活动")
    title, h = _activity_fields(title, on, hours, role)
    if on < link.reported_on:
        raise ValidationError({"on": f"活动日期不能早于报到日期 {link.reported_on:%Y-%m-%d}"})
    with transaction.atomic():
        now = timezone.now()
        deed = Deed(
            link=link, member_id=link.member_id, org_path=link.org_path, community_id=link.community_id,
            community_path=link.community_path, kind=DeedKind.ACTIVITY, title=title, on=on, hours=h, role=role,
            status=DeedStatus.CONFIRMED, entered_by=user_or_none(actor), decided_by=user_or_none(actor), decided_at=now,
        )  # fmt: skip
        deed.full_clean()
        deed.save()
        audit.record(actor, "community.activity_record", deed, after=audit.snapshot(deed))
        records_changed("community", [on.year], member_ids=[deed.member_id])  # confirmed: a points event
    return deed


def deed_decide(*, actor: Any, deed: Deed, confirm: bool, note: str = "", version: int | str | None = None) -> Deed:
    """The community confirms (or declines) a member's reported task or activity. Refused for a member
    who is no longer linked to this community, and for the member themself (four eyes)."""
    _require_community(actor, deed.community_path)
    require_four_eyes(actor, deed.member.user_id, deed.entered_by_id if deed.kind == DeedKind.ACTIVITY else None)
    if not confirm and not note.strip():
        raise ValidationError({"decision_note": "不予确认时请写明原因"})
    with transaction.atomic():
        row = Deed.objects.select_for_update().select_related("link").get(pk=deed.pk)
        check_version(row, version)
        if row.link.ended_on is not None or row.link.community_id != row.community_id:
            raise ValidationError("该党员未在本社区报到，不能确认其服务")
        if row.status != DeedStatus.REPORTED:
            raise ValidationError(f"该记录当前状态为“{row.get_status_display()}”，党员报告完成后才能确认")
        before = audit.snapshot(row, ["status", "decision_note"])
        row.status = DeedStatus.CONFIRMED if confirm else DeedStatus.REJECTED
        row.decision_note = note.strip()[:200]
        row.decided_by = user_or_none(actor)
        row.decided_at = timezone.now()
        bump(row)
        row.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "version"])
        audit.record(
            actor, "community.deed_decide", row, before=before, after=audit.snapshot(row, ["status", "decision_note"])
        )
        if confirm and row.on is not None:  # a confirmed deed is a points event (`point_event_source`)
            records_changed("community", [row.on.year], member_ids=[row.member_id])
        user_id = Member.objects.filter(pk=row.member_id).values_list("user_id", flat=True).first()
        if user_id:
            verdict = "已确认" if confirm else "未予确认"
            notify.send(
                [user_id],
                key=f"community.deed.{row.pk}.{row.status}",
                title=f"社区{verdict}：{row.title}",
                body=row.decision_note,
                link=reverse("community:my"),
            )
    return row


def claims_expire(*, actor: Any, today: dt.date) -> int:
    """Claims and reports the community has not confirmed in time count as not done (EXPIRED).
    The deadline is per community (`community.claim_expiry_days`). Idempotent."""
    require(actor, Action.MANAGE, PLATFORM)
    pending = list(
        Deed.objects.filter(status__in=PENDING)
        .select_related("need")
        .only("pk", "status", "community_path", "entered_at", "need__due_on")
    )
    if not pending:
        return 0
    days_by_path = config.effective_for_paths(
        sorted({d.community_path for d in pending}), "community.claim_expiry_days"
    )
    due = [
        d.pk
        for d in pending
        if today
        > R.claim_expires_on(
            timezone.localdate(d.entered_at), d.need.due_on if d.need else None, int(days_by_path[d.community_path])
        )
    ]
    if not due:
        return 0
    with transaction.atomic():
        n = Deed.objects.filter(pk__in=due, status__in=PENDING).update(
            status=DeedStatus.EXPIRED, decision_note="超期未确认，按未完成计"
        )
        audit.record(actor, "community.claims_expire", None, after={"expired": due})
    return n


# ---------------------------------------------------------------------------------------------
# Pledges (承诺书)


def pledge_submit(*, actor: Any, text: str, public: bool = False) -> Pledge:
    """The member files this year's 承诺书 with the community they reported to (亮承诺)."""
    member = _own_member(actor)
    link = _active_link(member)
    if link is None:
        raise ValidationError("请先到居住地社区党组织报到，再提交承诺书")
    text = _clean_text(text, "text", "承诺内容", 1000)
    year = timezone.localdate().year
    with transaction.atomic():
        row = Pledge.objects.select_for_update().filter(member=member, year=year).first()
        before = audit.snapshot(row, ["text", "public"]) if row else None
        if row is None:
            row = Pledge(member=member, year=year)
        row.link, row.org_path, row.community_path = link, member.org_path, link.community_path
        row.text, row.public = text, bool(public)
        row.full_clean()
        row.save()
        audit.record(
            actor, "community.pledge_submit", row, before=before, after=audit.snapshot(row, ["text", "public"])
        )
    return row


# ---------------------------------------------------------------------------------------------
# 三个一


def secretary_pledge_save(
    *,
    actor: Any,
    org: Organization,
    year: int,
    secretary_name: str,
    pledge: str,
    project: str,
    goals: str,
    contact_org: Organization,
    version: int | str | None = None,
) -> SecretaryPledge:
    require(actor, Action.MANAGE, org.path, "无权填写该组织的“三个一”")
    if org.kind not in (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH):
        raise ValidationError("“三个一”由分党委（党委、党总支）书记落实")
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "年度应在 2000 到 2100 之间"})
    if not can(actor, Action.VIEW, contact_org.path):
        raise ValidationError({"contact_org": "联系点应为您管理范围内的党组织"})
    fields = {
        "secretary_name": _clean_text(secretary_name, "secretary_name", "书记姓名", 50),
        "pledge": _clean_text(pledge, "pledge", "抓基层党建承诺", 1000),
        "project": _clean_text(project, "project", "党建项目名称", 100),
        "goals": _clean_text(goals, "goals", "项目目标", 1000),
    }
    names = [*fields, "contact_org"]
    with transaction.atomic():
        row = SecretaryPledge.objects.select_for_update().filter(org=org, year=year).first()
        before = audit.snapshot(row, names) if row else None
        if row is None:
            row = SecretaryPledge(org=org, org_path=org.path, year=year)
        else:
            check_version(row, version)
            if row.published:
                raise ValidationError("“三个一”已公示，不能再修改")
            bump(row)
        for k, v in fields.items():
            setattr(row, k, v)
        row.contact_org = contact_org
        row.updated_by = user_or_none(actor)
        row.full_clean()
        row.save()
        audit.record(actor, "community.three_ones_save", row, before=before, after=audit.snapshot(row, names))
    return row


def secretary_pledge_publish(*, actor: Any, record: SecretaryPledge) -> SecretaryPledge:
    """Start the 公示 of the three ones for `community.notice_days` working days."""
    require(actor, Action.MANAGE, record.org_path, "无权公示该组织的“三个一”")
    today = timezone.localdate()
    days = int(config.effective(record.org_path, "community.notice_days"))
    with transaction.atomic():
        row = SecretaryPledge.objects.select_for_update().get(pk=record.pk)
        if row.published:
            raise ValidationError(f"已于 {row.notice_from:%Y-%m-%d} 公示")
        row.notice_from, row.notice_to = today, add_working_days(today, days)
        bump(row)
        row.save(update_fields=["notice_from", "notice_to", "version"])
        audit.record(
            actor, "community.three_ones_publish", row, after=audit.snapshot(row, ["notice_from", "notice_to"])
        )
    return row


def contact_visit_log(
    *, actor: Any, record: SecretaryPledge, on: dt.date, summary: str, outcome: str = ""
) -> ContactVisit:
    require(actor, Action.MANAGE, record.org_path, "无权登记该组织的联系点走访")
    if on > timezone.localdate():
        raise ValidationError({"on": "走访日期不能晚于今天"})
    if on.year != record.year:
        raise ValidationError({"on": f"走访日期应在 {record.year} 年内"})
    summary = _clean_text(summary, "summary", "调研指导内容", 500)
    with transaction.atomic():
        visit = ContactVisit(
            pledge=record, org_path=record.org_path, on=on, summary=summary, outcome=outcome.strip()[:500],
            entered_by=user_or_none(actor),
        )  # fmt: skip
        visit.full_clean()
        visit.save()
        audit.record(actor, "community.contact_visit", visit, after=audit.snapshot(visit))
    return visit
