"""Writes of inspections. Each public service starts at the write gate (`require`), takes keyword
arguments, validates (Chinese messages naming the field), runs in one transaction and writes one
audit event. The draw is made once: there is no service that redraws or deletes a draw."""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holders
from dangjian.core import calendar, notify
from dangjian.core.audit import record
from dangjian.core.bulk import insert_rows
from dangjian.core.paths import is_within
from dangjian.core.scoping import (
    PLATFORM,
    Action,
    can,
    require,
    require_four_eyes,
    user_or_none,
)
from dangjian.core.uploads import check_image
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind

from . import rules as R
from .models import (
    Checklist,
    Draw,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    ItemScore,
    Plan,
    PlanStatus,
    Strata,
)
from .records import probe_branches
from .selectors import (
    checklist_in_use,
    checklist_token,
    is_inspector,
    latest_checklist,
    months_before,
    pool_of,
    rectify_days,
    stratum_labels,
)

NOT_INSPECTOR = "您不是本计划的检查人员"
SWEEP_ONLY = "只有系统可以运行定期提醒"
DRAW_FINAL = "本计划已抽取，抽取结果不能更改；确需重新抽取的，请新建计划并说明理由"
REMIND_WORKING_DAYS = 3
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PNG_MAGIC = b"\x89PNG"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require_inspector(actor: Any, plan: Plan) -> None:
    if not is_inspector(actor, plan):
        raise PermissionDenied(NOT_INSPECTOR)


# ---------------------------------------------------------------- checklists


@transaction.atomic
def checklist_save(*, actor: Any, org: Organization, data: dict[str, Any], document: str = "") -> Checklist:
    """Save a new version of the committee's checklist (the previous versions stay, plans keep theirs)."""
    require(actor, Action.ADMIN, org.path)
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP):
        raise ValidationError({"org": "检查细则由党委或党总支制定"})
    try:
        spec = R.parse_checklist(data)
    except ValueError as exc:
        raise ValidationError({"data": str(exc)}) from exc
    last = Checklist.objects.filter(org=org).order_by("-number").first()
    row = Checklist(
        org=org,
        org_path=org.path,
        name=spec.name,
        number=(last.number + 1) if last else 1,
        document=document.strip(),
        data=R.checklist_to_data(spec),
        created_by=user_or_none(actor),
    )
    row.full_clean()
    row.save()
    record(
        actor, "inspections.checklist_save", row, org_path=org.path, after={"number": row.number, "total": spec.total}
    )
    return row


ITEM_FIELDS = ("title", "content", "scoring", "standard", "per_unit", "cap", "veto", "method", "evidence")


