"""URL-walk fixtures for appraisal: a talk between two other members of branch A (with a follow-up),
this year's appraisal being graded, last year's waiting for sign-off, and an open 整改 item; the
talks across levels are the committee's above branch A."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangjian.site.testing.factories import World

from .helpers import build_appraisal_rows


def rows(world: World) -> dict[str, dict[str, Any]]:
    r = build_appraisal_rows(world, member_talks=False)
    year = timezone.localdate().year
    by_org_year = (
        "appraisal:coverage",
        "appraisal:talks",
        "appraisal:talks_xlsx",
        "appraisal:appraisal",
        "appraisal:summary",
        "appraisal:summary_xlsx",
        "appraisal:review",
        "appraisal:rectification_add",
        "appraisal:review_pdf",
        "appraisal:appraisal_pdf",
        "appraisal:summary_pdf",
    )
    return {
        **{name: {"pk": world.branch, "year": year} for name in by_org_year},
        "appraisal:appraisal_open": {"pk": world.branch, "year": year},
        "appraisal:talk_new": {"pk": world.branch},
        "appraisal:shares": {"pk": world.branch},
        "appraisal:cross": {"pk": world.unit, "year": year},  # the committee above branch A
        "appraisal:talk": {"pk": r.talk},
        "appraisal:talk_edit": {"pk": r.talk},
        "appraisal:talk_delete": {"pk": r.talk},
        "appraisal:follow_up_done": {"pk": r.follow_up},
        "appraisal:entry_grade": {"pk": r.entry},
        "appraisal:entry_evaluation": {"pk": r.entry},
        "appraisal:appraisal_submit": {"pk": r.draft},
        "appraisal:appraisal_sign_off": {"pk": r.submitted},
        "appraisal:rectification_done": {"pk": r.rectification},
        "appraisal:rectification_verify": {"pk": r.rectification},
    }
