"""Openness pages: thin views that parse input, call one service or selector, and render.

The public pages (`public`, `public_item`, `public_qr`) need no login: they show only published
向社会 disclosures (never per-person lines), are cacheable (Cache-Control, ETag) and read at most
two indexed queries.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_POST

from dangjian.core.registry import disclosable_kinds
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import flash_form_errors, run_form_service, run_service
from dangjian.members.selectors import own_member
from dangjian.orglife.models import MeetingStatus, Resolution
from dangjian.orgs.models import OrgKind
from dangjian.orgs.selectors import get_org_for_user

from . import rules as R
from . import selectors, services
from .forms import (
    AnswerForm,
    DeliberationForm,
    ImplementationForm,
    ItemForm,
    ProposeForm,
    RequestForm,
    ResultForm,
    StageForm,
)
from .models import CatalogueItem, Deliberation, DeliberationStatus, DisclosureStatus

FIELD_LABELS = {
    "title": "标题",
    "basis": "依据",
    "kind": "记录类型",
    "item": "目录事项",
    "period_start": "所属期间",
    "source_ref": "来源记录",
    "text": "公开内容",
    "scope": "公开范围",
    "note": "意见",
    "topic": "议题",
    "proposer": "提议人",
    "procedure": "议事程序",
    "decision": "决议内容",
    "owner": "落实责任人",
    "deadline": "落实期限",
    "resolutions": "相关会议决议",
    "result": "实施结果",
    "result_on": "完成日期",
    "meeting": "会议记录",
}
PUBLIC_MAX_AGE = 300  # seconds a public board may be cached by the browser or a proxy


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else -1


# ---------------------------------------------------------------------------------------------
# Workspace


@login_required
def index(request: HttpRequest) -> HttpResponse:
    orgs = list(selectors.manageable_orgs(request.user)[:200])
    if len(orgs) == 1:
        return redirect("openness:org", orgs[0].pk)
    return render(request, "openness/index.html", {"orgs": orgs})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A member's way to their own branch's 公开栏 (the nav entry everyone has)."""
    me = own_member(request.user)
    if me is not None:
        return redirect("openness:board", me.org_id)
    return redirect("openness:index")


@login_required
def org(request: HttpRequest, org_pk: int) -> HttpResponse:
    o = selectors.org_for_manage(request.user, org_pk)
    items = list(selectors.items_in_force(o))
    today = timezone.localdate()
    return render(
        request,
        "openness/org.html",
        {
            "org": o,
            "items": [(i, selectors.timing_label(i)) for i in items],
            "dues": selectors.open_dues(o),
            "in_progress": list(selectors.in_progress(o).select_related("item")),
            "awaiting": list(selectors.awaiting_my_approval(request.user)[:50]),
            "form": ProposeForm(items=items, initial={"period_start": today.replace(day=1) - dt.timedelta(days=1)}),
            "today": today,
            "can_catalogue": can(request.user, Action.APPROVE, o.path),
            "is_branch": o.kind == OrgKind.BRANCH,
        },
    )


@login_required
@require_POST
def propose(request: HttpRequest, org_pk: int) -> HttpResponse:
    o = selectors.org_for_manage(request.user, org_pk)
    items = list(selectors.items_in_force(o))
    form = ProposeForm(request.POST, items=items)
    created: list[Any] = []
    ok = run_form_service(
        request,
        form,
        lambda d: created.append(
            services.disclosure_propose(
                actor=request.user,
                org=o,
                item=next((i for i in items if i.pk == d["item"]), None),
                period_start=d["period_start"],
                source_ref=d["source_ref"],
                title=d["title"],
                text=d["text"],
                scope=d["scope"],
                channel=d["channel"],
            )
        ),
        "已提出，请进行保密审查",
        FIELD_LABELS,
    )
    if ok:
        return redirect("openness:disclosure", created[0].pk)
    return redirect("openness:org", o.pk)


# ---------------------------------------------------------------------------------------------
# The gate


