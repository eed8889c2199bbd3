"""Demo data: 12 months of organizational-life records for every demo branch, through the services.

Deterministic (ctx.rng). Most branches keep their records in order; some skip months (red cells),
enter late or leave records in draft (yellow); a few photos are flagged (no EXIF capture time, a
capture time outside the meeting, a photo re-used by another branch); resolutions leave open and
overdue measures to report on at the next meeting.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.models import Organization, OrgKind

from . import rules, selectors, services
from .models import ActionStatus, ResolutionAction

THEMES = [
    "学习贯彻全国“两会”精神",
    "重温入党誓词，坚定理想信念",
    "学习党章党规，强化纪律意识",
    "“五亮五共”志愿服务进社区",
    "学习习近平总书记重要讲话精神",
    "庆祝中国共产党成立纪念日",
    "植绿护绿，共建美丽家园",
    "党史学习教育专题研讨",
    "基层党建重点任务推进",
    "廉洁文化建设专题学习",
    "“我为群众办实事”交流",
    "年度述职与组织生活会",
]
STUDY = ["党章第一章 党员", "《中国共产党支部工作条例（试行）》", "习近平总书记重要文章", "中央八项规定精神"]
LEAVE_REASONS = ["出差", "病假", "值班", "外出培训"]
RESOLUTIONS = [
    ("开展社区志愿服务", ["联系居住地社区报到", "组织党员参加周末义务植树"]),
    ("完善支部学习制度", ["制定季度学习计划", "建立学习笔记检查制度"]),
    ("推进党务公开", ["更新党务公开栏", "公布上季度党费收缴情况"]),
]


def _jpeg(seed: int, taken_at: dt.datetime | None) -> io.BytesIO:
    img = Image.new("RGB", (480, 360), (180 + seed % 60, 20, 20))
    draw = ImageDraw.Draw(img)
    for i in range(10):
        x, y = (seed * 53 + i * 41) % 420, (seed * 29 + i * 67) % 300
        shade = (seed * 31 + i * 47) % 256
        draw.rectangle([x, y, x + 60, y + 50], fill=(shade, 240 - shade % 200, (shade * 7) % 256))
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"format": "JPEG", "quality": 80}
    if taken_at is not None:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = timezone.localtime(taken_at).strftime("%Y:%m:%d %H:%M:%S")
        kwargs["exif"] = exif.tobytes()
    img.save(buf, **kwargs)
    buf.seek(0)
    return buf


def _first_monday(month: int) -> dt.date:
    d = rules.month_start(month)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def build_demo(ctx: DemoContext) -> None:
    rng = ctx.rng
    current = rules.month_key(ctx.today)
    months = rules.month_range(rules.add_months(current, -12), 13)  # 12 full months and the current one
    now = timezone.now()
    photo_seed = 100
    reused_photo: tuple[int, dt.datetime] | None = None
    n_meetings = n_photos = 0
    branches: list[Organization] = list(ctx.branches)
    with_groups = set(Organization.objects.filter(kind=OrgKind.GROUP).values_list("path", flat=True).order_by())
    for bi, branch in enumerate(branches):
        members = [m for m in ctx.members_by_branch.get(branch.pk, []) if m.is_active]
        if not members:
            continue
        has_groups = any(p.startswith(branch.path) and p != branch.path for p in with_groups)
        weak = bi % 6 == 4  # a weak branch misses some months
        sloppy = bi % 5 == 2  # enters late or leaves drafts
        host = members[0]
        recorder = members[1] if len(members) > 1 else members[0]
        absentee = members[-1] if len(members) > 6 and bi % 3 == 0 else None
        for mi, month in enumerate(months):
            day = _first_monday(month)
            start = timezone.make_aware(dt.datetime(day.year, day.month, day.day, 14, 30))
            end = start + dt.timedelta(hours=2, minutes=30)
            if end > now:
                continue  # this month's party day has not been held yet
            if (weak and rng.random() < 0.35) or rng.random() < 0.03:
                continue  # a missing month: red in the matrix
            kinds = [rules.PARTY_DAY]
            if branch.has_committee:
                kinds.append(rules.COMMITTEE_MEETING)
            if has_groups:
                kinds.append(rules.GROUP_MEETING)
            quarter_end = month % 100 in (3, 6, 9, 12)
            if quarter_end and not (weak and rng.random() < 0.5):
                kinds += [rules.GENERAL_MEETING, rules.PARTY_LECTURE]
            if month % 100 == 12:
                kinds += [rules.ORG_LIFE_MEETING, rules.MEMBER_REVIEW]
            checklist = rules.parse_checklist(rules.DEFAULT_REQUIRED_ACTIONS)
            done = checklist if rng.random() > 0.08 else checklist[:-1]
            data = services.MeetingData(
                kinds=kinds,
                theme=THEMES[(month % 100 - 1) % len(THEMES)],
                started_at=start,
                ended_at=end,
                place="党员活动室" if bi % 2 else "单位会议室",
                host=host,
                recorder=recorder,
                lecturer=host.name if rules.PARTY_LECTURE in kinds else "",
                lecture_topic="坚定理想信念，践行初心使命" if rules.PARTY_LECTURE in kinds else "",
                minutes=f"{host.name}主持会议。全体党员佩戴党徽，重温入党誓词，集中学习，并开展交流讨论。",
                study_items="\n".join(rng.sample(STUDY, 2)),
                required_actions=list(done),
                invitees=[{"name": "李晓明", "category": "入党积极分子"}] if mi % 4 == 0 else [],
            )
            marks = []
            for m in selectors.expected_members(branch, day):
                r = rng.random()
                if m.exempt:
                    continue
                if absentee is not None and m.pk == absentee.pk and mi >= len(months) - 4:
                    marks.append(services.Mark(m.pk, "absent"))
                elif r < 0.86:
                    marks.append(services.Mark(m.pk, "present"))
                elif r < 0.96:
                    marks.append(services.Mark(m.pk, "leave", rng.choice(LEAVE_REASONS)))
                else:
                    marks.append(services.Mark(m.pk, "absent"))
            # Filing: mostly within a day; sloppy branches late or not yet; the latest month partly draft.
            last = mi >= len(months) - 2
            filed_at: dt.datetime | None = None
            if not (sloppy and rng.random() < 0.25) and not (last and rng.random() < 0.2):
                late = (sloppy and rng.random() < 0.5) or rng.random() < 0.06
                delay = dt.timedelta(days=rng.randint(6, 15)) if late else dt.timedelta(hours=20)
                filed_at = min(end + delay, now)
            with_photo = bi < 8 and mi >= len(months) - 4
            with_resolution = mi % 3 == 1 and len(members) > 2
            if filed_at is not None and not with_photo and not with_resolution:
                # Entered and filed in one go (the common case).
                services.meeting_create(
                    actor=SYSTEM, org=branch, data=data, attendance=marks, file=True, filed_at=filed_at
                )
                n_meetings += 1
                continue
            meeting = services.meeting_create(actor=SYSTEM, org=branch, data=data, attendance=marks)
            n_meetings += 1
            # A few photos: some fine, some flagged for the reviewer.
            if with_photo:
                photo_seed += 1
                kind = photo_seed % 4
                taken = start + dt.timedelta(minutes=40)
                if kind == 1:
                    f = _jpeg(photo_seed, None)  # no EXIF: flagged "missing"
                elif kind == 2:
                    f = _jpeg(photo_seed, start - dt.timedelta(days=20))  # taken weeks before: "outside"
                elif kind == 3 and reused_photo is not None:
                    f = _jpeg(reused_photo[0], reused_photo[1])  # another branch's photo re-used
                else:
                    f = _jpeg(photo_seed, taken)
                    reused_photo = reused_photo or (photo_seed, taken)
                services.photo_add(actor=SYSTEM, meeting=meeting, file=f, caption="活动现场")
                n_photos += 1
                meeting.refresh_from_db()
            if with_resolution:
                title, measures = RESOLUTIONS[(bi + mi) % len(RESOLUTIONS)]
                services.resolution_add(
                    actor=SYSTEM,
                    meeting=meeting,
                    title=title,
                    content="经支部党员讨论，一致同意。",
                    actions=[
                        services.ActionData(
                            measure=ms, deadline=day + dt.timedelta(days=20 + 10 * k), owner=members[k + 1]
                        )
                        for k, ms in enumerate(measures)
                    ],
                )
            if filed_at is not None:
                meeting.refresh_from_db()
                services.meeting_file(actor=SYSTEM, meeting=meeting, version=meeting.version, filed_at=filed_at)
    # Close the older measures; recent ones stay open (some overdue) to be reported on next time.
    cutoff = ctx.today - dt.timedelta(days=75)
    for action in ResolutionAction.objects.filter(status=ActionStatus.OPEN, deadline__lt=cutoff).order_by("id"):
        if rng.random() < 0.85:
            services.action_close(
                actor=SYSTEM, action=action, version=action.version, note="已按期落实，在支部会议上通报"
            )
    # A planned party day for the demo branch (draft, in the future) so the QR sign-in can be tried.
    demo_branch = next((b for b in branches if b.name == "市教育局机关第一党支部"), branches[0] if branches else None)
    if demo_branch is not None:
        nxt = _first_monday(rules.add_months(current, 1))
        start = timezone.make_aware(dt.datetime(nxt.year, nxt.month, nxt.day, 14, 30))
        services.meeting_create(
            actor=SYSTEM,
            org=demo_branch,
            data=services.MeetingData(
                kinds=[rules.PARTY_DAY],
                theme="下月主题党日（计划）",
                started_at=start,
                ended_at=start + dt.timedelta(hours=2),
                place="党员活动室",
            ),
        )
    ctx.log(f"组织生活：{n_meetings} 次会议记录，{n_photos} 张照片")
