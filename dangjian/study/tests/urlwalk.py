"""URL-walk fixtures for study: the member's hours, a study list of branch A (a collective and a
self-study item), the member's 心得, a lecture of the unit committee for branch A."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.site.testing.factories import World
from dangjian.study import services as S


def rows(world: World) -> dict[str, dict[str, Any]]:
    today = timezone.localdate()
    sl = S.study_list_create(
        actor=world.liaison,
        org=world.branch,
        month=today,
        title="本月学习清单",
        items=[("党章总纲", "collective"), ("典型案例", "self")],
    )
    collective, own = list(sl.items.order_by("pk"))
    reflection = S.reflection_write(actor=world.member_user, title="学习体会", body="认真学习，联系实际。")
    lecturer = S.lecturer_add(actor=world.admin, org=world.unit, name="陈讲师", team="理论宣讲队")
    start = timezone.now() - dt.timedelta(days=2)
    lecture = S.lecture_schedule(
        actor=world.admin,
        lecturer=lecturer,
        audience=world.branch,
        topic="党的创新理论",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )
    committee = ("study:overview", "study:lecturers", "study:lecturer_add", "study:lecture_add", "study:featured_pdf")
    return {
        "study:member": {"pk": world.member},
        "study:item_done": {"pk": own},
        "study:item_link": {"pk": collective},
        "study:reflection": {"pk": reflection},
        "study:reflection_feature": {"pk": reflection},
        "study:lecture_record": {"pk": lecture},
        **{name: {"org_pk": world.unit} for name in committee},
    }
