"""An assignment's study lines become the month's study lists of its branches, entered once:
derived on publish, idempotent on re-sync or edit, shown on the study page with a link back to the
task; outsiders neither see another branch's page nor can derive lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from dangjian.assignments import services
from dangjian.assignments.models import AssignmentTarget, DeliverableKind, TargetMode
from dangjian.assignments.rules import DeliverableSpec
from dangjian.core.models import AuditEvent
from dangjian.study import selectors as study_selectors
from dangjian.study import services as study
from dangjian.study.models import ListSource, StudyItem, StudyList
from dangjian.study.selectors import branch_study

from .conftest import Published

pytestmark = pytest.mark.django_db


def test_publishing_derives_one_list_for_the_subtree(published: Published) -> None:
    a, w = published.assignment, published.world
    sl = StudyList.objects.get()
    assert (sl.org, sl.source, sl.source_ref) == (w.city, ListSource.ASSIGNED, f"assignment:{a.pk}")
    assert (sl.month, sl.until_month) == (a.window_start.replace(day=1), a.window_end.replace(day=1))
    assert "3月份主题党日" in sl.title
    assert sorted(sl.items.values_list("title", "mode")) == [
        ("《当前经济工作的几个重大问题》", "self"),
        ("全国“两会”精神", "collective"),
    ]
    assert AuditEvent.objects.filter(action="study.list_create").count() == 1


def test_syncing_again_or_after_an_edit_never_duplicates(published: Published) -> None:
    a, w = published.assignment, published.world
    assert services.assignment_study_lists_sync(actor=w.admin, assignment=a) == 0
    assert StudyList.objects.count() == 1 and StudyItem.objects.count() == 2
    first = StudyItem.objects.order_by("pk").first()
    a.collective_study = [*a.collective_study, "党章第二章"]  # an edited task: one more line
    a.save(update_fields=["collective_study"])
    assert services.assignment_study_lists_sync(actor=w.admin, assignment=a) == 1
    assert services.assignment_study_lists_sync(actor=w.admin, assignment=a) == 0
    assert StudyList.objects.count() == 1 and StudyItem.objects.count() == 3
    assert StudyItem.objects.order_by("pk").first() == first  # existing items (and members' marks) kept


def _publish(w: Any, **kw: Any) -> Any:
    today = dt.date.today()
    args: dict[str, Any] = {
        "actor": w.admin,
        "publisher_org": w.city,
        "title": "学习任务",
        "theme": "主题",
        "window_start": today,
        "window_end": today + dt.timedelta(days=10),
        "deliverables": [DeliverableSpec("总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=10))],
        **kw,
    }
    return services.assignment_publish(**args)


def test_no_study_lines_no_list(world: Any) -> None:
    _publish(world, required_actions=["佩戴党徽"])
    assert not StudyList.objects.exists()


def test_chosen_branches_each_get_their_own_list(world: Any) -> None:
    a = _publish(world, self_study=["党章"], target_mode=TargetMode.CHOSEN, chosen_orgs=[world.branch])
    sl = StudyList.objects.get()
    assert (sl.org, sl.source_ref) == (world.branch, f"assignment:{a.pk}")
    # branch B was not chosen: its study page lists nothing from this task
    assert branch_study(world.other_branch, a.window_start.year).list_links == []
    a.self_study = ["党章", "准则"]
    a.save(update_fields=["self_study"])
    assert services.assignment_study_lists_sync(actor=world.admin, assignment=a) == 1
    assert StudyList.objects.count() == 1


def test_a_chosen_committee_holds_one_list_for_its_branches(world: Any) -> None:
    a = _publish(world, self_study=["党章"], target_mode=TargetMode.CHOSEN, chosen_orgs=[world.branch, world.unit])
    assert AssignmentTarget.objects.filter(assignment=a).count() == 2
    sl = StudyList.objects.get()
    assert sl.org == world.unit
    assert services.assignment_study_lists_sync(actor=world.admin, assignment=a) == 0
    assert StudyList.objects.count() == 1
    links = branch_study(world.other_branch, a.window_start.year).list_links
    other = AssignmentTarget.objects.get(assignment=a, org=world.other_branch)
    assert [(x.pk, url) for x, url in links] == [(sl.pk, reverse("assignments:target", args=[other.pk]))]


def test_the_study_page_links_back_to_the_branchs_own_task(published: Published) -> None:
    w = published.world
    target_url = reverse("assignments:target", args=[published.target.pk])
    # The page shows this month's lists: the fixture's window (5 days ago to 20 days ahead) touches
    # this month on every day of the year, so the derived list is among them.
    page = _client(w.secretary).get(reverse("study:branch", args=[w.branch.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "全国“两会”精神" in text and f'href="{target_url}"' in text
    assert _client(w.secretary).get(target_url).status_code == 200
    # the publisher's own page links to the task itself
    links = dict((sl.org_id, link) for sl, link in branch_study(w.city, 2026).list_links)
    assert links[w.city.pk] == reverse("assignments:detail", args=[published.assignment.pk])


def test_outsider_sees_only_their_own_branchs_copy_and_cannot_derive(published: Published) -> None:
    w = published.world
    c = _client(w.outsider)
    assert c.get(reverse("study:branch", args=[w.branch.pk])).status_code == 404
    assert c.get(reverse("assignments:target", args=[published.target.pk])).status_code in (403, 404)
    own = c.get(reverse("study:branch", args=[w.other_branch.pk])).content.decode()
    assert reverse("assignments:target", args=[published.other.pk]) in own
    assert reverse("assignments:target", args=[published.target.pk]) not in own
    with pytest.raises(PermissionDenied):
        services.assignment_study_lists_sync(actor=w.outsider, assignment=published.assignment)
    with pytest.raises(PermissionDenied):
        study.study_list_derive(
            actor=w.outsider, org=w.branch, month=published.today, title="x", items=[("y", "self")], source_ref="z"
        )
    assert StudyItem.objects.count() == 2


def test_a_derived_list_must_name_its_record(world: Any) -> None:
    with pytest.raises(ValidationError, match="任务编号"):
        study.study_list_derive(
            actor=world.admin, org=world.city, month=dt.date.today(), title="x", items=[("y", "self")], source_ref=" "
        )
    assert not StudyList.objects.exists()
    assert AssignmentTarget.objects.count() == 0


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _month(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


@pytest.mark.parametrize(
    ("start", "end", "shown", "not_shown"),
    [
        ((3, 12), (3, 31), [(0, 3)], [(0, 2), (0, 4)]),
        ((11, 30), (12, 1), [(0, 11), (0, 12)], [(0, 10), (1, 1)]),  # a month's last day to the next's first
        ((12, 25), (1, 5), [(0, 12), (1, 1)], [(0, 11), (1, 2)]),  # over the year end
        ((1, 31), (4, 1), [(0, 1), (0, 2), (0, 3), (0, 4)], [(-1, 12), (0, 5)]),
    ],
)
def test_an_assignments_study_items_are_on_every_month_of_its_window(
    world: Any, start: tuple[int, int], end: tuple[int, int], shown: list[tuple[int, int]], not_shown: Any
) -> None:
    """Next year's windows (publishable on any day this year); (years ahead of it, month)."""
    year = dt.date.today().year + 1
    first = dt.date(year, *start)
    last = dt.date(year + (end < start), *end)
    _publish(
        world,
        window_start=first,
        window_end=last,
        deliverables=[DeliverableSpec("总结表", DeliverableKind.SUMMARY_TABLE, last)],
        self_study=["党章"],
        collective_study=["四中全会精神"],
    )
    assert StudyList.objects.count() == 1  # one list, however many months
    for dy, mo in shown:
        items = study_selectors.study_items_for(world.member, _month(year + dy, mo))
        assert sorted(i.title for i, _ in items) == ["党章", "四中全会精神"], (dy, mo)
    for dy, mo in not_shown:
        assert study_selectors.study_items_for(world.member, _month(year + dy, mo)) == [], (dy, mo)
    # Studied in the first month, done in the last too: the same item, not a copy to study again.
    item = StudyItem.objects.get(title="党章")
    study.study_mark_done(actor=world.member_user, item=item)
    (dy, mo) = shown[-1]
    assert [done for i, done in study_selectors.study_items_for(world.member, _month(year + dy, mo)) if i == item] == [
        True
    ]


