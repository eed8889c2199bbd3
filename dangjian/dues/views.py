"""Dues pages: thin views that parse input, call one service or selector, and render."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from dangjian.core.registry import reverse_key
from dangjian.core.replicas import replica_reads
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import PkUrl, error_messages, flash_errors, run_service
from dangjian.orgs.models import Organization

from . import exports, selectors, services
from .forms import BaseForm, ExemptionForm, PaymentForm, QuickPaymentForm, month_choices
from .rules import FROM_MEMBER_CATEGORY, excluded_items, fen_to_yuan, month_label, parse_month


def _month_param(request: HttpRequest) -> dt.date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    if not raw:
        return selectors.current_month()
    month = parse_month(raw)
    if month is None:
        raise Http404("月份格式应为“年-月”")
    return month


@login_required
def index(request: HttpRequest) -> HttpResponse:
    data = selectors.dues_index(request.user)
    return render(request, "dues/index.html", {"data": data, "month": selectors.current_month()})


# ---------------------------------------------------------------------------------------------
# A member's dues


def _ledger_page(request: HttpRequest, member: Any, template: str) -> HttpResponse:
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() and 2000 <= int(year_raw) <= 2100 else timezone.localdate().year
    ledger = selectors.member_ledger(member, year)
    return render(
        request,
        template,
        {
            "ledger": ledger,
            "member": member,
            "own": member.user_id == request.user.pk,
            "can_manage": can(request.user, Action.MANAGE, member.org_path),
            "disclosures": selectors.disclosures_for_member(member),
            "year": year,
        },
    )


@login_required
def my(request: HttpRequest) -> HttpResponse:
    member = selectors.own_member(request.user)
    if member is None:
        return render(request, "dues/no_member.html")
    return _ledger_page(request, member, "dues/ledger.html")


@login_required
def my_card(request: HttpRequest) -> HttpResponse:
    member = selectors.own_member(request.user)
    if member is None:
        return render(request, "dues/no_member.html")
    return _ledger_page(request, member, "dues/card.html")


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    return _ledger_page(request, selectors.get_member_for_dues(request.user, pk, Action.VIEW), "dues/ledger.html")


@login_required
def member_card(request: HttpRequest, pk: int) -> HttpResponse:
    return _ledger_page(request, selectors.get_member_for_dues(request.user, pk, Action.VIEW), "dues/card.html")


@login_required
def base_set(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_dues(request.user, pk, Action.MANAGE)

    form = BaseForm(
        request.POST or None,
        initial={"year": timezone.localdate().year, "category": FROM_MEMBER_CATEGORY.get(member.category)},
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.dues_base_set(
                actor=request.user,
                member=member,
                year=d["year"],
                category=d["category"],
                monthly_base_fen=d["monthly_base"],
                items=form.items() or None,
                effective_from=d["effective_from"],
                reason=d["reason"] or "",
            )
        except ValidationError as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, f"已核定{member.name}的党费基数")
            return redirect("dues:member", member.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "dues/base_form.html",
        {"form": form, "member": member, "errors": errors, "excluded": excluded_items()},
        status=status,
    )


@login_required
def exemption_apply(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_dues(request.user, pk, Action.VIEW)
    form = ExemptionForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.dues_exemption_apply(
                actor=request.user,
                member=member,
                kind=d["kind"],
                reduced_fen=d["reduced"] or 0,
                start_month=d["start_month"],
                end_month=d["end_month"],
                reason=d["reason"],
                application=d["application"],
                branch_discussed_on=d["branch_discussed_on"],
            )
        except ValidationError as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, "减免申请已提交，待上一级党委批准")
            return redirect(
                "dues:my" if member.user_id == request.user.pk else "dues:member",
                *([] if member.user_id == request.user.pk else [member.pk]),
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "dues/exemption_form.html", {"form": form, "member": member, "errors": errors}, status=status
    )


@login_required
@require_POST
def exemption_decide(request: HttpRequest, pk: int) -> HttpResponse:
    ex = selectors.get_exemption_for_decision(request.user, pk)
    version = request.POST.get("version", "")
    run_service(
        request,
        lambda: services.dues_exemption_decide(
            actor=request.user,
            exemption=ex,
            approve=request.POST.get("decision") == "approve",
            version=int(version) if version.isdigit() else -1,
            note=request.POST.get("note", ""),
        ),
        "已处理减免申请",
    )
    return redirect("dues:index")


# ---------------------------------------------------------------------------------------------
# The branch on the party day


@login_required
def sheet(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_user(request.user, org_pk, Action.MANAGE)
    month = _month_param(request)
    data = selectors.collection_sheet(org, month)
    return render(
        request,
        "dues/sheet.html",
        {
            "sheet": data,
            "org": org,
            "month": month,
            "month_options": _month_options(selectors.current_month(), month),
            **_sheet_links(org, month),
        },
    )


@functools.lru_cache(maxsize=1024)
def _org_urls(org_pk: int, _urlconf: tuple[str, Any, str]) -> dict[str, Any]:
    """The sheet's and the roll-up's links for an org, reversed once per process (not per page, not
    per row); `PkUrl`s are completed per row."""
    return {
        "base_set": PkUrl("dues:base_set"),
        "quick_pay": PkUrl("dues:quick_pay", org_pk),
        "pay": PkUrl("dues:pay"),
        "member": PkUrl("dues:member"),
        "child_rollup": PkUrl("dues:rollup"),
        "publish": reverse("dues:disclosure_publish", args=[org_pk]),
        "compute": reverse("dues:compute", args=[org_pk]),
        "register": reverse("dues:register_xlsx", args=[org_pk]),
        "sheet": reverse("dues:sheet", args=[org_pk]),
        "rollup": reverse("dues:rollup", args=[org_pk]),
        "rollup_xlsx": reverse("dues:rollup_xlsx", args=[org_pk]),
        "meetings": reverse("orglife:org_meetings", args=[org_pk]),
    }


def _sheet_links(org: Organization, month: dt.date) -> dict[str, Any]:
    """The sheet's (and roll-up's) links and the month they carry (the page's and the htmx row's)."""
    return {
        "urls": _org_urls(org.pk, reverse_key()),
        "month_value": f"{month:%Y-%m}",
        "month_query": f"?month={month:%Y-%m}",
    }


@functools.lru_cache(maxsize=256)
def _month_options(center: dt.date, selected: dt.date) -> SafeString:
    """The month picker's options (the same for every page of the same month): once per process."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if v == f"{selected:%Y-%m}" else "", label) for v, label in month_choices(center)),
    )


