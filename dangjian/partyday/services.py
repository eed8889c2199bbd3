"""Writes for the party-day schedule: settings, annual plans, change requests, member notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holders
from dangjian.core import notify
from dangjian.core.audit import record
from dangjian.core.audit import snapshot as _audit_snapshot
from dangjian.core.scoping import PLATFORM, Action, require, require_four_eyes, user_or_none
from dangjian.core.versioning import bump, check_version
from dangjian.members.models import Member
from dangjian.orglife.services import party_day_reschedule
from dangjian.orgs.config import effective_for_paths
from dangjian.orgs.models import Organization, OrgKind

from . import selectors
from .models import AnnualPlan, ChangeRequest, ChangeState, FixedDaySetting, PlanItem, PlanState
from .rules import DayRule, change_request_findings, notice_due, plan_items_findings, plan_reminder_days

PLAN_DECIDERS = "只有上级党组织可以备案或退回计划"
SWEEP_ONLY = "只有系统可以运行定期提醒"


def _snapshot(obj: Any, fields: Any = None) -> dict[str, Any]:
    """The audit snapshot, with times as text (the audit encoder knows dates, not times)."""
    return {k: (v.isoformat() if isinstance(v, dt.time) else v) for k, v in _audit_snapshot(obj, fields).items()}


# ---------------------------------------------------------------- fixed-day setting

SETTING_FIELDS = ("rule", "day_of_month", "time_of_day", "start_time", "min_hours", "allow_makeup_weekend", "place")


@transaction.atomic
def fixed_day_setting_save(
    *, actor: Any, org: Organization, data: dict[str, Any], version: int | None = None
) -> FixedDaySetting:
    """Set the org's own fixed-day rule (it then applies to its subtree unless overridden below)."""
    require(actor, Action.MANAGE, org.path)
    setting = FixedDaySetting.objects.select_for_update().filter(org=org).first()
    before = _snapshot(setting, SETTING_FIELDS) if setting else None
    if setting is None:
        setting = FixedDaySetting(org=org, org_path=org.path)
    else:
        check_version(setting, version)
        bump(setting)
    for f in SETTING_FIELDS:
        if f in data:
            setattr(setting, f, data[f])
    if setting.rule == DayRule.FIXED_DATE and not setting.day_of_month:
        raise ValidationError({"day_of_month": "选择“每月固定日期”时须填写“每月几日”（1–31）"})
    if setting.rule != DayRule.FIXED_DATE:
        setting.day_of_month = None
    setting.updated_by = user_or_none(actor)
    setting.full_clean()
    setting.save()
    record(
        actor=actor,
        action="partyday.setting_save",
        obj=setting,
        org_path=org.path,
        before=before,
        after=_snapshot(setting, SETTING_FIELDS),
    )
    return setting


@transaction.atomic
def fixed_day_setting_clear(*, actor: Any, org: Organization) -> None:
    """Remove the org's own rule so it inherits from its committee again."""
    require(actor, Action.MANAGE, org.path)
    setting = FixedDaySetting.objects.filter(org=org).first()
    if setting is None:
        return
    record(
        actor=actor,
        action="partyday.setting_clear",
        obj=setting,
        org_path=org.path,
        before=_snapshot(setting, SETTING_FIELDS),
    )
    setting.delete()


# ---------------------------------------------------------------- annual plans


def _plan_link(plan: AnnualPlan) -> str:
    return reverse("partyday:plan", args=[plan.org_id, plan.year])


def _recipients(org: Organization, roles: tuple[Role, ...]) -> list[Any]:
    return [ra.user for ra in holders(roles, org_ids=[org.pk]).select_related("user")]


