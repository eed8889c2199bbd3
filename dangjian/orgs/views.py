from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import PkUrl, errors_to_form

from . import selectors, services
from .forms import ChecksFilterForm, MoveForm, OrgEditForm, OrgForm, PostAssignForm, PostEndForm
from .models import ALLOWED_CHILDREN, Organization
from .rules import FINDING_LABELS, default_term_years
from .services import ORG_FIELDS


def _posted(request: HttpRequest) -> Any:
    """The POST data for a bound form (an empty POST is still a submission, unlike `POST or None`)."""
    return request.POST if request.method == "POST" else None


def _node_urls() -> dict[str, PkUrl]:
    """The tree rows' links, reversed once per page (not per row)."""
    return {"children": PkUrl("orgs:children"), "detail": PkUrl("orgs:detail")}


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:60]
    return render(
        request,
        "orgs/tree.html",
        {
            "roots": selectors.top_orgs_for(request.user),
            "node_urls": _node_urls(),
            "q": q,
            "results": selectors.search_orgs(request.user, q) if q else None,
        },
    )


@login_required
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial: one level of the tree, paged so a 10,000-branch level stays light."""
    org = selectors.get_org_for_user(request.user, pk)
    page = Paginator(selectors.children_of(org), 100).get_page(request.GET.get("page"))
    return render(request, "orgs/_children.html", {"org": org, "page": page, "node_urls": _node_urls()})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, pk)
    ov = selectors.org_overview(org, timezone.localdate())
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "ov": ov,
            "can_admin": can(request.user, Action.ADMIN, org.path),
            "can_checks": can(request.user, Action.APPROVE, org.path),
            "child_kinds": ALLOWED_CHILDREN[org.kind],
            "end_form": PostEndForm(initial={"ended_on": timezone.localdate()}),
        },
    )


@login_required
def create_child(request: HttpRequest, pk: int) -> HttpResponse:
    parent = selectors.get_org_for_user(request.user, pk, Action.ADMIN)
    kinds = sorted(ALLOWED_CHILDREN[parent.kind])
    if not kinds:
        raise Http404("党小组下不能再设下级组织")
    form = OrgForm(_posted(request), kinds=kinds, initial={"sector": parent.sector, "kind": kinds[-1]})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            org = services.org_create(actor=request.user, parent=parent, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"已新建 {org.name}")
            return redirect("orgs:detail", org.pk)
    return render(request, "orgs/form.html", {"form": form, "parent": parent, "title": f"在 {parent.name} 下新建组织"})


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, pk, Action.ADMIN)
    initial: dict[str, Any] = {f: getattr(org, f) for f in ORG_FIELDS}
    initial["version"] = org.version
    form = OrgEditForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            org = services.org_update(actor=request.user, org=org, version=version, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("orgs:detail", org.pk)
    return render(
        request,
        "orgs/form.html",
        {
            "form": form,
            "org": org,
            "title": f"编辑 {org.name}",
            "default_term": default_term_years(org.kind, org.sector),
        },
    )


@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, pk, Action.ADMIN)
    if org.depth == 1:
        raise Http404("顶层组织不能调整隶属关系")
    q = request.GET.get("q", "").strip()[:60]
    form = MoveForm(_posted(request), queryset=selectors.move_parent_queryset(request.user, org))
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_move(actor=request.user, org=org, new_parent=form.cleaned_data["new_parent"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"已将 {org.name} 调整到 {form.cleaned_data['new_parent'].name} 之下")
            return redirect("orgs:detail", org.pk)
    return render(
        request,
        "orgs/move.html",
        {
            "org": org,
            "form": form,
            "q": q,
            "candidates": selectors.move_candidates(request.user, org, q),
            "parent": Organization.objects.get_parent(org),
        },
    )


@login_required
def post_assign(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, pk, Action.ADMIN)
    q = request.GET.get("q", "").strip()[:60]
    form = PostAssignForm(_posted(request), queryset=selectors.post_member_queryset(org))
    if request.method == "POST" and form.is_valid():
        try:
            services.post_assign(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "已任命")
            return redirect("orgs:detail", org.pk)
    return render(
        request,
        "orgs/post_assign.html",
        {"org": org, "form": form, "q": q, "candidates": selectors.post_candidates(org, q)},
    )


@login_required
@require_POST
def post_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for_user(request.user, pk, Action.ADMIN)
    form = PostEndForm(request.POST)
    if form.is_valid():
        try:
            services.post_end(actor=request.user, post=post, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            errors_to_form(form, exc)
    if form.errors:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, f"{post.member.name} {post.get_post_display()}：{e}")
    else:
        messages.success(request, f"{post.member.name} 已离任{post.get_post_display()}")
    return redirect("orgs:detail", post.org_id)


@login_required
def checks(request: HttpRequest) -> HttpResponse:
    """The committee's structure list over its whole subtree."""
    roots = list(selectors.top_orgs_for(request.user, Action.APPROVE))
    if not roots:
        raise Http404("没有可检查的组织")
    org_pk = request.GET.get("org", "")
    org = selectors.get_org_for_user(request.user, org_pk, Action.APPROVE) if org_pk.isdigit() else roots[0]
    f = ChecksFilterForm(request.GET or None)
    filters = f.cleaned_data if f.is_valid() else {}
    report = selectors.structure_report(
        org.path,
        timezone.localdate(),
        severity=filters.get("severity", ""),
        code=filters.get("code", ""),
        q=filters.get("q", ""),
    )
    page = Paginator(report.rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orgs/checks.html",
        {
            "org": org,
            "roots": roots,
            "report": report,
            "page": page,
            "filter": f,
            "query": query.urlencode(),
            "labels": FINDING_LABELS,
            "code": filters.get("code", ""),
            "severity": filters.get("severity", ""),
        },
    )


@login_required
def config_view(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, pk, Action.ADMIN)
    error_key, error = "", ""
    if request.method == "POST":
        key = request.POST.get("key", "")
        selectors.config_key_or_404(key)
        try:
            if request.POST.get("op") == "clear":
                services.config_clear(actor=request.user, org=org, key=key)
                messages.success(request, "已恢复为继承值")
            else:
                services.config_set(actor=request.user, org=org, key=key, raw_value=request.POST.get("value", ""))
                messages.success(request, "已保存")
        except ValidationError as exc:
            error_key, error = key, "；".join(exc.messages)
        else:
            return redirect("orgs:config", org.pk)
    return render(
        request,
        "orgs/config.html",
        {"org": org, "lines": selectors.config_overview(org), "error_key": error_key, "error": error},
    )
