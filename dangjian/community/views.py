"""Community pages (五亮五共, 三个一): thin views that parse input, call one service or selector, render.

The QR code a community prints leads to `join/<token>/`: the token is the community's id signed with
the site key (salt per purpose), so it cannot be forged for another org and carries no personal data.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangjian.core.scoping import Action, can
from dangjian.core.views_util import flash_errors, flash_form_errors, run_form_service, run_service
from dangjian.orgs.models import Organization, OrgKind, Sector
from dangjian.orgs.selectors import orgs_visible_to

from . import rules as R
from . import selectors, services
from .forms import ActivityForm, DoneForm, NeedForm, PledgeForm, ReportInForm, ThreeOnesForm, VisitForm
from .models import Channel

SALT = "community.report_in"
FIELD_LABELS = {
    "address": "居住地址",
    "community": "社区",
    "title": "名称",
    "category": "类别",
    "due_on": "完成期限",
    "slots": "可领办人数",
    "on": "日期",
    "hours": "时长",
    "role": "角色",
    "note": "完成情况",
    "decision_note": "社区意见",
    "text": "承诺内容",
    "reason": "原因",
    "secretary_name": "书记",
    "pledge": "承诺",
    "project": "项目",
    "goals": "项目目标",
    "contact_org": "联系点",
    "summary": "调研指导内容",
    "year": "年度",
}


def join_token(community: Organization) -> str:
    """The same token every time (a printed poster stays valid), unforgeable without the site key."""
    return signing.Signer(salt=SALT).sign(str(community.pk))


def _community_from_token(token: str) -> Organization:
    try:
        raw = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise Http404("二维码无效") from None
    pk = int(raw) if raw.isdigit() else 0
    org = Organization.objects.filter(pk=pk, sector=Sector.COMMUNITY).first()
    if org is None:
        raise Http404("二维码无效")
    return org


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "") or request.POST.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Hub and the member's page


@login_required
def index(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.communities_managed(request.user)[:50])
    employers = list(selectors.employer_orgs(request.user).order_by("path")[:50])
    committees = list(selectors.committees_managed(request.user)[:50])
    me = selectors.own_member(request.user)
    if me is not None and not communities and not employers and not committees:
        return redirect("community:my")
    if me is None and len(communities) == 1 and not employers and not committees:
        return redirect("community:desk", org_pk=communities[0].pk)  # a community's liaison: straight to work
    return render(
        request,
        "community/index.html",
        {"communities": communities, "employers": employers, "committees": committees, "me": me},
    )


@login_required
def my(request: HttpRequest) -> HttpResponse:
    member = selectors.own_member(request.user)
    if member is None:
        return render(request, "community/no_member.html")
    data = selectors.my_community(member, timezone.localdate())
    return render(
        request,
        "community/my.html",
        {
            "d": data,
            "activity_form": ActivityForm(initial={"on": timezone.localdate()}),
            "done_form": DoneForm(),
            "pledge_form": PledgeForm(initial={"text": data.pledge.text if data.pledge else ""}),
        },
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """Choose the community (search by name across every committee) and report in."""
    q = request.GET.get("q", "")
    found = selectors.community_search(q)
    chosen = None
    if pk := (request.GET.get("community") or request.POST.get("community") or ""):
        chosen = Organization.objects.filter(pk=int(pk) if pk.isdigit() else 0, sector=Sector.COMMUNITY).first()
    if request.method == "POST":
        return _report_in(request, chosen, Channel.ONLINE, reverse("community:report"))
    return render(request, "community/report.html", {"q": q, "found": found, "chosen": chosen, "form": ReportInForm()})


def _report_in(request: HttpRequest, community: Organization | None, channel: str, back: str) -> HttpResponse:
    if community is None:
        messages.error(request, "社区：请选择居住地社区党组织")
        return redirect(back)
    form = ReportInForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(back)
    try:
        services.link_report_in(actor=request.user, community=community, channel=channel, **form.cleaned_data)
    except ValidationError as exc:
        flash_errors(request, exc, FIELD_LABELS)
        return redirect(back)
    messages.success(request, f"已向{community.name}报到")
    return redirect("community:my")


@login_required
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The page a community's QR code opens: the community's name and the report-in form."""
    community = _community_from_token(token)
    if request.method == "POST":
        if selectors.own_member(request.user) is None:
            raise PermissionDenied(services.NOT_A_MEMBER)
        return _report_in(request, community, Channel.QR, reverse("community:join", args=[token]))
    return render(request, "community/join.html", {"community": community, "form": ReportInForm(), "token": token})


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.get_link_for_user(request.user, pk)
    run_service(
        request,
        lambda: services.link_end(actor=request.user, link=link, reason=request.POST.get("reason", "")),
        "报到已结束",
        FIELD_LABELS,
    )
    return redirect("community:link", pk=link.pk)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.get_need_for_user(request.user, pk)
    run_service(
        request,
        lambda: services.need_claim(actor=request.user, need=need),
        f"已领办“{need.title}”，完成后请报告，由社区确认",
        FIELD_LABELS,
    )
    return redirect("community:my")


