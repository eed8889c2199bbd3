"""Brand pages: thin views that parse input, call one service or selector, and render.

No page ranks branches: the board lists branches in tree order with their stage; scores are shown
on a project's own page to the committee and the branch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.files import file_response
from dangjian.core.scoping import Action, can
from dangjian.core.views_util import errors_to_form, flash_errors, run_form_service, run_service
from dangjian.orgs import config
from dangjian.orgs.selectors import get_org_for_user

from . import rules as R
from . import selectors, services
from .forms import (
    AnswerForm,
    ApplicationForm,
    CampaignForm,
    CaseForm,
    GradeForm,
    NewsForm,
    ObjectionForm,
    OpinionForm,
    ProgressDeedsForm,
    ProgressForm,
    ReviewForm,
    ReviseForm,
)
from .models import Phase, ProgressKind, Project, Stage

FIELD_LABELS = {
    "brand_name": "品牌名称",
    "logo": "品牌标识",
    "originality": "原创承诺",
    "opinion": "审核意见",
    "reviewer": "评审专家",
    "reason": "异议内容",
    "received_on": "收到日期",
    "answer": "答复意见",
    "summary": "进展",
    "meeting_id": "关联会议",
    "on": "日期",
    "grade": "验收等次",
    "case": "案例",
    **{key: label for key, label, _ in R.APPLICATION_SECTIONS},
}


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else -1


def _to(p: Project) -> HttpResponse:
    return redirect("brands:project", p.pk)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    campaigns = [
        (c, can(request.user, Action.MANAGE, c.org_path), selectors.startable_branches(request.user, c))
        for c in selectors.campaigns_for(request.user)[:10]
    ]
    mine = list(
        Project.objects.visible_to(request.user)
        .select_related("campaign", "org")
        .order_by("-campaign_id", "org__path")[:100]
    )
    committees = selectors.campaign_orgs(request.user)
    return render(request, "brands/index.html", {"campaigns": campaigns, "projects": mine, "committees": committees})


@login_required
def campaign_new(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.ADMIN)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            d = form.cleaned_data
            c = services.campaign_create(
                actor=request.user,
                org=org,
                title=d["title"],
                document=d["document"],
                incubation_end=d["incubation_end"],
                application_deadline=d["application_deadline"],
                approval_deadline=d["approval_deadline"],
                cultivation_end=d["cultivation_end"],
                acceptance_deadline=d["acceptance_deadline"],
                criteria=form.criteria(),
                must_apply=form.must_apply(),
                excellent_quota=d["excellent_quota"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "已发布品牌创建活动")
            return redirect("brands:campaign", c.pk)
    return render(request, "brands/campaign_new.html", {"org": org, "form": form})


@login_required
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee's board (branches see their calls and apply from the index)."""
    c = selectors.get_campaign_for_user(request.user, pk, Action.MANAGE)
    b = selectors.board(c, stage=request.GET.get("stage", ""))
    page = Paginator(b.rows, 100).get_page(request.GET.get("page"))
    return render(request, "brands/board.html", {"c": c, "b": b, "page": page})


@login_required
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_campaign_for_user(request.user, pk)
    org_pk = request.POST.get("org", "")
    org = get_org_for_user(request.user, int(org_pk) if org_pk.isdigit() else 0, Action.MANAGE)
    try:
        p = services.project_start(actor=request.user, campaign=c, org=org)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("brands:index")
    return redirect("brands:edit", p.pk)


