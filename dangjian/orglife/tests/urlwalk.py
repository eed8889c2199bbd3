"""URL-walk fixtures for orglife: a draft meeting of branch A with a photo, an attachment, a
resolution and its action; and a meeting under way for the QR sign-in."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone

from dangjian.orglife import services
from dangjian.site.testing.factories import World, make_pdf

from .helpers import jpeg, make_meeting


def rows(world: World) -> dict[str, dict[str, Any]]:
    meeting = make_meeting(world.branch, actor=world.liaison)  # held yesterday, not yet filed
    # Under way now, so a member of branch A may sign in with its QR token (the member walk does).
    start = timezone.now() - dt.timedelta(minutes=30)
    live = make_meeting(world.branch, actor=world.liaison, started_at=start, ended_at=start + dt.timedelta(hours=2))
    photo = services.photo_add(actor=world.liaison, meeting=meeting, file=jpeg())
    spare_photo = services.photo_add(actor=world.liaison, meeting=meeting, file=jpeg(seed=3))
    second = make_meeting(world.branch, actor=world.liaison)
    attachment = services.attachment_add(
        actor=world.liaison, meeting=meeting, file=io.BytesIO(make_pdf("签到表")), name="签到表.pdf"
    )
    resolution = services.resolution_add(
        actor=world.liaison,
        meeting=meeting,
        title="开展志愿服务",
        content="",
        actions=[services.ActionData("联系社区", timezone.localdate() + dt.timedelta(days=10), owner=world.member)],
    )
    today = timezone.localdate()
    by_meeting = (
        *("orglife:detail", "orglife:edit", "orglife:file", "orglife:photo_upload"),
        *("orglife:attachment_upload", "orglife:resolution_add", "orglife:vote_add"),
        *("orglife:qr", "orglife:print", "orglife:pdf"),
    )
    return {
        **{name: {"pk": meeting} for name in by_meeting},
        "orglife:branch_month": {"month": today.year * 100 + today.month},
        "orglife:photo": {"photo_pk": photo},
        "orglife:photo_review": {"photo_pk": photo},
        # Routes that change the meeting or remove a row get their own rows, so the control walk as the
        # committee admin still finds the shared meeting and photo for the routes after them.
        "orglife:photo_delete": {"photo_pk": spare_photo},
        **{name: {"pk": second} for name in ("orglife:attendance", "orglife:all_present")},
        "orglife:attachment": {"att_pk": attachment},
        "orglife:action_close": {"action_pk": resolution.actions.get()},
        "orglife:sign_in": {"token": live.sign_in_token},
    }
