"""No existence oracle on 身份证号 uniqueness: a number registered outside the user's scope gets one
neutral answer, is audited, rate-limited per user, and reported to the committee admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core.models import AuditEvent, Notification
from dangjian.members.models import ImportJob, ImportMode, ImportStatus, Member
from dangjian.members.rules import ID_CONFLICT_LIMIT_MESSAGE, ID_CONFLICT_MESSAGE
from dangjian.members.services import import_job_create, member_create, member_update
from dangjian.site.testing.factories import World, make_member, member_data

from .helpers import row_for, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def post_form(client: Any, world: World, **overrides: Any) -> str:
    data = {k: str(v) for k, v in member_data(**overrides).items()}
    resp = client.post(reverse("members:create", args=[world.branch.pk]), data)
    return resp.content.decode() if resp.status_code == 200 else ""


def conflicts(user: Any) -> list[Any]:
    return [e.after for e in AuditEvent.objects.filter(action="member.id_conflict", actor=user)]


def test_member_form_answers_neutrally_and_audits(world: World, as_liaison: Any) -> None:
    theirs = make_member(world.other_branch, name="别支部的人")
    page = post_form(as_liaison, world, name="冒名", id_number=theirs.id_number, birth_date=theirs.birth_date)
    assert ID_CONFLICT_MESSAGE in page
    assert "其他党组织" not in page and "别支部的人" not in page and world.other_branch.name not in page
    assert not Member.objects.filter(name="冒名").exists()
    assert conflicts(world.liaison) == [{"count": 1, "source": "form"}]


def test_duplicate_in_scope_names_the_record(world: World, as_liaison: Any) -> None:
    ours = make_member(world.branch, name="本支部的人")
    page = post_form(as_liaison, world, name="重复", id_number=ours.id_number, birth_date=ours.birth_date)
    assert "本支部的人" in page and ID_CONFLICT_MESSAGE not in page
    assert conflicts(world.liaison) == []


def test_edit_to_a_number_elsewhere_is_neutral(world: World) -> None:
    theirs = make_member(world.other_branch, name="别支部的人")
    mine = make_member(world.branch, name="本人")
    data = member_data(name="本人", id_number=theirs.id_number, birth_date=theirs.birth_date)
    with pytest.raises(ValidationError) as exc:
        member_update(actor=world.liaison, member=mine, version=mine.version, data=data)
    assert exc.value.message_dict["id_number"] == [ID_CONFLICT_MESSAGE]
    assert conflicts(world.liaison) == [{"count": 1, "source": "form"}]


def test_rate_limit_refuses_whatever_the_number_and_tells_the_committee_admin(world: World, settings: Any) -> None:
    settings.DANGJIAN_ID_CONFLICTS_PER_HOUR = 3
    elsewhere = [make_member(world.other_branch) for _ in range(3)]
    for m in elsewhere:
        with pytest.raises(ValidationError) as exc:
            member_create(
                actor=world.liaison,
                org=world.branch,
                data=member_data(id_number=m.id_number, birth_date=m.birth_date),
            )
        assert exc.value.message_dict["id_number"] == [ID_CONFLICT_MESSAGE]
    notes = Notification.objects.filter(user=world.admin, key__startswith="member.id_conflicts:")
    assert notes.count() == 1 and world.liaison.name in notes[0].title
    # Past the limit even a free number is refused with the same message: no oracle left.
    with pytest.raises(ValidationError) as exc:
        member_create(actor=world.liaison, org=world.branch, data=member_data(name="新人"))
    assert exc.value.messages == [ID_CONFLICT_LIMIT_MESSAGE]
    # Another user is not affected.
    assert member_create(actor=world.secretary, org=world.branch, data=member_data(name="新人")).pk


def run(world: World, rows: list[dict[str, Any]], mode: str = ImportMode.VALIDATE) -> ImportJob:
    return import_job_create(actor=world.liaison, org=world.branch, upload=upload(workbook_bytes(rows)), mode=mode)


def test_import_validate_is_neutral_and_counted(world: World) -> None:
    theirs = make_member(world.other_branch, name="别支部的人")
    # The row is built around their birth date, so its 入党日期 stays valid whatever the sequence.
    r = row_for(world.branch.name, name="冒名", birth_date=theirs.birth_date, id_number=theirs.id_number)
    job = run(world, [r, row_for(world.branch.name, name="正常")])
    assert [e["message"] for e in job.errors] == [ID_CONFLICT_MESSAGE]
    assert conflicts(world.liaison) == [{"count": 1, "source": "import"}]


def test_import_probing_many_numbers_answers_no_row(world: World, settings: Any) -> None:
    settings.DANGJIAN_ID_CONFLICTS_PER_HOUR = 2
    rows = []
    for i in range(3):
        theirs = make_member(world.other_branch)
        rows.append(
            row_for(world.branch.name, name=f"试探{i}", birth_date=theirs.birth_date, id_number=theirs.id_number)
        )
    rows.append(row_for(world.branch.name, name="未登记的号码"))
    job = run(world, rows)
    assert job.status == ImportStatus.FAILED and job.message == ID_CONFLICT_LIMIT_MESSAGE
    assert not job.errors
    assert Notification.objects.filter(user=world.admin, key__startswith="member.id_conflicts:").count() == 1
    # The next import is refused before any row is read.
    job = run(world, [row_for(world.branch.name, name="又一个")], mode=ImportMode.COMMIT)
    assert job.status == ImportStatus.FAILED and job.message == ID_CONFLICT_LIMIT_MESSAGE
    assert not Member.objects.filter(name="又一个").exists()