@login_required
@require_POST
def quick_pay(request: HttpRequest, org_pk: int, member_pk: int) -> HttpResponse:
    """Record one member's month from the collection sheet (htmx swaps the row)."""
    org = selectors.get_branch_for_user(request.user, org_pk, Action.MANAGE)
    member = selectors.get_member_for_dues(request.user, member_pk, Action.MANAGE)
    month = _month_param(request)
    form = QuickPaymentForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.dues_payment_record(
                actor=request.user,
                member=member,
                months=[month],
                amount_fen=form.cleaned_data["amount"],
                paid_on=timezone.localdate(),
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            errors = error_messages(exc)
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
    if request.headers.get("HX-Request"):
        data = selectors.collection_sheet(org, month)
        row = next((r for r in data.rows if r.member_id == member.pk), None)
        return render(
            request,
            "dues/_sheet_row.html",
            {
                "rows": [row] if row is not None else [],
                "org": org,
                "month": month,
                "errors": errors,
                "sheet": data,
                "oob": True,
                **_sheet_links(org, month),
            },
        )  # 200 even on refusal: htmx swaps only 2xx, and the row itself shows the Chinese error
    for e in errors:
        messages.error(request, f"{member.name}：{e}")
    if not errors:
        messages.success(request, f"已登记{member.name}{month_label(month)}党费")
    return redirect(reverse("dues:sheet", args=[org.pk]) + f"?month={month:%Y-%m}")


def _months_param(request: HttpRequest) -> str:
    """`?months=2026-03,2026-04` (the 补交 link of the sheet), kept only if every part is a month."""
    parts = [p for p in request.GET.get("months", "").split(",") if p][:24]
    return ",".join(parts) if parts and all(parse_month(p) is not None for p in parts) else ""


@login_required
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    """The full payment form: several months, proxy payment, another date."""
    member = selectors.get_member_for_dues(request.user, pk, Action.MANAGE)
    month = _month_param(request)
    form = PaymentForm(
        request.POST or None,
        initial={
            "months": _months_param(request) or f"{month:%Y-%m}",
            "paid_on": timezone.localdate(),
            "collector_name": getattr(request.user, "name", ""),
        },
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.dues_payment_record(
                actor=request.user,
                member=member,
                months=d["months"],
                amount_fen=d["amount"],
                paid_on=d["paid_on"],
                method=d["method"],
                collector_name=d["collector_name"],
                by_proxy=d["by_proxy"],
                proxy_name=d["proxy_name"],
                proxy_reason=d["proxy_reason"],
                proxy_consent=d["proxy_consent"],
                note=d["note"],
            )
        except ValidationError as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, f"已登记{member.name}的党费")
            return redirect("dues:member", member.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dues/pay_form.html", {"form": form, "member": member, "errors": errors}, status=status)


@login_required
@require_POST
def payment_void(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.get_payment_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.dues_payment_void(actor=request.user, payment=payment, reason=request.POST.get("reason", "")),
        "已撤销该缴费记录，相应月份恢复为未缴",
    )
    return redirect("dues:member", payment.member_id)


@login_required
@require_POST
def compute(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, org_pk, Action.MANAGE)
    month = _month_param(request)
    summary = services.dues_month_compute(actor=request.user, org=org, month=month)
    total = fen_to_yuan(summary["expected_total_fen"])
    text = f"已计算{month_label(month)}应缴党费：{summary['members']}人，合计{total}元"
    if summary["missing_base"]:
        text += f"；{summary['missing_base']}人尚未核定基数"
    messages.success(request, text)
    target = "dues:sheet" if org.kind == "branch" else "dues:rollup"
    return redirect(reverse(target, args=[org.pk]) + f"?month={month:%Y-%m}")


@login_required
def disclosure(request: HttpRequest, org_pk: int, year: int, month: int) -> HttpResponse:
    org = selectors.get_branch_for_disclosure(request.user, org_pk)
    try:
        m = dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404("月份无效") from exc
    return render(
        request,
        "dues/disclosure.html",
        {
            "org": org,
            "month": m,
            "disclosure": selectors.disclosure_for(org, m),
            "can_manage": can(request.user, Action.MANAGE, org.path),
        },
    )


@login_required
@require_POST
def disclosure_publish(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_user(request.user, org_pk, Action.MANAGE)
    month = _month_param(request)
    try:
        services.dues_disclosure_publish(actor=request.user, org=org, month=month)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(reverse("dues:sheet", args=[org.pk]) + f"?month={month:%Y-%m}")
    messages.success(request, f"已公开{month_label(month)}党费收缴情况，本支部党员可以查看")
    return redirect("dues:disclosure", org.pk, month.year, month.month)


@login_required
def register_xlsx(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_user(request.user, org_pk, Action.MANAGE)
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() and 2000 <= int(year_raw) <= 2100 else timezone.localdate().year
    return exports.register_response(request.user, org, year, selectors.register_rows(org, year))


# ---------------------------------------------------------------------------------------------
# Committee roll-ups


@login_required
@replica_reads
def rollup(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, org_pk, Action.MANAGE)
    month = _month_param(request)
    data = selectors.rollup(org, month)
    return render(
        request,
        "dues/rollup.html",
        {
            "r": data,
            "org": org,
            "month": month,
            "month_options": _month_options(selectors.current_month(), month),
            **_sheet_links(org, month),
        },
    )


@login_required
@replica_reads
def rollup_xlsx(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, org_pk, Action.MANAGE)
    month = _month_param(request)
    return exports.rollup_response(request.user, selectors.rollup(org, month))
