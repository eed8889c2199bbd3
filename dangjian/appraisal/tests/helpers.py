"""Branch A's appraisal rows for cross-app tests (the service gate, the URL walk)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dangjian.appraisal import services
from dangjian.appraisal.models import Appraisal, AppraisalEntry, Rectification, Talk, TalkFollowUp
from dangjian.core.scoping import SYSTEM
from dangjian.site.testing.factories import World, make_member


@dataclass
class AppraisalRows:
    peer: Any  # a second member of branch A
    talk: Talk
    follow_up: TalkFollowUp
    draft: Appraisal  # this year's appraisal, being graded
    entry: AppraisalEntry  # the member's entry in it
    submitted: Appraisal  # last year's, waiting for sign-off
    rectification: Rectification  # an open 整改 item of this year


def build_appraisal_rows(w: World, *, member_talks: bool = True) -> AppraisalRows:
    """`member_talks`: the talk is the world's member's (so they may read it); else between two others."""
    today = timezone.localdate()
    peer = make_member(w.branch, name="刘党员")
    talker = w.member if member_talks else make_member(w.branch, name="陈党员")
    talk = services.talk_record(
        actor=w.member_user if member_talks else SYSTEM,
        org=w.branch,
        talker_id=talker.pk,
        counterpart_ids=[peer.pk],
        held_on=today,
        content="谈工作打算",
        follow_ups=[services.FollowUpData("帮助解决困难", peer.pk, today + dt.timedelta(days=30))],
    )
    draft = services.appraisal_open(actor=w.liaison, org=w.branch, year=today.year)
    entry = draft.entries.get(member=w.member)
    submitted = services.appraisal_open(actor=w.liaison, org=w.branch, year=today.year - 1)
    for e in submitted.entries.filter(graded=True):
        services.appraisal_grade(actor=w.liaison, entry=e, grade="qualified")
    submitted = services.appraisal_submit(actor=w.liaison, appraisal=submitted)
    item = services.rectification_add(
        actor=w.liaison,
        org=w.branch,
        year=today.year,
        problem="组织生活不够规范",
        measure="每月按时召开支委会",
        owner_id=peer.pk,
        deadline=today + dt.timedelta(days=60),
    )
    return AppraisalRows(peer, talk, talk.follow_ups.get(), draft, entry, submitted, item)
