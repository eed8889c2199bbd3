"""The derived per-member talk counts (`TalkPart`): kept right by record / correct / delete of a talk,
across a year end and a transfer, re-derived idempotently, and the roll-up read from them equal to
the one computed from the talks themselves."""

from __future__ import annotations

import datetime as dt
import io
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from dangjian.appraisal import selectors, services
from dangjian.appraisal.models import Talk, TalkCount, TalkFollowUp, TalkPart, TalkTodo
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.members.services import transfer_accept, transfer_in_from_outside, transfer_out
from dangjian.orgs.services import post_assign
from dangjian.site.testing.factories import World, make_member, member_data

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NEW_YEAR = dt.date(TODAY.year, 1, 1)  # never in the future, whatever day the tests run
OLD_YEAR_END = dt.date(TODAY.year - 1, 12, 31)


def parts() -> dict[tuple[int, int], int]:
    """{(member id, year): talks} of the rows that count (a row at 0 is "no talk")."""
    return {(m, y): n for m, y, n in TalkPart.objects.filter(talks__gt=0).values_list("member_id", "year", "talks")}


def from_talks() -> dict[tuple[int, int], int]:
    years = set(Talk.objects.values_list("year", flat=True))
    return dict(selectors.talk_part_counts(years))


def record(w: World, talker: Any, *others: Any, org: Any = None, **kw: Any) -> Talk:
    return services.talk_record(
        actor=SYSTEM,
        org=org or w.branch,
        talker_id=talker.pk,
        counterpart_ids=[o.pk for o in others],
        held_on=kw.pop("held_on", TODAY),
        content=kw.pop("content", "谈工作打算"),
        **kw,
    )


def correct(talk: Talk, actor: Any = SYSTEM, **kw: Any) -> Talk:
    data: dict[str, Any] = {
        "talker_id": talk.talker_id,
        "counterpart_ids": list(talk.counterparts.values_list("pk", flat=True)),
        "held_on": talk.held_on,
        "content": talk.content,
    }
    data.update(kw)
    return services.talk_update(actor=actor, talk=talk, **data)


def org_counts() -> dict[tuple[int, int], int]:
    return {(o, y): n for o, y, n in TalkCount.objects.filter(talks__gt=0).values_list("org_id", "year", "talks")}


def assert_rollups_agree(w: World, year: int) -> None:
    years = set(Talk.objects.values_list("year", flat=True))
    assert org_counts() == {k: n for k, (_, n) in selectors.talk_counts(years).items()}
    for user, org in ((w.admin, w.city), (w.admin, w.unit), (w.liaison, w.city), (w.outsider, w.city)):
        assert selectors.talk_rollup(user, org, year) == selectors.talk_rollup_from_talks(user, org, year)
    derived = set(selectors.members_without_talk(year).values_list("pk", flat=True))
    assert derived == set(selectors.members_without_talk_from_talks(year).values_list("pk", flat=True))


def test_record_counts_each_participant_once_per_talk(world: World) -> None:
    a, b = make_member(world.branch, name="甲"), make_member(world.branch, name="乙")
    record(world, world.member, a)
    assert parts() == {(world.member.pk, TODAY.year): 1, (a.pk, TODAY.year): 1}
    record(world, a, world.member, b)  # one-to-few: every counterpart counts
    assert parts() == {(world.member.pk, TODAY.year): 2, (a.pk, TODAY.year): 2, (b.pk, TODAY.year): 1}
    assert parts() == from_talks()


