from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import errors_to_form, flash_errors, flash_form_errors, run_form_service, run_service
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import get_org_for_user, top_orgs_for

from . import exports, selectors, services
from .forms import (
    EvaluationForm,
    GradeForm,
    RectificationForm,
    ReviewForm,
    TalkEditForm,
    TalkForm,
    VersionForm,
    parse_date,
)
from .models import AppraisalState, Talk
from .rules import Grade, TalkOccasion


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise Http404("年度无效")
    return year


def _branch(request: HttpRequest, pk: int, action: str = Action.VIEW) -> Organization:
    org = get_org_for_user(request.user, pk, action)
    if org.kind != OrgKind.BRANCH:
        raise Http404("请选择党支部")
    return org


@login_required
def home(request: HttpRequest) -> HttpResponse:
    year = timezone.localdate().year
    q = request.GET.get("q", "").strip()[:60]
    branches = selectors.branches_for(request.user).only("pk", "name", "path")
    if q:
        branches = branches.filter(name__contains=q)
    page = Paginator(branches, 30).get_page(request.GET.get("page"))
    rows = [(org, can(request.user, Action.MANAGE, org.path)) for org in page]
    committees = [o for o in top_orgs_for(request.user, Action.MANAGE) if o.kind != OrgKind.BRANCH]
    return render(
        request,
        "appraisal/home.html",
        {
            "page": page,
            "rows": rows,
            "committees": committees[:10],
            "q": q,
            "year": year,
            "todos": selectors.open_todos_for(request.user)[:20],
            "my_talks": selectors.my_talks(request.user),
        },
    )


@login_required
def coverage_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = _branch(request, pk, Action.MANAGE)
    cov = selectors.coverage(org, _year(year))
    recorder = selectors.talk_recorder(request.user, org)
    gaps = [
        {
            "gap": g,
            "a": cov.name(g.a),
            "b": cov.name(g.b),
            "query": f"talker={g.a}" + (f"&with={g.b}" if g.b else ""),
            "may_record": selectors.may_record_gap(recorder, g),
        }
        for g in cov.gaps
    ]
    return render(
        request,
        "appraisal/coverage.html",
        {
            "org": org,
            "year": year,
            "cov": cov,
            "gaps": gaps,
            "committee_names": [cov.name(c) for c in cov.committee],
            "may_record": recorder[0] or recorder[1] in cov.members,
        },
    )


@login_required
def talks_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    talks = Paginator(selectors.talks_in(org, _year(year)), 50).get_page(request.GET.get("page"))
    return render(request, "appraisal/talks.html", {"org": org, "year": year, "page": talks})


@login_required
def talks_xlsx(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = _branch(request, pk, Action.MANAGE)
    rows = selectors.talk_export_rows(request.user, org, _year(year))
    return exports.talks_response(request.user, org, year, rows)


def _talk_choices(org: Organization) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(talker choices, counterpart choices): a branch's members; at a committee, its committee
    members lead and talk with each other or with the child organisations' secretaries and members."""
    if org.kind == OrgKind.BRANCH:
        members = list(selectors.branch_members(org).values_list("pk", "name"))
        return members, members
    talkers, lower = selectors.cross_talk_people(org)
    return talkers, [*talkers, *lower]


@login_required
def talk_new(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.VIEW)
    talkers, members = _talk_choices(org)
    topics = selectors.topics_for(org)
    if request.method == "POST":
        form = TalkForm(request.POST, members=members, topics=topics, talkers=talkers)
        if form.is_valid():
            follow_ups = form.follow_ups()
            if form.is_valid():
                d = form.cleaned_data
                try:
                    talk = services.talk_record(
                        actor=request.user,
                        org=org,
                        talker_id=d["talker"],
                        counterpart_ids=d["counterparts"],
                        held_on=d["held_on"],
                        place=d["place"],
                        mode=d["mode"],
                        occasion=d["occasion"],
                        topics=d["topics"],
                        content=d["content"],
                        issues=d["issues"],
                        follow_ups=follow_ups,
                    )
                except ValidationError as exc:
                    errors_to_form(form, exc)
                except PermissionDenied as exc:  # a member recording a talk they were not in
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, "谈话已记录")
                    if can(request.user, Action.MANAGE, org.path):
                        to = "appraisal:coverage" if org.kind == OrgKind.BRANCH else "appraisal:cross"
                        return redirect(to, org.pk, talk.year)
                    return redirect("appraisal:talk", talk.pk)
    else:
        initial: dict[str, object] = {"held_on": timezone.localdate()}
        own = getattr(request.user, "member", None)
        talker = request.GET.get("talker", "")
        if talker.isdigit():
            initial["talker"] = int(talker)
        elif own is not None and own.org_id == org.pk:
            initial["talker"] = own.pk
        initial["counterparts"] = [int(x) for x in request.GET.getlist("with") if x.isdigit()]
        if request.GET.get("occasion") in TalkOccasion.values:
            initial["occasion"] = request.GET["occasion"]
        form = TalkForm(initial=initial, members=members, topics=topics, talkers=talkers)
    return render(request, "appraisal/talk_form.html", {"org": org, "form": form, "cross": org.kind != OrgKind.BRANCH})


