"""Demo data: the committee's March 2023 主题党日 notice (seed 000) recreated as an assignment.

The notice's dates are kept relative to each other and shifted so that today falls inside the
activity window: published 11 days before the window opens (3月1日 → 3月12日), the first materials
due two days after publishing (3月3日), the window lasting 20 days (3月12日–3月31日) with the
summary due on its last day. The branches are spread over every status — approved, returned,
resubmitted, submitted, claimed, not claimed and overdue — through the real services, and the
reminder sweep runs once so the 督办 ledger and inboxes have content.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.services import role_assign, user_create
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orglife import services as orglife
from dangjian.orglife.models import Meeting
from dangjian.orgs.models import OrgPost

from . import services
from .models import AssignmentTarget, DeliverableKind, TargetStatus
from .rules import DeliverableSpec
from .sweep import run_sweep

THEME = "学习贯彻全国“两会”精神，扎实开展“五亮五共”活动，共同缔造美好幸福生活"
REQUIRED_ACTIONS = ["佩戴党徽", "交纳党费", "重温誓词", "诵读党章"]
COLLECTIVE_STUDY = [
    "全国“两会”精神",
    "中国共产党第二十届中央委员会第二次全体会议精神",
    "习近平总书记在学习贯彻党的二十大精神研讨班开班式上的重要讲话精神",
    "市委组织部《关于扎实开展“五亮五共”活动着力加强党员干部能力作风建设的通知》",
]
SELF_STUDY = [
    "中共中央 国务院印发的《关于做好2023年全面推进乡村振兴重点工作的意见》",
    "省委办公厅印发的《湖北省领导干部插手干预重大事项记录、报告和责任追究办法（试行）》",
    "习近平总书记重要文章《当前经济工作的几个重大问题》",
]
PRACTICAL_DEEDS = [
    "开展专题交流讨论：把全国“两会”精神转化为推进绿色低碳发展示范区建设的实际行动",
    "扎实开展“五亮五共”活动：在职党员到居住地社区报到，亮身份、亮承诺、亮行动，至少领办1件实事",
    "广泛开展植绿护绿活动：义务植树、认养认种、绿植养护",
]
NOTICE = (
    "根据市委组织部通知要求，现就开展本月党支部主题党日活动有关事项通知如下：\n"
    "一、活动主题：" + THEME + "。\n"
    "二、活动时间：见本任务的活动时间，时间不少于半天。\n"
    "三、主要内容：共同学习、自学内容、办实事（见下方清单）。全体党员完成佩戴党徽、交纳党费、重温誓词、"
    "诵读党章等规定动作。\n"
    "四、报送要求：承诺书及任职情况按时报送；主题党日会议记录在平台关联，活动总结表由平台根据会议记录自动生成，"
    "无需另行填报。照片要在会议召开时拍摄上传。\n"
    "操作路径：实名认证（支部书记或联络员）—组织生活—领取任务—上传。"
)

# Share of branches per outcome, in order (the rest stay unclaimed).
PLAN = [
    ("approved", 0.25),
    ("returned", 0.10),
    ("resubmitted", 0.10),
    ("submitted", 0.15),
    ("claimed_done", 0.10),
    ("claimed_late", 0.10),
]


def _png(rng: Any) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (rng.randint(150, 230), rng.randint(0, 60), rng.randint(0, 60))).save(buf, "PNG")
    return buf.getvalue()


def _pdf(title: str) -> bytes:
    # A one-page PDF standing in for the scanned 承诺书 (it must open as a PDF to be accepted).
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _actor_for(branch: Any, admin: Any, members: list[Any]) -> Any:
    """The branch's secretary or liaison; a branch without one gets its secretary's account now
    (the member holding the 书记 post, else the first on the roster), granted by the org admin."""
    ra = (
        RoleAssignment.objects.filter(org=branch, role__in=["secretary", "liaison"])
        .select_related("user")
        .order_by("role", "id")
        .first()
    )
    if ra is not None:
        return ra.user
    post = (
        OrgPost.objects.filter(org=branch, post="secretary", ended_on__isnull=True, member__user__isnull=True)
        .select_related("member")
        .first()
    )
    member = post.member if post is not None else next((m for m in members if m.user_id is None), None)
    if member is None:
        return None
    # An account without a password yet (the secretary sets one on first activation): no hashing cost.
    if not member.phone or User.objects.filter(phone=member.phone).exists():
        return None
    try:
        user = user_create(actor=SYSTEM, phone=member.phone, name=member.name)
        role_assign(actor=admin, user=user, org=branch, role="secretary")
    except ValidationError:
        return None
    return user


def _party_day(branch: Any, actor: Any, since: dt.date, day: dt.date, members: list[Any], rng: Any) -> Any:
    """The branch's party-day record in the window so far: an existing one, or one recorded now."""
    existing = (
        Meeting.objects.filter(
            branch_path=branch.path, is_party_day=True, meeting_date__gte=since, meeting_date__lte=day
        )
        .order_by("-meeting_date", "id")
        .first()
    )
    if existing is not None:
        return existing
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    meeting = orglife.meeting_create(
        actor=actor,
        org=branch,
        data=orglife.MeetingData(
            kinds=["party_day"],
            theme=THEME[:60],
            started_at=start,
            ended_at=start + dt.timedelta(hours=4),
            place=rng.choice(["党员活动室", "社区党群服务中心", "单位三楼会议室", "红色教育基地"]),
            study_items="\n".join(COLLECTIVE_STUDY[:3]),
            required_actions=["佩戴党徽", "交纳党费", "重温入党誓词", "诵读党章"],
            minutes="集中学习全国“两会”精神，开展交流讨论，每名在职党员认领社区实事一件。",
        ),
    )
    expected = list(meeting.attendance.values_list("member_id", flat=True))
    if expected:
        marks = []
        for member_id in expected:
            present = rng.random() < 0.85
            marks.append(
                orglife.Mark(
                    member_id=member_id, status="present" if present else "leave", reason="" if present else "出差"
                )
            )
        meeting = orglife.attendance_mark(actor=actor, meeting=meeting, version=meeting.version, marks=marks)
    return meeting


