"""Compliance matrix (DB roll-up agrees with the pure engine; fixed query count), records for other apps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.orglife import rules, selectors, services
from dangjian.orglife.models import BranchMonth
from dangjian.orgs.services import config_set, org_create, org_move
from dangjian.site.testing.factories import World, make_member

from .helpers import at, data, jpeg, make_meeting

pytestmark = pytest.mark.django_db


def in_month(month: int, day: int = 5, hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month // 100, month % 100, day, hour))


def held(org, actor, month: int, kinds: list[str], *, file: bool = True, late: bool = False):
    extra = {}
    if "party_lecture" in kinds:
        extra = {"lecturer": "王书记", "lecture_topic": "党章学习"}
    m = make_meeting(org, actor, kinds=kinds, started_at=in_month(month), **extra)
    if file:
        filed_at = m.ended_at + dt.timedelta(days=10 if late else 1)
        m = services.meeting_file(actor=SYSTEM, meeting=m, version=m.version, filed_at=filed_at)
    return m


def last_months(n: int) -> list[int]:
    current = rules.month_key(timezone.localdate())
    return rules.month_range(rules.add_months(current, -n), n)


def test_branch_matrix_green_yellow_red(world: World, as_liaison) -> None:
    m1, m2, m3 = last_months(3)
    held(world.branch, world.liaison, m1, ["party_day"])
    held(world.branch, world.liaison, m2, ["party_day"], late=True)
    mx = selectors.compliance_matrix(world.liaison, world.branch, [m1, m2, m3])
    colours = {month: colour for month, colour, _ in mx.rows[0].cells}
    # m1/m2 may also be a quarter's end (党员大会/党课 due): then the missing quarterly meeting is red.
    quarter_end = {m for m in (m1, m2, m3) if m % 100 in (3, 6, 9, 12)}
    assert colours[m3] == "red"
    if m1 not in quarter_end:
        assert colours[m1] == "green"
    if m2 not in quarter_end:
        assert colours[m2] == "yellow"
    cells = selectors.branch_compliance(world.branch, [m1, m2, m3])
    assert [c.colour for c in cells] == [colours[m1], colours[m2], colours[m3]]
    r = as_liaison.get(f"/orglife/matrix/{world.branch.pk}/{m3}/")
    assert "主题党日" in r.content.decode() and "缺失" in r.content.decode()
    assert "第十六条" in r.content.decode()
    # Drill-down links name the meeting (date and theme), not "记录1".
    page = as_liaison.get(f"/orglife/matrix/{world.branch.pk}/{m1}/").content.decode()
    assert "学习贯彻全国两会精神</a>" in page and "记录1" not in page


def test_rollup_counts_match_branch_engine(world: World) -> None:
    months = last_months(6)
    third = org_create(actor=SYSTEM, parent=world.unit, name="第三支部", kind="branch", sector="agency")
    for m in months:
        held(world.branch, world.liaison, m, ["party_day", "general_meeting", "party_lecture"])
    for m in months[::2]:
        held(world.other_branch, SYSTEM, m, ["party_day"], late=True)
    mx = selectors.compliance_matrix(world.admin, world.city, months)
    assert [r.org.pk for r in mx.rows] == [world.unit.pk]
    unit_cells = {month: (colour, text) for month, colour, text in mx.rows[0].cells}
    engine = {
        b.pk: {c.month: c for c in selectors.branch_compliance(b, months)}
        for b in (world.branch, world.other_branch, third)
    }
    current = rules.month_key(timezone.localdate())
    for month in months:
        # The committee sees the share of branches fully compliant (the branch engine's green),
        # coloured by thresholds, not the colour of its worst branch.
        compliant = sum(1 for b in engine if engine[b][month].colour == "green")
        assert mx.rows[0].shares[month] == f"{compliant}/3", month
        assert unit_cells[month][0] == rules.share_colour(compliant, 3, month < current), month
        pd_green = sum(1 for b in engine if engine[b][month].requirements[0].state == "ok")
        assert f"主题党日 {pd_green}/3" in unit_cells[month][1]
    # Drill down one level: the unit's matrix has one row per branch with the exact engine colours.
    mx2 = selectors.compliance_matrix(world.admin, world.unit, months)
    for row in mx2.rows:
        assert [c for _, c, _ in row.cells] == [engine[row.org.pk][m].colour for m in months]


def test_matrix_query_count_does_not_grow_with_orgs(world: World, settings) -> None:
    settings.DANGJIAN_SNAPSHOT_SECONDS = 0  # count the roll-up's queries, not the kept rows'
    months = last_months(12)
    selectors.compliance_matrix(world.admin, world.unit, months)  # warm the per-request scope cache
    with CaptureQueriesContext(connection) as small:
        selectors.compliance_matrix(world.admin, world.unit, months)
    for i in range(15):
        b = org_create(actor=SYSTEM, parent=world.unit, name=f"新支部{i}", kind="branch", sector="agency")
        make_member(b)
        held(b, SYSTEM, months[-2], ["party_day"])
    with CaptureQueriesContext(connection) as big:
        mx = selectors.compliance_matrix(world.admin, world.unit, months)
    assert len(big.captured_queries) == len(small.captured_queries)
    assert mx.total_rows == 17


def _cells(mx: selectors.Matrix) -> list[tuple[int, list[tuple[int, str, str]], dict[int, str]]]:
    return [(r.org.pk, r.cells, r.shares) for r in mx.rows]


def test_matrix_kept_until_a_write_in_its_subtree(world: World, settings) -> None:
    """A matrix opened again is read from the cache with one query (the audit probe) and is the
    same as computed afresh; a meeting filed in the subtree makes the next one recompute."""
    months = last_months(3)
    first = selectors.compliance_matrix(world.admin, world.unit, months)
    with CaptureQueriesContext(connection) as ctx:
        again = selectors.compliance_matrix(world.admin, world.unit, months)
    assert len(ctx.captured_queries) == 1 and "core_auditevent" in ctx.captured_queries[0]["sql"]
    assert _cells(again) == _cells(first)
    held(world.branch, world.liaison, months[-2], ["party_day"])
    after = selectors.compliance_matrix(world.admin, world.unit, months)
    settings.DANGJIAN_SNAPSHOT_SECONDS = 0
    fresh = selectors.compliance_matrix(world.admin, world.unit, months)
    assert _cells(after) == _cells(fresh) != _cells(first)
    row = next(r for r in after.rows if r.org.pk == world.branch.pk)
    assert "主题党日 1/1" in {m: text for m, _, text in row.cells}[months[-2]]


def test_matrix_not_recomputed_for_a_write_in_another_tree(world: World) -> None:
    months = last_months(3)
    elsewhere = org_create(actor=SYSTEM, parent=None, name="另一市委", kind="committee", sector="agency")
    selectors.compliance_matrix(world.admin, world.unit, months)
    org_create(actor=SYSTEM, parent=elsewhere, name="另一支部", kind="branch", sector="agency")
    with CaptureQueriesContext(connection) as ctx:
        selectors.compliance_matrix(world.admin, world.unit, months)
    assert len(ctx.captured_queries) == 1


def test_matrix_sees_a_branch_move_out_and_an_ancestors_setting(world: World) -> None:
    """A move records only the subtree's new path: the old parent's matrix must still drop the
    branch. A setting changed above (党课 every month) changes the cells' requirements."""
    months = last_months(3)
    other_unit = org_create(actor=SYSTEM, parent=world.city, name="另一工委", kind="committee", sector="agency")
    before = selectors.compliance_matrix(world.admin, world.unit, months)
    assert world.other_branch.pk in [r.org.pk for r in before.rows]
    org_move(actor=SYSTEM, org=world.other_branch, new_parent=other_unit)
    world.unit.refresh_from_db()
    moved = selectors.compliance_matrix(world.admin, world.unit, months)
    assert [r.org.pk for r in moved.rows] == [world.branch.pk]
    assert not all("党课" in text for _, _, text in moved.rows[0].cells)  # quarterly by default
    config_set(actor=SYSTEM, org=world.city, key="orglife.lecture_frequency", raw_value="monthly")
    monthly = selectors.compliance_matrix(world.admin, world.unit, months)
    texts = [text for _, colour, text in monthly.rows[0].cells if colour != "none"]
    assert texts and all("党课" in t for t in texts)


