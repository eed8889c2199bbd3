"""URL-walk fixtures for openness: a catalogue item of the city, a published 党内 dues disclosure, a
published 向社会 decision and drafts waiting for review in branch A, a deliberation of branch A."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.openness import services as S
from dangjian.site.testing.factories import World

from .helpers import free_text, public_item, published_dues, through_gate


def rows(world: World) -> dict[str, dict[str, Any]]:
    published = published_dues(world)
    draft = free_text(world, title="活动室开放时间", text="每周一至周五开放", publish=False)
    # A public disclosure of a decision (for the public pages' walk) and a draft of one.
    public_item(world)
    decided = S.deliberation_open(actor=SYSTEM, org=world.branch, topic="活动阵地共建", proposer="支委会")
    today = timezone.localdate()
    for stage, e, p in (("propose", 0, 0), ("committee", 3, 3), ("general_meeting", 4, 3)):
        S.deliberation_stage_record(
            actor=SYSTEM, deliberation=decided, stage=stage, held_on=today, expected=e, present=p
        )
    S.deliberation_record_decision(
        actor=SYSTEM, deliberation=decided, options=[("与社区共建活动室", 3, 0, 0)], chosen=0, decision="共建"
    )
    through_gate(S.deliberation_disclose(actor=SYSTEM, deliberation=decided, which="decision"), SYSTEM)
    free_text(world, title="待审的对外公开草稿", text="尚未审查", publish=False)
    delib = S.deliberation_open(
        actor=world.liaison, org=world.branch, topic="支部活动经费使用方案", proposer="支部委员会"
    )
    S.deliberation_stage_record(actor=SYSTEM, deliberation=delib, stage="propose", held_on=timezone.localdate())
    asked = S.disclosure_request_file(actor=world.member_user, matter="支部活动经费使用情况")
    by_org = ("openness:org", "openness:propose", "openness:board", "openness:board_qr", "openness:deliberations")
    return {
        **{name: {"org_pk": world.branch} for name in by_org},
        "openness:catalogue": {"org_pk": world.branch},
        "openness:compliance": {"org_pk": world.branch},
        "openness:item": {"pk": published.item},
        "openness:disclosure": {"pk": draft},
        "openness:review": {"pk": draft},
        "openness:approve": {"pk": draft},
        "openness:publish": {"pk": draft},
        "openness:withdraw": {"pk": published},
        "openness:withdrawn": {"org_pk": world.branch},
        "openness:requests": {"org_pk": world.branch},
        "openness:request_answer": {"pk": asked},
        **{
            f"openness:{name}": {"pk": delib}
            for name in ("deliberation", "stage", "decision", "implementation", "result", "disclose", "close")
        },
    }