@transaction.atomic
def checklist_item_save(
    *,
    actor: Any,
    org: Organization,
    based_on: str,
    category: str,
    code: str,
    item: dict[str, Any],
    new_code: str = "",
    remove: bool = False,
) -> Checklist:
    """Edit, add (`code` empty, `new_code` given) or remove one item of the committee's checklist.

    The checklist in force (the committee's own latest version, else the one above, else the shipped
    default) is the base. A version no plan uses yet, and which is the committee's own, is changed in
    place; one a plan uses (or one made by an organization above) is never changed: the edit becomes
    the committee's next version, and the plans keep scoring by theirs. The whole checklist is checked
    again (scores within their category, codes unique) before anything is written."""
    require(actor, Action.ADMIN, org.path)
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP):
        raise ValidationError({"org": "检查细则由党委或党总支制定"})
    base = latest_checklist(org)
    if base is not None:
        base = Checklist.objects.select_for_update().get(pk=base.pk)
    if based_on != checklist_token(base):
        raise ValidationError("检查细则已被他人修改，请刷新页面后重新编辑")
    data = copy.deepcopy(base.data) if base is not None else R.default_checklist_data()
    cat = next((c for c in data.get("categories") or [] if str(c.get("code")) == category), None)
    if cat is None:
        raise ValidationError({"category": "所选类别不存在"})
    items: list[dict[str, Any]] = cat.setdefault("items", [])
    if code:
        current = next((i for i in items if i.get("code") == code), None)
        if current is None:
            raise ValidationError({"code": f"项目“{code}”不在所选类别中"})
        if remove:
            items.remove(current)
        else:
            current.update({k: item.get(k) for k in ITEM_FIELDS})
    else:
        if remove:
            raise ValidationError({"code": "请选择要删除的项目"})
        new_code = new_code.strip()
        if not new_code:
            raise ValidationError({"new_code": "请填写新项目的“项目编号”"})
        items.append({"code": new_code, **{k: item.get(k) for k in ITEM_FIELDS}, "local": True})
    try:
        spec = R.parse_checklist(data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    clean = R.checklist_to_data(spec)
    in_use = base is not None and checklist_in_use(base)
    what = "remove" if remove else ("edit" if code else "add")
    if base is not None and base.org_id == org.pk and not in_use:
        before: dict[str, Any] = {"number": base.number}
        base.data = clean
        base.full_clean()
        base.save(update_fields=["data"])
        row = base
    else:
        before = {"number": base.number if base else None, "in_use": in_use}
        number = Checklist.objects.filter(org=org).order_by("-number").values_list("number", flat=True).first() or 0
        row = Checklist(
            org=org,
            org_path=org.path,
            name=spec.name,
            number=number + 1,
            document=base.document if base is not None and base.org_id == org.pk else "",
            data=clean,
            created_by=user_or_none(actor),
        )
        row.full_clean()
        row.save()
    record(
        actor,
        "inspections.checklist_item_save",
        row,
        org_path=org.path,
        before=before,
        after={"number": row.number, "item": code or new_code, "change": what, "total": str(spec.total)},
    )
    return row


# ---------------------------------------------------------------- plans


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    org: Organization,
    name: str,
    document: str,
    starts_on: dt.date,
    ends_on: dt.date,
    scope: Organization | None = None,
    kinds: list[str] | None = None,
    sectors: list[str] | None = None,
    strata_by: str = Strata.NONE,
    sizes: dict[str, dict[str, Any]] | None = None,
    fixed_ids: list[int] | None = None,
    onsite: bool = False,
    exclude_inspected_months: int = 0,
    exclude_founded_months: int = 0,
    announced: bool = True,
    inspector_ids: list[int] | None = None,
    checklist: Checklist | None = None,
    replaces: Plan | None = None,
    reason: str = "",
) -> Plan:
    """A committee's inspection plan. A plan replacing another (a new draw) must give its reason."""
    require(actor, Action.MANAGE, org.path)
    scope = scope or org
    errors: dict[str, str] = {}
    if org.kind in (OrgKind.BRANCH, OrgKind.GROUP):
        errors["org"] = "检查计划由党委或党总支制定"
    if not name.strip():
        errors["name"] = "请填写“计划名称”"
    if not document.strip():
        errors["document"] = "请填写“依据文件”"
    if ends_on < starts_on:
        errors["ends_on"] = "“结束日期”不能早于“开始日期”"
    if not is_within(scope.path, [org.path]):
        errors["scope"] = "“检查范围”须在本组织之内"
    kinds = [k for k in (kinds or [OrgKind.BRANCH]) if k]
    if any(k not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH) for k in kinds):
        errors["kinds"] = "“组织类别”只能是党支部或党总支"
    if strata_by not in Strata.values:
        errors["strata_by"] = "“分层方式”无效"
    clean_sizes: dict[str, dict[str, Any]] = {}
    for key, raw in (sizes or {}).items():
        try:
            spec = R.SizeSpec.from_data(raw)
        except (TypeError, ValueError, ArithmeticError):
            errors["sizes"] = f"“{key}”的抽取数量无效"
            continue
        if (spec.count is not None and spec.count < 0) or (spec.share is not None and not 0 <= spec.share <= 1):
            errors["sizes"] = f"“{key}”的抽取数量无效（数量不能为负，比例在0到1之间）"
        clean_sizes[str(key)] = spec.to_data()
    if not clean_sizes and not fixed_ids:
        errors["sizes"] = "请填写抽取数量或指定检查的组织"
    fixed = sorted({int(i) for i in (fixed_ids or [])})
    if fixed:
        found = list(Organization.objects.filter(pk__in=fixed).values_list("pk", "path", "kind"))
        if len(found) != len(fixed) or any(not is_within(p, [scope.path]) or k not in kinds for _, p, k in found):
            errors["fixed_ids"] = "“指定检查的组织”须为检查范围内的党支部"
    if onsite and not fixed and not clean_sizes:
        errors["onsite"] = "现场抽取须填写抽取数量"
    inspectors = list(_users(inspector_ids or []))
    if not inspectors:
        errors["inspectors"] = "请指定至少一名“检查人员”"
    elif any(not can(u, Action.VIEW, scope.path) for u in inspectors):
        errors["inspectors"] = "“检查人员”须为有权查看检查范围的同志"
    if replaces is not None:
        if replaces.org_id != org.pk:
            errors["replaces"] = "只能替代本组织的计划"
        elif not hasattr(replaces, "draw"):
            errors["replaces"] = "被替代的计划尚未抽取，直接使用即可"
        if not reason.strip():
            errors["reason"] = "重新抽取须说明理由"
    if exclude_inspected_months > 60 or exclude_founded_months > 60:
        errors["exclude_inspected_months"] = "排除期限不能超过60个月"
    if errors:
        raise ValidationError(errors)
    checklist = checklist or latest_checklist(org)
    if checklist is None:
        default = R.default_checklist()
        checklist = Checklist.objects.create(
            org=org,
            org_path=org.path,
            name=default.name,
            number=1,
            data=R.checklist_to_data(default),
            document=R.CITE_LOCAL,
            created_by=user_or_none(actor),
        )
    elif not is_within(org.path, [checklist.org_path]):
        raise ValidationError({"checklist": "只能使用本组织或上级组织的检查细则"})
    plan = Plan(
        org=org,
        org_path=org.path,
        name=name.strip(),
        document=document.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope,
        scope_path=scope.path,
        kinds=kinds,
        sectors=[s for s in (sectors or []) if s],
        strata_by=strata_by,
        sizes=clean_sizes,
        fixed_ids=fixed,
        onsite=onsite,
        exclude_inspected_months=exclude_inspected_months,
        exclude_founded_months=exclude_founded_months,
        announced=announced and not onsite,
        checklist=checklist,
        replaces=replaces,
        reason=reason.strip(),
        created_by=user_or_none(actor),
    )
    plan.full_clean()
    plan.save()
    plan.inspectors.set(inspectors)
    if replaces is not None and replaces.status != PlanStatus.CANCELLED:
        replaces.status = PlanStatus.CANCELLED
        replaces.cancel_reason = f"由“{plan.name}”替代：{plan.reason}"
        replaces.save(update_fields=["status", "cancel_reason"])
    record(
        actor,
        "inspections.plan_create",
        plan,
        org_path=org.path,
        after={
            "scope": scope.path,
            "sizes": clean_sizes,
            "fixed": fixed,
            "onsite": onsite,
            "announced": plan.announced,
            "checklist": checklist.pk,
            "replaces": replaces.pk if replaces else None,
            "reason": plan.reason,
        },
    )
    return plan


