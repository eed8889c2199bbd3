"""星级党支部 with the year's inspection score as the 年终目标考核 input (a committee setting): the
formula at its boundaries with an inspection score, the fallback to the entered score when the branch
was not inspected, the default unchanged, the page citing the inspection, outsiders refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.registry import get_branch_score_source
from dangjian.core.scoping import SYSTEM
from dangjian.inspections import services as insp
from dangjian.inspections.models import Inspection
from dangjian.inspections.tests.helpers import build_inspection_rows
from dangjian.orgs import config
from dangjian.orgs.models import OrgConfig
from dangjian.orgs.services import org_create
from dangjian.points import rules as R
from dangjian.points import services as S
from dangjian.points.models import BranchRating
from dangjian.points.selectors import branch_ratings
from dangjian.site.testing.factories import World, make_user

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("entered", "sourced", "used", "from_source"),
    [
        (D(70), D(90), D(90), True),  # the recorded score wins over a typed one
        (D(70), D("89.95"), D("89.9"), True),  # cut downwards, never rounded up into a higher star
        (D(70), D(0), D(0), True),  # a vetoed visit scores 0: still the inspection's score
        (D(70), None, D(70), False),  # not inspected this year: the entered score stands
        (None, None, None, False),
    ],
)
def test_target_input_at_its_boundaries(
    entered: Decimal | None, sourced: Decimal | None, used: Decimal | None, from_source: bool
) -> None:
    assert R.target_input(entered, sourced) == (used, from_source)


def test_the_setting_offers_the_registered_inspection_source() -> None:
    key = config.get_key("points.branch_target_source")
    assert key.default == "manual" and [c for c, _ in key.choices] == ["manual", "inspection"]
    assert key.parse("inspection") == "inspection"
    with pytest.raises(ValidationError):
        key.parse("nonsense")


def _finished_visit(world: World, total: str) -> Inspection:
    visit = build_inspection_rows(world).inspection
    insp.inspection_finish(actor=world.admin, inspection=visit)
    Inspection.objects.filter(pk=visit.pk).update(total=D(total))  # a chosen score, to sit on a boundary
    return visit


def _use_inspections(world: World) -> None:
    OrgConfig.objects.create(org=world.city, key="points.branch_target_source", value="inspection")


def enter(world: World, **kw: Any) -> BranchRating:
    args: dict[str, Any] = {"points_score": "90", "target_score": "", "document": "市直机关工委〔2026〕8号", **kw}
    return S.points_branch_rating_enter(
        actor=world.admin, committee=world.unit, branch=world.branch, year=timezone.localdate().year, **args
    )


@pytest.mark.parametrize(
    ("total", "score", "stars"), [("90", D(90), 3), ("89.9", D("89.9"), 2), ("30", D(60), 1), ("29.9", D("59.9"), 0)]
)
def test_the_formula_takes_the_inspection_score(world: World, total: str, score: Decimal, stars: int) -> None:
    visit = _finished_visit(world, total)
    _use_inspections(world)
    r = enter(world, target_score="100")  # a typed number does not override the inspection
    assert (r.target_score, r.score, r.stars) == (D(total), score, stars)
    assert (r.target_source, r.target_ref) == ("inspection", f"inspection:{visit.pk}")


def test_no_inspection_falls_back_to_the_entered_score(world: World) -> None:
    _use_inspections(world)
    with pytest.raises(ValidationError, match="需录入"):
        enter(world)
    assert not BranchRating.objects.exists()
    r = enter(world, target_score="80")
    assert (r.target_score, r.score, r.stars, r.target_source, r.target_ref) == (D(80), D(85), 2, "", "")


def test_by_default_the_entered_score_stands_even_with_an_inspection(world: World) -> None:
    _finished_visit(world, "60")
    r = enter(world, target_score="90")
    assert (r.target_score, r.score, r.target_source) == (D(90), D(90), "")


def test_an_unfinished_visit_is_no_score(world: World) -> None:
    build_inspection_rows(world)  # started, not finished
    _use_inspections(world)
    assert get_branch_score_source("inspection").scores([world.branch.path], timezone.localdate().year) == {}  # type: ignore[union-attr]


def test_the_ratings_page_cites_and_links_the_inspection(world: World) -> None:
    visit = _finished_visit(world, "88")
    _use_inspections(world)
    url = reverse("points:ratings", args=[world.unit.pk]) + f"?year={visit.year}"
    link = reverse("inspections:inspection", args=[visit.pk])
    text = _client(world.admin).get(url).content.decode()
    assert "年终目标考核得分取自" in text and link in text and 'value="88" readonly' in text
    data, _ = branch_ratings(world.unit, visit.year)
    other = next(r for r in data.rows if r.branch == world.other_branch)
    assert other.sourced is None  # not inspected: the committee enters the score
    enter(world)
    text = _client(world.admin).get(url).content.decode()
    assert "取自来源记录" in text and link in text


def test_an_outsider_sees_no_score_of_another_tree(world: World) -> None:
    visit = _finished_visit(world, "88")
    _use_inspections(world)
    other = org_create(actor=SYSTEM, parent=world.city, name="市国资委党委", kind="committee", sector="agency")
    org_create(actor=SYSTEM, parent=other, name="国资委机关党支部", kind="branch", sector="agency")
    admin = make_user("外单位管理员", "13800000019")
    RoleAssignment.objects.create(user=admin, org=other, role="org_admin")
    year = visit.year
    for user in (admin, world.outsider):
        c = _client(user)
        assert c.get(reverse("points:ratings", args=[world.unit.pk]) + f"?year={year}").status_code in (403, 404)
        assert c.get(reverse("inspections:inspection", args=[visit.pk])).status_code in (403, 404)
    own = _client(admin).get(reverse("points:ratings", args=[other.pk]) + f"?year={year}").content.decode()
    assert world.branch.name not in own and reverse("inspections:inspection", args=[visit.pk]) not in own
    resp = _client(admin).post(
        reverse("points:rating_enter", args=[other.pk]),
        {"branch": world.branch.pk, "points_score": "90", "target_score": "", "document": "x", "year": year},
    )
    assert resp.status_code in (403, 404) and not BranchRating.objects.exists()


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_source_costs_the_ratings_page_one_query(world: World, django_assert_max_num_queries: Any) -> None:
    visit = _finished_visit(world, "88")
    _use_inspections(world)
    with django_assert_max_num_queries(8):  # the same budget as without a source (test_branch_stars)
        data, _ = branch_ratings(world.unit, visit.year)
    assert data.target_source and [r.sourced is not None for r in data.rows] == [True, False]
