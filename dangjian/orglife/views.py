"""Thin views: parse the request, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable
from html import escape
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from dangjian.core.files import file_response
from dangjian.core.masking import may_see_identity
from dangjian.core.paging import page_of
from dangjian.core.registry import meeting_panels, reverse_key
from dangjian.core.replicas import replica_reads
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import PkUrl, errors_to_form, flash_errors, run_service, safe_next
from dangjian.orgs.models import OrgKind
from dangjian.orgs.selectors import get_org_for_user, top_orgs_for

from . import rules, selectors, services
from .config import effective_config
from .forms import (
    AttachmentForm,
    CloseActionForm,
    ExclusionForm,
    MeetingForm,
    PhotoForm,
    ResolutionForm,
    VoteForm,
    initial_from,
    parse_month,
)
from .models import KIND_FIELDS, AttendanceStatus, Level, MeetingKind, MeetingStatus

FIELD_LABELS = {
    "theme": "主题",
    "kinds": "会议类型",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "host": "主持人",
    "recorder": "记录人",
    "lecturer": "授课人",
    "lecture_topic": "党课题目",
    "invitees": "列席人员",
    "image": "照片",
    "file": "附件",
    "title": "决议事项",
    "actions": "落实措施",
    "yes": "表决票数",
    "reason": "更正原因",
    "close_note": "落实情况",
    "org": "组织",
}


def _detail_url(pk: int) -> str:
    return reverse("orglife:detail", args=[pk])


@login_required
def index(request: HttpRequest) -> HttpResponse:
    orgs = list(top_orgs_for(request.user))
    return render(request, "orglife/index.html", {"orgs": orgs})


@functools.lru_cache(maxsize=128)
def _kind_tags(kinds: tuple[str, ...]) -> SafeString:
    """The type tags of a list row, per combination of kinds (at most 2⁷): built once per process."""
    return format_html_join("", '<span class="tag">{}</span> ', ((MeetingKind(k).label,) for k in kinds))


# The status cell of a list row by (status is filed, late).
_STATE_TAGS = {
    (True, False): mark_safe('<span class="tag ok">已归档</span>'),
    (True, True): mark_safe('<span class="tag warn">已归档·逾期</span>'),
    (False, False): mark_safe('<span class="tag warn">草稿</span>'),
    (False, True): mark_safe('<span class="tag warn">草稿</span>'),
}


@functools.lru_cache(maxsize=len(MeetingKind) + 1)
def _kind_options(selected: str) -> SafeString:
    """The type filter's options with `selected` marked: a handful of variants, built once per process."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if v == selected else "", label) for v, label in MeetingKind.choices),
    )


# A calendar cell without meetings, by day of the month (None: a day of the month before or after).
_EMPTY_CELLS: dict[int | None, str] = {None: "<td></td>"} | {
    d: f'<td><span class="muted">{d}</span></td>' for d in range(1, 32)
}


def _calendar_body(
    weeks: list[list[tuple[dt.date | None, list[dict[str, Any]]]]],
    dot: Callable[[dict[str, Any]], tuple[str, str, str]],
) -> SafeString:
    """The calendar's rows: one cell per day, a dot (class, link, title) per meeting; empty days are fixed text."""
    rows = []
    for week in weeks:
        cells = []
        for day, ms in week:
            if day is None or not ms:
                cells.append(_EMPTY_CELLS[day.day if day else None])
            else:
                dots = format_html_join("", '<a class="dot {}" href="{}" title="{}">●</a>', (dot(m) for m in ms))
                cells.append(format_html('<td><span class="muted">{}</span>{}</td>', day.day, dots))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("".join(rows))  # the cells are fixed text or built by format_html