@login_required
def project(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk)
    page = selectors.project_page(request.user, p)
    mode = str(config.effective(p.campaign.org_path, "brands.count_mode"))
    return render(
        request,
        "brands/project.html",
        {
            "p": p,
            "page": page,
            "Stage": Stage,
            "progress_form": ProgressForm(meetings=page.meetings),
            "news_form": NewsForm(),
            "objection_form": ObjectionForm(initial={"received_on": timezone.localdate()}),
            "count_mode": mode,
        },
    )


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    initial = {
        "brand_name": p.brand_name,
        "slogan": p.slogan,
        "logo_meaning": p.logo_meaning,
        "originality": p.originality,
    }
    form = ApplicationForm(request.POST or None, request.FILES or None, initial={**initial, **p.sections})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.project_save(
                actor=request.user,
                project=p,
                brand_name=d["brand_name"],
                slogan=d["slogan"],
                logo_meaning=d["logo_meaning"],
                sections=form.sections(),
                originality=d["originality"],
                logo=d.get("logo"),
                version=_version(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "申报书已保存")
            return _to(p)
    return render(request, "brands/edit.html", {"p": p, "form": form})


@login_required
@require_POST
def project_submit(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.project_submit(actor=request.user, project=p, version=_version(request)),
        "申报书已提交基层党委（总支）审核",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def unit_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.APPROVE, at="unit")
    form = OpinionForm(request.POST)
    recommend = request.POST.get("decision", "approve") != "return"
    run_form_service(
        request,
        form,
        lambda d: services.project_unit_review(
            actor=request.user,
            project=p,
            opinion=d["opinion"],
            recommend=recommend,
            version=_version(request),
        ),
        "已审核推荐" if recommend else "已退回支部修改",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.ADMIN, at="committee")
    page = selectors.project_page(request.user, p)
    raw = request.POST.get("reviewer", "")
    reviewer = next((u for u in page.reviewers if str(u.pk) == raw), None)
    if reviewer is None:
        messages.error(request, "评审专家：请从列表中选择评审专家")
        return _to(p)
    phase = Phase.ACCEPTANCE if p.stage == Stage.CASE_SUBMITTED else Phase.APPROVAL
    run_service(
        request,
        lambda: services.review_assign(actor=request.user, project=p, reviewer=reviewer, phase=phase),
        f"已分配评审专家 {reviewer.name}",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.APPROVE, at="committee")
    candidate = request.POST.get("decision", "approve") != "reject"
    run_service(
        request,
        lambda: services.project_shortlist_decide(
            actor=request.user, project=p, candidate=candidate, version=_version(request)
        ),
        "已确定为初步培育对象，待支部修改完善" if candidate else "已确定未入选",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    form = ReviseForm(request.POST or None, initial=p.revised_sections or p.sections)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_revise(actor=request.user, project=p, sections=form.sections(), version=_version(request))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "修改稿已提交，待组织部审定")
            return _to(p)
    reviews = [r for r in p.reviews.filter(phase=Phase.APPROVAL, submitted_at__isnull=False)]
    return render(request, "brands/revise.html", {"p": p, "form": form, "reviews": reviews})


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.APPROVE, at="committee")
    run_service(
        request,
        lambda: services.project_approve(actor=request.user, project=p, version=_version(request)),
        "已审定，进入立项公示",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE, at="committee")
    form = ObjectionForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.objection_record(
            actor=request.user, project=p, reason=d["reason"], received_on=d["received_on"]
        ),
        "已登记异议，答复前不能立项",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    o = selectors.get_objection_for_user(request.user, pk)
    if not can(request.user, Action.APPROVE, o.project.campaign.org_path):
        raise PermissionDenied("无权答复公示异议")
    form = AnswerForm(request.POST)
    upheld = request.POST.get("decision") == "upheld"
    run_form_service(
        request,
        form,
        lambda d: services.objection_decide(
            actor=request.user, objection=o, upheld=upheld, answer=d["answer"], version=_version(request)
        ),
        "已答复异议",
        FIELD_LABELS,
    )
    return redirect("brands:project", o.project_id)


@login_required
@require_POST
def establish(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.APPROVE, at="committee")
    run_service(
        request,
        lambda: services.project_establish_approve(actor=request.user, project=p, version=_version(request)),
        "已立项",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.APPROVE, at="committee")
    reason = request.POST.get("disqualify_reason", "")
    run_service(
        request,
        lambda: services.project_disqualify_decide(
            actor=request.user, project=p, reason=reason, version=_version(request)
        ),
        "已取消申报资格",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    page = selectors.project_page(request.user, p)
    form = ProgressForm(request.POST, meetings=page.meetings)
    run_form_service(
        request,
        form,
        lambda d: services.progress_add(
            actor=request.user,
            project=p,
            on=d["on"],
            kind=d["kind"],
            summary=d["summary"],
            meeting_id=d["meeting_id"],
            ref=d["ref"],
        ),
        "已记录培育进展",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def news_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    form = NewsForm(request.POST)
    run_form_service(
        request, form, lambda d: services.news_add(actor=request.user, project=p, **d), "已登记宣传稿件", FIELD_LABELS
    )
    return _to(p)


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    form = CaseForm(request.POST or None, initial=p.case_sections)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_save(actor=request.user, project=p, sections=form.sections(), version=_version(request))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "案例已保存")
            return _to(p)
    mode = str(config.effective(p.campaign.org_path, "brands.count_mode"))
    return render(request, "brands/case.html", {"p": p, "form": form, "mode": mode, "limit": R.CASE_MAX_CHARS})


@login_required
@require_POST
def case_submit(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.case_submit(actor=request.user, project=p, version=_version(request)),
        "已提交考核验收",
        FIELD_LABELS,
    )
    return _to(p)


@login_required
@require_POST
def grade(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk, Action.APPROVE, at="committee")
    form = GradeForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.project_grade_decide(
            actor=request.user, project=p, grade=d["grade"], version=_version(request)
        ),
        "已评定验收等次",
        FIELD_LABELS,
    )
    return _to(p)


