"""Thin views: parse input, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import io
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from dangjian.core import audit
from dangjian.core.files import file_response
from dangjian.core.replicas import replica_reads
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import CountedPaginator, PkUrl, error_messages, flash_errors
from dangjian.core.xlsx import Workbook
from dangjian.orgs.selectors import get_org_for_user, orgs_visible_to

from . import records, selectors, services, summaries
from .forms import DeliverableFormSet, LinkMeetingForm, PublishForm, ReviewForm, UploadForm
from .models import DeliverableKind, TargetStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOARD_PAGE = selectors.BOARD_PAGE


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    published = Paginator(selectors.assignments_published_visible_to(user), 20).get_page(request.GET.get("p"))
    mine = Paginator(selectors.targets_for_user(user, Action.MANAGE), 20).get_page(request.GET.get("page"))
    study = selectors.targets_for_user(user, Action.VIEW).exclude(
        org_path__in=selectors.targets_for_user(user, Action.MANAGE).values("org_path")
    )[:20]
    return render(
        request,
        "assignments/index.html",
        {
            "published": published,
            "mine": mine,
            "study": study,
            "can_publish": selectors.publisher_orgs_for(user).exists(),
        },
    )


@login_required
def publish(request: HttpRequest) -> HttpResponse:
    user = request.user
    publisher_orgs = selectors.publisher_orgs_for(user)
    first = publisher_orgs.first()
    if first is None:
        raise PermissionDenied("只有党委管理员可以发布任务")
    chosen_qs = selectors.chosen_org_choices(first)
    if request.method == "POST":
        form = PublishForm(request.POST, publisher_orgs=publisher_orgs, chosen_orgs=_chosen_all(user))
        formset = DeliverableFormSet(request.POST, prefix="dlv")
        errors: list[str] = []
        if form.is_valid() and formset.is_valid():
            specs = []
            for f in formset:
                try:
                    spec = f.spec()
                except ValidationError as exc:
                    errors.extend(exc.messages)
                    continue
                if spec is not None:
                    specs.append(spec)
            if not errors:
                cd = form.cleaned_data
                lists = form.lists()
                try:
                    a = services.assignment_publish(
                        actor=user,
                        publisher_org=cd["publisher_org"],
                        title=cd["title"],
                        theme=cd["theme"],
                        notice=cd["notice"],
                        window_start=cd["window_start"],
                        window_end=cd["window_end"],
                        min_hours=cd["min_hours"],
                        deliverables=specs,
                        target_mode=cd["target_mode"],
                        chosen_orgs=list(cd["chosen_orgs"]),
                        required_actions=lists["required_actions"],
                        collective_study=lists["collective_study"],
                        self_study=lists["self_study"],
                        practical_deeds=lists["practical_deeds"],
                    )
                except ValidationError as exc:
                    errors.extend(error_messages(exc))
                else:
                    messages.success(request, f"任务已发布到 {a.target_count} 个党支部")
                    return redirect("assignments:board", a.pk)
        return render(
            request,
            "assignments/publish.html",
            {"form": form, "formset": formset, "errors": errors},
            status=400,
        )
    form = PublishForm(publisher_orgs=publisher_orgs, chosen_orgs=chosen_qs)
    formset = DeliverableFormSet(prefix="dlv")
    return render(request, "assignments/publish.html", {"form": form, "formset": formset, "errors": []})


def _chosen_all(user: Any) -> Any:
    return orgs_visible_to(user, Action.ADMIN).exclude(kind="group")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    a = selectors.get_assignment_for_user(request.user, pk)
    return render(
        request,
        "assignments/detail.html",
        {
            "a": a,
            "deliverables": a.deliverables.all(),
            "counts": selectors.board_counts(a),
            "findings": selectors.deliverable_findings(a),
        },
    )


def _board_filters(request: HttpRequest, a: Any) -> dict[str, str]:
    status = request.GET.get("status", "")
    if status and status not in dict(selectors.BOARD_STATUSES):
        status = ""
    parent = request.GET.get("parent", "")
    if parent and not (parent.startswith(a.org_path) and parent.isalnum() and len(parent) <= 255):
        parent = ""
    return {"status": status, "q": request.GET.get("q", "")[:50], "parent": parent}


@login_required
@replica_reads
def board(request: HttpRequest, pk: int) -> HttpResponse:
    a = selectors.get_assignment_for_user(request.user, pk)
    filters = _board_filters(request, a)
    counts = selectors.board_counts(a)
    known = selectors.board_filtered_count(counts, **filters)
    rows = selectors.BoardRows(a, **filters)
    page = CountedPaginator(rows, BOARD_PAGE, count=known).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "assignments/board.html",
        {
            "a": a,
            "page": page,
            "rows_html": _board_rows(page.object_list),
            "counts": counts,
            "statuses": selectors.BOARD_STATUSES,
            "filters": filters,
            "query": query,
            "labels": dict(selectors.BOARD_STATUSES),
            "parents": selectors.board_parent_choices(a),
        },
    )


_BOARD_LABELS = dict(selectors.BOARD_STATUSES)
_BOARD_TAG = {"approved": "ok", "overdue": "err", "returned": "warn", "unclaimed": "warn"}


def _local(when: dt.datetime | None, fmt: str) -> str:
    return timezone.localtime(when).strftime(fmt) if when else "—"


def _board_rows(rows: Any) -> SafeString:
    """The board's table rows joined as one string (issue 18: a `{% for %}` with a `{% url %}`, a
    status lookup loop and two date filters per row cost ~0.2 ms a row, 10 ms for a page of 50).
    The link is reversed once per page; the organisation's name is escaped."""
    if not rows:
        return mark_safe('<tr><td colspan="5" class="muted">没有符合条件的组织。</td></tr>')  # fixed text
    url = PkUrl("assignments:target")
    out = []
    for t in rows:
        status = t["board_status"]
        out.append(
            f'<tr><td class="wrap" data-label="组织"><a href="{url.for_pk(t["pk"])}">{escape(t["org__name"])}</a></td>'
            f'<td data-label="状态"><span class="tag {_BOARD_TAG.get(status, "")}" data-status="{escape(status)}">'
            f"{escape(_BOARD_LABELS.get(status, ''))}</span></td>"
            f'<td data-label="轮次">{int(t["rounds"])}</td>'
            f'<td data-label="提交时间">{_local(t["submitted_at"], "%m-%d %H:%M")}</td>'
            f'<td data-label="最近提醒">{_local(t["last_reminded"], "%m-%d")}</td></tr>'
        )
    return mark_safe("\n".join(out))