@login_required
def org_meetings(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"), today)
    kind = request.GET.get("kind", "")
    number = request.GET.get("page")
    # The usual first view (no type, first page) reads its rows through a query compiled once per process.
    first = selectors.list_first_rows(request.user, org) if not kind and number in (None, "", "1") else None
    page = page_of(
        first, lambda: selectors.meeting_list(request.user, org, kind=kind), selectors.LIST_FIRST - 1, number
    )
    can_manage = can(request.user, Action.MANAGE, org.path) and org.kind in (OrgKind.BRANCH, OrgKind.GROUP)
    streaks = selectors.absence_streak_members(org) if can_manage and org.kind == OrgKind.BRANCH else []
    rows: list[dict[str, Any]] = list(page.object_list)
    # The calendar reads the list's rows when they hold the whole month (the usual first view).
    holds_month = not kind and selectors.list_holds_month(
        rows, first_page=page.number == 1, complete=not page.has_next(), month=month
    )
    weeks = selectors.meeting_calendar(request.user, org, month, listed=rows if holds_month else None)
    detail_url = PkUrl("orglife:detail")
    calendar_body = _calendar_body(
        weeks,
        lambda m: (
            "ok" if m["level"] == Level.COMPLETE else "warn",
            detail_url.for_pk(m["pk"]),
            m["theme"],
        ),
    )
    return render(
        request,
        "orglife/org_meetings.html",
        {
            "org": org,
            "page": page,
            "calendar_body": calendar_body,
            "rows_html": _list_rows(rows, detail_url, org.pk),
            "month": month,
            "month_label": f"{month // 100}年{month % 100}月",
            "prev_month": _month_param(rules.add_months(month, -1)),
            "next_month": _month_param(rules.add_months(month, 1)),
            "kind": kind,
            "kind_options": _kind_options(kind if kind in KIND_FIELDS else ""),
            "can_manage": can_manage,
            "actions_html": _list_actions(
                org.pk,
                can_manage,
                org.kind == OrgKind.BRANCH and can(request.user, Action.APPROVE, org.path),
                reverse_key(),
            ),
            "streaks": streaks,
            "query": f"kind={kind}" if kind else "",
        },
    )


@functools.lru_cache(maxsize=1024)
def _list_actions(org_pk: int, can_manage: bool, can_approve: bool, _urls: tuple[Any, ...]) -> SafeString:
    """The list's buttons for one org and role: only URLs, rendered once per process (per URLconf and
    script prefix, `_urls`: what `reverse` depends on besides the arguments)."""
    context = {"org_pk": org_pk, "can_manage": can_manage, "can_approve": can_approve}
    return render_to_string("orglife/_list_actions.html", context)


def _list_rows(rows: list[dict[str, Any]], detail_url: PkUrl, org_pk: int) -> SafeString:
    """The list's table rows joined as one string, as a `{% for %}` rendered them (issue 18): per row
    only lookups -- the link reversed once per page, the cells' markup built once per process -- and
    every value from the database escaped (`html.escape`, as Django's `escape`)."""
    if not rows:
        return mark_safe('<tr><td colspan="4" class="muted">暂无记录。</td></tr>')  # fixed text
    out = []
    for m in rows:
        org_note = "" if m["org_id"] == org_pk else f'<div class="muted">{escape(m["org__name"])}</div>'
        tags = _kind_tags(tuple(k for k, f in KIND_FIELDS.items() if m[f]))
        state = _STATE_TAGS[m["status"] == MeetingStatus.FILED, m["late"]]
        out.append(
            f'\n  <tr><td data-label="日期">{m["meeting_date"].isoformat()}</td>\n'
            f'      <td class="wrap" data-label="主题"><a href="{detail_url.for_pk(m["pk"])}">{escape(m["theme"])}</a>'
            f"{org_note}</td>\n"
            f'      <td class="wrap" data-label="类型">{tags}</td>\n'
            f'      <td data-label="状态">{state}</td></tr>\n  '
        )
    return mark_safe("".join(out))


def _month_param(month: int) -> str:
    return f"{month // 100}-{month % 100:02d}"


def _checklist(path: str) -> list[str]:
    return list(effective_config(path)["checklist"])


@login_required
def meeting_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    branch = selectors.branch_of(org)
    groups = selectors.groups_of(org) if org.kind == OrgKind.BRANCH else None
    if request.method == "POST":
        form = MeetingForm(request.POST, branch=branch, checklist=_checklist(org.path), groups=groups)
        if form.is_valid():
            # A 党小组会 is held by the chosen group: the record and its attendance list are the group's.
            held_by = form.cleaned_data.get("group") or org
            try:
                meeting = services.meeting_create(actor=request.user, org=held_by, data=form.to_data())
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "已保存为草稿；出勤名单已按党员名册生成")
                return redirect(_detail_url(meeting.pk))
    else:
        kind = request.GET.get("kind")
        form = MeetingForm(
            initial={"kinds": [kind] if kind in dict(MeetingKind.choices) else []},
            branch=branch,
            checklist=_checklist(org.path),
            groups=groups,
        )
    return render(request, "orglife/meeting_form.html", {"form": form, "org": org, "meeting": None})


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    org = meeting.org
    branch = selectors.branch_of(org)
    checklist = _checklist(org.path)
    if request.method == "POST":
        form = MeetingForm(request.POST, branch=branch, checklist=checklist, extra_actions=meeting.required_actions)
        if form.is_valid():
            version = form.cleaned_data.get("version") or 0
            try:
                if meeting.is_filed:
                    services.meeting_amend(
                        actor=request.user,
                        meeting=meeting,
                        version=version,
                        data=form.to_data(),
                        reason=form.cleaned_data.get("reason") or "",
                    )
                    messages.success(request, "更正已保存，已记入更正记录")
                else:
                    services.meeting_update(actor=request.user, meeting=meeting, version=version, data=form.to_data())
                    messages.success(request, "已保存")
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                return redirect(_detail_url(meeting.pk))
    else:
        form = MeetingForm(
            initial=initial_from(meeting), branch=branch, checklist=checklist, extra_actions=meeting.required_actions
        )
    return render(request, "orglife/meeting_form.html", {"form": form, "org": org, "meeting": meeting})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    detail = selectors.meeting_detail(request.user, meeting)
    org = meeting.org
    branch = selectors.branch_of(org)
    cfg = effective_config(meeting.org_path)
    return render(
        request,
        "orglife/meeting_detail.html",
        {
            "d": detail,
            "m": meeting,
            "photo_form": PhotoForm(),
            "attachment_form": AttachmentForm(),
            "vote_form": VoteForm(),
            "resolution_form": ResolutionForm(branch=branch) if detail.can_manage else None,
            "statuses": [
                (AttendanceStatus.PRESENT, "出席"),
                (AttendanceStatus.LEAVE, "请假"),
                (AttendanceStatus.ABSENT, "缺席"),
            ],
            "sign_in_url": request.build_absolute_uri(reverse("orglife:sign_in", args=[meeting.sign_in_token])),
            # Plain members see who came, not others' 免参 status or leave reasons (core.masking).
            "sees_identity": may_see_identity(request.user, meeting.org_path),
            "panels": meeting_panels(request, meeting),
            # No sign-in code before the day: a planned meeting is not a held one.
            "qr_open": timezone.localdate() >= meeting.meeting_date,
            "attendance_default": cfg["attendance_default"],
            "photos_required": max((cfg["photos"].get(k, 0) for k in meeting.kinds), default=0),
        },
    )


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    marks: list[services.Mark] = []
    for member_id in request.POST.getlist("member"):
        try:
            mid = int(member_id)
        except ValueError:
            messages.error(request, "出勤名单数据无效")
            return redirect(_detail_url(pk))
        marks.append(services.Mark(mid, request.POST.get(f"status_{mid}", ""), request.POST.get(f"reason_{mid}", "")))
    return _write_attendance(
        request,
        pk,
        lambda version, reason: services.attendance_mark(
            actor=request.user, meeting=meeting, version=version, marks=marks, amendment_reason=reason
        ),
        "出勤已保存",
    )