def test_matrix_breadcrumb_only_what_the_user_may_see(world: World) -> None:
    """The kept rows are shared by every user; the breadcrumb is filtered per user."""
    months = last_months(2)
    assert [a.pk for a in selectors.compliance_matrix(world.admin, world.branch, months).ancestors] == [
        world.city.pk,
        world.unit.pk,
    ]
    assert selectors.compliance_matrix(world.secretary, world.branch, months).ancestors == []


def test_matrix_reads_only_its_subtrees_branch_months(world: World) -> None:
    """The roll-up query bounds the branch-month rows by the subtree's path, not only the orgs: a
    city's matrix inside a province must not scan the province's rows (issue 18, the province)."""
    months = last_months(3)
    held(world.other_branch, SYSTEM, months[-2], ["party_day"])
    with CaptureQueriesContext(connection) as ctx:
        selectors.compliance_matrix(world.admin, world.unit, months)
    (rollup,) = [q["sql"] for q in ctx.captured_queries if "orglife_branchmonth bm" in q["sql"]]
    assert f"bm.org_path >= '{world.unit.path}'" in rollup


def test_matrix_pages_children(world: World) -> None:
    for i in range(selectors.MATRIX_PAGE + 2):
        org_create(actor=SYSTEM, parent=world.unit, name=f"支部{i:02d}", kind="branch", sector="agency")
    mx = selectors.compliance_matrix(world.admin, world.unit, last_months(2), page=2)
    assert mx.pages == 2 and len(mx.rows) == 4 and mx.total_rows == selectors.MATRIX_PAGE + 4


