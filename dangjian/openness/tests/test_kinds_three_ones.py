"""The 三个一 of a committee secretary (community) as a disclosable kind: only once its 公示 started."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.community import services as community
from dangjian.core.registry import disclosable_kinds
from dangjian.core.scoping import SYSTEM
from dangjian.openness import kinds
from dangjian.site.testing.factories import World

pytestmark = pytest.mark.django_db


def test_three_ones_is_registered_and_needs_its_notice(world: World) -> None:
    assert "community_three_ones" in {k.code for k in disclosable_kinds()}
    year = timezone.localdate().year
    record = community.secretary_pledge_save(
        actor=SYSTEM, org=world.unit, year=year, secretary_name="刘书记", pledge="每月到联系点调研",
        project="红色物业", goals="解决停车难", contact_org=world.branch,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="尚未公示"):
        kinds.three_ones(world.unit, dt.date(year, 1, 1), None, "")
    community.secretary_pledge_publish(actor=SYSTEM, record=record)
    content = kinds.three_ones(world.unit, dt.date(year, 1, 1), None, "")
    summary = dict(content["summary"])
    assert summary["领办党建项目"] == "红色物业" and summary["基层党建联系点"] == world.branch.name
    assert "people" not in content  # nothing per person beyond the secretary's published name