def _users(ids: list[int]) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk__in=ids, is_active=True)


@transaction.atomic
def plan_draw(*, actor: Any, plan: Plan, now: dt.datetime | None = None) -> Draw:
    """Draw the plan's sample, once. Advance draws by the committee; on-site draws ("1 fixed + N
    random on the spot") by an inspector at the visit. The seed is generated now and stored with the
    pool snapshot, strata, sizes and algorithm version; warnings name capped strata and branches
    sampled again within the configured months."""
    require(actor, Action.VIEW, plan.org_path)
    if plan.onsite:
        _require_inspector(actor, plan)
    else:
        require(actor, Action.MANAGE, plan.org_path)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if Draw.objects.filter(plan=plan).exists():
        raise ValidationError(DRAW_FINAL)
    if plan.status == PlanStatus.CANCELLED:
        raise ValidationError("计划已取消，不能抽取")
    now = _now(now)
    today = timezone.localdate(now)
    strata, _excluded = pool_of(plan, today)
    fixed = [i for i in plan.fixed_ids]
    if not any(strata.values()) and not fixed:
        raise ValidationError("抽取范围内没有可抽取的组织（请检查范围、类别和排除条件）")
    labels = stratum_labels(plan.strata_by, list(strata))
    sizes: dict[str, int] = {}
    warnings: list[str] = []
    for key, ids in strata.items():
        raw = plan.sizes.get(key) or plan.sizes.get("*")
        if raw is None:
            sizes[key] = 0
            continue
        available = len([i for i in ids if i not in fixed])
        spec = R.SizeSpec.from_data(raw)
        sizes[key], _capped = R.sample_size(spec, available)
        warnings.extend(f.message_zh for f in R.size_findings(labels.get(key, key), spec, available))
    seed = secrets.token_hex(16)
    picked = R.derive(seed, strata, sizes, fixed)
    chosen = fixed + [i for _, i in picked]
    months = int(config.effective(plan.org_path, "inspections.resample_warning_months"))
    if months and chosen:
        since = months_before(today, months)
        again = list(
            Inspection.objects.filter(org_id__in=chosen, plan__draw__drawn_at__date__gte=since)
            .exclude(plan__status=PlanStatus.CANCELLED)
            .values_list("org__name", flat=True)
            .distinct()
        )
        if again:
            warnings.append(f"以下组织在{months}个月内已被检查：{'、'.join(sorted(again))}")
    draw = Draw(
        plan=plan,
        org_path=plan.org_path,
        algorithm=R.ALGORITHM,
        seed=seed,
        strata=strata,
        sizes=sizes,
        fixed=fixed,
        picked=[list(p) for p in picked],
        warnings=warnings,
        digest=R.seal(algorithm=R.ALGORITHM, seed=seed, strata=strata, sizes=sizes, fixed=fixed, picked=picked),
        drawn_at=now,
        drawn_by=user_or_none(actor),
    )
    draw.full_clean()
    draw.save()
    stratum_of = {i: k for k, i in picked}
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=chosen)}
    fixed_stratum = {i: k for k, ids in strata.items() for i in ids if i in set(fixed)}
    rows = [
        Inspection(
            plan=plan,
            org_id=i,
            org_path=orgs[i].path,
            year=plan.starts_on.year,
            stratum=stratum_of.get(i) or fixed_stratum.get(i, ""),
            fixed=i in fixed,
        )
        for i in chosen
    ]
    Inspection.objects.bulk_create(rows)
    plan.status = PlanStatus.DRAWN
    plan.save(update_fields=["status"])
    _prefill(plan, list(Inspection.objects.filter(plan=plan).select_related("org")), today)
    record(
        actor,
        "inspections.plan_draw",
        plan,
        org_path=plan.org_path,
        after={
            "seed": seed,
            "algorithm": R.ALGORITHM,
            "pool": sum(len(v) for v in strata.values()),
            "fixed": fixed,
            "picked": [i for _, i in picked],
            "digest": draw.digest,
            "warnings": warnings,
        },
    )
    return draw


