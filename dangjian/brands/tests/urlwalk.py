"""URL-walk fixtures for brands: branch A's projects at each stage of a call by the city, an
expert's open score sheet, an objection to a 公示 and a compared document."""

from __future__ import annotations

from typing import Any

from dangjian.brands.models import Document
from dangjian.site.testing.factories import World

from .helpers import build_brand_rows


def rows(world: World) -> dict[str, dict[str, Any]]:
    r = build_brand_rows(world)
    doc = Document.objects.filter(project=r.revised).order_by("pk").first()
    return {
        "brands:campaign_new": {"org_pk": world.city},
        "brands:campaign": {"pk": r.draft.campaign},
        "brands:apply": {"pk": r.draft.campaign},
        "brands:casebook": {"pk": r.case_submitted.campaign},
        "brands:public_notice": {"pk": r.publicity.campaign},
        "brands:project": {"pk": r.revised},
        "brands:edit": {"pk": r.draft},
        "brands:submit": {"pk": r.draft},
        "brands:opinion": {"pk": r.submitted},
        "brands:assign": {"pk": r.endorsed},
        "brands:shortlist": {"pk": r.endorsed},
        "brands:revise": {"pk": r.candidate},
        "brands:approve": {"pk": r.revised},
        "brands:objection_add": {"pk": r.publicity},
        "brands:establish": {"pk": r.publicity},
        "brands:disqualify": {"pk": r.candidate},
        "brands:progress_add": {"pk": r.cultivating},
        "brands:progress_deeds_add": {"pk": r.cultivating},
        "brands:news_add": {"pk": r.cultivating},
        "brands:case": {"pk": r.cultivating},
        "brands:case_submit": {"pk": r.cultivating},
        "brands:grade": {"pk": r.case_submitted},
        "brands:pdf": {"pk": r.revised},
        "brands:logo": {"pk": r.revised},
        "brands:objection_answer": {"pk": r.objection},
        "brands:document": {"pk": doc},
        "brands:review": {"pk": r.review},
    }
