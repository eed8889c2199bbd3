"""Points pages: thin views that parse input, call one service or selector, and render.

No page sorts members by points or numbers them by rank (国办函〔2026〕12号; the burden rules):
the branch page shows stars in name order; a member's figures are on their own page only.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import flash_errors, run_form_service, run_service
from dangjian.members.models import Member
from dangjian.orgs.models import OrgKind
from dangjian.orgs.selectors import get_org_for_user

from . import exports, selectors, services
from . import rules as R
from .forms import ManualPointForm, manual_data_from_post, manual_fields

FIELD_LABELS = {
    "on": "日期",
    "item_code": "积分项目",
    "reason": "事由",
    "document": "依据",
    "note": "审核意见",
    "answer": "答复意见",
}


def _to_branch(org_pk: int, year: int) -> HttpResponse:
    return redirect(f"{reverse('points:branch', args=[org_pk])}?year={year}")


def _year(request: HttpRequest) -> int:
    return selectors.year_param(request.GET.get("year", "") or request.POST.get("year", ""))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    branches = list(selectors.manageable_branches(request.user)[:200])
    committees = list(selectors.manual_orgs(request.user)[:200])
    tops = list(selectors.overview_orgs(request.user)[:200])
    if not branches and not committees and not tops:
        return redirect("points:my")
    return render(
        request,
        "points/index.html",
        {"branches": branches, "committees": committees, "tops": tops, "me": selectors.own_member(request.user)},
    )


def _ledger(request: HttpRequest, member: Member) -> HttpResponse:
    year = _year(request)
    return render(
        request,
        "points/member.html",
        {
            "data": selectors.member_points(member, year),
            "own": member.user_id == request.user.pk,
            "can_manage": can(request.user, Action.MANAGE, member.org_path),
            "year": year,
        },
    )


@login_required
def my(request: HttpRequest) -> HttpResponse:
    member = selectors.own_member(request.user)
    if member is None:
        return render(request, "points/no_member.html")
    return _ledger(request, member)


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    return _ledger(request, selectors.get_member_for_points(request.user, pk))


@login_required
def branch(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_points(request.user, org_pk)
    year = _year(request)
    data = selectors.branch_points(org, year)
    form = ManualPointForm(members=[r.member for r in data.rows], manual=data.manual.manual)
    return render(request, "points/branch.html", {"data": data, "form": form, "year": year})


@login_required
def overview(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    if org.kind == OrgKind.BRANCH:
        return _to_branch(org.pk, _year(request))
    year = _year(request)
    return render(request, "points/overview.html", {"o": selectors.overview(org, year), "year": year})


@login_required
def annual_xlsx(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_points(request.user, org_pk)
    return exports.annual_response(request.user, org, _year(request))


@login_required
@require_POST
def enter(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_points(request.user, org_pk)
    year = _year(request)
    members = list(Member.objects.filter(org=org, is_active=True).order_by("name"))
    form = ManualPointForm(request.POST, members=members, manual=selectors.manual_for(org.path, year).manual)
    run_form_service(
        request,
        form,
        lambda d: services.manual_point_enter(
            actor=request.user,
            member=next(m for m in members if m.pk == d["member"]),
            item_code=d["item_code"],
            on=d["on"],
            reason=d["reason"],
            document=d["document"],
        ),
        "已录入，待另一位同志审核后计分",
        FIELD_LABELS,
    )
    return _to_branch(org.pk, year)


def _decision(request: HttpRequest, call: Callable[[int], object], done: str) -> None:
    """Run a decision service with the form's version; flash its refusal (rule or four eyes) or `done`."""
    version = request.POST.get("version", "")
    run_service(request, lambda: call(int(version) if version.isdigit() else -1), done, FIELD_LABELS)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    point = selectors.get_manual_point_for_user(request.user, pk)
    _decision(
        request,
        lambda version: services.manual_point_decide(
            actor=request.user,
            point=point,
            approve=request.POST.get("decision") == "approve",
            version=version,
            note=request.POST.get("note", ""),
        ),
        "已审核",
    )
    org = Member.objects.filter(pk=point.member_id).values_list("org_id", flat=True).first()
    return _to_branch(org, point.on.year) if org else redirect("points:index")