def _pdf(html: str, request: HttpRequest, filename: str) -> HttpResponse:
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{filename}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@login_required
def application_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.get_project_for_user(request.user, pk)
    sections = p.revised_sections or p.sections
    html = render_to_string(
        "brands/application_pdf.html",
        {
            "p": p,
            "sections": [(label, str(sections.get(key, ""))) for key, label, _ in R.APPLICATION_SECTIONS],
            "logo": p.logo.path if p.logo else "",
            "printed_at": timezone.localtime(),
        },
    )
    return _pdf(html, request, f"brand-application-{p.pk}.pdf")


@login_required
def casebook(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_campaign_for_user(request.user, pk, Action.MANAGE)
    projects = selectors.casebook_projects(c)
    if not projects:
        messages.error(request, "尚无通过验收的案例，不能生成案例汇编")
        return redirect("brands:campaign", c.pk)
    html = render_to_string(
        "brands/casebook_pdf.html",
        {
            "c": c,
            "projects": [
                (p, [(label, str(p.case_sections.get(k, ""))) for k, label in R.CASE_SECTIONS]) for p in projects
            ],
        },
    )
    return _pdf(html, request, f"casebook-{c.pk}.pdf")


@login_required
def logo(request: HttpRequest, pk: int) -> Any:
    p = selectors.get_project_for_user(request.user, pk)
    if not p.logo:
        raise Http404("未上传品牌标识")
    return file_response(p.logo, filename=f"logo-{p.pk}{p.logo.name[p.logo.name.rfind('.') :]}")


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    d = selectors.get_document_for_user(request.user, pk)
    return render(request, "brands/document.html", {"d": d, "evidence": selectors.evidence(d)})


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    reviews = selectors.reviewer_queue(request.user)
    return render(request, "brands/queue.html", {"reviews": reviews})


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    r = selectors.get_review_for_user(request.user, pk)
    p = r.project
    form = ReviewForm(request.POST or None, criteria=p.campaign.criteria, initial={
        "comments": r.comments, "requirements": r.requirements, **{f"score_{k}": v for k, v in r.scores.items()}
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.review_submit(
                actor=request.user,
                review=r,
                scores=form.scores(),
                comments=form.cleaned_data["comments"],
                requirements=form.cleaned_data["requirements"],
                version=_version(request),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "评分已提交")
            return redirect("brands:queue")
    sections = [(label, str(p.sections.get(key, ""))) for key, label, _ in R.APPLICATION_SECTIONS]
    case = (
        [(label, str(p.case_sections.get(key, ""))) for key, label in R.CASE_SECTIONS]
        if r.phase == Phase.ACCEPTANCE
        else []
    )
    return render(request, "brands/review.html", {"r": r, "p": p, "form": form, "sections": sections, "case": case})


def public_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Public (no login): only what the 公示 contains."""
    c, projects = selectors.public_notice(pk)
    resp = render(request, "brands/public_notice.html", {"c": c, "projects": projects, "today": timezone.localdate()})
    return resp


@login_required
@require_POST
def progress_deeds_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A progress entry from picked community-confirmed deeds (志愿服务, dated by the latest one)."""
    p = selectors.get_project_for_user(request.user, pk, Action.MANAGE)
    deeds = selectors.project_page(request.user, p).deeds
    form = ProgressDeedsForm(request.POST, deeds=deeds)
    on = {d.pk: d.on for d in deeds}
    run_form_service(
        request,
        form,
        lambda d: services.progress_add(
            actor=request.user,
            project=p,
            on=max(on[i] for i in d["deed_ids"]),
            kind=ProgressKind.VOLUNTEER,
            summary=d["summary"],
            deed_ids=d["deed_ids"],
        ),
        "已记录培育进展（关联社区确认的实事）",
        {**FIELD_LABELS, "deed_ids": "社区确认的实事"},
    )
    return _to(p)
