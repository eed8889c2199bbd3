"""Inspections pages: thin views that parse input, call one service or selector, and render.

Scores are shown per branch in organization order; no page ranks branches (国办函〔2026〕12号)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holders
from dangjian.core.files import file_response
from dangjian.core.paths import ancestor_paths, subtree_q
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import errors_to_form, flash_errors, run_form_service, run_service
from dangjian.orgs.models import Organization, OrgKind

from . import exports, selectors, services
from . import rules as R
from .forms import CancelForm, ChecklistItemForm, FindingForm, OutcomeForm, PlanForm, ScoreForm, VerifyForm
from .models import FindingStatus, InspectionStatus, PlanStatus

LABELS = {
    "deduction": "扣分",
    "note": "扣分说明",
    "vetoed": "一票否决",
    "code": "检查项目",
    "outcome": "整改情况",
    "comment": "意见",
    "reason": "理由",
    "problem": "问题",
    "measure": "整改措施",
    "owner": "整改责任人",
    "working_days": "整改期限",
    "deductions": "自查分",
}


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else selectors.this_year()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "inspections/home.html", {"h": selectors.home(request.user)})


# ---------------------------------------------------------------- plans


def _plan_form(request: HttpRequest, org: Organization) -> PlanForm:
    scopes = list(
        Organization.objects.filter(subtree_q("path", org.path))
        .exclude(kind__in=[OrgKind.BRANCH, OrgKind.GROUP])
        .order_by("path")
        .values_list("pk", "name")[:200]
    )
    branches = list(
        Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.BRANCH)
        .order_by("path")
        .values_list("pk", "name")[:500]
    )
    people = sorted(
        set(
            holders([Role.ORG_ADMIN, Role.SECRETARY, Role.LIAISON], org_paths=ancestor_paths(org.path)).values_list(
                "user_id", "user__name"
            )
        ),
        key=lambda r: r[1],
    )
    if request.method == "POST":
        return PlanForm(request.POST, scopes=scopes, branches=branches, inspectors=people)
    today = timezone.localdate()
    initial = {
        "starts_on": today,
        "ends_on": today,
        "scope": org.pk,
        "inspectors": [request.user.pk],
        "announced": True,
        "exclude_inspected_months": 0,
        "exclude_founded_months": 0,
        "minimum": 1,
    }
    return PlanForm(initial=initial, scopes=scopes, branches=branches, inspectors=people)


@login_required
def plan_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk, Action.MANAGE)
    form = _plan_form(request, org)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=request.user,
                org=org,
                name=d["name"],
                document=d["document"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                scope=selectors.get_committee_for_user(request.user, d["scope"], Action.MANAGE),
                sectors=d["sectors"],
                strata_by=d["strata_by"],
                sizes=form.sizes(),
                fixed_ids=d["fixed"],
                onsite=d["onsite"],
                announced=d["announced"],
                exclude_inspected_months=d["exclude_inspected_months"],
                exclude_founded_months=d["exclude_founded_months"],
                inspector_ids=d["inspectors"],
                reason=d["reason"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "检查计划已创建")
            return redirect("inspections:plan", plan.pk)
    return render(request, "inspections/plan_new.html", {"org": org, "form": form})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    return render(
        request,
        "inspections/plan.html",
        {
            "v": selectors.plan_view(plan),
            "can_manage": can(request.user, Action.MANAGE, plan.org_path),
            "is_inspector": services.is_inspector(request.user, plan),
            "cancel_form": CancelForm(),
        },
    )


@login_required
@require_POST
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk)
    try:
        draw = services.plan_draw(actor=request.user, plan=plan)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, f"已抽取 {len(draw.fixed) + len(draw.picked)} 个组织")
        for w in draw.warnings:
            messages.warning(request, w)
    return redirect("inspections:plan", plan.pk)


@login_required
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk, Action.MANAGE)
    form = CancelForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.plan_cancel(actor=request.user, plan=plan, reason=d["reason"]),
        "计划已取消，抽取记录保留",
        LABELS,
    )
    return redirect("inspections:plan", plan.pk)


@login_required
@require_POST
def plan_prefill(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk, Action.MANAGE)
    n = services.inspection_prefill(actor=request.user, plan=plan)
    messages.success(request, f"已重新核验 {n} 个组织的台账")
    return redirect("inspections:plan", plan.pk)


@login_required
def rectification_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.get_plan_for_user(request.user, pk, Action.MANAGE)
    return exports.rectification_xlsx(request.user, plan)


# ---------------------------------------------------------------- the visit


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    s = selectors.sheet(insp)
    inspector = services.is_inspector(request.user, insp.plan)
    items = [(i.item.code, i.item.title) for c in s.categories for i in c.items]
    finding_form = FindingForm(
        items=items,
        owners=selectors.owner_choices(insp) if inspector else [],
        initial={"working_days": services.rectify_days(insp.plan.org_path)},
    )
    return render(
        request,
        "inspections/inspection.html",
        {
            "s": s,
            "i": insp,
            "inspector": inspector and insp.plan.status != PlanStatus.CANCELLED,
            "scoring": inspector and insp.status == InspectionStatus.STARTED,
            "can_self_score": insp.plan.announced
            and insp.started_at is None
            and can(request.user, Action.MANAGE, insp.org_path),
            "finding_form": finding_form,
        },
    )


@login_required
@require_POST
def inspection_start(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    run_service(
        request,
        lambda: services.inspection_start(actor=request.user, inspection=insp),
        "检查已开始，已按台账完成系统核验",
    )
    return redirect("inspections:inspection", insp.pk)


@login_required
@require_POST
def inspection_score(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    form = ScoreForm(request.POST, request.FILES)
    run_form_service(
        request,
        form,
        lambda d: services.item_score(
            actor=request.user,
            inspection=insp,
            code=d["code"],
            deduction=d["deduction"],
            note=d["note"],
            vetoed=d["vetoed"],
            photo=d["photo"],
        ),
        lambda row: f"已保存：扣 {row.deduction} 分",
        LABELS,
    )
    anchor = f"#item-{form.cleaned_data['code']}" if form.is_valid() else ""
    return redirect(reverse("inspections:inspection", args=[insp.pk]) + anchor)


@login_required
@require_POST
def inspection_self_score(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk, Action.MANAGE)
    deductions = {}
    bad = []
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("self_") and value.strip():
            try:
                deductions[key.removeprefix("self_")] = Decimal(value.strip())
            except ArithmeticError:
                bad.append(key.removeprefix("self_"))
    if bad:
        messages.error(request, f"自查扣分须为数字（{'、'.join(bad)}）")
    else:
        run_service(
            request,
            lambda: services.inspection_self_score(actor=request.user, inspection=insp, deductions=deductions),
            "自查分已保存",
            LABELS,
        )
    return redirect("inspections:inspection", insp.pk)


@login_required
@require_POST
def inspection_finish(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    run_service(
        request,
        lambda: services.inspection_finish(actor=request.user, inspection=insp),
        lambda _: f"检查已结束，考核分 {insp.total}",  # the total the service has just derived
    )
    return redirect("inspections:inspection", insp.pk)


@login_required
def item_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    row = selectors.get_item_photo_for_user(request.user, pk)
    return file_response(row.photo, filename=f"现场照片-{row.inspection_id}-{row.code}{Path(row.photo.name).suffix}")


@login_required
def sheet_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    return exports.sheet_xlsx(selectors.sheet(insp))


@login_required
def sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    return exports.sheet_pdf(request, selectors.sheet(insp))


# ---------------------------------------------------------------- findings


@login_required
@require_POST
def finding_raise(request: HttpRequest, pk: int) -> HttpResponse:
    insp = selectors.get_inspection_for_user(request.user, pk)
    if not services.is_inspector(request.user, insp.plan):
        raise PermissionDenied(services.NOT_INSPECTOR)
    spec = R.parse_checklist(insp.plan.checklist.data)
    form = FindingForm(
        request.POST,
        items=[(i.code, i.title) for i in spec.items()],
        owners=selectors.owner_choices(insp),
    )
    run_form_service(
        request,
        form,
        lambda d: services.finding_raise(
            actor=request.user,
            inspection=insp,
            item_code=d["item_code"],
            problem=d["problem"],
            measure=d["measure"],
            owner_id=d["owner"],
            working_days=d["working_days"],
        ),
        lambda f: f"问题已列入整改清单，整改时限 {f.deadline:%Y-%m-%d}",
        LABELS,
    )
    return redirect(reverse("inspections:inspection", args=[insp.pk]) + "#findings")


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    f = selectors.get_finding_for_user(request.user, pk)
    uid = request.user.pk
    return render(
        request,
        "inspections/finding.html",
        {
            "f": f,
            "can_submit": f.status == FindingStatus.OPEN and can(request.user, Action.MANAGE, f.org_path),
            "can_verify": f.status == FindingStatus.SUBMITTED
            and can(request.user, Action.APPROVE, f.org_path)
            and uid not in (f.owner_id, f.submitted_by_id),
            "can_close": f.status == FindingStatus.VERIFIED
            and can(request.user, Action.APPROVE, f.org_path)
            and uid != f.owner_id,
            "outcome_form": OutcomeForm(),
            "verify_form": VerifyForm(),
        },
    )


@login_required
@require_POST
def finding_submit(request: HttpRequest, pk: int) -> HttpResponse:
    f = selectors.get_finding_for_user(request.user, pk, Action.MANAGE)
    form = OutcomeForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.finding_submit(actor=request.user, finding=f, outcome=d["outcome"]),
        "整改情况已提交，等待核实",
        LABELS,
    )
    return redirect("inspections:finding", f.pk)


@login_required
@require_POST
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    f = selectors.get_finding_for_user(request.user, pk, Action.APPROVE)
    form = VerifyForm(request.POST)
    approve = form.is_valid() and form.cleaned_data["approve"]
    run_form_service(
        request,
        form,
        lambda d: services.finding_verify(actor=request.user, finding=f, approve=d["approve"], comment=d["comment"]),
        "已核实" if approve else "已退回重改",
        LABELS,
    )
    return redirect("inspections:finding", f.pk)


@login_required
@require_POST
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    f = selectors.get_finding_for_user(request.user, pk, Action.APPROVE)
    run_service(request, lambda: services.finding_close(actor=request.user, finding=f), "已销号")
    return redirect("inspections:finding", f.pk)


# ---------------------------------------------------------------- committee views


@login_required
def overview(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk)
    year = _year(request)
    return render(request, "inspections/overview.html", {"o": selectors.overview(org, year), "year": year})


@login_required
def findings_board(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk)
    return render(request, "inspections/findings.html", {"b": selectors.findings_board(org, timezone.localdate())})


@login_required
def checklist(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk)
    row = services.latest_checklist(org)
    spec = R.parse_checklist(row.data) if row else R.default_checklist()
    return render(
        request,
        "inspections/checklist.html",
        {
            "org": org,
            "row": row,
            "spec": spec,
            "can_adopt": can(request.user, Action.ADMIN, org.path),
        },
    )


@login_required
@require_POST
def checklist_adopt(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Save the shipped default (or the one in force above) as this committee's own next version."""
    org = selectors.get_committee_for_user(request.user, org_pk, Action.ADMIN)
    row = services.latest_checklist(org)
    data = row.data if row else R.checklist_to_data(R.default_checklist())
    run_service(
        request,
        lambda: services.checklist_save(
            actor=request.user, org=org, data=data, document=request.POST.get("document", "")
        ),
        lambda saved: f"已保存为本组织第{saved.number}版检查细则",
    )
    return redirect("inspections:checklist", org.pk)


