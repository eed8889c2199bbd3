"""The derived tables follow every write: per-org member counts (`OrgMemberCount`) stay equal to a
count of the members, and the stored findings (`StructureFinding`) stay equal to the findings the
rules give over the live facts, after each roster and structure write."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangjian.core.findings import Severity
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import ImportStatus, Member
from dangjian.members.services import (
    import_job_create,
    member_leave,
    member_update,
    transfer_accept,
    transfer_in_from_outside,
    transfer_out,
)
from dangjian.members.tests.helpers import row_for, upload, workbook_bytes
from dangjian.orgs.models import Organization, OrgMemberCount, StructureFinding
from dangjian.orgs.rules import COUNTED_KINDS, FINDING_CITATIONS, FINDING_LABELS, OrgFacts, check_structure
from dangjian.orgs.selectors import (
    member_counts_actual,
    member_counts_stored,
    org_overview,
    structure_report,
    structure_summary,
    subtree_structure,
    summarize_structures,
)
from dangjian.orgs.services import config_clear, config_set, org_create, org_move, org_update, structure_rebuild
from dangjian.orgs.tasks import structure_sweep
from dangjian.site.testing.factories import World, make_member, member_data

pytestmark = pytest.mark.django_db


def edit(m: Member, **changes: object) -> dict[str, object]:
    """The member form's data for `m` with `changes` (the same person: name, 身份证号, dates)."""
    keep = {"name": m.name, "id_number": m.id_number, "birth_date": m.birth_date, "joined_on": m.joined_on}
    keep |= {"converted_on": m.converted_on, "status": m.status, "group": m.group_id or ""}
    return member_data(**(keep | changes))


def counts_exact() -> None:
    """Every org's stored counts equal the members' (an org without members may have no row)."""
    ids = Organization.objects.values("id")
    actual, stored = member_counts_actual(ids), member_counts_stored(ids)
    for pk, got in actual.items():
        assert stored.get(pk, (got[0], 0, 0, 0)) == got, Organization.objects.get(pk=pk).name
    assert set(stored) <= set(actual)


def findings_current(world: World) -> list[tuple[str, str]]:
    """The stored findings equal what the rules give today over the whole tree, row for row and in
    order; returns (org name, code) of each, for the test's own assertions."""
    today = timezone.localdate()
    live = [(s.org, f) for s in subtree_structure(world.city.path, today) for f in s.findings]
    stored = list(structure_report(world.city.path, today).rows)
    assert stored == live
    assert [(f.citation, f.data) for _, f in stored] == [(f.citation, f.data) for _, f in live]
    return [(o.name, f.code) for o, f in stored]


def test_counts_and_findings_follow_each_roster_write(world: World) -> None:
    today = timezone.localdate()
    b, other = world.branch, world.other_branch
    findings_current(world)
    group = org_create(actor=SYSTEM, parent=b, name="一组", kind="group")
    added = [make_member(b, group=group.pk) for _ in range(2)]  # create
    prob = make_member(b, status="probationary", converted_on=None)
    counts_exact()
    assert OrgMemberCount.objects.get(org=b).full == 3 and OrgMemberCount.objects.get(org=group).grouped == 2
    assert (b.name, "branch_below_min") not in findings_current(world)  # 3 full members now

    converted = prob.joined_on.replace(year=prob.joined_on.year + 1)
    member_update(
        actor=SYSTEM, member=prob, version=prob.version, data=edit(prob, status="full", converted_on=converted)
    )
    counts_exact()
    assert OrgMemberCount.objects.get(org=b).full == 4

    moved = added[0]
    member_update(actor=SYSTEM, member=moved, version=moved.version, data=edit(moved, group=""))  # leaves the 党小组
    counts_exact()
    assert OrgMemberCount.objects.get(org=group).grouped == 1

    t = transfer_out(actor=world.admin, member=added[1], out_on=today, to_org=other)
    transfer_accept(actor=SYSTEM, transfer=t, in_on=today)  # transfer in: both branches, the group
    counts_exact()
    assert OrgMemberCount.objects.get(org=group).grouped == 0
    assert OrgMemberCount.objects.get(org=other).total == 1

    transfer_out(actor=SYSTEM, member=prob, out_on=today, to_org_name="平台外党委")  # leaves the roster
    counts_exact()
    leaver = make_member(other)
    member_leave(actor=SYSTEM, member=leaver, version=leaver.version, reason="去世", left_on=today)
    transfer_in_from_outside(actor=SYSTEM, org=other, data=member_data(), from_org_name="外省党委", in_on=today)
    counts_exact()
    assert OrgMemberCount.objects.get(org=other).total == 2
    found = findings_current(world)
    assert (b.name, "branch_below_min") in found and (other.name, "branch_below_min") in found