@login_required
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_disclosure_for_user(request.user, pk)
    manage = can(request.user, Action.MANAGE, d.org_path)
    return render(
        request,
        "openness/disclosure.html",
        {
            "d": d,
            "manage": manage,
            "may_approve": can(request.user, Action.APPROVE, d.approver_path),
            "findings": R.secrecy_findings(d.content, d.scope) if d.status == DisclosureStatus.PROPOSED else [],
            "people": d.content.get("people") if d.scope != "public" else None,
            "period": R.period_label(d.period_start, d.period_end),
        },
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_disclosure_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.disclosure_review(
            actor=request.user,
            disclosure=d,
            passed=request.POST.get("decision") == "pass",
            note=request.POST.get("note", ""),
            version=_version(request),
        ),
        "已记录保密审查",
        FIELD_LABELS,
    )
    return redirect("openness:disclosure", d.pk)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_disclosure_for_user(request.user, pk, Action.APPROVE)
    run_service(
        request,
        lambda: services.disclosure_approve(
            actor=request.user,
            disclosure=d,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
            version=_version(request),
        ),
        "已记录审批",
        FIELD_LABELS,
    )
    return redirect("openness:disclosure", d.pk)


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_disclosure_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.disclosure_publish(actor=request.user, disclosure=d, version=_version(request)),
        "已公开",
        FIELD_LABELS,
    )
    return redirect("openness:disclosure", d.pk)


# ---------------------------------------------------------------------------------------------
# The catalogue


def _item_call(request: HttpRequest, o: Any, form: ItemForm, item: CatalogueItem | None) -> bool:
    return run_form_service(
        request,
        form,
        lambda c: services.catalogue_item_save(
            actor=request.user,
            org=o,
            item=item,
            title=c["title"],
            category=c["category"],
            basis=c["basis"],
            kind=c["kind"],
            applies_to=c["applies_to"],
            scope=c["scope"],
            timing=c["timing"],
            frequency=c["frequency"],
            due_days=c["due_days"],
            channel=c["channel"],
            secrecy=c["secrecy"],
            starts_on=c["starts_on"],
            active=c["active"],
            version=c["version"] if item is not None else None,
        ),
        "目录事项已保存",
        FIELD_LABELS,
    )


@login_required
def catalogue(request: HttpRequest, org_pk: int) -> HttpResponse:
    o = get_org_for_user(request.user, org_pk, Action.APPROVE)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and _item_call(request, o, form, None):
        return redirect("openness:catalogue", o.pk)
    kinds = {k.code: k.label for k in disclosable_kinds()}
    return render(
        request,
        "openness/catalogue.html",
        {
            "org": o,
            "own": [(i, selectors.timing_label(i), kinds.get(i.kind, "")) for i in selectors.own_items(o)],
            "inherited": [(i, selectors.timing_label(i)) for i in selectors.items_in_force(o) if i.org_id != o.pk],
            "form": form,
        },
    )


@login_required
def item(request: HttpRequest, pk: int) -> HttpResponse:
    it = selectors.get_item_for_user(request.user, pk, Action.APPROVE)
    initial = {f: getattr(it, f) for f in services.ITEM_FIELDS} | {"version": it.version}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and _item_call(request, it.org, form, it):
        return redirect("openness:catalogue", it.org_id)
    return render(request, "openness/item.html", {"it": it, "form": form})


# ---------------------------------------------------------------------------------------------
# Boards


@login_required
def board(request: HttpRequest, org_pk: int) -> HttpResponse:
    o, scopes = selectors.get_board_org(request.user, org_pk)
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() and 2000 <= int(year_raw) <= 2100 else None
    return render(
        request,
        "openness/board.html",
        {
            "org": o,
            "rows": list(selectors.board(o, scopes, year).select_related("item")[:200]),
            "year": year,
            "public_url": request.build_absolute_uri(reverse("openness:public", args=[o.pk])),
            "manage": can(request.user, Action.MANAGE, o.path),
        },
    )


def _qr(url: str) -> HttpResponse:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


@login_required
def board_qr(request: HttpRequest, org_pk: int) -> HttpResponse:
    o, _ = selectors.get_board_org(request.user, org_pk)
    return _qr(request.build_absolute_uri(reverse("openness:board", args=[o.pk])))


