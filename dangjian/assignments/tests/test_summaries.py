from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.assignments.models import AssignmentTarget
from dangjian.assignments.summaries import actions_done, committee_summary_rows, committee_summary_xlsx
from dangjian.core.scoping import SYSTEM
from dangjian.orgs.services import org_create

from .conftest import make_meeting


def test_actions_done_matches_wording_variants():
    done = actions_done(["佩戴党徽", "重温誓词", "诵读党章"], ["佩戴党徽", "重温入党誓词"])
    assert done == [("佩戴党徽", True), ("重温誓词", True), ("诵读党章", False)]
    assert actions_done([], ["x"]) == []


def _count_queries(assignment):
    with CaptureQueriesContext(connection) as ctx:
        rows = list(committee_summary_rows(assignment))
    return len(ctx.captured_queries), rows


def test_committee_summary_uses_constant_queries(published):
    w = published.world
    a = published.assignment
    make_meeting(w.branch, published.today, members=[w.member])
    n_small, rows = _count_queries(a)
    assert len(rows) == 2
    for i in range(5):
        b = org_create(actor=SYSTEM, parent=w.unit, name=f"新增党支部{i}", kind="branch")
        AssignmentTarget.objects.create(assignment=a, org=b, org_path=b.path)
        make_meeting(b, published.today)
    n_big, rows = _count_queries(a)
    assert len(rows) == 7
    assert n_big == n_small
    assert committee_summary_xlsx(a).startswith(b"PK")


def test_committee_summary_counts_only_filed_records(published):
    w = published.world
    make_meeting(w.branch, published.today, members=[w.member], filed=False)
    rows = {row[2]: row for row in committee_summary_rows(published.assignment)}
    assert rows["市教育局机关党支部"][6] == "记录尚未归档"  # a draft is never shown as held
    assert rows["市教育局机关党支部"][10] == ""
    assert rows["市财政局机关党支部"][6] == "无记录"
