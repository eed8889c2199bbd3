from __future__ import annotations

import random

from django.utils import timezone

from dangjian.core.demo import DemoContext
from dangjian.reports.demo import build_demo
from dangjian.reports.models import Indicator, Report, ReportKind
from dangjian.site.testing.factories import World


def test_demo_builds_reports_rollups_and_indicators(world: World) -> None:
    ctx = DemoContext(
        today=timezone.localdate(),
        rng=random.Random(3),
        root=world.city,
        branches=[world.branch, world.other_branch],
        members_by_branch={},
        org_admin=world.admin,
        users={"secretary": world.secretary},
        log=lambda s: None,
    )
    build_demo(ctx)
    assert Report.objects.filter(kind=ReportKind.BRANCH, current__gt=0).count() >= 2
    city = Report.objects.get(org=world.city, kind=ReportKind.ROLLUP)
    assert city.figures["partyday"]["held"] >= 0 and city.receiver_id is None
    assert Indicator.objects.filter(org=world.city).count() == 3
