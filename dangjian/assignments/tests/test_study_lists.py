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
from django.utils import timezone

from dangjian.assignments import services
from dangjian.assignments.models import AssignmentTarget, DeliverableKind, TargetMode
from dangjian.assignments.rules import DeliverableSpec
from dangjian.core.models import AuditEvent
from dangjian.study import services as study
from dangjian.study.models import ListSource, StudyItem, StudyList
from dangjian.study.selectors import branch_study

from .conftest import Published

pytestmark = pytest.mark.django_db


def test_publishing_derives_one_list_for_the_subtree(published: Published) -> None:
    a, w = published.assignment, published.world
    sl = StudyList.objects.get()
    assert (sl.org, sl.source, sl.source_ref) == (w.city, ListSource.ASSIGNED, f"assignment:{a.pk}")
    assert sl.month == a.window_start.replace(day=1) and "3月份主题党日" in sl.title
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
    # The page shows this month's lists; the fixture's window opens 5 days ago, which on the first
    # days of a month is last month: date the derived list in this month (the link is what's tested).
    StudyList.objects.update(month=timezone.localdate().replace(day=1))
    page = _client(w.secretary).get(reverse("study:branch", args=[w.branch.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "全国“两会”精神" in text and f'href="{target_url}"' in text
    assert _client(w.secretary).get(target_url).status_code == 200
    # the publisher's own page links to the task itself
    links = dict((sl.org_id, link) for sl, link in branch_study(w.city, 2026).list_links)
    assert links[w.city.pk] == reverse("assignments:detail", args=[published.assignment.pk])


def test_outsider_sees_only_their_own_branchs_copy_and_cannot_derive(published: Published) -> None:
    w = published.world
    StudyList.objects.update(month=timezone.localdate().replace(day=1))  # shown this month (see above)
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