@login_required
@replica_reads
def board_export(request: HttpRequest, pk: int) -> HttpResponse:
    a = selectors.get_assignment_for_user(request.user, pk)
    filters = _board_filters(request, a)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("督办情况")
    ws.append([f"{a.title} 督办情况（导出于 {timezone.localtime():%Y-%m-%d %H:%M}）"])
    ws.append(["组织", "组织编码", "状态", "领取时间", "提交时间", "审核时间", "提交轮次", "最近提醒"])
    for row in selectors.board_rows_for_export(a, **filters):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    _audit_export(request.user, a, "assignment.board_export", filters)
    return _download(buf.getvalue(), f"督办情况-{a.pk}.xlsx", XLSX)


def _audit_export(user: Any, a: Any, action: str, extra: dict[str, Any]) -> None:
    with transaction.atomic():
        audit.record(user, action, a, after=extra)


@login_required
def committee_summary(request: HttpRequest, pk: int) -> HttpResponse:
    a = selectors.get_assignment_for_user(request.user, pk)
    content = summaries.committee_summary_xlsx(a)
    _audit_export(request.user, a, "assignment.summary_export", {})
    return _download(content, f"主题党日活动汇总表-{a.window_start:%Y%m}-{a.pk}.xlsx", XLSX)


@login_required
def target(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk)
    info = selectors.target_detail(t)
    a = t.assignment
    can_manage = can(request.user, Action.MANAGE, t.org_path)
    meetings = []
    if can_manage and any(x["d"].kind == DeliverableKind.MEETING_RECORD for x in info.deliverables):
        meetings = list(
            records.meetings_for_linking(
                t.org_path, a.window_start - dt.timedelta(days=31), a.window_end + dt.timedelta(days=31)
            )[:50]
        )
    return render(
        request,
        "assignments/target.html",
        {
            "t": t,
            "a": a,
            "info": info,
            "can_manage": can_manage,
            "can_review": selectors.can_review(request.user, t),
            "meetings": meetings,
            "editable": t.status in (TargetStatus.CLAIMED, TargetStatus.RETURNED),
            "reminders": selectors.reminders_of(t),
            "party_day": records.linked_party_day(t.pk),
            "meeting_photos": records.linked_meeting_photos(t.pk),
            "has_meeting_deliverable": any(x["d"].kind == DeliverableKind.MEETING_RECORD for x in info.deliverables),
        },
    )