def build_demo(ctx: DemoContext) -> None:
    admin = ctx.org_admin
    if admin is None or not ctx.branches:
        ctx.log("assignments: no admin or branches, skipped")
        return
    today = ctx.today
    published_on = today - dt.timedelta(days=20)  # the notice's 3月1日
    window_start = published_on + dt.timedelta(days=11)  # 3月12日
    window_end = window_start + dt.timedelta(days=19)  # 3月31日
    first_due = published_on + dt.timedelta(days=2)  # 3月3日
    month = f"{window_start.year}年{window_start.month}月"
    a = services.assignment_publish(
        actor=admin,
        publisher_org=ctx.root,
        title=f"关于开展{month}份党支部主题党日活动的通知",
        theme=THEME,
        notice=NOTICE,
        window_start=window_start,
        window_end=window_end,
        min_hours=Decimal(4),  # 不少于半天
        required_actions=REQUIRED_ACTIONS,
        collective_study=COLLECTIVE_STUDY,
        self_study=SELF_STUDY,
        practical_deeds=PRACTICAL_DEEDS,
        deliverables=[
            DeliverableSpec("“五亮五共”承诺书及任职情况", DeliverableKind.DOCUMENT, first_due),
            DeliverableSpec("主题党日会议记录", DeliverableKind.MEETING_RECORD, window_end),
            DeliverableSpec("活动照片（会议召开时拍摄）", DeliverableKind.PHOTOS, window_end),
            DeliverableSpec(f"{month}份主题党日活动总结表", DeliverableKind.SUMMARY_TABLE, window_end),
        ],
        published_on=published_on,
    )
    dlv = {d.kind: d for d in a.deliverables.all()}
    branch_ids = {b.pk for b in ctx.branches}
    targets = [t for t in AssignmentTarget.objects.filter(assignment=a).select_related("org") if t.org_id in branch_ids]
    ctx.rng.shuffle(targets)
    n = len(targets)
    cut, start = [], 0
    for outcome, share in PLAN:
        k = max(1, round(n * share)) if n >= len(PLAN) + 1 else (1 if start < n else 0)
        cut.append((outcome, targets[start : start + k]))
        start += k
    meeting_day = max(window_start, today - dt.timedelta(days=3))
    if meeting_day > today:
        meeting_day = today
    counts: dict[str, int] = {}
    for outcome, group in cut:
        for t in group:
            members = ctx.members_by_branch.get(t.org_id, [])
            actor = _actor_for(t.org, admin, members)
            if actor is None:
                continue
            t = services.target_claim(actor=actor, target=t)
            late = outcome == "claimed_late"
            if not late:
                services.target_attach_file(
                    actor=actor,
                    target=t,
                    deliverable_id=dlv[DeliverableKind.DOCUMENT].pk,
                    upload=SimpleUploadedFile("承诺书.pdf", _pdf("commitment")),
                )
            if not late:
                meeting = _party_day(t.org, actor, window_start, meeting_day, members, ctx.rng)
                services.target_link_meeting(
                    actor=actor,
                    target=t,
                    deliverable_id=dlv[DeliverableKind.MEETING_RECORD].pk,
                    meeting_id=meeting.pk,
                )
            if outcome in ("approved", "returned", "resubmitted", "submitted"):
                services.target_attach_file(
                    actor=actor,
                    target=t,
                    deliverable_id=dlv[DeliverableKind.PHOTOS].pk,
                    upload=SimpleUploadedFile("现场照片.png", _png(ctx.rng)),
                )
                services.target_submit(actor=actor, target=t, note="请审核")
                if outcome == "approved":
                    services.target_review(actor=admin, target=t, approve=True, comment="材料齐全，同意")
                elif outcome in ("returned", "resubmitted"):
                    services.target_review(
                        actor=admin, target=t, approve=False, comment="照片未体现活动现场，请补充后重新提交"
                    )
                    if outcome == "resubmitted":
                        t.refresh_from_db()
                        services.target_attach_file(
                            actor=actor,
                            target=t,
                            deliverable_id=dlv[DeliverableKind.PHOTOS].pk,
                            upload=SimpleUploadedFile("补充照片.png", _png(ctx.rng)),
                        )
                        services.target_submit(actor=actor, target=t, note="已补充现场照片")
            counts[outcome] = counts.get(outcome, 0) + 1

    result = run_sweep(today=today, assignment_id=a.pk)
    statuses = {s: AssignmentTarget.objects.filter(assignment=a, status=s).count() for s in TargetStatus.values}
    ctx.extra["assignment"] = a
    ctx.log(
        f"assignments: published “{a.title}” to {a.target_count} branches; statuses {statuses}; "
        f"sweep sent {result.notifications} notifications"
    )