def test_matrix_view_green_after_filing(world: World, as_admin) -> None:
    m = last_months(1)[0]
    held(world.branch, world.liaison, m, ["party_day"])
    r = as_admin.get(f"/orglife/matrix/{world.unit.pk}/")
    body = r.content.decode()
    assert f'data-org="{world.branch.pk}"' in body


def test_party_day_records_for_other_apps(world: World, django_assert_max_num_queries) -> None:
    make_member(world.branch, name="请假人")
    m = make_meeting(world.branch, world.liaison, started_at=at(2))
    for seed in (1, 2):
        services.photo_add(actor=world.liaison, meeting=m, file=jpeg(at(2, 15), seed=seed))
    m.refresh_from_db()
    rows = dict(m.attendance.values_list("member__name", "member_id"))
    services.attendance_mark(
        actor=world.liaison,
        meeting=m,
        version=m.version,
        marks=[services.Mark(rows["张党员"], "present"), services.Mark(rows["请假人"], "leave", "出差")],
    )
    d = m.meeting_date
    with django_assert_max_num_queries(6):
        records = selectors.party_day_records(world.admin, org_paths=[world.unit.path], year=d.year, month=d.month)
    assert len(records) == 1
    r = records[0]
    assert (r.expected, r.present, r.leave, r.absent, r.photo_count) == (2, 1, 1, 0, 2)
    assert r.study_items == ["全国两会精神", "党章第一章"]
    assert "诵读党章" in r.required_actions_done
    assert selectors.party_day_records(world.outsider, org=world.branch, year=d.year, month=d.month) == []


def test_absence_streak_members(world: World) -> None:
    other = make_member(world.branch, name="常缺席")
    for days in (90, 60, 30):
        m = make_meeting(world.branch, world.liaison, started_at=at(days))
        services.attendance_mark(
            actor=world.liaison, meeting=m, version=m.version, marks=[services.Mark(other.pk, "absent")]
        )
        m.refresh_from_db()
        services.meeting_file(actor=world.liaison, meeting=m, version=m.version)
    flagged = selectors.absence_streak_members(world.branch)
    assert [(mem.name, n) for mem, n in flagged] == [("常缺席", 3)]
    assert other.pk


def test_rollup_rows_follow_edits(world: World) -> None:
    m1, m2 = last_months(2)
    m = make_meeting(world.branch, world.liaison, started_at=in_month(m1))
    assert BranchMonth.objects.get(org=world.branch, month=m1).party_day == 1
    m = services.meeting_update(
        actor=world.liaison, meeting=m, version=m.version, data=data_for(in_month(m2), ["party_day"])
    )
    assert BranchMonth.objects.get(org=world.branch, month=m1).party_day == 0
    assert BranchMonth.objects.get(org=world.branch, month=m2).party_day == 1
    services.meeting_file(actor=SYSTEM, meeting=m, version=m.version, filed_at=m.ended_at + dt.timedelta(days=1))
    assert BranchMonth.objects.get(org=world.branch, month=m2).party_day == 2


def data_for(start: dt.datetime, kinds: list[str]) -> services.MeetingData:
    return data(started_at=start, kinds=kinds)