@transaction.atomic
def plan_save(
    *,
    actor: Any,
    org: Organization,
    year: int,
    items: dict[int, tuple[str, str]],
    change_note: str = "",
    version: int | None = None,
) -> AnnualPlan:
    """Create or edit the org's plan for `year`. Changed months get a new revision; old ones stay."""
    require(actor, Action.MANAGE, org.path)
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "“计划年度”无效"})
    plan = AnnualPlan.objects.select_for_update().filter(org=org, year=year).first()
    if plan is None:
        plan = AnnualPlan(org=org, org_path=org.path, year=year)
        plan.full_clean()
        plan.save()
        record(actor=actor, action="partyday.plan_create", obj=plan, org_path=org.path, after=_snapshot(plan))
    else:
        check_version(plan, version)
        if plan.status == PlanState.SUBMITTED:
            raise ValidationError("计划已提交，正在等待上级党组织备案，暂不能修改")
        bump(plan)
        plan.save(update_fields=["version"])
    adjusting = plan.status == PlanState.FILED
    if adjusting and not change_note.strip():
        raise ValidationError({"change_note": "已备案的计划调整时须填写“调整说明”"})
    current = selectors.plan_items_current(plan)
    changed: list[int] = []
    for month, (theme, content) in sorted(items.items()):
        if not 1 <= month <= 12:
            raise ValidationError(f"月份 {month} 无效")
        theme, content = theme.strip(), content.strip()
        old = current.get(month)
        if old is not None and old.theme == theme and old.content == content:
            continue
        if old is None and not theme and not content:
            continue
        if old is not None:
            old.is_current = False
            old.save(update_fields=["is_current"])
        item = PlanItem(
            plan=plan,
            month=month,
            revision=(old.revision + 1) if old else 1,
            theme=theme,
            content=content,
            change_note=change_note.strip()[:300],
            created_by=user_or_none(actor),
        )
        # uniqueness is guaranteed by the row lock on the plan and the DB constraints
        item.full_clean(validate_unique=False, validate_constraints=False)
        item.save()
        changed.append(month)
    if changed:
        record(
            actor=actor,
            action="partyday.plan_adjust" if adjusting else "partyday.plan_edit",
            obj=plan,
            org_path=org.path,
            after={"months": changed, "change_note": change_note},
        )
    return plan


@transaction.atomic
def plan_submit(*, actor: Any, plan: AnnualPlan, version: int | None = None) -> AnnualPlan:
    """Send the plan to the parent committee for filing (备案)."""
    require(actor, Action.MANAGE, plan.org_path)
    plan = AnnualPlan.objects.select_for_update().select_related("org").get(pk=plan.pk)
    check_version(plan, version)
    if plan.status == PlanState.SUBMITTED:
        raise ValidationError(
            f"{plan.year}年计划已于 {timezone.localtime(plan.submitted_at):%Y-%m-%d %H:%M} 提交，不能重复提交"
        )
    if plan.status == PlanState.FILED:
        raise ValidationError(f"{plan.year}年计划已备案，无需再次提交；如需调整请直接修改对应月份")
    themes = {m: i.theme for m, i in selectors.plan_items_current(plan).items()}
    findings = plan_items_findings(themes)
    if findings:
        raise ValidationError([f.message_zh for f in findings])
    parent = selectors.parent_of(plan.org)
    if parent is None:
        raise ValidationError("最高一级党组织没有上级，无需报备")
    before = _snapshot(plan, ["status"])
    plan.status = PlanState.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.submitted_by = user_or_none(actor)
    bump(plan)
    plan.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
    record(
        actor=actor,
        action="partyday.plan_submit",
        obj=plan,
        org_path=plan.org_path,
        before=before,
        after=_snapshot(plan, ["status"]),
    )
    notify.send(
        _recipients(parent, (Role.SECRETARY, Role.ORG_ADMIN)),
        key=f"partyday:plan_submitted:{plan.pk}:{plan.version}",
        title=f"{plan.org.name}报送了{plan.year}年主题党日计划",
        body="请审核后备案或退回。",
        link=_plan_link(plan),
    )
    return plan


def _plan_decide(actor: Any, plan: AnnualPlan, file: bool, comment: str, version: int | None) -> AnnualPlan:
    plan = AnnualPlan.objects.select_for_update().select_related("org").get(pk=plan.pk)
    check_version(plan, version)
    if plan.status != PlanState.SUBMITTED:
        raise ValidationError(f"计划当前状态为“{plan.get_status_display()}”，只有已提交的计划可以备案或退回")
    require_four_eyes(actor, plan.submitted_by_id)
    if not file and not comment.strip():
        raise ValidationError({"comment": "退回时须填写“审核意见”"})
    before = _snapshot(plan, ["status", "review_comment"])
    plan.status = PlanState.FILED if file else PlanState.RETURNED
    plan.reviewed_at = timezone.now()
    plan.reviewed_by = user_or_none(actor)
    plan.review_comment = comment.strip()
    bump(plan)
    plan.full_clean()
    plan.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "version"])
    record(
        actor=actor,
        action="partyday.plan_file" if file else "partyday.plan_return",
        obj=plan,
        org_path=plan.org_path,
        before=before,
        after=_snapshot(plan, ["status", "review_comment"]),
    )
    verb = "已备案" if file else "被退回"
    notify.send(
        _recipients(plan.org, (Role.SECRETARY, Role.LIAISON)),
        key=f"partyday:plan_decided:{plan.pk}:{plan.version}",
        title=f"{plan.year}年主题党日计划{verb}",
        body=comment.strip(),
        link=_plan_link(plan),
    )
    return plan


@transaction.atomic
def plan_file(*, actor: Any, plan: AnnualPlan, comment: str = "", version: int | None = None) -> AnnualPlan:
    require(actor, Action.APPROVE, selectors.decider_path(plan.org), PLAN_DECIDERS)
    return _plan_decide(actor, plan, True, comment, version)