@transaction.atomic
def plan_cancel(*, actor: Any, plan: Plan, reason: str) -> Plan:
    """Cancel a plan; its draw (if any) is kept as it was."""
    require(actor, Action.MANAGE, plan.org_path)
    if not reason.strip():
        raise ValidationError({"reason": "请填写取消理由"})
    if plan.status == PlanStatus.CANCELLED:
        raise ValidationError("计划已取消")
    plan.status = PlanStatus.CANCELLED
    plan.cancel_reason = reason.strip()
    plan.save(update_fields=["status", "cancel_reason"])
    record(actor, "inspections.plan_cancel", plan, org_path=plan.org_path, after={"reason": plan.cancel_reason})
    return plan


# ---------------------------------------------------------------- 系统核验 (prefill)


ITEM_COLUMNS = (
    "inspection_id", "code", "system_deduction", "system_detail", "system_link", "self_deduction", "deduction",
    "vetoed", "note", "scored_by_id", "scored_at", "photo",
)  # fmt: skip


def _prefill(plan: Plan, inspections: list[Inspection], today: dt.date) -> int:
    """Write the record-judged part of every item of `inspections` with a fixed number of queries:
    the probes, one read of the existing rows, one delete and one insert of the rows whose system
    result changed (keeping the inspectors' and the branch's entries), one batched update of totals."""
    spec = R.parse_checklist(plan.checklist.data)
    items = spec.items()
    todo = [i for i in inspections if i.status != InspectionStatus.FINISHED]
    if not todo:
        return 0
    probes = probe_branches([i.org for i in todo], plan.starts_on.year, today)
    existing = {(s.inspection_id, s.code): s for s in ItemScore.objects.filter(inspection__in=[i.pk for i in todo])}
    write: list[ItemScore] = []
    stale: list[int] = []
    rows_of: dict[int, list[ItemScore]] = {}
    for insp in todo:
        got = probes.get(insp.org_id, {})
        mine = rows_of.setdefault(insp.pk, [])
        for item in items:
            row = existing.get((insp.pk, item.code))
            fresh = row is None
            if row is None:
                row = ItemScore(inspection_id=insp.pk, code=item.code)
            before = (row.system_deduction, row.system_detail, row.system_link)
            if item.source and item.source in got:
                p = got[item.source]
                row.system_deduction = R.system_deduction(item, p.missing) if p.applicable else Decimal(0)
                row.system_detail = p.detail[:300]
                row.system_link = p.link
            if fresh:
                write.append(row)
            elif before != (row.system_deduction, row.system_detail, row.system_link):
                stale.append(row.pk)
                row.pk = None
                write.append(row)
            mine.append(row)
    if stale:
        ItemScore.objects.filter(pk__in=stale).delete()
    insert_rows(
        ItemScore,
        ITEM_COLUMNS,
        [tuple(r.photo.name or "" if c == "photo" else getattr(r, c) for c in ITEM_COLUMNS) for r in write],
    )
    now = timezone.now()
    totals = []
    for insp in todo:
        _totals(insp, spec, rows_of[insp.pk])
        totals.append((insp.total, insp.vetoed, insp.self_total, now, insp.pk))
    table = connection.ops.quote_name(Inspection._meta.db_table)
    with connection.cursor() as cur:
        cur.executemany(
            f"UPDATE {table} SET total = %s, vetoed = %s, self_total = %s, prefilled_at = %s WHERE id = %s",  # noqa: S608
            totals,
        )
    return len(todo)


