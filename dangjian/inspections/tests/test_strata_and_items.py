"""A plan's size per stratum from the plan page, and the committee admin's checklist item editor
(versioned: a version a plan uses is never changed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conftest import login_client
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.inspections import selectors, services
from dangjian.inspections.models import Checklist, Plan
from dangjian.inspections.rules import parse_checklist
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World

from .helpers import make_plan

pytestmark = pytest.mark.django_db


def _branches(w: World, n: int, sector: str) -> None:
    for i in range(n):
        org_create(actor=SYSTEM, parent=w.unit, name=f"{sector}支部{i}", kind="branch", sector=sector)


def _plan_form(w: World, **kw: Any) -> dict[str, Any]:
    return {
        "name": "分层抽查",
        "document": "市委组织部〔2026〕9号",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-20",
        "scope": w.city.pk,
        "strata_by": "sector",
        "count": "1",
        "minimum": "1",
        "announced": "on",
        "exclude_inspected_months": "0",
        "exclude_founded_months": "0",
        "inspectors": [w.admin.pk],
        **kw,
    }


def test_the_plan_page_takes_a_size_per_stratum_and_the_draw_uses_it(world: World, as_admin: Client) -> None:
    _branches(world, 5, "hospital")
    _branches(world, 4, "school")
    url = reverse("inspections:plan_new", args=[world.city.pk])
    page = as_admin.get(url).content.decode()
    assert "各层分别确定抽取数量" in page and 'for="id_size_sector_hospital">医院（个）' in page
    assert f'for="id_size_parent_{world.unit.pk}">{world.unit.name}（个）' in page
    bad = as_admin.post(url, _plan_form(world, size_sector_hospital="-1"))
    assert bad.status_code == 200 and not Plan.objects.exists()
    # A parent-stratum count is ignored when the plan is stratified by sector.
    r = as_admin.post(url, _plan_form(world, size_sector_hospital="3", **{f"size_parent_{world.unit.pk}": "9"}))
    plan = Plan.objects.get()
    assert r.status_code == 302 and plan.sizes == {"*": {"count": 1}, "hospital": {"count": 3}}
    draw = services.plan_draw(actor=world.admin, plan=plan)
    assert draw.sizes == {"agency": 1, "hospital": 3, "school": 1}


def test_per_stratum_counts_alone_are_enough_and_unnamed_strata_draw_none(world: World, as_admin: Client) -> None:
    _branches(world, 3, "hospital")
    url = reverse("inspections:plan_new", args=[world.city.pk])
    form = _plan_form(world, count="", strata_by="parent", **{f"size_parent_{world.unit.pk}": "2"})
    assert as_admin.post(url, form).status_code == 302
    plan = Plan.objects.get()
    assert plan.sizes == {str(world.unit.pk): {"count": 2}}
    assert services.plan_draw(actor=world.admin, plan=plan).sizes == {str(world.unit.pk): 2}
    # Stratified by nothing, per-stratum fields do not apply: no rule at all is refused.
    r = as_admin.post(url, _plan_form(world, count="", strata_by="none", size_sector_hospital="2"))
    assert r.status_code == 200 and "请填写抽取数量" in r.content.decode() and Plan.objects.count() == 1


def _item(spec_row: Checklist | None, code: str) -> dict[str, Any]:
    spec = parse_checklist(spec_row.data) if spec_row else services.R.default_checklist()
    item = spec.item(code)
    assert item is not None
    return {
        "title": item.title,
        "content": item.content,
        "scoring": item.scoring,
        "standard": str(item.standard),
        "per_unit": str(item.per_unit),
        "cap": None,
        "veto": item.veto,
        "method": item.method,
        "evidence": item.evidence,
    }


def _save(w: World, code: str = "A2", category: str = "A", **changes: Any) -> Checklist:
    row = services.latest_checklist(w.city)
    item = {**_item(row, code), **changes} if code else changes
    return services.checklist_item_save(
        actor=w.admin, org=w.city, based_on=selectors.checklist_token(row), category=category, code=code, item=item
    )


def test_an_unused_version_is_edited_in_place_a_used_one_never(world: World) -> None:
    first = _save(world, title="党员队伍管理（含流动党员）")
    assert first.number == 1 and Checklist.objects.count() == 1  # from the shipped default: version 1
    again = _save(world, standard="6")
    assert again.pk == first.pk and again.number == 1  # no plan uses it yet: changed in place
    plan = make_plan(world)
    assert plan.checklist_id == first.pk
    used_data = Checklist.objects.get(pk=first.pk).data
    second = _save(world, scoring="每项扣1.5分")
    assert second.pk != first.pk and second.number == 2
    assert Checklist.objects.get(pk=first.pk).data == used_data  # the plan still scores by version 1
    spec = parse_checklist(second.data)
    a2 = spec.item("A2")
    assert a2 is not None and a2.scoring == "每项扣1.5分" and a2.standard == Decimal("6")
    assert AuditEvent.objects.filter(action="inspections.checklist_item_save").count() == 3


def test_item_editor_refuses_bad_input_and_stale_pages_writing_nothing(world: World) -> None:
    row = _save(world)
    token = selectors.checklist_token(row)
    with pytest.raises(ValidationError, match="第1类“组织建设”：各项标准分合计 17 分，超过本类分值 15 分"):
        _save(world, standard="9")
    with pytest.raises(ValidationError, match="项目编号“A1”重复"):
        services.checklist_item_save(
            actor=world.admin, org=world.city, based_on=token, category="A", code="", new_code="A1",
            item=_item(row, "A2") | {"standard": "0"},
        )  # fmt: skip
    _save(world, title="改过一次")
    with pytest.raises(ValidationError, match="已被他人修改"):
        services.checklist_item_save(
            actor=world.admin, org=world.city, based_on=token, category="A", code="A2", item=_item(row, "A2")
        )
    live = selectors.checklist_token(services.latest_checklist(world.city))
    with pytest.raises(PermissionDenied):
        services.checklist_item_save(
            actor=world.secretary, org=world.city, based_on=live, category="A", code="A2", item=_item(row, "A2")
        )
    assert Checklist.objects.count() == 1


def test_add_and_remove_an_item(world: World) -> None:
    row = _save(world, standard="5")  # room for a 2-point item in 组织建设 (15)
    spec_before = parse_checklist(row.data)
    added = services.checklist_item_save(
        actor=world.admin, org=world.city, based_on=selectors.checklist_token(row), category="A", code="",
        new_code="A9", item=_item(row, "A2") | {"title": "党员档案管理", "standard": "2"},
    )  # fmt: skip
    new_item = parse_checklist(added.data).item("A9")
    assert new_item is not None and new_item.local and new_item.standard == Decimal("2")
    removed = services.checklist_item_save(
        actor=world.admin, org=world.city, based_on=selectors.checklist_token(added), category="A", code="A9",
        item={}, remove=True,
    )  # fmt: skip
    assert parse_checklist(removed.data).items() == spec_before.items()


def test_item_editor_pages(world: World, as_admin: Client, as_outsider: Client) -> None:
    url = reverse("inspections:checklist_item", args=[world.city.pk])
    page = as_admin.get(url, {"code": "A2"}).content.decode()
    assert "编辑检查项目" in page and "党员队伍管理" in page and "保存后成为本组织的新版本" in page
    assert "新增检查项目" in as_admin.get(url, {"category": "B"}).content.decode()
    checklist_page = as_admin.get(reverse("inspections:checklist", args=[world.city.pk])).content.decode()
    assert f"{url}?code=A2" in checklist_page
    save = reverse("inspections:checklist_item_save", args=[world.city.pk])
    body = {"based_on": "default", "category": "A", "code": "A2", **_item(None, "A2"), "cap": "", "veto": ""}
    body["title"] = "党员队伍管理（页面）"
    r = as_admin.post(save, body)
    assert r.status_code == 302 and r["Location"] == reverse("inspections:checklist", args=[world.city.pk])
    row = Checklist.objects.get()
    assert parse_checklist(row.data).item("A2").title == "党员队伍管理（页面）"  # type: ignore[union-attr]
    r = as_admin.post(save, {**body, "title": ""}, follow=True)
    assert "考核项目" in r.content.decode() and Checklist.objects.get().data == row.data
    r = as_admin.post(save, {**body, "title": "再改"}, follow=True)  # based on the shipped default: stale
    assert "已被他人修改" in r.content.decode() and Checklist.objects.get().data == row.data
    # Outsider (branch B's liaison) and branch A's secretary: refused, GET and POST, real ids.
    for client in (as_outsider, login_client(world.secretary)):
        assert client.get(url, {"code": "A2"}).status_code in (403, 404)
        live = {**body, "based_on": selectors.checklist_token(row), "title": "外人改"}
        assert client.post(save, live).status_code in (403, 404)
    assert Checklist.objects.get().data == row.data
