"""The quarter's report-in list as xlsx (masked, audited) and the employer's 待办 of members not yet
reported in this quarter."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import login_client
from dangjian.community import selectors as Q
from dangjian.community.attention import community_attention
from dangjian.community.rules import quarter_bounds, quarter_of
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import remember_scope
from dangjian.site.testing.factories import World, make_member, make_user

from .helpers import make_community, report_in

pytestmark = pytest.mark.django_db


def _sheet(content: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(content)).active
    assert ws is not None
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_branch_xlsx_lists_every_in_service_member_with_the_quarter_standing(
    world: World, as_secretary: Client
) -> None:
    c = make_community(world)
    report_in(world, c)
    late = make_member(world.branch, name="=HYPERLINK(1)", phone="13900000077")
    url = reverse("community:employer_xlsx", args=[world.branch.pk])
    r = as_secretary.get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    rows = _sheet(r.content)
    today = timezone.localdate()
    assert rows[0][0] == f"{world.branch.name} {today.year}年第{quarter_of(today)}季度在职党员到社区报到情况"
    body = {row[1]: row for row in rows[2:] if isinstance(row[0], int)}
    assert set(body) == {world.member.name, "'=HYPERLINK(1)"}  # a name is never run as a formula
    mine = body[world.member.name]
    assert mine[2] == world.member.phone  # the secretary holds VIEW_SENSITIVE on the branch
    assert mine[3] == c.org.name and mine[4] == today.isoformat()
    assert body["'=HYPERLINK(1)"][3] == "未报到" and body["'=HYPERLINK(1)"][7] == "未报到"
    text = repr(rows)
    assert "柳树湾小区 3 栋" not in text and world.member.id_number not in text and late.id_number not in text
    event = AuditEvent.objects.filter(action="community.export_quarter").get()
    assert event.actor_id == world.secretary.pk and (event.after or {})["rows"] == 2


def test_quarter_parameter_and_committee_coverage(world: World, as_admin: Client) -> None:
    r = as_admin.get(reverse("community:employer_xlsx", args=[world.branch.pk]), {"quarter": "2025-2"})
    assert _sheet(r.content)[0][0] == f"{world.branch.name} 2025年第2季度在职党员到社区报到情况"
    rows = _sheet(as_admin.get(reverse("community:employer_xlsx", args=[world.unit.pk])).content)
    assert rows[1][:4] == ["下级党组织", "在职党员", "已报到", "未报到"]
    branch_row = next(row for row in rows if row[0] == world.branch.name)
    assert branch_row[1] == branch_row[3] == 1 and branch_row[2] == 0  # 张党员, not reported


def test_a_role_without_view_sensitive_gets_masked_phones(world: World) -> None:
    """The one masking policy: a scope with MANAGE but not VIEW_SENSITIVE (no built-in role today,
    a configurable one tomorrow) sees the last 4 digits only."""
    viewer = make_user("外借管理员", "13800000088")
    remember_scope(viewer, {"view": [world.branch.path], "manage": [world.branch.path]})
    today = timezone.localdate()
    rows = Q.quarter_sheet(viewer, world.branch, today.year, quarter_of(today), today)
    mine = next(r for r in rows if r.name == world.member.name)
    assert mine.phone == "*******" + world.member.phone[-4:]
    full = Q.quarter_sheet(world.secretary, world.branch, today.year, quarter_of(today), today)
    assert next(r for r in full if r.name == world.member.name).phone == world.member.phone


def test_outsider_member_and_community_cannot_export_branch_a(world: World, as_outsider: Client) -> None:
    c = make_community(world)
    report_in(world, c)
    url = reverse("community:employer_xlsx", args=[world.branch.pk])
    assert as_outsider.get(url).status_code == 404
    assert as_outsider.post(url).status_code in (404, 405)
    assert login_client(world.member_user).get(url).status_code == 403  # sees the branch, may not manage
    assert login_client(c.liaison).get(url).status_code == 404  # the community reads its own desk only
    assert Client().get(url).status_code == 302
    assert not AuditEvent.objects.filter(action="community.export_quarter").exists()


def test_attention_names_the_unreported_and_links_to_the_list(world: World) -> None:
    make_member(world.branch, name="钱未报", phone="13900000078")
    items = [a for a in community_attention(world.secretary) if "尚未到社区报到" in a.title]
    assert len(items) == 1
    a = items[0]
    assert a.title.startswith("2名") and "钱未报" in a.detail and world.member.name in a.detail
    assert a.link.startswith(reverse("community:employer", args=[world.branch.pk])) and a.link.endswith("#unreported")
    today = timezone.localdate()
    assert a.due == quarter_bounds(today.year, quarter_of(today))[1]
    report_in(world, make_community(world))
    a = next(a for a in community_attention(world.secretary) if "尚未到社区报到" in a.title)
    assert a.title.startswith("1名") and world.member.name not in a.detail
    # The committee admin's item covers the whole subtree (the other branch's members too).
    make_member(world.other_branch, name="孙外支", phone="13900000079")
    a = next(a for a in community_attention(world.admin) if "尚未到社区报到" in a.title)
    assert a.title.startswith("2名") and a.link.startswith(reverse("community:employer", args=[world.city.pk]))
    # Neither a plain member nor branch B's liaison is told about branch A's members.
    assert not [x for x in community_attention(world.member_user) if "尚未" in x.title]
    b = [x for x in community_attention(world.outsider) if "尚未" in x.title]
    assert len(b) == 1 and b[0].title.startswith("1名") and "钱未报" not in b[0].detail


def test_attention_shows_at_most_three_names(world: World) -> None:
    for i in range(4):
        make_member(world.branch, name=f"成员{i}", phone=f"1390000010{i}")
    a = next(a for a in community_attention(world.secretary) if "尚未到社区报到" in a.title)
    assert a.title.startswith("5名") and a.detail.count("、") == 2 and "等：" in a.detail


def test_the_unreported_count_stops_at_its_cap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A province's root does not count 1.7 million members for one line of 待办: the count stops one
    above the cap and says "超过"; at the cap exactly it is the plain number."""
    for i in range(2):
        make_member(world.branch, name=f"未报{i}", phone=f"1390000020{i}")  # 3 unreported with world.member
    monkeypatch.setattr(Q, "UNREPORTED_CAP", 3)
    got = Q.unreported_this_quarter(world.secretary, timezone.localdate())
    assert got is not None and (got.total, got.more) == (3, False)
    monkeypatch.setattr(Q, "UNREPORTED_CAP", 2)
    got = Q.unreported_this_quarter(world.secretary, timezone.localdate())
    assert got is not None and (got.total, got.more, len(got.names)) == (2, True, 3)  # cap + 1 were read
    a = next(a for a in community_attention(world.secretary) if "尚未到社区报到" in a.title)
    assert a.title.startswith("超过2名") and a.detail.split("：")[0].endswith("等")


def test_quarter_boundary_of_a_report_in(world: World) -> None:
    """A link ended the day before the quarter began does not count; one ended on its first day does;
    one reported after the day asked about (a later quarter) does not."""
    c = make_community(world)
    link = report_in(world, c)
    start, _ = quarter_bounds(2026, 2)
    in_q2 = dt.date(2026, 5, 1)
    link.reported_on = dt.date(2026, 1, 5)
    link.ended_on = start - dt.timedelta(days=1)
    link.save(update_fields=["reported_on", "ended_on"])
    names = Q.unreported_this_quarter(world.secretary, in_q2)
    assert names is not None and world.member.name in names.names
    link.ended_on = start
    link.save(update_fields=["ended_on"])
    names = Q.unreported_this_quarter(world.secretary, in_q2)
    assert names is None or world.member.name not in names.names
    link.ended_on = None
    link.reported_on = dt.date(2026, 7, 1)
    link.save(update_fields=["ended_on", "reported_on"])
    names = Q.unreported_this_quarter(world.secretary, in_q2)
    assert names is not None and world.member.name in names.names