def test_counts_and_findings_follow_an_import_and_a_reimport(world: World) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group")
    rows = [row_for(world.branch.name, name=f"导入{i}") for i in range(3)]
    rows[0]["党小组"] = "第一党小组"
    job = import_job_create(actor=world.liaison, org=world.branch, upload=upload(workbook_bytes(rows)))
    assert job.status == ImportStatus.COMPLETED and job.created_count == 3
    counts_exact()
    assert (OrgMemberCount.objects.get(org=world.branch).full, OrgMemberCount.objects.get(org=group).grouped) == (4, 1)
    assert (world.branch.name, "branch_below_min") not in findings_current(world)
    rows[0]["党小组"], rows[1]["党小组"], rows[2]["党小组"] = None, "第一党小组", "第一党小组"  # updates
    job = import_job_create(actor=world.liaison, org=world.branch, upload=upload(workbook_bytes(rows)))
    assert job.status == ImportStatus.COMPLETED and job.updated_count == 3
    counts_exact()
    assert OrgMemberCount.objects.get(org=group).grouped == 2


def test_findings_follow_each_structure_write(world: World, django_capture_on_commit_callbacks) -> None:
    findings_current(world)
    new = org_create(actor=SYSTEM, parent=world.unit, name="新支部", kind="branch")
    assert ("新支部", "branch_below_min") in findings_current(world)
    org_update(actor=SYSTEM, org=new, version=new.version, term_started_on=dt.date(2000, 1, 1))
    assert ("新支部", "term_expired") in findings_current(world)
    for _ in range(7):
        make_member(new)
    assert ("新支部", "committee_missing") in findings_current(world)
    new.refresh_from_db()
    org_update(actor=SYSTEM, org=new, version=new.version, has_committee=True)
    assert ("新支部", "committee_missing") not in findings_current(world)

    # A 总支's findings read its subtree's total: moving a branch in and out changes them.
    gb = org_create(actor=SYSTEM, parent=world.city, name="机关总支", kind="general_branch")
    config_set(actor=SYSTEM, org=gb, key="orgs.groups_required_from", raw_value="5")  # threshold under gb
    big = org_create(actor=SYSTEM, parent=world.unit, name="大支部", kind="branch")
    for _ in range(6):
        make_member(big)
    assert ("大支部", "groups_missing") not in findings_current(world)  # 20 at the unit
    org_move(actor=SYSTEM, org=big, new_parent=gb)
    found = findings_current(world)  # the moved branch inherits gb's threshold at once
    assert ("大支部", "groups_missing") in found
    with django_capture_on_commit_callbacks(execute=True):
        config_clear(actor=SYSTEM, org=gb, key="orgs.groups_required_from")
    assert ("大支部", "groups_missing") not in findings_current(world)
    with django_capture_on_commit_callbacks(execute=True):
        config_set(actor=SYSTEM, org=world.city, key="orgs.groups_required_from", raw_value="6")
    assert ("大支部", "groups_missing") in findings_current(world)


def test_general_branch_total_follows_member_writes_below_it(world: World) -> None:
    gb = org_create(actor=SYSTEM, parent=world.city, name="机关总支", kind="general_branch")
    branch = org_create(actor=SYSTEM, parent=gb, name="总支下支部", kind="branch")
    with_users = [make_member(branch) for _ in range(3)]
    config_set(actor=SYSTEM, org=world.city, key="orgs.groups_required_from", raw_value="3")
    structure_rebuild(actor=SYSTEM)
    assert ("总支下支部", "groups_missing") in findings_current(world)
    member_leave(actor=SYSTEM, member=with_users[0], version=1, reason="出党", left_on=timezone.localdate())
    assert ("总支下支部", "groups_missing") not in findings_current(world)
    ov = org_overview(gb, timezone.localdate())
    assert (ov.total, ov.full, [(c.name, f, t) for c, f, t in ov.children]) == (2, 2, [("总支下支部", 2, 2)])


