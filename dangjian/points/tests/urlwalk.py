"""URL-walk fixtures for points: the member's ledger, a manual item awaiting approval, this year's
公示 of branch A and the member's objection to it, branch A's 星级党支部 rating awaiting approval."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangjian.points import services as S
from dangjian.site.testing.factories import World


def rows(world: World) -> dict[str, dict[str, Any]]:
    today = timezone.localdate()
    S.points_recompute(actor=world.liaison, org=world.branch, year=today.year)
    point = S.manual_point_enter(
        actor=world.liaison,
        member=world.member,
        item_code="volunteer",
        on=today,
        reason="社区志愿服务",
        document="志愿服务记录 2026-07",
    )
    notice = S.points_notice_publish(actor=world.liaison, org=world.branch, year=today.year)
    objection = S.points_objection_raise(actor=world.member_user, notice=notice, reason="三月主题党日本人出席")
    rating = S.points_branch_rating_enter(
        actor=world.admin, committee=world.unit, branch=world.branch, year=today.year,
        points_score="92", target_score="88", document="市直机关工委〔2026〕8号",
    )  # fmt: skip
    by_branch = (
        "points:branch",
        "points:enter",
        "points:recompute",
        "points:notice_publish",
        "points:annual_xlsx",
        "points:member_board",
        "points:member_board_pdf",
    )
    by_unit = ("points:manual", "points:overview", "points:ratings", "points:rating_enter")
    boards = ("points:branch_board", "points:branch_board_pdf")
    return {
        "points:member": {"pk": world.member},
        "points:decide": {"pk": point},
        "points:rating_decide": {"pk": rating},
        **{name: {"org_pk": world.unit} for name in (*by_unit, *boards)},
        "points:notice": {"pk": notice},
        "points:objection_raise": {"pk": notice},
        "points:objection_answer": {"pk": objection},
        **{name: {"org_pk": world.branch} for name in by_branch},
    }