def _public_etag(request: HttpRequest, org_pk: int) -> str | None:
    stamp = selectors.public_board_stamp(org_pk)
    request.openness_stamp = stamp  # type: ignore[attr-defined]  # the view reuses it: one query, not two
    return stamp


def _cacheable(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@condition(etag_func=_public_etag)
def public(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The 向社会 board: no login; only published public disclosures, summaries only. The rendered
    page is kept in the cache under its ETag: a publication changes the ETag and published content
    is frozen, so a cached page is never older than PUBLIC_MAX_AGE (an org's renaming)."""
    key = f"openness:public:{getattr(request, 'openness_stamp', '') or selectors.public_board_stamp(org_pk)}"
    html = cache.get(key)
    if html is None:
        o = selectors.public_org(org_pk)
        rows = [(d, R.public_content(d.content)) for d in selectors.public_board(o.pk)[:100]]
        # Rendered without the request: no session or user is read, so nothing varies by cookie.
        html = render_to_string("openness/public.html", {"org": o, "rows": rows})
        cache.set(key, html, PUBLIC_MAX_AGE)
    return _cacheable(HttpResponse(html))


def public_item(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_public_disclosure(pk)
    html = render_to_string("openness/public_item.html", {"d": d, "content": R.public_content(d.content), "org": d.org})
    return _cacheable(HttpResponse(html))


def public_qr(request: HttpRequest, org_pk: int) -> HttpResponse:
    o = selectors.public_org(org_pk)
    return _cacheable(_qr(request.build_absolute_uri(reverse("openness:public", args=[o.pk]))))


# ---------------------------------------------------------------------------------------------
# Compliance


def _date(raw: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return default


@login_required
def compliance(request: HttpRequest, org_pk: int) -> HttpResponse:
    o = get_org_for_user(request.user, org_pk, Action.MANAGE)
    today = timezone.localdate()
    start = _date(request.GET.get("start", ""), dt.date(today.year, 1, 1))
    end = _date(request.GET.get("end", ""), today)
    rows = selectors.compliance(o, start, end, today)
    return render(
        request,
        "openness/compliance.html",
        {
            "org": o,
            "rows": rows,
            "start": start,
            "end": end,
            "overdue": selectors.overdue_list(o, today),
            "totals": {k: sum(getattr(r, k) for r in rows) for k in ("owed", "done_on_time", "done_late", "overdue")},
        },
    )


# ---------------------------------------------------------------------------------------------
# 民主议事


@login_required
def deliberations(request: HttpRequest, org_pk: int) -> HttpResponse:
    o = get_org_for_user(request.user, org_pk, Action.VIEW)
    form = DeliberationForm(
        request.POST or None, initial={"procedure": "village" if o.sector == "village" else "general"}
    )
    if request.method == "POST":
        o = get_org_for_user(request.user, org_pk, Action.MANAGE)
        created: list[Deliberation] = []
        if run_form_service(
            request,
            form,
            lambda c: created.append(
                services.deliberation_open(
                    actor=request.user, org=o, topic=c["topic"], proposer=c["proposer"], procedure=c["procedure"]
                )
            ),
            "已登记议题，请按程序登记各环节",
            FIELD_LABELS,
        ):
            return redirect("openness:deliberation", created[0].pk)
    return render(
        request,
        "openness/deliberations.html",
        {
            "org": o,
            "rows": list(selectors.deliberations_of(o)[:100]),
            "form": form,
            "manage": can(request.user, Action.MANAGE, o.path),
        },
    )


@login_required
def deliberation(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_deliberation_for_user(request.user, pk)
    stages = list(d.stages.order_by("seq"))
    nxt = R.next_stage(d.procedure, [s.stage for s in stages])
    labels = {s.code: s.label for s in R.STAGES[d.procedure]}
    resolutions = list(
        Resolution.objects.filter(meeting__branch_path__startswith=d.org_path, meeting__status=MeetingStatus.FILED)
        .select_related("meeting")
        .order_by("-meeting__meeting_date")[:50]
    )
    return render(
        request,
        "openness/deliberation.html",
        {
            "d": d,
            "stages": [(s, labels.get(s.stage, s.stage)) for s in stages],
            "next": nxt,
            "stage_form": StageForm(initial={"stage": nxt.code if nxt else "", "version": d.version}),
            "impl_form": ImplementationForm(
                resolutions=resolutions,
                initial={
                    "owner": d.owner,
                    "deadline": d.deadline,
                    "version": d.version,
                    "resolutions": list(d.resolutions.values_list("pk", flat=True)),
                },
            ),
            "result_form": ResultForm(initial={"result": d.result, "result_on": d.result_on, "version": d.version}),
            "options": list(d.options.all()),
            "manage": can(request.user, Action.MANAGE, d.org_path),
            "open": d.status == DeliberationStatus.OPEN,
            "decided": d.status == DeliberationStatus.DECIDED,
            "option_slots": [1, 2, 3],
        },
    )


def _deliberation_post(
    request: HttpRequest, pk: int, call: Callable[[Deliberation], object], done: str
) -> HttpResponse:
    d = selectors.get_deliberation_for_user(request.user, pk, Action.MANAGE)
    run_service(request, lambda: call(d), done, FIELD_LABELS)
    return redirect("openness:deliberation", d.pk)


@login_required
@require_POST
def stage(request: HttpRequest, pk: int) -> HttpResponse:
    form = StageForm(request.POST)
    d = selectors.get_deliberation_for_user(request.user, pk, Action.MANAGE)
    run_form_service(
        request,
        form,
        lambda c: services.deliberation_stage_record(
            actor=request.user,
            deliberation=d,
            stage=c["stage"],
            held_on=c["held_on"],
            expected=c["expected"] or 0,
            present=c["present"] or 0,
            note=c["note"],
            version=c["version"],
        ),
        "已登记该环节",
        FIELD_LABELS,
    )
    return redirect("openness:deliberation", d.pk)


def _int(raw: str) -> int:
    return int(raw) if raw.strip().isdigit() else 0


@login_required
@require_POST
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    options: list[tuple[str, int, int, int]] = []
    chosen_raw = request.POST.get("chosen", "")
    chosen = -1
    for slot in (1, 2, 3):
        label = request.POST.get(f"option_{slot}", "").strip()
        if not label:
            continue
        if chosen_raw == str(slot):
            chosen = len(options)
        options.append(
            (
                label,
                _int(request.POST.get(f"yes_{slot}", "")),
                _int(request.POST.get(f"no_{slot}", "")),
                _int(request.POST.get(f"abstain_{slot}", "")),
            )
        )
    return _deliberation_post(
        request,
        pk,
        lambda d: services.deliberation_record_decision(
            actor=request.user,
            deliberation=d,
            options=options,
            chosen=chosen,
            decision=request.POST.get("decision", ""),
            version=_version(request),
        ),
        "已登记决议，请提出决议公开",
    )


@login_required
@require_POST
def implementation(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_deliberation_for_user(request.user, pk, Action.MANAGE)
    resolutions = list(
        Resolution.objects.filter(meeting__branch_path__startswith=d.org_path).select_related("meeting")[:200]
    )
    form = ImplementationForm(request.POST, resolutions=resolutions)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("openness:deliberation", d.pk)
    c = form.cleaned_data
    chosen = [r for r in resolutions if r.pk in set(c["resolutions"])]
    return _deliberation_post(
        request,
        pk,
        lambda d: services.deliberation_implementation_save(
            actor=request.user,
            deliberation=d,
            owner=c["owner"],
            deadline=c["deadline"],
            resolutions=chosen,
            version=c["version"],
        ),
        "已登记落实安排",
    )


@login_required
@require_POST
def result(request: HttpRequest, pk: int) -> HttpResponse:
    form = ResultForm(request.POST)
    d = selectors.get_deliberation_for_user(request.user, pk, Action.MANAGE)
    run_form_service(
        request,
        form,
        lambda c: services.deliberation_result_record(
            actor=request.user, deliberation=d, result=c["result"], result_on=c["result_on"], version=c["version"]
        ),
        "已登记实施结果，请提出结果公开",
        FIELD_LABELS,
    )
    return redirect("openness:deliberation", d.pk)


@login_required
@require_POST
def disclose(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_deliberation_for_user(request.user, pk, Action.MANAGE)
    created: list[Any] = []
    ok = run_service(
        request,
        lambda: created.append(
            services.deliberation_disclose(
                actor=request.user,
                deliberation=d,
                which=request.POST.get("which", ""),
                scope=request.POST.get("scope", "org"),
                channel=request.POST.get("channel", "board"),
            )
        ),
        "已提出公开，请完成保密审查、审批后公开",
        FIELD_LABELS,
    )
    if ok:
        return redirect("openness:disclosure", created[0].pk)
    return redirect("openness:deliberation", d.pk)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _deliberation_post(
        request,
        pk,
        lambda d: services.deliberation_close(actor=request.user, deliberation=d, version=_version(request)),
        "已办结",
    )


# ---------------------------------------------------------------------------------------------
# 撤回 and 申请公开

REQUEST_LABELS = {
    **FIELD_LABELS,
    "reason": "理由",
    "matter": "申请公开的事项",
    "answer": "答复",
    "disclosure": "公开事项",
}


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_disclosure_for_user(request.user, pk, Action.APPROVE)
    reason = request.POST.get("reason", "")
    run_service(
        request,
        lambda: services.disclosure_withdraw(
            actor=request.user, disclosure=d, reason=reason, version=_version(request)
        ),
        "已撤回，撤回理由已存档并在公开栏说明",
        REQUEST_LABELS,
    )
    return redirect("openness:disclosure", d.pk)


@login_required
def withdrawn(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The board's items taken down: title, when and why (the reader sees no content)."""
    o, scopes = selectors.get_board_org(request.user, org_pk)
    return render(request, "openness/withdrawn.html", {"org": o, "rows": selectors.withdrawn_on_board(o, scopes)})


def _request_form(member: Any, data: Any = None) -> RequestForm:
    items = list(selectors.items_in_force(member.org).values_list("pk", "title")[:100])
    return RequestForm(data, items=items)


@login_required
def requests_mine(request: HttpRequest) -> HttpResponse:
    """A member's 申请公开: the form and their requests with the branch's answers."""
    me = own_member(request.user)
    if me is None:
        return redirect("openness:index")
    return render(
        request,
        "openness/requests_mine.html",
        {"me": me, "form": _request_form(me), "rows": selectors.my_requests(me), "today": timezone.localdate()},
    )


@login_required
@require_POST
def request_file(request: HttpRequest) -> HttpResponse:
    me = own_member(request.user)
    if me is None:
        raise PermissionDenied("只有党员本人可以申请公开")
    form = _request_form(me, request.POST)

    def call(d: dict[str, Any]) -> object:
        item = selectors.items_in_force(me.org).filter(pk=d["item"]).first() if d["item"] else None
        if d["item"] and item is None:
            raise ValidationError({"item": "该事项不在本支部适用的党务公开目录中"})
        return services.disclosure_request_file(actor=request.user, matter=d["matter"], reason=d["reason"], item=item)

    run_form_service(request, form, call, "申请已提交，支部将在答复期限内答复", REQUEST_LABELS)
    return redirect("openness:requests_mine")


@login_required
def requests(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The branch's 申请公开: pending first (soonest due), each with its answer form."""
    o = selectors.org_for_manage(request.user, org_pk)
    choices = selectors.answerable_disclosures(o)
    rows = [
        (r, AnswerForm(auto_id=f"r{r.pk}-%s", disclosures=choices) if r.status == "pending" else None)
        for r in selectors.requests_of(o)
    ]
    return render(request, "openness/requests.html", {"org": o, "rows": rows, "today": timezone.localdate()})


@login_required
@require_POST
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.get_request_for_user(request.user, pk, Action.MANAGE)
    form = AnswerForm(request.POST, disclosures=selectors.answerable_disclosures(row.org))

    def call(d: dict[str, Any]) -> object:
        linked = selectors.get_disclosure_for_user(request.user, d["disclosure"]) if d["disclosure"] else None
        return services.disclosure_request_answer(
            actor=request.user,
            request=row,
            agree=d["agree"],
            answer=d["answer"],
            disclosure=linked,
            version=_version(request),
        )

    run_form_service(request, form, call, "已答复，申请人将收到通知", REQUEST_LABELS)
    return redirect("openness:requests", row.org_id)
