"""URL-walk fixtures for inspections: the city's drawn plan with branch A's started visit, a plan not
yet drawn, and findings of branch A open, submitted and verified."""

from __future__ import annotations

from typing import Any

from dangjian.site.testing.factories import World

from .helpers import build_inspection_rows


def rows(world: World) -> dict[str, dict[str, Any]]:
    r = build_inspection_rows(world)
    by_committee = ("overview", "findings", "checklist", "checklist_adopt", "plan_new", "checklist_item_save")
    by_visit = (
        "inspection",
        "inspection_start",
        "inspection_score",
        "self_score",
        "inspection_finish",
        "sheet_xlsx",
        "sheet_pdf",
        "finding_raise",
    )
    return {
        **{f"inspections:{n}": {"org_pk": world.city} for n in by_committee},
        **{f"inspections:{n}": {"pk": r.inspection} for n in by_visit},
        "inspections:checklist_item": {"org_pk": world.city},
        "inspections:plan": {"pk": r.plan},
        "inspections:item_photo": {"pk": r.scored},
        "inspections:plan_draw": {"pk": r.planned},
        "inspections:plan_cancel": {"pk": r.plan},
        "inspections:plan_prefill": {"pk": r.plan},
        "inspections:rectification_xlsx": {"pk": r.plan},
        "inspections:finding": {"pk": r.open},
        "inspections:finding_submit": {"pk": r.open},
        "inspections:finding_verify": {"pk": r.submitted},
        "inspections:finding_close": {"pk": r.verified},
    }