@transaction.atomic
def plan_return(*, actor: Any, plan: AnnualPlan, comment: str, version: int | None = None) -> AnnualPlan:
    require(actor, Action.APPROVE, selectors.decider_path(plan.org), PLAN_DECIDERS)
    return _plan_decide(actor, plan, False, comment, version)


# ---------------------------------------------------------------- change requests


@transaction.atomic
def change_request_create(
    *,
    actor: Any,
    org: Organization,
    year: int,
    month: int,
    new_date: dt.date,
    reason: str,
    new_time: dt.time | None = None,
    place: str = "",
    today: dt.date | None = None,
) -> ChangeRequest:
    """Apply to hold the month's party day on `new_date`; must arrive `lead` days before the day."""
    require(actor, Action.MANAGE, org.path)
    today = today or timezone.localdate()
    if not 1 <= month <= 12:
        raise ValidationError({"month": "“月份”无效"})
    if selectors.parent_of(org) is None:
        raise ValidationError("最高一级党组织没有上级，无需申请")
    pd = selectors.scheduled_party_day(org, year, month)
    scheduled = pd.date or pd.nominal
    lead = selectors.change_lead_days(org)
    findings = change_request_findings(
        scheduled=scheduled, new_date=new_date, submitted_on=today, lead_days=lead, reason=reason
    )
    if findings:
        raise ValidationError([f.message_zh for f in findings])
    if ChangeRequest.objects.filter(org=org, year=year, month=month, status=ChangeState.PENDING).exists():
        raise ValidationError(f"{year}年{month}月已有待审批的调整申请，请等待上级审批")
    cr = ChangeRequest(
        org=org,
        org_path=org.path,
        year=year,
        month=month,
        scheduled_date=scheduled,
        new_date=new_date,
        new_time=new_time,
        place=place.strip(),
        reason=reason.strip(),
        requested_by=user_or_none(actor),
    )
    cr.full_clean()
    cr.save()
    record(actor=actor, action="partyday.change_request", obj=cr, org_path=org.path, after=_snapshot(cr))
    parent = selectors.parent_of(org)
    assert parent is not None
    notify.send(
        _recipients(parent, (Role.SECRETARY, Role.ORG_ADMIN)),
        key=f"partyday:change_requested:{cr.pk}",
        title=f"{org.name}申请调整{month}月主题党日",
        body=f"原定 {scheduled:%Y-%m-%d}，申请改为 {new_date:%Y-%m-%d}。理由：{cr.reason}",
        link=reverse("partyday:changes"),
    )
    return cr


@transaction.atomic
def change_request_decide(*, actor: Any, change: ChangeRequest, approve: bool, comment: str = "") -> ChangeRequest:
    """The parent committee approves (the date moves and members are told) or rejects."""
    require(actor, Action.APPROVE, selectors.decider_path(change.org), "只有上级党组织可以审批调整申请")
    cr = ChangeRequest.objects.select_for_update().select_related("org").get(pk=change.pk)
    if cr.status != ChangeState.PENDING:
        raise ValidationError(f"该申请已{cr.get_status_display()}，不能重复审批")
    require_four_eyes(actor, cr.requested_by_id)
    if not approve and not comment.strip():
        raise ValidationError({"comment": "不同意时须填写“审批意见”"})
    cr.status = ChangeState.APPROVED if approve else ChangeState.REJECTED
    cr.decided_by = user_or_none(actor)
    cr.decided_at = timezone.now()
    cr.decision_comment = comment.strip()
    cr.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    record(
        actor=actor,
        action="partyday.change_approve" if approve else "partyday.change_reject",
        obj=cr,
        org_path=cr.org_path,
        before={"status": ChangeState.PENDING},
        after={"status": cr.status, "comment": cr.decision_comment},
    )
    link = reverse("partyday:year", args=[cr.org_id, cr.year])
    notify.send(
        _recipients(cr.org, (Role.SECRETARY, Role.LIAISON)),
        key=f"partyday:change_decided:{cr.pk}",
        title=f"{cr.month}月主题党日调整申请{cr.get_status_display()}",
        body=cr.decision_comment,
        link=link,
    )
    if approve:
        # The branch's planned party-day record (a draft on the original date) moves with it.

        pd = selectors.scheduled_party_day(cr.org, cr.year, cr.month)
        if pd.starts_at is not None:
            party_day_reschedule(
                actor=actor,
                org=cr.org,
                on=cr.scheduled_date,
                new_start=timezone.make_aware(pd.starts_at),
                place=cr.place,
            )
        body = _notice_body(cr.org.name, pd)
        notify.send(
            _member_users([cr.org_id]).get(cr.org_id, []),
            key=f"partyday:moved:{cr.pk}",
            title=f"{cr.month}月主题党日改期至 {cr.new_date:%m月%d日}",
            body=body,
            link=link,
        )
    return cr