def test_rebuild_repairs_writes_made_outside_the_services_and_is_idempotent(world: World) -> None:
    for _ in range(3):
        make_member(world.branch)
    Member.objects.filter(org=world.branch).update(is_active=False)  # bulk-loaded, no service
    bad = Organization.objects.filter(pk=world.other_branch.pk)
    bad.update(term_started_on=dt.date(2000, 1, 1))
    StructureFinding.objects.all().delete()
    out = io.StringIO()
    call_command("orgs_rebuild_structure", stdout=out)
    assert "更正党员人数 1 条" in out.getvalue()
    counts_exact()
    assert (world.other_branch.name, "term_expired") in findings_current(world)
    assert structure_rebuild(actor=SYSTEM) == {
        "orgs": Organization.objects.count(),
        "counts_changed": 0,
        "findings_changed": 0,
    }


def test_rebuild_of_many_orgs_at_once_reads_one_range_and_keeps_each_orgs_own_counts(world: World) -> None:
    # More than 20 orgs re-derived in one batch: their counts are read as one range of paths.
    branches = [org_create(actor=SYSTEM, parent=world.unit, name=f"批量{i:02d}", kind="branch") for i in range(22)]
    for i, b in enumerate(branches[:4]):
        for _ in range(i + 1):
            make_member(b)
    StructureFinding.objects.all().delete()
    assert structure_rebuild(actor=SYSTEM)["findings_changed"] >= 22
    found = findings_current(world)
    assert ("批量01", "branch_below_min") in found and ("批量02", "branch_below_min") not in found


def test_daily_sweep_moves_term_findings_with_the_date(world: World) -> None:
    started = dt.date(2020, 3, 10)
    org_update(actor=SYSTEM, org=world.branch, version=world.branch.version, term_started_on=started)
    ends = dt.date(2023, 3, 10)  # 3 years (agency branch)
    result = structure_sweep.call(today_iso=(ends - dt.timedelta(days=200)).isoformat())
    assert result["queued"] == 1  # one queue job per second-level org (the immediate backend ran it)
    stored = {(f.org_id, f.code) for f in StructureFinding.objects.all()}
    assert (world.branch.pk, "term_expired") not in stored and (world.branch.pk, "term_expiring") not in stored
    structure_sweep.call(today_iso=(ends - dt.timedelta(days=30)).isoformat())
    assert StructureFinding.objects.filter(org=world.branch, code="term_expiring").exists()
    structure_sweep.call(today_iso=ends.isoformat())
    assert StructureFinding.objects.filter(org=world.branch, code="term_expired").exists()
    assert not StructureFinding.objects.filter(org=world.branch, code="term_expiring").exists()


def test_summary_from_the_table_equals_the_summary_of_the_live_findings(world: World) -> None:
    for name in ("甲", "乙"):
        org_create(actor=SYSTEM, parent=world.unit, name=name, kind="branch")
    org_update(actor=SYSTEM, org=world.branch, version=world.branch.version, term_started_on=dt.date(2000, 1, 1))
    live = summarize_structures(subtree_structure(world.city.path, timezone.localdate()))
    assert [(s.code, s.severity, s.count, s.first_org) for s in structure_summary(world.city.path)] == [
        (s.code, s.severity, s.count, s.first_org) for s in live
    ]


def test_citation_of_each_code_is_the_rules() -> None:
    today = dt.date(2026, 12, 1)
    facts = [
        OrgFacts("branch", 2, 60, True, [12], dt.date(2000, 1, 1)),
        OrgFacts("branch", 8, 25, False, [], today.replace(year=today.year - 3) + dt.timedelta(days=20)),
        OrgFacts("branch", 40, 150, True, [3]),
        OrgFacts("general_branch", 40, 150),
    ]
    seen = {f.code: f.citation for fa in facts for f in check_structure(fa, today)}
    assert set(seen) == set(FINDING_CITATIONS) == set(FINDING_LABELS)
    assert all(FINDING_CITATIONS[c] == cite for c, cite in seen.items())


@pytest.mark.parametrize("kind", ["committee", "group"])
def test_findings_of_uncounted_kinds_do_not_read_member_counts(kind: str) -> None:
    assert kind not in COUNTED_KINDS
    today = dt.date(2026, 12, 1)
    started = dt.date(2023, 12, 1)
    few = check_structure(OrgFacts(kind, 0, 0, False, [], started, 3), today)
    many = check_structure(OrgFacts(kind, 500, 900, True, [40, 0], started, 3), today)
    assert few == many and [f.severity for f in few] == [Severity.ERROR]