@login_required
@require_POST
def recompute(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_points(request.user, org_pk)
    year = _year(request)
    run_service(
        request,
        lambda: services.points_recompute(actor=request.user, org=org, year=year),
        lambda result: f"已按记录重新计算 {result['members']} 名党员的积分（{result['changed']} 人有变化）",
    )
    return _to_branch(org.pk, year)


@login_required
def manual(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_manual(request.user, org_pk)
    year = _year(request)
    in_force = selectors.manual_for(org.path, year)
    if request.method == "POST" and run_service(
        request,
        lambda: services.points_manual_save(
            actor=request.user,
            org=org,
            year=year,
            data=manual_data_from_post(in_force.manual, request.POST),
            document=request.POST.get("document", ""),
            version=int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None,
        ),
        f"已保存 {year} 年度积分细则，适用于本组织及下级（下级另行制定的除外）",
    ):
        return redirect(f"{reverse('points:manual', args=[org.pk])}?year={year}")
    m = in_force.manual
    stars = {t.stars: t for t in m.thresholds}
    bstars = {t.stars: t for t in m.branch_thresholds}
    return render(
        request,
        "points/manual.html",
        {
            "org": org,
            "year": year,
            "in_force": in_force,
            "own_row": in_force.row if in_force.row and in_force.row.org_id == org.pk else None,
            "items": manual_fields(m, selectors.event_source_labels()),
            "sources": selectors.source_choices(),
            "categories": list(R.CATEGORY_LABELS.items()),
            "branch_stars": [
                (n, bstars[n].label if n in bstars else "", R.fmt(bstars[n].min_points) if n in bstars else "")
                for n in range(1, 6)
            ],
            "caps": [(c, R.category_label(c), R.fmt(v)) for c, v in m.category_caps.items()],
            "total_cap": "" if m.total_cap is None else R.fmt(m.total_cap),
            "stars": [
                (n, stars[n].label if n in stars else "", R.fmt(stars[n].min_points) if n in stars else "")
                for n in range(1, 6)
            ],
        },
    )


# ---------------------------------------------------------------------------------------------
# 公示 and objections


@login_required
@require_POST
def notice_publish(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch_for_points(request.user, org_pk)
    year = _year(request)
    try:
        notice = services.points_notice_publish(actor=request.user, org=org, year=year)
    except ValidationError as exc:
        flash_errors(request, exc)
        return _to_branch(org.pk, year)
    messages.success(request, f"已公示，公示期至 {notice.ends_on:%Y-%m-%d}")
    return redirect("points:notice", pk=notice.pk)


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    n = selectors.get_notice_for_user(request.user, pk)
    return render(request, "points/notice.html", {"page": selectors.notice_page(request.user, n)})


@login_required
@require_POST
def objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    n = selectors.get_notice_for_user(request.user, pk)
    try:
        services.points_objection_raise(actor=request.user, notice=n, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        flash_errors(request, exc, {"reason": "异议理由"})
    else:
        messages.success(request, "已提出异议，支部委员会将在规定期限内答复")
    return redirect("points:notice", pk=n.pk)


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    obj = selectors.get_objection_for_user(request.user, pk)
    _decision(
        request,
        lambda version: services.points_objection_decide(
            actor=request.user,
            objection=obj,
            upheld=request.POST.get("decision") == "upheld",
            answer=request.POST.get("answer", ""),
            version=version,
        ),
        "已答复",
    )
    return redirect("points:notice", pk=obj.notice_id)


# ---------------------------------------------------------------------------------------------
# 星级党支部 and the boards


def _to_ratings(org_pk: int, year: int) -> HttpResponse:
    return redirect(f"{reverse('points:ratings', args=[org_pk])}?year={year}")


RATING_LABELS = {
    "branch": "党支部",
    "points_score": "积分制管理考核得分",
    "target_score": "年终目标考核得分",
    "direct_stars": "直接评定",
    "document": "依据文件",
    "note": "理由",
}


@login_required
def ratings(request: HttpRequest, org_pk: int) -> HttpResponse:
    committee = selectors.get_committee_for_ratings(request.user, org_pk)
    year = _year(request)
    page = request.GET.get("page", "1")
    data, pager = selectors.branch_ratings(committee, year, int(page) if page.isdigit() else 1)
    return render(request, "points/ratings.html", {"data": data, "pager": pager, "year": year})


@login_required
@require_POST
def rating_enter(request: HttpRequest, org_pk: int) -> HttpResponse:
    committee = selectors.get_committee_for_ratings(request.user, org_pk)
    year = _year(request)
    raw_branch = request.POST.get("branch", "")
    branch = selectors.get_branch_for_points(request.user, raw_branch) if raw_branch.isdigit() else None
    direct = request.POST.get("direct_stars", "")
    version = request.POST.get("version", "")
    if branch is None:
        messages.error(request, "请选择党支部")
        return _to_ratings(committee.pk, year)
    run_service(
        request,
        lambda: services.points_branch_rating_enter(
            actor=request.user,
            committee=committee,
            branch=branch,
            year=year,
            points_score=request.POST.get("points_score", ""),
            target_score=request.POST.get("target_score", ""),
            direct_stars=int(direct) if direct.isdigit() else None,
            document=request.POST.get("document", ""),
            note=request.POST.get("note", ""),
            version=int(version) if version.isdigit() else None,
        ),
        f"已录入{branch.name}的星级评定，待另一位同志审定",
        RATING_LABELS,
    )
    return _to_ratings(committee.pk, year)


@login_required
@require_POST
def rating_decide(request: HttpRequest, pk: int) -> HttpResponse:
    rating = selectors.get_rating_for_user(request.user, pk)
    _decision(
        request,
        lambda version: services.points_branch_rating_decide(
            actor=request.user,
            rating=rating,
            approve=request.POST.get("decision") == "approve",
            version=version,
            note=request.POST.get("note", ""),
        ),
        "已审定" if request.POST.get("decision") == "approve" else "已退回",
    )
    return _to_ratings(rating.committee_id, rating.year)


def _board(request: HttpRequest, board: selectors.Board, back: str, pdf_url: str) -> HttpResponse:
    return render(request, "points/board.html", {"board": board, "back": back, "pdf_url": pdf_url, "pdf": False})


def _board_pdf(request: HttpRequest, board: selectors.Board) -> HttpResponse:
    from weasyprint import HTML  # heavy: loaded only when a PDF is asked for (as orglife does)

    html = render_to_string("points/board.html", {"board": board, "pdf": True}, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(board.title + '.pdf')}"
    return resp


@login_required
def branch_board(request: HttpRequest, org_pk: int) -> HttpResponse:
    committee = selectors.get_committee_for_ratings(request.user, org_pk, Action.VIEW)
    year = _year(request)
    return _board(
        request,
        selectors.branch_board(committee, year),
        reverse("points:ratings", args=[committee.pk]) if can(request.user, Action.MANAGE, committee.path) else "",
        f"{reverse('points:branch_board_pdf', args=[committee.pk])}?year={year}",
    )


@login_required
def branch_board_pdf(request: HttpRequest, org_pk: int) -> HttpResponse:
    committee = selectors.get_committee_for_ratings(request.user, org_pk, Action.VIEW)
    return _board_pdf(request, selectors.branch_board(committee, _year(request)))


@login_required
def member_board(request: HttpRequest, org_pk: int) -> HttpResponse:
    branch = selectors.get_branch_for_points(request.user, org_pk, Action.VIEW)
    year = _year(request)
    return _board(
        request,
        selectors.member_board(branch, year),
        reverse("points:branch", args=[branch.pk]) if can(request.user, Action.MANAGE, branch.path) else "",
        f"{reverse('points:member_board_pdf', args=[branch.pk])}?year={year}",
    )


@login_required
def member_board_pdf(request: HttpRequest, org_pk: int) -> HttpResponse:
    branch = selectors.get_branch_for_points(request.user, org_pk, Action.VIEW)
    return _board_pdf(request, selectors.member_board(branch, _year(request)))
