"""The home page's per-user snapshot (core/snapshot.py): reused while nothing in the user's scope is
written, replaced at once by a write in their orgs, above them, or with no org; never shared."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.core.snapshot import audit_head, changed_since, snapshot
from dangjian.orglife import services as orglife
from dangjian.site.testing.factories import World
from tests.helpers import publish_party_day_task


def _meeting(world: World, org: Any, actor: Any, theme: str) -> None:
    day = timezone.localdate() - dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
    orglife.meeting_create(
        actor=actor,
        org=org,
        data=orglife.MeetingData(
            kinds=["general_meeting"], theme=theme, started_at=start, ended_at=start + dt.timedelta(hours=1)
        ),
    )


def _home(client: Client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get("/")
    assert resp.status_code == 200
    return resp.content.decode(), len(ctx.captured_queries)


def test_a_write_in_the_branch_shows_at_once(world: World, as_liaison: Client) -> None:
    _home(as_liaison)
    _meeting(world, world.branch, world.liaison, "研究发展党员工作")
    html, _ = _home(as_liaison)
    assert "会议记录待归档：研究发展党员工作" in html


def test_a_write_above_the_branch_shows_at_once(world: World, as_liaison: Client) -> None:
    assert "本月主题党日" not in _home(as_liaison)[0]
    publish_party_day_task(world)  # written at the city committee, an ancestor of branch A
    assert "任务待领取：本月主题党日" in _home(as_liaison)[0]


def test_a_write_in_another_branch_keeps_the_snapshot(world: World, as_liaison: Client) -> None:
    _home(as_liaison)
    _, warm = _home(as_liaison)
    _meeting(world, world.other_branch, world.outsider, "乙支部的会")
    html, after = _home(as_liaison)
    assert after == warm  # no provider ran again
    assert "乙支部的会" not in html


def test_snapshots_are_per_user(world: World, as_liaison: Client, as_member: Client) -> None:
    _meeting(world, world.branch, world.liaison, "研究发展党员工作")
    assert "会议记录待归档" in _home(as_liaison)[0]
    assert "会议记录待归档" not in _home(as_member)[0]  # a plain member files nothing


def test_changed_since_covers_subtree_ancestors_and_org_less_writes(world: World) -> None:
    from django.db import transaction

    seq = audit_head()
    mine = [world.branch.path]
    assert not changed_since(seq, mine)

    def write(path: str) -> None:
        with transaction.atomic():
            audit.record_many(world.admin, [audit.Change(action="test.touch", object_type="x", org_path=path)])

    write(world.other_branch.path)
    assert not changed_since(seq, mine)  # a sibling's write
    write(world.branch.path + "0001")
    assert changed_since(seq, mine)  # below: a group of the branch
    seq = audit_head()
    write(world.city.path)
    assert changed_since(seq, mine)  # above: the city committee
    seq = audit_head()
    write("")
    assert changed_since(seq, mine)  # no org: instance-wide
    assert AuditEvent.objects.filter(action="test.touch").count() == 4


def test_a_move_out_of_a_subtree_is_a_change_there(world: World) -> None:
    """`org.move` records the new path only: the side the org left must still see a change."""
    from dangjian.core.scoping import SYSTEM
    from dangjian.orgs.services import org_create, org_move

    elsewhere = org_create(actor=SYSTEM, parent=world.city, name="市卫健委党委", kind="committee", sector="agency")
    seq = audit_head()
    mine = [world.unit.path]  # the unit committee that holds both branches
    org_move(actor=SYSTEM, org=world.other_branch, new_parent=elsewhere)
    assert AuditEvent.objects.get(id__gt=seq, action="org.move").org_path.startswith(elsewhere.path)
    assert changed_since(seq, mine)


def test_snapshot_zero_seconds_always_computes(settings: Any) -> None:
    settings.DANGJIAN_SNAPSHOT_SECONDS = 0
    calls: list[int] = []
    for _ in range(2):
        snapshot("t:zero", ["0001"], lambda: calls.append(1))
    assert len(calls) == 2


def test_snapshot_changed_paths_compute_again(world: World) -> None:
    calls: list[int] = []
    snapshot("t:paths", [world.branch.path], lambda: calls.append(1))
    snapshot("t:paths", [world.branch.path], lambda: calls.append(1))
    assert len(calls) == 1
    snapshot("t:paths", [world.branch.path, world.other_branch.path], lambda: calls.append(1))  # a new role
    assert len(calls) == 2


def test_notices_and_the_bell_count_come_from_one_read(world: World, as_secretary: Client) -> None:
    """The home lists the 3 newest unread notices and the bell counts all unread ones; both are
    exact on every visit (notices are not part of the snapshot)."""
    from dangjian.core.notify import send
    from dangjian.core.services import notification_mark_read

    _home(as_secretary)
    for i in range(5):
        send([world.secretary], key=f"n{i}", title=f"通知{i}号", link=f"/n{i}/")
    html, _ = _home(as_secretary)
    assert 'class="badge">5<' in html
    newest = [t for t in (f"通知{i}号" for i in range(5)) if t in html]
    assert newest == ["通知2号", "通知3号", "通知4号"]
    notification_mark_read(actor=world.secretary)
    html, _ = _home(as_secretary)
    assert 'class="badge"' not in html and "通知4号" not in html and "未读通知" not in html


def test_the_own_member_link_follows_the_member_row(world: World, as_member: Client) -> None:
    html, _ = _home(as_member)
    assert f'href="/members/{world.member.pk}/"' in html