# ---------------------------------------------------------------- checklist item editor


def _item_initial(spec: R.ChecklistSpec, code: str) -> dict[str, object]:
    item = spec.item(code) if code else None
    if item is None:
        return {"per_unit": 0, "method": "records"}
    return {
        "code": item.code,
        "title": item.title,
        "content": item.content,
        "scoring": item.scoring,
        "standard": item.standard,
        "per_unit": item.per_unit,
        "cap": item.cap,
        "veto": item.veto,
        "method": item.method,
        "evidence": item.evidence,
    }


@login_required
def checklist_item(request: HttpRequest, org_pk: int) -> HttpResponse:
    """Edit one item (`?code=`) or add one to a category (`?category=`): a committee admin's page."""
    org = selectors.get_committee_for_user(request.user, org_pk, Action.ADMIN)
    row = services.latest_checklist(org)
    spec = R.parse_checklist(row.data) if row else R.default_checklist()
    code = request.GET.get("code", "")
    category = next((c for c in spec.categories if any(i.code == code for i in c.items)), None)
    if category is None:  # adding: to the category asked for, else the first
        wanted = request.GET.get("category", "")
        category = next((c for c in spec.categories if c.code == wanted), spec.categories[0])
        code = ""
    initial = {**_item_initial(spec, code), "based_on": selectors.checklist_token(row), "category": category.code}
    in_use = row is not None and selectors.checklist_in_use(row)
    return render(
        request,
        "inspections/checklist_item.html",
        {
            "org": org,
            "row": row,
            "category": category,
            "code": code,
            "form": ChecklistItemForm(initial=initial),
            "new_version": row is None or row.org_id != org.pk or in_use,
        },
    )


@login_required
@require_POST
def checklist_item_save(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk, Action.ADMIN)
    form = ChecklistItemForm(request.POST)
    remove = request.POST.get("remove") == "1"
    if remove:  # removing needs no item fields
        form = ChecklistItemForm({**request.POST.dict(), "title": "-", "standard": "0", "method": "records"})

    def call(d: dict[str, Any]) -> object:
        return services.checklist_item_save(
            actor=request.user,
            org=org,
            based_on=d["based_on"],
            category=d["category"],
            code=d["code"],
            new_code=d["new_code"],
            item=form.item(),
            remove=remove,
        )

    done = "项目已删除" if remove else "检查细则已保存"
    if run_form_service(request, form, call, done, ITEM_LABELS):
        return redirect("inspections:checklist", org.pk)
    back = reverse("inspections:checklist_item", args=[org.pk])
    key = "code" if request.POST.get("code") else "category"
    return redirect(f"{back}?{key}={quote(request.POST.get(key, ''))}")


ITEM_LABELS = {
    "title": "考核项目",
    "new_code": "项目编号",
    "code": "项目",
    "category": "类别",
    "standard": "标准分",
    "org": "组织",
}