@login_required
@require_POST
def done(request: HttpRequest, pk: int) -> HttpResponse:
    deed = selectors.get_deed_for_user(request.user, pk)
    form = DoneForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.deed_report(actor=request.user, deed=deed, note=d["note"], hours=d["hours"]),
        "已报告完成，等待社区确认",
        FIELD_LABELS,
    )
    return redirect("community:my")


@login_required
@require_POST
def activity_report(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.activity_report(actor=request.user, **d),
        "活动已登记，等待社区确认",
        FIELD_LABELS,
    )
    return redirect("community:my")


@login_required
@require_POST
def pledge(request: HttpRequest) -> HttpResponse:
    form = PledgeForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.pledge_submit(actor=request.user, **d),
        "承诺书已提交",
        FIELD_LABELS,
    )
    return redirect("community:my")


@login_required
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """A report-in seen from either tree: the community (and the member) see the address and the
    member's contact; the employer sees the community's name and the confirmed work."""
    row = selectors.get_link_for_user(request.user, pk)
    community_side = can(request.user, Action.VIEW, row.community_path)
    own = row.member.user_id == request.user.pk
    sees_contact = community_side or own
    return render(
        request,
        "community/link.html",
        {
            "link": row,
            "own": own,
            "community_side": community_side,
            "address": row.address if sees_contact else "",
            "phone": selectors.link_phone(request.user, row) if sees_contact else "",
            "deeds": list(row.deeds.order_by("-on", "-pk")[:100]),
            "can_manage": can(request.user, Action.MANAGE, row.community_path),
            "activity_form": ActivityForm(initial={"on": timezone.localdate()}),
        },
    )


# ---------------------------------------------------------------------------------------------
# The community's desk


@login_required
def desk(request: HttpRequest, org_pk: int) -> HttpResponse:
    community = selectors.get_community_for_user(request.user, org_pk)
    return render(
        request,
        "community/desk.html",
        {
            "c": community,
            "queue": selectors.confirmation_queue(community, limit=50),
            "claimed": selectors.claimed_in_progress(community),
            "links": selectors.linked_members(request.user, community, limit=100),
            "linked_total": selectors.linked_count(community),
            "needs": selectors.open_needs(community),
            "need_form": NeedForm(),
            "pledges": selectors.community_pledges(community, timezone.localdate().year),
        },
    )


@login_required
def poster(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The printable report-in poster with the community's QR code."""
    community = selectors.get_community_for_user(request.user, org_pk)
    url = request.build_absolute_uri(reverse("community:join", args=[join_token(community)]))
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2, xmldecl=False, svgns=True)
    return render(request, "community/poster.html", {"c": community, "url": url, "svg": buf.getvalue().decode()})


@login_required
@require_POST
def need_publish(request: HttpRequest, org_pk: int) -> HttpResponse:
    community = selectors.get_community_for_user(request.user, org_pk)
    form = NeedForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.need_publish(actor=request.user, community=community, **d),
        "需求已发布，报到党员可以领办",
        FIELD_LABELS,
    )
    return redirect("community:desk", org_pk=community.pk)


@login_required
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.get_need_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.need_close(actor=request.user, need=need),
        "需求已关闭",
        FIELD_LABELS,
    )
    return redirect("community:desk", org_pk=need.community_id)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    deed = selectors.get_deed_for_user(request.user, pk, Action.MANAGE)
    confirm = request.POST.get("decision") != "reject"
    run_service(
        request,
        lambda: services.deed_decide(
            actor=request.user,
            deed=deed,
            confirm=confirm,
            note=request.POST.get("decision_note", ""),
            version=request.POST.get("version"),
        ),
        "已确认" if confirm else "已退回（不予确认）",
        FIELD_LABELS,
    )
    return redirect("community:desk", org_pk=deed.community_id)


@login_required
@require_POST
def activity_record(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.get_link_for_user(request.user, pk, Action.MANAGE)
    form = ActivityForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.activity_record(actor=request.user, link=row, **d),
        "活动已登记并确认",
        FIELD_LABELS,
    )
    return redirect("community:link", pk=row.pk)


# ---------------------------------------------------------------------------------------------
# The employer's view


