"""The board's 逾期 derivation without a subquery per target, and its compiled queries (issue 18):
the same targets as the per-target form on every day around each due date, the first page from the
compiled query equal to the ORM's rows, the counts and the parent list at their edges."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.assignments import selectors
from dangjian.assignments.models import (
    OVERDUE,
    Assignment,
    AssignmentTarget,
    DeliverableKind,
    TargetItem,
    TargetStatus,
)
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.services import assignment_publish
from dangjian.assignments.sweep import assignment_overdue_q, overdue_q
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.services import org_create

from .conftest import Published

STATUSES = list(TargetStatus.values)


def _targets(published: Published, n: int) -> list[AssignmentTarget]:
    """`n` more targets of the published assignment, their statuses cycling through all five."""
    w, a = published.world, published.assignment
    out = []
    for i in range(n):
        org = org_create(actor=SYSTEM, parent=w.unit, name=f"第{i:02d}党支部", kind="branch")
        out.append(
            AssignmentTarget.objects.create(
                assignment=a, org=org, org_path=org.path, status=STATUSES[i % len(STATUSES)]
            )
        )
    return out


def _provide(t: AssignmentTarget, *deliverables: Any) -> None:
    for d in deliverables:
        TargetItem.objects.create(target=t, deliverable=d, org_path=t.org_path, original_name=f"{d.title}.pdf")


def _on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kw: day)


def _overdue_ids(a: Assignment, q: Any) -> set[int]:
    return set(AssignmentTarget.objects.filter(assignment=a).filter(q).values_list("pk", flat=True))


def test_overdue_matches_the_per_target_form_around_every_due_date(published, monkeypatch):
    """Every subset of provided deliverables (twice the same one included) in every status, on each
    day around each due date, for two assignments whose items must not mix."""
    a = published.assignment
    doc, meeting, photos, summary = (
        published.dlv(k) for k in ("document", "meeting_record", "photos", "summary_table")
    )
    meeting.due_on = doc.due_on + dt.timedelta(days=3)  # three distinct due dates
    meeting.save()
    subsets = [
        s for r in range(4) for s in itertools.combinations([doc, meeting, photos, summary], r)
    ]  # 15 subsets of the four, all but "all four"
    targets = _targets(published, len(subsets) * 2)
    for i, t in enumerate(targets):
        _provide(t, *subsets[i % len(subsets)])
    _provide(targets[0], doc, doc)  # two files for one deliverable count once
    second = assignment_publish(
        actor=published.world.admin,
        publisher_org=published.world.city,
        title="另一项任务",
        theme="主题",
        window_start=published.today,
        window_end=published.today + dt.timedelta(days=20),
        deliverables=[DeliverableSpec("材料", DeliverableKind.DOCUMENT, doc.due_on + dt.timedelta(days=1))],
    )
    other = AssignmentTarget.objects.get(assignment=second, org=published.world.branch)
    _provide(other, second.deliverables.get())

    days = sorted({d.due_on + dt.timedelta(days=k) for d in (doc, meeting, summary) for k in (-1, 0, 1, 2)})
    seen = set()
    for day in days:
        for asg in (a, second):
            want = _overdue_ids(asg, overdue_q(day))
            assert _overdue_ids(asg, assignment_overdue_q(asg.pk, day.isoformat())) == want, day
            seen.add(len(want))
            _on(monkeypatch, day)
            assert selectors.board_counts(asg)["overdue"] == len(want)
            assert {r["pk"] for r in selectors.BoardRows(asg, status=OVERDUE)[0 : selectors.BOARD_PAGE]} == want
    assert 0 in seen and len(seen) > 3  # none overdue, some, and all open targets


def test_due_date_itself_is_not_overdue(published, monkeypatch):
    doc = published.dlv("document")
    _on(monkeypatch, doc.due_on)
    assert selectors.board_counts(published.assignment)["overdue"] == 0
    _on(monkeypatch, doc.due_on + dt.timedelta(days=1))
    assert selectors.board_counts(published.assignment)["overdue"] == 2
    _provide(published.target, doc)
    assert selectors.board_counts(published.assignment)["overdue"] == 1


@pytest.mark.parametrize("status", ["", OVERDUE, *STATUSES, "bogus"])
def test_first_page_from_the_compiled_query_equals_the_orm_rows(published, monkeypatch, status):
    _targets(published, selectors.BOARD_PAGE + 12)
    _on(monkeypatch, published.dlv("document").due_on + dt.timedelta(days=1))
    _provide(published.target, published.dlv("document"))
    a, size = published.assignment, selectors.BOARD_PAGE
    orm = [dict(r) for r in selectors.board_queryset(a, status=status).values(*selectors.BOARD_VALUES)]
    assert orm, status
    rows = selectors.BoardRows(a, status=status)
    real = selectors.board_queryset
    monkeypatch.setattr(selectors, "board_queryset", lambda *args, **kw: pytest.fail("the first page used the ORM"))
    with CaptureQueriesContext(connection) as ctx:
        first = rows[0:size]
    assert first == orm[:size] and len(ctx) == 1
    assert rows[0:3] == orm[:3]  # a last page shorter than a page (the paginator stops at the count)
    monkeypatch.setattr(selectors, "board_queryset", real)
    with CaptureQueriesContext(connection) as ctx:
        assert rows[0:0] == []  # no rows at all (the paginator's empty first page): no query
    assert len(ctx) == 0
    assert rows[size : 2 * size] == orm[size : 2 * size]  # page 2 from the ORM
    assert rows.count() == len(orm)


def test_name_and_parent_filters_take_the_orm(published, monkeypatch):
    _targets(published, 3)
    a, w = published.assignment, published.world
    for filters in ({"q": "第01"}, {"parent": w.unit.path, "status": TargetStatus.CLAIMED}, {"q": "无此组织"}):
        rows = selectors.BoardRows(a, **filters)
        want = [dict(r) for r in selectors.board_queryset(a, **filters).values(*selectors.BOARD_VALUES)]
        assert rows[0 : selectors.BOARD_PAGE] == want and rows.count() == len(want)
    assert [r["org__name"] for r in selectors.BoardRows(a, q="第01")[0 : selectors.BOARD_PAGE]] == ["第01党支部"]


def test_counts_without_targets_are_zero(published):
    a = published.assignment
    counts = selectors.board_counts(a)
    assert counts == {"total": 2, **dict.fromkeys(STATUSES, 0), "unclaimed": 2, "overdue": 0}
    AssignmentTarget.objects.filter(assignment=a).delete()
    assert selectors.board_counts(a) == {"total": 0, **dict.fromkeys(STATUSES, 0), "overdue": 0}


def test_parent_choices_per_depth_and_without_an_upper_bound(published, monkeypatch):
    w = published.world
    general = org_create(actor=SYSTEM, parent=w.unit, name="机关第一党总支", kind="general_branch")
    org_create(actor=SYSTEM, parent=general, name="第一党支部", kind="branch")
    a = published.assignment
    assert selectors.board_parent_choices(a) == [(w.unit.path, w.unit.name)]
    below_unit = Assignment(publisher_org=w.unit, org_path=w.unit.path)  # a publisher one level deeper
    assert selectors.board_parent_choices(below_unit) == [(general.path, general.name)]
    assert selectors.board_parent_choices(a) == [(w.unit.path, w.unit.name)]  # its own depth's query
    monkeypatch.setattr(selectors, "successor", lambda path: None)
    assert selectors.board_parent_choices(below_unit) == [(general.path, general.name)]
    assert selectors.board_parent_choices(a) == [(w.unit.path, w.unit.name)]