@login_required
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talk = selectors.get_talk_for_user(request.user, pk)
    return render(
        request,
        "appraisal/talk.html",
        {
            "talk": talk,
            "counterparts": list(talk.counterparts.all()),
            "follow_ups": list(talk.follow_ups.select_related("owner")),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    fu = selectors.get_follow_up_for_user(request.user, pk)
    talk = fu.talk
    done_on = parse_date(request.POST.get("done_on")) or timezone.localdate()
    try:
        services.talk_follow_up_done(actor=request.user, follow_up=fu, done_on=done_on)
    except ValidationError as exc:
        flash_errors(request, exc, {"done_on": "完成日期"})
    else:
        messages.success(request, "已标记完成")
    return redirect("appraisal:talk", talk.pk)


def _talk_edit_choices(talk: Talk) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The org's usual choices, plus the talk's own people who have since left it (kept in place)."""
    talkers, members = _talk_choices(talk.org)
    people = [talk.talker, *talk.counterparts.all()]
    known = {pk for pk, _ in members}
    extra = [(m.pk, m.name) for m in people if m.pk not in known]
    if talk.talker_id not in {pk for pk, _ in talkers}:
        talkers = [*talkers, (talk.talker_id, talk.talker.name)]
    return talkers, [*members, *extra]


@login_required
def talk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a talk: for those who may read it (participants, the secretary); the service checks
    the rest and re-derives the participation counts."""
    talk = selectors.get_talk_for_user(request.user, pk)
    talkers, members = _talk_edit_choices(talk)
    topics = selectors.topics_for(talk.org)
    if request.method == "POST":
        form = TalkEditForm(request.POST, members=members, topics=topics, talkers=talkers)

        def save(d: dict[str, Any]) -> None:
            services.talk_update(
                actor=request.user,
                talk=talk,
                talker_id=d["talker"],
                counterpart_ids=d["counterparts"],
                held_on=d["held_on"],
                place=d["place"],
                mode=d["mode"],
                occasion=d["occasion"],
                topics=d["topics"],
                content=d["content"],
                issues=d["issues"],
            )

        if run_form_service(request, form, save, "谈话记录已修改", TALK_LABELS):
            return redirect("appraisal:talk", talk.pk)
    else:
        initial = {
            "held_on": talk.held_on,
            "talker": talk.talker_id,
            "counterparts": [m.pk for m in talk.counterparts.all()],
            "mode": talk.mode,
            "occasion": talk.occasion,
            "place": talk.place,
            "topics": talk.topics,
            "content": talk.content,
            "issues": talk.issues,
        }
        form = TalkEditForm(initial=initial, members=members, topics=topics, talkers=talkers)
    return render(request, "appraisal/talk_form.html", {"org": talk.org, "form": form, "talk": talk})


@login_required
@require_POST
def talk_delete(request: HttpRequest, pk: int) -> HttpResponse:
    talk = selectors.get_talk_for_user(request.user, pk)
    org_id, year = talk.org_id, talk.year
    if run_service(request, lambda: services.talk_delete(actor=request.user, talk=talk), "谈话记录已删除"):
        if can(request.user, Action.MANAGE, talk.org_path):
            return redirect("appraisal:talks", org_id, year)
        return redirect("appraisal:home")
    return redirect("appraisal:talk", talk.pk)


TALK_LABELS = {
    "held_on": "谈话日期",
    "talker": "谈话人",
    "counterparts": "谈话对象",
    "mode": "方式",
    "occasion": "类型",
    "topics": "谈话主题",
}


@login_required
def appraisal_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    appraisal = selectors.get_appraisal(org, _year(year))
    ctx: dict[str, object] = {"org": org, "year": year, "appraisal": appraisal, "grades": Grade.choices}
    if appraisal is not None:
        graded, cap = selectors.quota_for(appraisal)
        counts = selectors.grade_counts(appraisal)
        ctx.update(
            counts=[(label, counts[value]) for value, label in Grade.choices],
            graded=graded,
            cap=cap,
            over_cap=counts[Grade.EXCELLENT] > cap,
            editable=appraisal.status == AppraisalState.DRAFT,
            can_sign=appraisal.status == AppraisalState.SUBMITTED
            and can(request.user, Action.APPROVE, org.path)
            and appraisal.submitted_by_id != request.user.pk,
            form=GradeForm(),
        )
        entries = selectors.entries_of(appraisal)
        suggestions = selectors.suggestions_for(appraisal, entries)
        ctx["entry_rows"] = [(e, suggestions.get(e.member_id, "")) for e in entries]
        ctx["has_hints"] = bool(suggestions)
    return render(request, "appraisal/appraisal.html", ctx)


@login_required
@require_POST
def appraisal_open(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    try:
        services.appraisal_open(actor=request.user, org=org, year=_year(year))
    except ValidationError as exc:
        flash_errors(request, exc, {"year": "年度"})
    return redirect("appraisal:appraisal", org.pk, year)


@login_required
@require_POST
def entry_grade(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for_user(request.user, pk, Action.MANAGE)
    appraisal = entry.appraisal
    form = GradeForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        d = form.cleaned_data
        try:
            services.appraisal_grade(
                actor=request.user,
                entry=entry,
                grade=d["grade"],
                handling=d["handling"],
                handling_deadline=d["handling_deadline"],
                handling_outcome=d["handling_outcome"],
                note=d["note"],
                version=d["version"],
            )
        except ValidationError as exc:
            flash_errors(request, exc, {"grade": "等次", "handling": "处置方式", "handling_deadline": "改正期限"})
        else:
            messages.success(request, f"已记录 {entry.member.name} 的等次")
    return redirect("appraisal:appraisal", appraisal.org_id, appraisal.year)


@login_required
@require_POST
def entry_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.get_entry_for_user(request.user, pk, Action.MANAGE)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            services.appraisal_record_evaluation(
                actor=request.user,
                entry=entry,
                self_review=form.cleaned_data["self_review"],
                votes=form.votes(),
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            flash_errors(request, exc, {"votes": "测评票数"})
        else:
            messages.success(request, f"已记录 {entry.member.name} 的自评和测评票数")
    return redirect("appraisal:appraisal", entry.appraisal.org_id, entry.appraisal.year)


@login_required
@require_POST
def appraisal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.get_appraisal_for_user(request.user, pk, Action.MANAGE)
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        services.appraisal_submit(actor=request.user, appraisal=appraisal, version=form.cleaned_data.get("version"))
    except ValidationError as exc:
        flash_errors(request, exc, {"grade": "等次"})
    else:
        messages.success(request, "已提交书记签发")
    return redirect("appraisal:appraisal", appraisal.org_id, appraisal.year)


@login_required
@require_POST
def appraisal_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = selectors.get_appraisal_for_user(request.user, pk, Action.APPROVE)
    form = VersionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") != "return"
    decide = services.appraisal_approve if approve else services.appraisal_return
    run_service(
        request,
        lambda: decide(actor=request.user, appraisal=appraisal, version=form.cleaned_data.get("version")),
        "评议结果已签发" if approve else "已退回修改",
    )
    return redirect("appraisal:appraisal", appraisal.org_id, appraisal.year)


@login_required
def summary_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    children = selectors.summary_by_child(request.user, org, _year(year))
    many = sum(c.branches for c in children) > selectors.SUMMARY_BRANCH_ROWS
    rows = [] if many else selectors.committee_summary(request.user, org, year)
    talk_rows, talk_totals = selectors.talk_rollup(request.user, org, year)
    return render(
        request,
        "appraisal/summary.html",
        {
            "org": org,
            "year": year,
            "rows": rows,
            "children": children if many else [],
            "grades": [label for _, label in Grade.choices],
            "talk_rows": talk_rows,
            "talk_totals": talk_totals,
        },
    )


@login_required
def summary_xlsx(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    rows = selectors.committee_summary(request.user, org, _year(year))
    return exports.summary_response(org, year, rows)


@login_required
def review_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = _branch(request, pk, Action.MANAGE)
    review = selectors.get_review(org, _year(year))
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            version = d.pop("version")
            try:
                services.orglife_review_save(actor=request.user, org=org, year=year, data=d, version=version)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("appraisal:review", org.pk, year)
    else:
        initial = {f: getattr(review, f) for f in services.REVIEW_FIELDS} if review else {}
        form = ReviewForm(initial={**initial, "version": review.version if review else None})
    cov = selectors.coverage(org, year)
    members = list(selectors.branch_members(org).values_list("pk", "name"))
    return render(
        request,
        "appraisal/review.html",
        {
            "org": org,
            "year": year,
            "review": review,
            "form": form,
            "gaps": len(cov.gaps),
            "talks": cov.talks,
            "items": selectors.rectifications_for(org, year),
            "item_form": RectificationForm(members=members),
            "today": timezone.localdate(),
            "cutoff": selectors.cutoff_of(org.path),
        },
    )


@login_required
@require_POST
def rectification_add(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    org = _branch(request, pk, Action.MANAGE)
    members = list(selectors.branch_members(org).values_list("pk", "name"))
    form = RectificationForm(request.POST, members=members)
    run_form_service(
        request,
        form,
        lambda d: services.rectification_add(
            actor=request.user,
            org=org,
            year=_year(year),
            problem=d["problem"],
            measure=d["measure"],
            owner_id=d["owner"],
            deadline=d["deadline"],
        ),
        "已加入整改清单",
        RECTIFICATION_LABELS,
    )
    return redirect("appraisal:review", org.pk, year)


RECTIFICATION_LABELS = {
    "problem": "问题",
    "measure": "整改措施",
    "owner": "责任人",
    "year": "年度",
    "done_on": "完成日期",
}


@login_required
@require_POST
def rectification_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_rectification_for_user(request.user, pk)
    done_on = parse_date(request.POST.get("done_on")) or timezone.localdate()
    run_service(
        request,
        lambda: services.rectification_done(actor=request.user, item=item, done_on=done_on),
        "已标记完成，请另一名同志核实销号",
        RECTIFICATION_LABELS,
    )
    return redirect("appraisal:review", item.org_id, item.year)


@login_required
@require_POST
def rectification_verify(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_rectification_for_user(request.user, pk)
    run_service(
        request,
        lambda: services.rectification_verify(actor=request.user, item=item),
        "已销号",
    )
    return redirect("appraisal:review", item.org_id, item.year)


@login_required
def shares_view(request: HttpRequest, pk: int) -> HttpResponse:
    """分工联系: which committee member each member of the branch is assigned to."""
    org = _branch(request, pk, Action.MANAGE)
    members = list(selectors.branch_members(org).values_list("pk", "name"))
    committee, _ = selectors.committee_of(org)
    names = dict(members)
    committee = [c for c in committee if c in names]
    current = selectors.shares_of(org)
    if request.method == "POST":
        shares: dict[int, int | None] = {}
        bad = []
        for m, name in members:
            if m in committee:
                continue
            raw = request.POST.get(f"share_{m}", "")
            if raw.isdigit():
                shares[m] = int(raw)
            elif raw == "":
                shares[m] = None
            else:
                bad.append(name)
        if bad:
            messages.error(request, f"“联系支委”无效：{'、'.join(bad[:5])}")
        else:
            try:
                n = services.share_assign(actor=request.user, org=org, shares=shares)
            except ValidationError as exc:
                flash_errors(request, exc, {"shares": "分工联系"})
            else:
                messages.success(request, f"已保存分工联系（{n} 人变更）")
                return redirect("appraisal:shares", org.pk)
    rows = [(m, name, current.get(m)) for m, name in members if m not in committee]
    return render(
        request,
        "appraisal/shares.html",
        {
            "org": org,
            "rows": rows,
            "committee": [(c, names[c]) for c in committee],
            "year": timezone.localdate().year,
            "share_mode": selectors.coverage_settings(org)["appraisal.talk_member_rule"] == "share",
        },
    )


@login_required
def cross_view(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """A committee's talks across levels: its secretary and members with the child organisations'
    secretaries and committees, with a one-tap "record talk" for each gap."""
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    if org.kind == OrgKind.BRANCH:
        return redirect("appraisal:coverage", org.pk, _year(year))
    cov = selectors.cross_coverage(org, _year(year))
    recorder = selectors.talk_recorder(request.user, org)
    gaps = [
        {
            "gap": g,
            "a": cov.name(g.a),
            "b": cov.name(g.b),
            "query": f"talker={g.a}&with={g.b}",
            "may_record": selectors.may_record_gap(recorder, g),
        }
        for g in cov.gaps
    ]
    return render(
        request,
        "appraisal/cross.html",
        {
            "org": org,
            "year": year,
            "cov": cov,
            "gaps": gaps,
            "committee_names": [cov.name(c) for c in cov.committee],
            "may_record": recorder[0] or recorder[1] in cov.names,
        },
    )


# ---------------------------------------------------------------- printable PDFs (WeasyPrint)


def _pdf(request: HttpRequest, template: str, ctx: dict[str, object], filename: str) -> HttpResponse:
    from weasyprint import HTML  # heavy; loaded only when a PDF is asked for

    html = render_to_string(template, {**ctx, "pdf": True, "printed_at": timezone.now()}, request=request)
    data = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return resp


@login_required
def review_pdf(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The 组织生活会 materials: preparation, problems found and the 整改清单 (carried items too)."""
    org = _branch(request, pk, Action.MANAGE)
    cov = selectors.coverage(org, _year(year))
    ctx = {
        "org": org,
        "year": year,
        "review": selectors.get_review(org, year),
        "items": selectors.rectifications_for(org, year),
        "talks": cov.talks,
        "gaps": len(cov.gaps),
        "today": timezone.localdate(),
    }
    return _pdf(request, "appraisal/review_print.html", ctx, f"{org.name}{year}年度组织生活会材料.pdf")


@login_required
def appraisal_pdf(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The branch's 民主评议党员结果 sheet (names and grades: the export is audited)."""
    org = _branch(request, pk, Action.MANAGE)
    appraisal = selectors.get_appraisal(org, _year(year))
    if appraisal is None:
        raise Http404("本年度民主评议尚未开始")
    entries = selectors.entries_of(appraisal)
    graded, cap = selectors.quota_for(appraisal)
    counts = selectors.grade_counts(appraisal)
    ctx = {
        "org": org,
        "year": year,
        "appraisal": appraisal,
        "entries": entries,
        "graded": graded,
        "cap": cap,
        "counts": [(label, counts[value]) for value, label in Grade.choices],
    }
    resp = _pdf(request, "appraisal/appraisal_print.html", ctx, f"{org.name}{year}年民主评议党员结果.pdf")
    exports.audit_export(request.user, org, f"{org.name} {year}年民主评议党员结果（PDF）", len(entries))
    return resp


@login_required
def summary_pdf(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """The committee's 民主评议结果汇总表: grade counts per branch (no member names) -- summed per
    child organisation when there are more branches than a printed page list should carry."""
    org = get_org_for_user(request.user, pk, Action.MANAGE)
    children = selectors.summary_by_child(request.user, org, _year(year))
    many = sum(c.branches for c in children) > selectors.SUMMARY_BRANCH_ROWS
    rows = [] if many else selectors.committee_summary(request.user, org, year)
    ctx = {
        "org": org,
        "year": year,
        "rows": rows,
        "children": children if many else [],
        "grades": [label for _, label in Grade.choices],
        "totals": exports.summary_totals(rows) if not many else exports.child_totals(children),
    }
    return _pdf(request, "appraisal/summary_print.html", ctx, f"{org.name}{year}年民主评议结果汇总表.pdf")