@login_required
def employer(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_for_employer(request.user, org_pk)
    today = timezone.localdate()
    year, quarter = R.parse_quarter(request.GET.get("quarter", ""), today)
    prev = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    nxt = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    ctx: dict[str, Any] = {"org": org, "year": year, "quarter": quarter, "prev": prev, "next": nxt}
    if org.kind == OrgKind.BRANCH:
        rows = selectors.branch_quarter(org, year, quarter, today)
        ctx.update(
            rows=rows,
            unreported=sum(1 for r in rows if not r.standing.reported),
            behind=sum(1 for r in rows if r.standing.behind),
            links=selectors.links_of_branch(org),
        )
    else:
        ctx["coverage"] = selectors.committee_coverage(org, year, quarter)
    return render(request, "community/employer.html", ctx)


# ---------------------------------------------------------------------------------------------
# 三个一


@login_required
def three_ones(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk)
    year = _year(request)
    records = selectors.three_ones_of(org)
    current = next((r for r in records if r.year == year), None)
    contacts = list(orgs_visible_to(request.user, Action.VIEW).filter(path__startswith=org.path).exclude(pk=org.pk)
                    .exclude(kind=OrgKind.GROUP).order_by("path").values_list("pk", "name")[:300])  # fmt: skip
    initial = {}
    if current is not None:
        initial = {k: getattr(current, k) for k in ("secretary_name", "pledge", "project", "goals")}
        initial["contact_org"] = current.contact_org_id
    form = ThreeOnesForm(initial=initial)
    form.fields["contact_org"].choices = contacts  # type: ignore[attr-defined]
    return render(
        request,
        "community/three_ones.html",
        {
            "org": org,
            "year": year,
            "records": records,
            "current": current,
            "form": form,
            "report": selectors.three_ones_report(current, timezone.localdate()) if current else None,
            "visit_form": VisitForm(initial={"on": timezone.localdate()}),
        },
    )


@login_required
@require_POST
def three_ones_save(request: HttpRequest, org_pk: int) -> HttpResponse:
    org = selectors.get_committee_for_user(request.user, org_pk)
    year = _year(request)
    back = f"{reverse('community:three_ones', args=[org.pk])}?year={year}"
    form = ThreeOnesForm(request.POST)
    form.fields["contact_org"].choices = [(request.POST.get("contact_org", ""), "")]  # type: ignore[attr-defined]
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(back)
    data = form.cleaned_data
    contact = Organization.objects.filter(pk=data.pop("contact_org")).first()
    if contact is None:
        messages.error(request, "联系点：请选择党组织")
        return redirect(back)
    run_service(
        request,
        lambda: services.secretary_pledge_save(
            actor=request.user, org=org, year=year, contact_org=contact, version=request.POST.get("version"), **data
        ),
        "“三个一”已保存",
        FIELD_LABELS,
    )
    return redirect(back)


@login_required
@require_POST
def three_ones_publish(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_three_ones_for_user(request.user, pk, Action.MANAGE)
    run_service(
        request,
        lambda: services.secretary_pledge_publish(actor=request.user, record=record),
        "“三个一”已开始公示",
        FIELD_LABELS,
    )
    return redirect(f"{reverse('community:three_ones', args=[record.org_id])}?year={record.year}")


@login_required
@require_POST
def visit_log(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_three_ones_for_user(request.user, pk, Action.MANAGE)
    form = VisitForm(request.POST)
    run_form_service(
        request,
        form,
        lambda d: services.contact_visit_log(actor=request.user, record=record, **d),
        "走访已登记",
        FIELD_LABELS,
    )
    return redirect(f"{reverse('community:three_ones', args=[record.org_id])}?year={record.year}")


@login_required
def three_ones_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The 公示 on the seed's template (annex 3), printable."""
    record = selectors.get_three_ones_for_user(request.user, pk)
    if not record.published:
        raise Http404("尚未公示")
    return render(request, "community/three_ones_notice.html", {"r": record})


@login_required
def three_ones_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The year-end 践诺 report, generated from the record and the visit log (printable page)."""
    record = selectors.get_three_ones_for_user(request.user, pk)
    return render(
        request,
        "community/three_ones_report.html",
        {"rep": selectors.three_ones_report(record, timezone.localdate()), "printed_at": timezone.localtime()},
    )


# ---------------------------------------------------------------------------------------------
# The quarter's list as a spreadsheet


@login_required
def employer_xlsx(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The quarter page's list as xlsx (phones masked by the one policy; the export is audited)."""
    from . import exports

    org = selectors.get_for_employer(request.user, org_pk)
    today = timezone.localdate()
    year, quarter = R.parse_quarter(request.GET.get("quarter", ""), today)
    return exports.quarter_response(request.user, org, year, quarter, today)