def test_a_corrected_window_moves_the_list_and_keeps_its_items(world: Any) -> None:
    year = dt.date.today().year + 1
    a = _publish(
        world,
        window_start=dt.date(year, 11, 20),
        window_end=dt.date(year, 11, 30),
        deliverables=[DeliverableSpec("总结表", DeliverableKind.SUMMARY_TABLE, dt.date(year, 11, 30))],
        self_study=["党章"],
    )
    item = StudyItem.objects.get()
    a.window_end = dt.date(year + 1, 1, 10)  # extended over the year end
    a.save(update_fields=["window_end"])
    assert services.assignment_study_lists_sync(actor=world.admin, assignment=a) == 0
    sl = StudyList.objects.get()
    assert (sl.month, sl.until_month) == (dt.date(year, 11, 1), dt.date(year + 1, 1, 1))
    assert list(StudyItem.objects.all()) == [item]
    assert AuditEvent.objects.filter(action="study.list_months").count() == 1
    assert services.assignment_study_lists_sync(actor=world.admin, assignment=a) == 0
    assert AuditEvent.objects.filter(action="study.list_months").count() == 1  # unchanged: no event


def test_a_list_cannot_end_before_it_starts(world: Any) -> None:
    with pytest.raises(ValidationError, match="截止月份"):
        study.study_list_create(
            actor=world.admin,
            org=world.city,
            month=dt.date(2026, 3, 1),
            until=dt.date(2026, 2, 28),
            title="x",
            items=[("y", "self")],
        )
    assert not StudyList.objects.exists()