def _act(request: HttpRequest, pk: int, fn: Any, ok: str, refusals: bool = False) -> HttpResponse:
    """Run one service call; its Chinese error becomes a message on the target page.

    With `refusals`, a PermissionDenied from the service (a rule such as "not your own submission",
    the scope having been checked already) is shown the same way instead of a bare 403 page."""
    try:
        fn()
    except ValidationError as exc:
        flash_errors(request, exc)
    except PermissionDenied as exc:
        if not refusals:
            raise
        messages.error(request, str(exc))
    else:
        messages.success(request, ok)
    return redirect("assignments:target", pk)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk, Action.MANAGE)
    return _act(
        request,
        pk,
        lambda: services.target_claim(actor=request.user, target=t, version=_version(request)),
        "已领取任务",
    )


@login_required
@require_POST
def link_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk, Action.MANAGE)
    form = LinkMeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要关联的会议记录")
        return redirect("assignments:target", pk)
    cd = form.cleaned_data
    return _act(
        request,
        pk,
        lambda: services.target_link_meeting(
            actor=request.user, target=t, deliverable_id=cd["deliverable"], meeting_id=cd["meeting"]
        ),
        "已关联会议记录",
    )


@login_required
@require_POST
def record_party_day(request: HttpRequest, pk: int) -> HttpResponse:
    """录入本次主题党日: create (or reopen) the task's prefilled party-day record and go to it."""
    t = selectors.get_target_for_user(request.user, pk, Action.MANAGE)
    try:
        meeting = services.target_record_party_day(actor=request.user, target=t)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("assignments:target", pk)
    messages.success(request, "已按任务生成主题党日记录并关联到任务；出勤名单默认全部出席，只需标出请假、缺席的党员")
    return redirect("orglife:detail", meeting.pk)


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk, Action.MANAGE)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件")
        return redirect("assignments:target", pk)
    cd = form.cleaned_data
    return _act(
        request,
        pk,
        lambda: services.target_attach_file(
            actor=request.user, target=t, deliverable_id=cd["deliverable"], upload=cd["file"]
        ),
        "材料已上传",
    )


@login_required
@require_POST
def remove_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, pk)
    if not can(request.user, Action.MANAGE, item.org_path):
        raise PermissionDenied("只有本组织书记或联络员可以办理")
    return _act(request, item.target_id, lambda: services.target_remove_item(actor=request.user, item=item), "已移除")


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk, Action.MANAGE)
    note = request.POST.get("note", "")[:2000]
    return _act(
        request,
        pk,
        lambda: services.target_submit(actor=request.user, target=t, note=note, version=_version(request)),
        "已提交，等待发布单位审核",
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk, Action.APPROVE)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
        return redirect("assignments:target", pk)
    cd = form.cleaned_data
    approve = cd["decision"] == "approve"
    return _act(
        request,
        pk,
        lambda: services.target_review(
            actor=request.user, target=t, approve=approve, comment=cd["comment"], version=cd["version"]
        ),
        "已审核通过" if approve else "已退回",
        refusals=True,
    )


@login_required
def target_summary(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk)
    if fmt == "pdf":
        content, name = summaries.target_summary_pdf(t)
        return _download(content, name, "application/pdf")
    content, name = summaries.target_summary_xlsx(t)
    return _download(content, name, XLSX)


@login_required
def study(request: HttpRequest, pk: int) -> HttpResponse:
    t = selectors.get_target_for_user(request.user, pk)
    return render(request, "assignments/study.html", {"t": t, "a": t.assignment})


@login_required
def item_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = selectors.get_item_for_user(request.user, pk)
    if not item.file:
        raise Http404("没有文件")
    return file_response(item.file, filename=item.original_name or "file")


@login_required
def submission_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    sub = selectors.get_submission_for_user(request.user, pk)
    if not sub.summary_file:
        raise Http404("没有生成的总结表")
    return file_response(sub.summary_file, filename=f"主题党日活动总结表-第{sub.round}轮.xlsx")


@login_required
def branch_summary(request: HttpRequest, org_pk: int, year: int, month: int, fmt: str) -> HttpResponse:
    """The 主题党日活动总结表 of any branch and month, straight from its records."""
    org = get_org_for_user(request.user, org_pk)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404("月份无效")
    label = f"{year}年{month}月"
    name = f"主题党日活动总结表-{org.name}-{year}{month:02d}"
    if fmt == "pdf":
        facts = summaries.branch_month_facts(org, year, month, with_photos=True)
        return _download(
            summaries.branch_summary_pdf(org_name=org.name, period_label=label, facts=facts),
            name + ".pdf",
            "application/pdf",
        )
    facts = summaries.branch_month_facts(org, year, month)
    return _download(
        summaries.branch_summary_xlsx(org_name=org.name, period_label=label, facts=facts), name + ".xlsx", XLSX
    )


def target_url(pk: int) -> str:
    return reverse("assignments:target", args=[pk])
