"""URL-walk fixtures for assignments: two tasks given to branch A alone (not to the outsider's
branch B) — one claimed with an uploaded file, one submitted and awaiting review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.assignments.models import Assignment, AssignmentTarget, DeliverableKind, TargetMode
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish, target_attach_file, target_claim, target_submit
from dangjian.site.testing.factories import World, make_pdf


def _publish(world: World, title: str) -> tuple[Assignment, AssignmentTarget]:
    today = timezone.localdate()
    due = today + dt.timedelta(days=10)
    a = assignment_publish(
        actor=world.admin,
        publisher_org=world.city,
        title=title,
        theme="学习贯彻全国“两会”精神",
        window_start=today - dt.timedelta(days=5),
        window_end=today + dt.timedelta(days=20),
        deliverables=[
            DeliverableSpec("承诺书", DeliverableKind.DOCUMENT, due),
            DeliverableSpec("主题党日活动总结表", DeliverableKind.SUMMARY_TABLE, due),  # generated on submit
        ],
        target_mode=TargetMode.CHOSEN,
        chosen_orgs=[world.branch],
    )
    target = target_claim(actor=world.liaison, target=AssignmentTarget.objects.get(assignment=a, org=world.branch))
    return a, target


def _attach(world: World, target: AssignmentTarget) -> Any:
    d = target.assignment.deliverables.get(kind=DeliverableKind.DOCUMENT)
    upload = SimpleUploadedFile("承诺书.pdf", make_pdf("承诺书"), content_type="application/pdf")
    return target_attach_file(actor=world.liaison, target=target, deliverable_id=d.pk, upload=upload)


def rows(world: World) -> dict[str, dict[str, Any]]:
    assignment, open_target = _publish(world, "3月份主题党日")
    item = _attach(world, open_target)
    _, done_target = _publish(world, "4月份主题党日")
    _attach(world, done_target)
    submission = target_submit(actor=world.liaison, target=done_target)
    today = timezone.localdate()
    by_assignment = ("assignments:detail", "assignments:board", "assignments:board_export")
    by_target = (
        *("assignments:target", "assignments:claim", "assignments:link_meeting", "assignments:upload"),
        "assignments:record_party_day",
    )
    return {
        **{name: {"pk": assignment} for name in (*by_assignment, "assignments:committee_summary")},
        **{name: {"pk": open_target} for name in (*by_target, "assignments:submit", "assignments:study")},
        "assignments:target_summary": {"pk": open_target, "fmt": "xlsx"},
        "assignments:review": {"pk": done_target},
        **{name: {"pk": item} for name in ("assignments:item_file", "assignments:remove_item")},
        "assignments:submission_file": {"pk": submission},
        "assignments:branch_summary": {"year": today.year, "month": today.month, "fmt": "xlsx"},
    }