def _totals(insp: Inspection, spec: R.ChecklistSpec, rows: list[ItemScore]) -> None:
    """The visit's official and self-assessed totals from its item rows (no query)."""
    official = {r.code: (r.deduction if r.deduction is not None else r.system_deduction) for r in rows}
    selfs = {r.code: (r.self_deduction if r.self_deduction is not None else r.system_deduction) for r in rows}
    vetoes = [r.code for r in rows if r.vetoed]
    insp.total = R.total_score(spec, official, vetoes).total
    insp.vetoed = bool(vetoes)
    has_self = any(r.self_deduction is not None for r in rows)
    insp.self_total = R.total_score(spec, selfs).total if has_self else None


def _retotal(insp: Inspection, spec: R.ChecklistSpec | None = None) -> None:
    spec = spec or R.parse_checklist(insp.plan.checklist.data)
    _totals(insp, spec, list(ItemScore.objects.filter(inspection=insp)))
    Inspection.objects.filter(pk=insp.pk).update(total=insp.total, vetoed=insp.vetoed, self_total=insp.self_total)


@transaction.atomic
def inspection_prefill(*, actor: Any, plan: Plan, today: dt.date | None = None) -> int:
    """Re-read the records for every unfinished visit of the plan (系统核验 again)."""
    require(actor, Action.MANAGE, plan.org_path)
    n = _prefill(plan, list(plan.inspections.select_related("org")), today or timezone.localdate())
    record(actor, "inspections.prefill", plan, org_path=plan.org_path, after={"inspections": n})
    return n


# ---------------------------------------------------------------- the visit


def _in_draw(insp: Inspection) -> None:
    """Refuse a visit whose branch is not in its plan's sealed draw (scoring a branch not drawn)."""
    draw = Draw.objects.filter(plan_id=insp.plan_id).first()
    if draw is None or (insp.org_id not in draw.fixed and insp.org_id not in {i for _, i in draw.picked}):
        raise ValidationError("该组织不在本计划的抽取结果中，不能评分")


