"""Export: scope, masking, formula neutralisation, audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.members.excel import neutralise
from dangjian.members.models import Member
from dangjian.members.services import member_leave
from dangjian.site.testing.factories import World, make_member

from .helpers import HEADERS, body_bytes, read_sheet

pytestmark = pytest.mark.django_db


def export(client: Any, org_pk: int) -> list[list[Any]]:
    resp = client.get(reverse("members:export", args=[org_pk]))
    assert resp.status_code == 200
    assert resp["Content-Disposition"].startswith("attachment")
    return read_sheet(body_bytes(resp))


def test_secretary_export_is_unmasked_and_audited(world: World, as_secretary: Any) -> None:
    m = make_member(world.branch, name="导出甲")
    rows = export(as_secretary, world.branch.pk)
    assert rows[0] == HEADERS
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["导出甲"][HEADERS.index("身份证号")] == m.id_number
    assert by_name["导出甲"][HEADERS.index("手机号")] == m.phone
    assert by_name["导出甲"][HEADERS.index("所在党组织")] == world.branch.name
    assert by_name["导出甲"][HEADERS.index("党员状态")] == "正式党员"
    ev = AuditEvent.objects.get(action="member.export")
    assert ev.actor == world.secretary
    assert ev.org_path == world.branch.path
    assert ev.after == {"org": world.branch.name, "rows": 2, "masked": False}


def test_member_role_may_not_export_the_roster(world: World, as_member: Any) -> None:
    make_member(world.branch, name="导出乙")
    assert as_member.get(reverse("members:export", args=[world.branch.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="member.export").exists()


def test_export_neutralises_formula_like_text(world: World, as_secretary: Any) -> None:
    for i, text in enumerate(["=1+2", "+86", "-x", "@SUM(A1)", "\tTAB"]):
        m = make_member(world.branch, name=f"注入{i}")
        # Stored as-is (the form would strip the tab; older data and other writers may not).
        Member.objects.filter(pk=m.pk).update(unit=text)
    rows = export(as_secretary, world.branch.pk)
    units = {r[1]: r[HEADERS.index("工作单位")] for r in rows[1:]}
    assert units["注入0"] == "'=1+2"
    assert units["注入1"] == "'+86"
    assert units["注入2"] == "'-x"
    assert units["注入3"] == "'@SUM(A1)"
    assert units["注入4"] == "'\tTAB"
    assert neutralise("正常") == "正常"


def test_export_follows_scope(world: World, as_admin: Any, as_outsider: Any, client: Any) -> None:
    make_member(world.other_branch, name="别处的人")
    names = {r[1] for r in export(as_admin, world.city.pk)[1:]}
    assert {"张党员", "别处的人"} <= names
    resp = as_outsider.get(reverse("members:export", args=[world.branch.pk]))
    assert resp.status_code == 404
    assert "张党员" not in resp.content.decode()
    resp = client.get(reverse("members:export", args=[world.branch.pk]))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert not AuditEvent.objects.filter(action="member.export", actor=world.outsider).exists()


def test_export_excludes_members_who_left(world: World, as_secretary: Any) -> None:
    m = make_member(world.branch, name="已离册者")
    member_leave(actor=world.secretary, member=m, version=m.version, reason="死亡", left_on=m.joined_on)
    names = {r[1] for r in export(as_secretary, world.branch.pk)[1:]}
    assert "已离册者" not in names