def test_refused_record_writes_no_count(world: World) -> None:
    a = make_member(world.branch)
    with pytest.raises(ValidationError):
        record(world, world.member, a, held_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.talk_record(
            actor=world.outsider, org=world.branch, talker_id=world.member.pk, counterpart_ids=[a.pk], held_on=TODAY
        )
    assert not TalkPart.objects.exists()


def test_correcting_the_people_moves_the_counts(world: World) -> None:
    a, b = make_member(world.branch, name="甲"), make_member(world.branch, name="乙")
    t = record(world, world.member, a)
    record(world, world.member, b)
    correct(t, counterpart_ids=[b.pk])  # a was entered by mistake
    assert parts() == {(world.member.pk, TODAY.year): 2, (b.pk, TODAY.year): 2}
    correct(t, talker_id=a.pk, counterpart_ids=[world.member.pk, b.pk])
    assert parts() == {(world.member.pk, TODAY.year): 2, (a.pk, TODAY.year): 1, (b.pk, TODAY.year): 2}
    assert parts() == from_talks()
    assert_rollups_agree(world, TODAY.year)


def test_correcting_the_date_across_the_year_end_moves_the_year(world: World) -> None:
    a = make_member(world.branch)
    t = record(world, world.member, a, held_on=NEW_YEAR)
    assert parts() == {(world.member.pk, TODAY.year): 1, (a.pk, TODAY.year): 1}
    t = correct(t, held_on=OLD_YEAR_END)
    assert t.year == TODAY.year - 1
    assert parts() == {(world.member.pk, TODAY.year - 1): 1, (a.pk, TODAY.year - 1): 1}
    assert a.pk in set(selectors.members_without_talk(TODAY.year).values_list("pk", flat=True))
    assert a.pk not in set(selectors.members_without_talk(TODAY.year - 1).values_list("pk", flat=True))
    correct(t, held_on=NEW_YEAR)
    assert parts() == {(world.member.pk, TODAY.year): 1, (a.pk, TODAY.year): 1}
    for year in (TODAY.year - 1, TODAY.year):
        assert_rollups_agree(world, year)


def test_delete_drops_the_counts_and_reopens_the_todo(world: World) -> None:
    newcomer = transfer_in_from_outside(
        actor=world.liaison, org=world.branch, data=member_data(), from_org_name="外省某支部", in_on=TODAY
    )
    services.sweep(actor=SYSTEM, today=TODAY)
    t = record(world, world.member, newcomer, follow_ups=[services.FollowUpData("帮扶", newcomer.pk, TODAY)])
    keep = record(world, world.member, newcomer)
    assert TalkTodo.objects.get().talk == t
    with pytest.raises(PermissionDenied):
        services.talk_delete(actor=world.outsider, talk=t)
    with pytest.raises(PermissionDenied):  # in scope, but neither a participant nor the secretary
        services.talk_delete(actor=world.liaison, talk=t)
    assert parts() == {(world.member.pk, TODAY.year): 2, (newcomer.pk, TODAY.year): 2}
    services.talk_delete(actor=world.secretary, talk=t)
    assert list(Talk.objects.all()) == [keep] and not TalkFollowUp.objects.exists()
    assert TalkTodo.objects.get().talk is None  # due again
    assert parts() == {(world.member.pk, TODAY.year): 1, (newcomer.pk, TODAY.year): 1}
    services.talk_delete(actor=world.member_user, talk=keep)  # a participant may delete their own
    assert parts() == {} and TalkPart.objects.filter(talks=0).count() == 2
    assert_rollups_agree(world, TODAY.year)
    event = AuditEvent.objects.filter(action="appraisal.talk_delete").first()
    assert event is not None and "谈工作打算" not in str(event.before) + str(event.after)


def test_correction_is_gated_and_checked_like_a_record(world: World) -> None:
    a, b = make_member(world.branch, name="甲"), make_member(world.branch, name="乙")
    stranger = make_member(world.other_branch)
    t = record(world, world.member, a)
    for actor in (None, world.outsider, world.liaison):
        with pytest.raises(PermissionDenied):
            correct(t, actor=actor, counterpart_ids=[b.pk])
    with pytest.raises(ValidationError) as e:
        correct(t, held_on=TODAY + dt.timedelta(days=1))
    assert "held_on" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        correct(t, counterpart_ids=[stranger.pk])
    assert e.value.message_dict["counterparts"] == ["“谈话对象”须为本支部在册党员"]
    assert parts() == {(world.member.pk, TODAY.year): 1, (a.pk, TODAY.year): 1}  # nothing written
    correct(t, actor=world.member_user, counterpart_ids=[b.pk], content="改正后的内容")
    event = AuditEvent.objects.filter(action="appraisal.talk_update").get()
    assert event.before is not None and event.after is not None
    assert event.before["counterparts"] == [a.pk] and event.after["counterparts"] == [b.pk]
    assert "改正后的内容" not in str(event.after) and "谈工作打算" not in str(event.before)


def test_a_transferred_member_keeps_their_talks_and_counts_where_they_are(world: World) -> None:
    mover, peer = make_member(world.branch, name="转出者"), make_member(world.branch, name="甲")
    record(world, mover, peer)
    t = transfer_out(actor=world.liaison, member=mover, out_on=TODAY, to_org=world.other_branch)
    transfer_accept(actor=world.outsider, transfer=t, in_on=TODAY)
    assert parts() == {(mover.pk, TODAY.year): 1, (peer.pk, TODAY.year): 1}  # untouched by the move
    rows, _ = selectors.talk_rollup(world.admin, world.city, TODAY.year)
    by_org = {r.org_id: r for r in rows}
    assert by_org[world.other_branch.pk].without_talk == 0  # the mover talked this year (in branch A)
    assert by_org[world.branch.pk].talks == 1 and by_org[world.other_branch.pk].talks == 0
    assert_rollups_agree(world, TODAY.year)
    # The talk can still be corrected after the mover left the branch (their place in it is kept).
    talk = Talk.objects.get()
    correct(talk, place="党员活动室")
    assert parts() == {(mover.pk, TODAY.year): 1, (peer.pk, TODAY.year): 1}
    # Out of the platform: off the roster, so in no roll-up; their count stays with them.
    leaver = make_member(world.branch, name="离开者")
    record(world, leaver, peer)
    transfer_out(actor=world.liaison, member=leaver, out_on=TODAY, to_org_name="外省某支部")
    assert parts()[(leaver.pk, TODAY.year)] == 1
    assert_rollups_agree(world, TODAY.year)


def test_rollup_equals_the_computation_from_talks(world: World) -> None:
    """A fixture with one-to-one and one-to-few talks, a talk across levels, last year's talks, a
    member who moved and one who left: both paths give the same rows and totals."""
    people = [make_member(world.branch, name=f"甲{i}") for i in range(5)]
    others = [make_member(world.other_branch, name=f"乙{i}") for i in range(4)]
    record(world, people[0], people[1])
    record(world, people[2], people[3], people[4])
    record(world, others[0], others[1], org=world.other_branch)
    record(world, others[2], others[3], org=world.other_branch, held_on=OLD_YEAR_END)
    record(world, people[0], world.member, held_on=OLD_YEAR_END)
    # Across levels: the 工委 secretary (a member of branch B) with branch A's secretary, at the 工委.
    unit_sec = make_member(world.other_branch, name="周工委书记")
    post_assign(actor=SYSTEM, org=world.unit, member=unit_sec, post="secretary")
    post_assign(actor=SYSTEM, org=world.branch, member=people[3], post="secretary")
    record(world, unit_sec, people[3], org=world.unit)
    t = transfer_out(actor=world.outsider, member=others[0], out_on=TODAY, to_org=world.branch)
    transfer_accept(actor=world.liaison, transfer=t, in_on=TODAY)
    transfer_out(actor=world.liaison, member=people[1], out_on=TODAY, to_org_name="外省某支部")
    for year in (TODAY.year - 1, TODAY.year):
        assert_rollups_agree(world, year)
    rows, totals = selectors.talk_rollup(world.admin, world.city, TODAY.year)
    # A: member, 甲0, 甲2-4 and 乙0 (moved in; talked in B); B: 乙1-3 and the 工委 secretary.
    assert totals["members"] == 6 + 4 and totals["talks"] == 4  # the 工委's talk counts in the totals
    # this year only `member` in A (talked last year) and 乙2, 乙3 in B have had no talk
    assert {r.org_id: r.without_talk for r in rows} == {world.branch.pk: 1, world.other_branch.pk: 2}
    assert selectors.talk_rollup(world.outsider, world.city, TODAY.year)[1]["members"] == 4


def test_rebuild_repairs_and_is_idempotent(world: World) -> None:
    a, b = make_member(world.branch), make_member(world.branch)
    record(world, world.member, a)
    record(world, world.member, b, held_on=OLD_YEAR_END)
    good = parts()
    TalkPart.objects.filter(member=a).delete()  # lost
    TalkPart.objects.filter(member=world.member, year=TODAY.year).update(talks=7)  # wrong
    TalkPart.objects.create(member=b, year=TODAY.year, talks=3)  # spurious
    with pytest.raises(PermissionDenied):
        services.talk_parts_rebuild(actor=world.admin)
    TalkCount.objects.filter(year=TODAY.year).update(talks=5)  # wrong
    TalkCount.objects.filter(year=TODAY.year - 1).delete()  # lost
    # checked: 2 members and 1 org last year
    assert services.talk_parts_rebuild(actor=SYSTEM, years=[TODAY.year - 2]) == {"checked": 0, "changed": 0}
    result = services.talk_parts_rebuild(actor=SYSTEM)
    assert result == {"checked": 2 + 1 + 3 + 1, "changed": 3 + 2} and parts() == good
    assert org_counts() == {(world.branch.pk, TODAY.year): 1, (world.branch.pk, TODAY.year - 1): 1}
    assert services.talk_parts_rebuild(actor=SYSTEM)["changed"] == 0
    assert AuditEvent.objects.filter(action="appraisal.talk_parts_rebuild").count() == 1
    # The daily job checks this year and last.
    TalkPart.objects.all().delete()
    assert services.sweep(actor=SYSTEM, today=TODAY)["talk_parts"] == 4 and parts() == good
    assert services.sweep(actor=SYSTEM, today=TODAY)["talk_parts"] == 0
    TalkPart.objects.all().delete()
    out = io.StringIO()
    call_command("appraisal_rebuild_talk_parts", "--year", str(TODAY.year), stdout=out)
    assert "更正 2 条" in out.getvalue()
    assert parts() == {k: n for k, n in good.items() if k[1] == TODAY.year}


def test_migration_backfill_derives_the_same_counts(world: World) -> None:
    a, b = make_member(world.branch), make_member(world.branch)
    record(world, world.member, a, b)
    record(world, a, b, held_on=OLD_YEAR_END)
    good = parts()
    TalkPart.objects.all().delete()
    import_module("dangjian.appraisal.migrations.0004_talk_parts").backfill(django_apps, None)
    assert parts() == good == from_talks()
    counts = org_counts()
    TalkCount.objects.all().delete()
    import_module("dangjian.appraisal.migrations.0005_talk_counts").backfill(django_apps, None)
    assert org_counts() == counts == {(world.branch.pk, TODAY.year): 1, (world.branch.pk, TODAY.year - 1): 1}


def test_the_tables_hold_counts_never_content() -> None:
    assert {f.name for f in TalkPart._meta.get_fields()} == {"id", "member", "year", "talks"}
    assert {f.name for f in TalkCount._meta.get_fields()} == {"id", "org", "org_path", "year", "talks"}