# ---------------------------------------------------------------- notices


def _member_users(org_ids: list[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    rows = Member.objects.filter(
        org_id__in=org_ids, is_active=True, user__isnull=False, user__is_active=True
    ).select_related("user")
    for m in rows:
        out.setdefault(m.org_id, []).append(m.user)
    return out


def _notice_body(org_name: str, pd: selectors.PartyDay) -> str:
    lines = [f"组织：{org_name}"]
    if pd.theme:
        lines.append(f"主题：{pd.theme}")
    if pd.date is not None:
        lines.append(f"时间：{pd.date:%Y年%m月%d日} {pd.start_time:%H:%M} 起，不少于{pd.min_hours}小时")
    lines.append(f"地点：{pd.place or '另行通知'}")
    if pd.content:
        lines.append(f"内容：{pd.content}")
    return "\n".join(lines)


def send_party_day_notices(*, actor: Any, today: dt.date | None = None) -> int:
    """Tell each member with a login about their branch's coming party day (theme, time, place).

    Sent `partyday.notice_lead_days` days before (default 3, so members hear 2–3 days ahead even
    when the sweep runs late in the day); a sweep that missed a day catches up until the day itself.
    Idempotent: the key names the org and the date, so a second run sends nothing, and a moved date
    produces a fresh notice. Returns the number of messages sent. A platform-wide sweep: SYSTEM runs it.
    """
    require(actor, Action.ADMIN, PLATFORM, SWEEP_ONLY)

    today = today or timezone.localdate()

    org_rows = list(
        Organization.objects.filter(
            pk__in=Member.objects.filter(is_active=True, user__isnull=False).values("org_id")
        ).values_list("pk", "path", "name")
    )
    if not org_rows:
        return 0
    leads = effective_for_paths([p for _, p, _ in org_rows], "partyday.notice_lead_days")
    names = {pk: name for pk, _, name in org_rows}
    months = {(today.year, today.month)}
    nxt = today + dt.timedelta(days=max(int(v) for v in leads.values()) + 1)
    months.add((nxt.year, nxt.month))
    due: list[tuple[int, selectors.PartyDay]] = []
    for year, month in sorted(months):
        days = selectors.party_days_for_orgs([(pk, path) for pk, path, _ in org_rows], year, month)
        for pk, path, _ in org_rows:
            pd = days[pk]
            if pd.date is not None and notice_due(today, pd.date, int(leads[path])):
                due.append((pk, pd))
    if not due:
        return 0
    users = _member_users([pk for pk, _ in due])
    messages: list[notify.Message] = []
    for pk, pd in due:
        assert pd.date is not None
        body = _notice_body(names[pk], pd)
        title = f"主题党日通知：{pd.date:%m月%d日} {pd.start_time:%H:%M}" + (f" {pd.theme}" if pd.theme else "")
        link = reverse("partyday:year", args=[pk, pd.year])
        key = f"partyday:notice:{pk}:{pd.date:%Y%m%d}"
        messages += [notify.Message(u, key, title, body, link) for u in users.get(pk, [])]
    return notify.send_many(messages)


def send_plan_reminders(*, actor: Any, today: dt.date | None = None) -> int:
    """Remind branch secretaries and liaisons whose next-year plan is not yet submitted or filed."""
    require(actor, Action.ADMIN, PLATFORM, SWEEP_ONLY)

    today = today or timezone.localdate()
    year = today.year + 1
    left = plan_reminder_days(today, year)
    if left is None:
        return 0
    done = AnnualPlan.objects.filter(year=year, status__in=[PlanState.SUBMITTED, PlanState.FILED]).values("org_id")
    branches = Organization.objects.filter(kind=OrgKind.BRANCH).exclude(pk__in=done).values("pk")
    ras = holders((Role.SECRETARY, Role.LIAISON), org_ids=branches).select_related("user", "org")
    return notify.send_many(
        notify.Message(
            ra.user,
            f"partyday:plan_due:{ra.org_id}:{year}:{left}",
            f"{year}年主题党日计划还有{left}天截止",
            f"{ra.org.name}的{year}年度“主题党日+”活动计划应于{year - 1}年12月31日前报上级党委备案。",
            reverse("partyday:plan", args=[ra.org_id, year]),
        )
        for ra in ras
    )


def sweep(*, actor: Any, today: dt.date | None = None) -> dict[str, int]:
    """The daily periodic job: member notices and plan reminders. Safe to run any number of times."""
    require(actor, Action.ADMIN, PLATFORM, SWEEP_ONLY)
    return {
        "notices": send_party_day_notices(actor=actor, today=today),
        "plan_reminders": send_plan_reminders(actor=actor, today=today),
    }