@transaction.atomic
def inspection_start(*, actor: Any, inspection: Inspection, now: dt.datetime | None = None) -> Inspection:
    """Start the visit: its time is recorded, an unannounced plan becomes visible to the branch, and
    the records are read again."""
    require(actor, Action.VIEW, inspection.org_path)
    plan = inspection.plan
    _require_inspector(actor, plan)
    _in_draw(inspection)
    if plan.status == PlanStatus.CANCELLED:
        raise ValidationError("计划已取消")
    if inspection.started_at is not None:
        raise ValidationError("检查已开始")
    now = _now(now)
    inspection.started_at = now
    inspection.status = InspectionStatus.STARTED
    inspection.save(update_fields=["started_at", "status"])
    _prefill(plan, [inspection], timezone.localdate(now))
    record(actor, "inspections.start", inspection, org_path=inspection.org_path, after={"started_at": now})
    return inspection


@transaction.atomic
def item_score(
    *,
    actor: Any,
    inspection: Inspection,
    code: str,
    deduction: Decimal,
    note: str = "",
    vetoed: bool = False,
    photo: IO[bytes] | None = None,
    now: dt.datetime | None = None,
) -> ItemScore:
    """Score one item on site: a deduction (capped at the item's maximum, score never below 0) with a
    note; a veto item may be marked applied. Only the plan's inspectors, only during the visit."""
    require(actor, Action.VIEW, inspection.org_path)
    _require_inspector(actor, inspection.plan)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)  # one scorer at a time: totals
    _in_draw(inspection)
    if inspection.status != InspectionStatus.STARTED:
        raise ValidationError("请先点击“开始检查”" if inspection.started_at is None else "检查已结束，不能再评分")
    spec = R.parse_checklist(inspection.plan.checklist.data)
    item = spec.item(code)
    if item is None:
        raise ValidationError({"code": "检查项目不存在"})
    errors = [f for f in R.deduction_findings(item, deduction) if f.severity == "error"]
    if errors:
        raise ValidationError({"deduction": errors[0].message_zh})
    if vetoed and not item.veto:
        raise ValidationError({"vetoed": f"“{item.title}”不是否决项"})
    if deduction > 0 and not note.strip() and not vetoed:
        raise ValidationError({"note": f"“{item.title}”扣分须写明扣分说明"})
    content = b""
    if photo is not None:
        try:
            check_image(photo, PHOTO_MAX_BYTES)
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages}) from exc
        photo.seek(0)
        content = photo.read()
    row, _ = ItemScore.objects.get_or_create(inspection=inspection, code=code)
    row.deduction = R.q1(min(deduction, item.max_loss))
    row.note = note.strip()[:300]
    row.vetoed = vetoed
    row.scored_by = user_or_none(actor)
    row.scored_at = _now(now)
    if content:
        suffix = "png" if content.startswith(PNG_MAGIC) else "jpg"
        row.photo.save(f"photo.{suffix}", ContentFile(content), save=False)
    row.full_clean()
    row.save()
    _retotal(inspection, spec)
    record(
        actor,
        "inspections.item_score",
        inspection,
        org_path=inspection.org_path,
        after={
            "code": code,
            "deduction": row.deduction,
            "vetoed": vetoed,
            "total": inspection.total,
            "photo": bool(content),
        },
    )
    return row


@transaction.atomic
def inspection_self_score(*, actor: Any, inspection: Inspection, deductions: dict[str, Decimal]) -> Inspection:
    """The branch's self-score (自查分) before the visit of an announced plan."""
    require(actor, Action.MANAGE, inspection.org_path)
    plan = inspection.plan
    if not plan.announced:
        raise ValidationError("本次检查不事先通知，不需要自查打分")
    if inspection.started_at is not None:
        raise ValidationError("检查已开始，不能再修改自查分")
    spec = R.parse_checklist(plan.checklist.data)
    rows = {r.code: r for r in ItemScore.objects.filter(inspection=inspection)}
    errors: dict[str, str] = {}
    for code, d in deductions.items():
        item = spec.item(code)
        if item is None:
            errors["deductions"] = f"检查项目“{code}”不存在"
        elif d < 0:
            errors["deductions"] = f"“{item.title}”自查扣分不能为负数"
    if errors:
        raise ValidationError(errors)
    for code, d in deductions.items():
        item = spec.item(code)
        assert item is not None
        row = rows.get(code) or ItemScore(inspection=inspection, code=code)
        row.self_deduction = R.q1(min(d, item.max_loss))
        row.save()
    _retotal(inspection, spec)
    record(
        actor,
        "inspections.self_score",
        inspection,
        org_path=inspection.org_path,
        after={"self_total": inspection.self_total},
    )
    return inspection


