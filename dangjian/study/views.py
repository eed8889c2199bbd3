"""Study pages: thin views that parse input, call one service or selector, and render.

No page ranks members or branches (members by name, branches in tree order) and nothing counts
time spent on the platform (国办函〔2026〕12号; the 2024 burden rules)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import flash_errors, run_form_service, run_service
from dangjian.members.models import Member
from dangjian.orglife.selectors import get_meeting_for_user
from dangjian.orgs.models import OrgKind
from dangjian.orgs.selectors import get_org_for_user

from . import exports, selectors, services
from .forms import (
    ContactForm,
    LectureForm,
    LecturerForm,
    ReflectionForm,
    StudyListForm,
    TrainingForm,
    VisitForm,
)

FIELD_LABELS = {
    "member": "党员",
    "title": "名称",
    "organiser": "主办单位",
    "kind": "类别",
    "starts_on": "开始日期",
    "ends_on": "结束日期",
    "hours": "学时",
    "on": "日期",
    "channel": "联系方式",
    "contacted_by": "联系人",
    "topic": "内容",
    "visitors": "走访人",
    "study_content": "学习内容",
    "study_hours": "学时",
    "care": "走访内容",
    "items": "学习内容",
    "source_ref": "上级部署",
    "item": "学习内容",
    "name": "姓名",
    "team": "宣讲队",
    "audience": "听讲支部",
    "starts_at": "开始时间",
    "lecturer": "讲师",
    "body": "心得",
    "org": "组织",
}


def _year(request: HttpRequest) -> int:
    return selectors.year_param(request.GET.get("year", "") or request.POST.get("year", ""))


def _branch_url(org_pk: int, name: str = "study:branch") -> str:
    return reverse(name, args=[org_pk])


@login_required
def index(request: HttpRequest) -> HttpResponse:
    branches = list(selectors.managed_branches(request.user)[:200])
    committees = list(selectors.managed_committees(request.user)[:200])
    if not branches and not committees:
        return redirect("study:my")
    dues = selectors.open_dues_for(request.user)
    return render(
        request,
        "study/index.html",
        {"branches": branches, "committees": committees, "dues": dues, "labels": selectors.DUE_LABELS},
    )


def _progress(request: HttpRequest, member: Member, own: bool) -> HttpResponse:
    year = _year(request)
    p = selectors.member_progress(member, year, with_study=own)
    return render(
        request,
        "study/member.html",
        {"p": p, "own": own, "year": year, "form": ReflectionForm() if own else None},
    )


@login_required
def my(request: HttpRequest) -> HttpResponse:
    member = selectors.own_member(request.user)
    if member is None or not member.is_active:
        return render(request, "study/no_member.html")
    return _progress(request, member, True)


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    m = selectors.get_member_for_study(request.user, pk)
    return _progress(request, m, m.user_id == request.user.pk)


@login_required
@require_POST
def item_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, pk)
    run_service(request, lambda: services.study_mark_done(actor=request.user, item=item), "已标记完成", FIELD_LABELS)
    return redirect("study:my")


@login_required
@require_POST
def reflection_new(request: HttpRequest) -> HttpResponse:
    form = ReflectionForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.reflection_write(actor=request.user, title=d["title"], body=d["body"]),
        "已保存学习心得",
        FIELD_LABELS,
    )
    return redirect("study:my")


@login_required
def reflection(request: HttpRequest, pk: int) -> HttpResponse:
    r = selectors.get_reflection_for_user(request.user, pk)
    return render(
        request,
        "study/reflection.html",
        {"r": r, "can_feature": can(request.user, Action.MANAGE, r.org_path) and r.member.user_id != request.user.pk},
    )


@login_required
@require_POST
def reflection_feature(request: HttpRequest, pk: int) -> HttpResponse:
    r = selectors.get_reflection_for_user(request.user, pk, Action.MANAGE)
    version = request.POST.get("version", "")
    featured = request.POST.get("featured") == "1"
    run_service(
        request,
        lambda: services.reflection_feature(
            actor=request.user, reflection=r, featured=featured, version=int(version) if version.isdigit() else -1
        ),
        "已展示在支部页面" if featured else "已取消展示",
        FIELD_LABELS,
    )
    return redirect("study:reflection", pk=r.pk)


# ---------------------------------------------------------------------------------------------
# The branch


def _active_members(org: Any, **flags: bool) -> list[Member]:
    return list(Member.objects.filter(org=org, is_active=True, **flags).order_by("name", "pk"))


@login_required
def branch(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    year = _year(request)
    data = selectors.branch_study(org, year)
    return render(
        request,
        "study/branch.html",
        {
            "data": data,
            "year": year,
            "training_form": TrainingForm(members=[r.member for r in data.rows]),
            "list_form": StudyListForm(initial={"month": timezone.localdate()}),
            "meetings": selectors.recent_meetings(org),
        },
    )


@login_required
@require_POST
def recompute(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    year = _year(request)
    run_service(
        request,
        lambda: services.study_recompute(actor=request.user, org=org, year=year),
        lambda r: f"已按记录重新计算 {r['members']} 名党员的学时（{r['changed']} 人有变化）",
    )
    return redirect(f"{_branch_url(org.pk)}?year={year}")


@login_required
@require_POST
def training_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    members = _active_members(org)
    form = TrainingForm(request.POST, members=members)
    run_form_service(
        request,
        form,
        lambda d: services.training_record_add(
            actor=request.user,
            member=next(m for m in members if m.pk == d["member"]),
            title=d["title"],
            organiser=d["organiser"],
            kind=d["kind"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            hours=d["hours"],
            induction=d["induction"],
            certificate=d["certificate"],
        ),
        "已登记培训，学时已计入",
        FIELD_LABELS,
    )
    return redirect(_branch_url(org.pk))


@login_required
@require_POST
def list_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    form = StudyListForm(request.POST)
    back = _branch_url(org.pk) if org.kind == OrgKind.BRANCH else _branch_url(org.pk, "study:lecturers")
    run_form_service(
        request,
        form,
        lambda d: services.study_list_create(
            actor=request.user,
            org=org,
            month=d["month"],
            title=d["title"],
            items=form.items(),
            source=d["source"],
            source_ref=d["source_ref"],
        ),
        "已发布学习清单",
        FIELD_LABELS,
    )
    return redirect(back)


@login_required
@require_POST
def item_link(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_item_for_user(request.user, pk)
    raw = request.POST.get("meeting", "")
    meeting = get_meeting_for_user(request.user, raw if raw.isdigit() else 0, Action.MANAGE)
    run_service(
        request,
        lambda: services.collective_study_link(actor=request.user, item=item, meeting=meeting),
        "已登记集体学习，出席的党员视为已学",
        FIELD_LABELS,
    )
    branch_pk = meeting.org_id if meeting.branch_path == meeting.org_path else None
    return redirect(_branch_url(branch_pk) if branch_pk else reverse("study:index"))


# ---------------------------------------------------------------------------------------------
# 流动党员 and home service


@login_required
def mobile(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    today = timezone.localdate()
    rows = selectors.mobile_members(org, today)
    # Today, by phone, by the person logging it: a typical contact is the member and a topic away.
    initial = {"on": today, "channel": "phone", "contacted_by": getattr(request.user, "name", "")}
    form = ContactForm(members=[r.member for r in rows], initial=initial)
    return render(request, "study/mobile.html", {"org": org, "rows": rows, "form": form, "today": today})


@login_required
@require_POST
def contact_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    # Any member of the branch may be named, so that a non-流动 member gets the rule's message.
    members = _active_members(org)
    form = ContactForm(request.POST, members=members)
    run_form_service(
        request,
        form,
        lambda d: services.contact_log(
            actor=request.user,
            member=next(m for m in members if m.pk == d["member"]),
            on=d["on"],
            channel=d["channel"],
            contacted_by=d["contacted_by"],
            topic=d["topic"],
            location=d["location"],
        ),
        "已登记联系记录",
        FIELD_LABELS,
    )
    return redirect(_branch_url(org.pk, "study:mobile"))


@login_required
def visits(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    today = timezone.localdate()
    rows, cadence = selectors.exempt_members(org, today)
    form = VisitForm(members=[r.member for r in rows], initial={"on": today})
    return render(
        request, "study/visits.html", {"org": org, "rows": rows, "form": form, "today": today, "cadence": cadence}
    )


@login_required
@require_POST
def visit_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_branch(request.user, org_pk)
    members = _active_members(org)
    form = VisitForm(request.POST, members=members)
    run_form_service(
        request,
        form,
        lambda d: services.home_visit_log(
            actor=request.user,
            member=next(m for m in members if m.pk == d["member"]),
            on=d["on"],
            visitors=d["visitors"],
            study=d["study"],
            study_content=d["study_content"],
            study_hours=d["study_hours"],
            dues=d["dues"],
            care=d["care"],
        ),
        "已登记上门服务",
        FIELD_LABELS,
    )
    return redirect(_branch_url(org.pk, "study:visits"))


# ---------------------------------------------------------------------------------------------
# The committee


@login_required
def overview(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    year = _year(request)
    return render(request, "study/overview.html", {"s": selectors.on_track_share(org, year), "year": year})


@login_required
def lecturers(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    people = selectors.lecturers_of(org)
    branches = selectors.audience_branches(org)
    return render(
        request,
        "study/lecturers.html",
        {
            "org": org,
            "lecturers": people,
            "lectures": selectors.lectures_of(org),
            "lecturer_form": LecturerForm(),
            "lecture_form": LectureForm(lecturers=[x for x in people if x.active], branches=branches),
            "list_form": StudyListForm(initial={"month": timezone.localdate(), "source": "assigned"}),
            "year": timezone.localdate().year,
        },
    )


@login_required
@require_POST
def lecturer_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    form = LecturerForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.lecturer_add(
            actor=request.user, org=org, name=d["name"], team=d["team"], subject=d["subject"], unit=d["unit"]
        ),
        "已加入讲师团",
        FIELD_LABELS,
    )
    return redirect(_branch_url(org.pk, "study:lecturers"))


@login_required
@require_POST
def lecture_add(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    people = [x for x in selectors.lecturers_of(org) if x.active]
    branches = selectors.audience_branches(org)
    form = LectureForm(request.POST, lecturers=people, branches=branches)
    run_form_service(
        request,
        form,
        lambda d: services.lecture_schedule(
            actor=request.user,
            lecturer=next(x for x in people if x.pk == d["lecturer"]),
            audience=next(b for b in branches if b.pk == d["audience"]),
            topic=d["topic"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d["place"],
        ),
        "已安排专题宣讲",
        FIELD_LABELS,
    )
    return redirect(_branch_url(org.pk, "study:lecturers"))


@login_required
@require_POST
def lecture_record(request: HttpRequest, pk: int) -> HttpResponse:
    lecture = selectors.get_lecture_for_user(request.user, pk)
    try:
        meeting = services.lecture_record(actor=request.user, lecture=lecture)
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
        return redirect(_branch_url(lecture.org_id, "study:lecturers"))
    messages.success(request, "已记录为听讲支部的党课，请在会议中登记出勤并归档")
    return redirect("orglife:detail", pk=meeting.pk)


@login_required
def featured_pdf(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, org_pk, Action.MANAGE)
    return exports.featured_pdf(request, org, _year(request))