def _absent_at(org, member, days_ago: int, status: str = "absent"):
    m = make_meeting(org, SYSTEM, started_at=at(days_ago))
    m = services.attendance_mark(actor=SYSTEM, meeting=m, version=m.version, marks=[services.Mark(member.pk, status)])
    m.refresh_from_db()
    return services.meeting_file(actor=SYSTEM, meeting=m, version=m.version)


def test_absence_streak_threshold_and_what_breaks_a_streak(world: World) -> None:
    """The setting's threshold (default 3) counts the latest absences; leave neither counts nor breaks,
    presence resets; a streak of 2 (the lowest a committee may set) is read but not flagged."""
    a, b, c = (make_member(world.branch, name=n) for n in ("缺三次", "缺两次", "出席后缺"))
    for days, marks in (
        (120, {a: "present", b: "absent", c: "absent"}),
        (90, {a: "absent", b: "present", c: "absent"}),
        (60, {a: "absent", b: "absent", c: "present"}),
        (30, {a: "leave", b: "absent", c: "absent"}),
        (10, {a: "absent", b: "leave", c: "leave"}),
    ):
        m = make_meeting(world.branch, SYSTEM, started_at=at(days))
        marks_list = [services.Mark(mem.pk, s) for mem, s in marks.items()]
        m = services.attendance_mark(actor=SYSTEM, meeting=m, version=m.version, marks=marks_list)
        m.refresh_from_db()
        services.meeting_file(actor=SYSTEM, meeting=m, version=m.version)
    assert rules.DEFAULT_ABSENCE_STREAK == 3
    assert [(mem.name, n) for mem, n in selectors.absence_streak_members(world.branch)] == [("缺三次", 3)]
    flagged = selectors.absence_streak_members(world.branch, threshold=2)
    assert sorted((mem.name, n) for mem, n in flagged) == [("缺三次", 3), ("缺两次", 2)]
    # Only the latest `last_n` party days count: over the last two, 缺三次 has one absence, 缺两次 one.
    assert selectors.absence_streak_members(world.branch, threshold=2, last_n=2) == []


def test_absence_streaks_read_one_query_when_nobody_is_absent_twice_running(world: World) -> None:
    mem = make_member(world.branch, name="缺一次")
    _absent_at(world.branch, mem, 20)
    _absent_at(world.branch, mem, 10, "present")
    _absent_at(world.branch, mem, 5)  # one absence after a presence: below any threshold
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.absence_streak_members(world.branch) == []
    assert len(ctx.captured_queries) == 1


@pytest.mark.parametrize(
    ("first_page", "complete", "last_month", "holds"),
    [
        (True, True, 202603, True),  # every meeting on the page
        (True, False, 202602, True),  # a full first page reaching back before the month
        (True, False, 202603, False),  # the page ends inside the month: more may follow
        (True, False, 202604, False),
        (False, True, 202602, False),  # later pages never hold the month's newest meetings
    ],
)
def test_list_holds_month(first_page: bool, complete: bool, last_month: int, holds: bool) -> None:
    rows = [{"month": 202605}, {"month": last_month}]
    assert selectors.list_holds_month(rows, first_page=first_page, complete=complete, month=202603) is holds


def test_an_empty_first_page_holds_every_month() -> None:
    assert selectors.list_holds_month([], first_page=True, complete=True, month=202603)
    assert not selectors.list_holds_month([], first_page=True, complete=False, month=202603)


def test_calendar_from_the_list_rows_equals_the_calendar_query(world: World) -> None:
    month = rules.month_key(timezone.localdate())
    before = rules.add_months(month, -1)
    for day, hour in ((3, 9), (3, 15), (20, 10)):
        make_meeting(world.branch, world.liaison, started_at=in_month(month, day, hour))
    make_meeting(world.branch, world.liaison, started_at=in_month(before, 10))
    rows = list(selectors.meeting_list(world.secretary, world.branch))
    assert selectors.list_holds_month(rows, first_page=True, complete=True, month=month)
    with CaptureQueriesContext(connection) as ctx:
        from_rows = selectors.meeting_calendar(world.secretary, world.branch, month, listed=rows)
    assert not ctx.captured_queries
    queried = selectors.meeting_calendar(world.secretary, world.branch, month)
    assert from_rows == queried
    assert sum(len(ms) for week in queried for _day, ms in week) == 3