@transaction.atomic
def inspection_finish(*, actor: Any, inspection: Inspection, now: dt.datetime | None = None) -> Inspection:
    """End the visit: the end time and the score are recorded."""
    require(actor, Action.VIEW, inspection.org_path)
    _require_inspector(actor, inspection.plan)
    if inspection.status != InspectionStatus.STARTED:
        raise ValidationError("检查尚未开始或已结束")
    _retotal(inspection)
    inspection.finished_at = _now(now)
    inspection.status = InspectionStatus.FINISHED
    inspection.save(update_fields=["finished_at", "status"])
    plan = inspection.plan
    if not plan.inspections.exclude(status=InspectionStatus.FINISHED).exists():
        Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.CLOSED)
    record(
        actor,
        "inspections.finish",
        inspection,
        org_path=inspection.org_path,
        after={"total": inspection.total, "vetoed": inspection.vetoed, "finished_at": inspection.finished_at},
    )
    return inspection


# ---------------------------------------------------------------- findings and rectification


@transaction.atomic
def finding_raise(
    *,
    actor: Any,
    inspection: Inspection,
    problem: str,
    measure: str,
    owner_id: int,
    item_code: str = "",
    working_days: int | None = None,
    today: dt.date | None = None,
) -> Finding:
    """Raise a finding at a visit: the branch's owner (a person holding a role there), the measure
    asked and the deadline in working days (default: the committee's setting)."""
    require(actor, Action.VIEW, inspection.org_path)
    _require_inspector(actor, inspection.plan)
    if inspection.started_at is None:
        raise ValidationError("请先开始检查")
    errors: dict[str, str] = {}
    if not problem.strip():
        errors["problem"] = "请填写“问题”"
    if not measure.strip():
        errors["measure"] = "请填写“整改措施”"
    spec = R.parse_checklist(inspection.plan.checklist.data)
    if item_code and spec.item(item_code) is None:
        errors["item_code"] = "“检查项目”不存在"
    owner = _users([owner_id]).first()
    if owner is None or not can(owner, Action.MANAGE, inspection.org_path):
        errors["owner"] = "“整改责任人”须为被检查组织的书记、委员或联络员"
    days = working_days if working_days is not None else rectify_days(inspection.plan.org_path)
    if not 1 <= days <= 250:
        errors["working_days"] = "“整改期限”应为1至250个工作日"
    if errors:
        raise ValidationError(errors)
    today = today or timezone.localdate()
    finding = Finding(
        inspection=inspection,
        org_id=inspection.org_id,
        org_path=inspection.org_path,
        item_code=item_code,
        problem=problem.strip(),
        measure=measure.strip(),
        owner=owner,
        deadline=calendar.add_working_days(today, days),
        raised_by=user_or_none(actor),
    )
    finding.full_clean()
    finding.save()
    notify.send(
        [owner],
        key=f"inspections.finding.{finding.pk}",
        title=f"检查发现问题，请于{finding.deadline:%m月%d日}前整改",
        body=finding.problem,
        link=reverse("inspections:finding", args=[finding.pk]),
    )
    record(
        actor,
        "inspections.finding_raise",
        finding,
        org_path=finding.org_path,
        after={"owner": owner_id, "deadline": finding.deadline, "item": item_code},
    )
    return finding


@transaction.atomic
def finding_submit(*, actor: Any, finding: Finding, outcome: str, now: dt.datetime | None = None) -> Finding:
    """The branch reports the rectification done (整改情况), for someone else to verify."""
    require(actor, Action.MANAGE, finding.org_path)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)  # a stale page cannot move it twice
    if finding.status != FindingStatus.OPEN:
        raise ValidationError("该问题不在整改中")
    if not outcome.strip():
        raise ValidationError({"outcome": "请填写“整改情况”"})
    finding.status = FindingStatus.SUBMITTED
    finding.outcome = outcome.strip()[:500]
    finding.submitted_by = user_or_none(actor)
    finding.submitted_at = _now(now)
    finding.version += 1
    finding.save(update_fields=["status", "outcome", "submitted_by", "submitted_at", "version"])
    record(actor, "inspections.finding_submit", finding, org_path=finding.org_path, after={"outcome": finding.outcome})
    return finding