def _write_attendance(request: HttpRequest, pk: int, write: Any, ok: str) -> HttpResponse:
    """Run an attendance write with the form's version and amendment reason; report the outcome."""
    try:
        write(int(request.POST.get("version", "")), request.POST.get("amendment_reason", ""))
    except ValueError:
        messages.error(request, "请求无效，请刷新页面后重试")
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
    else:
        messages.success(request, ok)
    return redirect(_detail_url(pk))


@login_required
@require_POST
def meeting_all_present(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    return _write_attendance(
        request,
        pk,
        lambda version, reason: services.attendance_all_present(
            actor=request.user, meeting=meeting, version=version, amendment_reason=reason
        ),
        "已将应到党员全部记为出席",
    )


@login_required
@require_POST
def meeting_file(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    try:
        m = services.meeting_file(actor=request.user, meeting=meeting, version=int(request.POST.get("version", "0")))
    except ValueError:
        messages.error(request, "请求无效，请刷新页面后重试")
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
    else:
        messages.success(request, "已归档" + ("（逾期录入）" if m.late else ""))
    return redirect(_detail_url(pk))


@login_required
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    form = PhotoForm(request.POST, request.FILES)
    files = request.FILES.getlist("image")[: PhotoForm.MAX_FILES]
    if not form.is_valid() or not files:
        messages.error(request, "照片：请选择要上传的照片")
        return redirect(_detail_url(pk))
    # Several photos at once: each is checked and stored on its own, so one bad file does not
    # lose the others; the message names the file that was refused.
    added = 0
    for i, f in enumerate(files, start=1):
        label = f"第 {i} 张（{f.name}）" if len(files) > 1 else ""
        try:
            photo = services.photo_add(
                actor=request.user, meeting=meeting, file=f, caption=form.cleaned_data["caption"]
            )
        except ValidationError as exc:
            flash_errors(request, exc, {**FIELD_LABELS, "image": f"照片{label}"})
            continue
        added += 1
        if photo.flagged:
            messages.warning(request, f"照片{label}已上传，但需核实：" + "；".join(_photo_reasons(photo)))
    if added:
        messages.success(request, f"已上传 {added} 张照片")
    return redirect(_detail_url(pk))


@login_required
@require_POST
def photo_delete(request: HttpRequest, photo_pk: int) -> HttpResponse:
    photo = selectors.get_photo_for_user(request.user, photo_pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.photo_delete(actor=request.user, photo=photo),
        "照片已删除",
        FIELD_LABELS,
    )
    return redirect(_detail_url(photo.meeting_id))


def _photo_reasons(photo: Any) -> list[str]:
    out = []
    if photo.time_check != "ok":
        out.append(photo.get_time_check_display())
    if photo.duplicate_of_id:
        out.append("与其他会议中的照片相同或近似")
    return out


@login_required
def photo_image(request: HttpRequest, photo_pk: int) -> HttpResponseBase:
    photo = selectors.get_photo_for_user(request.user, photo_pk)
    return file_response(photo.image, filename=f"照片-{photo.pk}.jpg")


@login_required
@require_POST
def photo_review(request: HttpRequest, photo_pk: int) -> HttpResponse:
    photo = selectors.get_photo_for_user(request.user, photo_pk, Action.APPROVE)
    run_service(request, lambda: services.photo_review(actor=request.user, photo=photo), "已核实")
    return redirect(safe_next(request, _detail_url(photo.meeting_id)))


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "附件：请选择文件")
        return redirect(_detail_url(pk))
    f = form.cleaned_data["file"]
    run_service(
        request,
        lambda: services.attachment_add(actor=request.user, meeting=meeting, file=f, name=f.name),
        "附件已上传",
        FIELD_LABELS,
    )
    return redirect(_detail_url(pk))


@login_required
def attachment_download(request: HttpRequest, att_pk: int) -> HttpResponseBase:
    att = selectors.get_attachment_for_user(request.user, att_pk)
    return file_response(att.file, filename=att.name)


@login_required
@require_POST
def resolution_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    org = meeting.org
    branch = selectors.branch_of(org)
    form = ResolutionForm(request.POST, branch=branch)
    try:
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        services.resolution_add(
            actor=request.user,
            meeting=meeting,
            title=form.cleaned_data["title"],
            content=form.cleaned_data.get("content") or "",
            actions=form.actions(),
        )
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
    else:
        messages.success(request, "决议及落实方案已保存")
    return redirect(_detail_url(pk))


@login_required
@require_POST
def action_close(request: HttpRequest, action_pk: int) -> HttpResponse:
    action = selectors.get_action_for_user(request.user, action_pk, Action.MANAGE)
    form = CloseActionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        services.action_close(
            actor=request.user,
            action=action,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["close_note"],
        )
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
    else:
        messages.success(request, "措施已办结")
    return redirect(safe_next(request, _detail_url(action.resolution.meeting_id)))


@login_required
@require_POST
def vote_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    form = VoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        c = form.cleaned_data
        services.vote_record(
            actor=request.user,
            meeting=meeting,
            matter=c["matter"],
            yes=c["yes"],
            no=c["no"] or 0,
            abstain=c["abstain"] or 0,
        )
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
    else:
        messages.success(request, "表决结果已登记")
    return redirect(_detail_url(pk))


@login_required
def meeting_qr(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk, Action.MANAGE)
    if timezone.localdate() < meeting.meeting_date:
        raise Http404("签到二维码在会议当天开放")
    url = request.build_absolute_uri(reverse("orglife:sign_in", args=[meeting.sign_in_token]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


def _print_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    return {"d": selectors.meeting_detail(request.user, meeting), "m": meeting, "printed_at": timezone.localtime()}


@login_required
def meeting_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "orglife/meeting_print.html", _print_context(request, pk))


@login_required
def meeting_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weasyprint import HTML

    ctx = _print_context(request, pk)
    html = render_to_string("orglife/meeting_print.html", {**ctx, "pdf": True}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    m = ctx["m"]
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="meeting-{m.pk}-{m.meeting_date:%Y%m%d}.pdf"'
    return resp


@login_required
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    meeting = selectors.meeting_for_sign_in(token)
    error = ""
    done = None
    if request.method == "POST":
        try:
            done = services.sign_in(actor=request.user, token=token)
        except ValidationError as exc:
            error = "；".join(exc.messages)
    on_list, refusal = selectors.sign_in_refusal(user=request.user, meeting=meeting)
    if done is None and not error and refusal:
        error = refusal  # the button is not offered when signing in would be refused
    # Show only what a sign-in page needs: the theme and time to people on the list, never the
    # attendance list; someone not on the list (another branch) sees nothing of the meeting.
    return render(
        request,
        "orglife/sign_in.html",
        {"meeting": meeting if on_list else None, "error": error, "done": done},
        status=400 if error and request.method == "POST" else 200,
    )


@login_required
@replica_reads
def matrix(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk)
    today = timezone.localdate()
    end = parse_month(request.GET.get("end"), today)
    months = rules.month_range(rules.add_months(end, -11), 12)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    mx = selectors.compliance_matrix(request.user, org, months, page=page, today=today)
    return render(
        request,
        "orglife/matrix.html",
        {
            "mx": mx,
            "org": org,
            "month_labels": [f"{m % 100}月" for m in months],
            "prev_end": _month_param(rules.add_months(end, -12)),
            "next_end": _month_param(rules.add_months(end, 12)),
            "end": _month_param(end),
        },
    )


@login_required
def branch_month(request: HttpRequest, org_pk: int, month: int) -> HttpResponse:
    """Drill-down: one branch's findings for one month, each with its citation and the meetings."""
    org = get_org_for_user(request.user, org_pk)
    if org.kind != OrgKind.BRANCH or not (200001 <= month <= 210012 and 1 <= month % 100 <= 12):
        raise Http404("无此单元格")
    cell = selectors.branch_compliance(org, [month])[0]
    labels = selectors.meeting_labels([mid for r in cell.requirements for mid in r.meeting_ids])
    rows = [(r, [(mid, labels.get(mid, f"记录 {mid}")) for mid in r.meeting_ids]) for r in cell.requirements]
    return render(request, "orglife/branch_month.html", {"org": org, "cell": cell, "rows": rows, "month": month})


@login_required
def exclusions(request: HttpRequest, org_pk: int) -> HttpResponse:
    """A branch's approved exclusions from the expected count; the secretary records new ones."""
    org = get_org_for_user(request.user, org_pk, Action.APPROVE)
    if org.kind != OrgKind.BRANCH:
        raise Http404("仅党支部可登记")
    form = ExclusionForm(request.POST or None, branch=org)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            services.exclusion_add(
                actor=request.user,
                member=c["member"],
                kind=c["kind"],
                note=c["note"],
                starts_on=c["starts_on"],
                ends_on=c.get("ends_on"),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "已登记；此后生成的出勤名单将按此标注")
            return redirect("orglife:exclusions", org_pk=org.pk)
    return render(
        request,
        "orglife/exclusions.html",
        {"org": org, "form": form, "rows": selectors.exclusions_of(request.user, org)},
    )


@login_required
def my_attendance(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_attendance(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "orglife/my_attendance.html", {"page": page})


@login_required
def review(request: HttpRequest) -> HttpResponse:
    if not any(True for _ in top_orgs_for(request.user, Action.APPROVE)):
        raise PermissionDenied("无权核查")
    return render(
        request,
        "orglife/review.html",
        {
            "photos": selectors.flagged_photos(request.user)[:100],
            "actions": selectors.overdue_actions(request.user)[:100],
        },
    )