@transaction.atomic
def finding_verify(
    *, actor: Any, finding: Finding, approve: bool = True, comment: str = "", now: dt.datetime | None = None
) -> Finding:
    """Verify a submitted rectification (对单): approved → verified; not → back to 整改中. The owner
    and the submitter never verify their own."""
    require(actor, Action.APPROVE, finding.org_path)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)  # a stale page cannot move it twice
    require_four_eyes(actor, finding.owner_id, finding.submitted_by_id)
    if finding.status != FindingStatus.SUBMITTED:
        raise ValidationError("该问题尚未提交整改情况")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "退回须说明理由"})
    if approve:
        finding.status = FindingStatus.VERIFIED
        finding.verified_by = user_or_none(actor)
        finding.verified_at = _now(now)
    else:
        finding.status = FindingStatus.OPEN
        finding.outcome = f"{finding.outcome}\n[退回] {comment.strip()}"[:500]
    finding.version += 1
    finding.save(update_fields=["status", "verified_by", "verified_at", "outcome", "version"])
    record(
        actor, "inspections.finding_verify", finding, org_path=finding.org_path,
        after={"approve": approve, "comment": comment.strip()},
    )  # fmt: skip
    return finding


@transaction.atomic
def finding_close(*, actor: Any, finding: Finding, now: dt.datetime | None = None) -> Finding:
    """Close (销号) a verified finding; never by its owner."""
    require(actor, Action.APPROVE, finding.org_path)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)  # a stale page cannot move it twice
    require_four_eyes(actor, finding.owner_id)
    if finding.status != FindingStatus.VERIFIED:
        raise ValidationError("该问题尚未核实，不能销号")
    finding.status = FindingStatus.CLOSED
    finding.closed_by = user_or_none(actor)
    finding.closed_at = _now(now)
    finding.version += 1
    finding.save(update_fields=["status", "closed_by", "closed_at", "version"])
    record(
        actor, "inspections.finding_close", finding, org_path=finding.org_path, after={"closed_at": finding.closed_at}
    )
    return finding


# ---------------------------------------------------------------- the periodic sweep


@transaction.atomic
def sweep(*, actor: Any, today: dt.date) -> dict[str, int]:
    """Remind owners of findings due within three working days; escalate (督办) overdue ones to the
    inspecting committee's secretaries and administrators, once. Idempotent (notice keys)."""
    require(actor, Action.VIEW, PLATFORM, SWEEP_ONLY)
    soon = calendar.add_working_days(today, REMIND_WORKING_DAYS)
    due = list(
        Finding.objects.filter(status=FindingStatus.OPEN, deadline__gte=today, deadline__lte=soon).values_list(
            "pk", "owner_id", "deadline", "problem"
        )
    )
    messages = [
        notify.Message(
            owner, f"inspections.remind.{pk}.{deadline:%Y%m%d}", f"整改将于{deadline:%m月%d日}到期", problem,
            reverse("inspections:finding", args=[pk]),
        )
        for pk, owner, deadline, problem in due
    ]  # fmt: skip
    overdue = list(
        Finding.objects.filter(status=FindingStatus.OPEN, deadline__lt=today, escalated_on__isnull=True).values_list(
            "pk", "inspection__plan__org_id", "org__name", "problem", "owner_id"
        )
    )
    if overdue:
        by_org: dict[int, list[int]] = {}
        for org_id, user_id in holders(
            [Role.SECRETARY, Role.ORG_ADMIN], org_ids={o for _, o, *_r in overdue}
        ).values_list("org_id", "user_id"):
            by_org.setdefault(org_id, []).append(user_id)
        for pk, org_id, name, problem, owner in overdue:
            link = reverse("inspections:finding", args=[pk])
            for uid in [*by_org.get(org_id, []), owner]:
                messages.append(
                    notify.Message(uid, f"inspections.escalate.{pk}", f"督办：{name}整改逾期", problem, link)
                )
        Finding.objects.filter(pk__in=[o[0] for o in overdue]).update(escalated_on=today)
    sent = notify.send_many(messages)
    record(actor, "inspections.sweep", None, org_path=PLATFORM, after={"reminded": len(due), "escalated": len(overdue)})
    return {"reminded": len(due), "escalated": len(overdue), "sent": sent}
