"""星级党支部: the weighted formula at its boundaries, direct ratings, quotas, four eyes; the boards
(stars only, tree or name order, printable as PDF); outsiders refused."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM, FourEyesRefused
from dangjian.orgs import services as orgs
from dangjian.orgs.models import OrgConfig
from dangjian.points import rules as R
from dangjian.points import services as S
from dangjian.points.models import BranchRating, RatingStatus
from dangjian.points.selectors import branch_board, branch_ratings, member_board
from dangjian.site.testing.factories import World, make_member, make_user

from .helpers import filed_meeting

pytestmark = pytest.mark.django_db
D = Decimal


# --- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "target", "weight", "score", "stars"),
    [
        (D(90), D(90), 50, D(90), 3),
        (D("89.9"), D(90), 50, D("89.9"), 2),  # 89.95 cut to 89.9: never rounded up into 三星
        (D(80), D(80), 50, D(80), 2),
        (D(79), D(80), 50, D("79.5"), 1),
        (D(60), D(60), 50, D(60), 1),
        (D(59), D(60), 50, D("59.5"), 0),
        (D(100), D(50), 70, D(85), 2),  # weights: 70 % points management, 30 % target assessment
        (D(40), D(100), 0, D(100), 3),
    ],
)
def test_branch_score_and_star_at_the_boundaries(
    points: Decimal, target: Decimal, weight: int, score: Decimal, stars: int
) -> None:
    got = R.branch_score(points, target, weight)
    assert got == score
    star = R.star_for(got, R.DEFAULT_BRANCH_THRESHOLDS)
    assert (star.stars if star else 0) == stars


def test_quotas_parse_and_limit() -> None:
    assert R.parse_quotas("3:10, 2：40，") == {3: 10, 2: 40}
    assert R.parse_quotas("") == {}
    for bad in ("3-10", "x:1", "3:101", "11:5"):
        with pytest.raises(ValidationError, match="星级名额"):
            R.parse_quotas(bad)
    assert R.quota_limit(10, 25) == 2 and R.quota_limit(10, 9) == 0
    assert R.quota_problem(3, "三星党支部", {3: 10}, 1, 25) == ""
    assert "名额已满" in R.quota_problem(3, "三星党支部", {3: 10}, 2, 25)
    assert R.quota_problem(2, "二星党支部", {3: 10}, 99, 25) == ""


def test_branch_thresholds_are_data_in_the_manual() -> None:
    data = R.manual_to_data(R.default_manual(2026))
    assert R.manual_from_data(2026, data).branch_thresholds == R.DEFAULT_BRANCH_THRESHOLDS
    data["branch_thresholds"] = [["95", 5, "五星"], ["90", 4, "四星"], ["85", 3, "三星"], ["80", 2, "二星"]]
    m = R.manual_from_data(2026, data)
    assert R.star_label(D("94.9"), m.branch_thresholds) == "四星"
    data["branch_thresholds"] = [["95", 1, "一星"], ["90", 2, "二星"]]
    with pytest.raises(ValidationError, match="党支部星级越高"):
        R.manual_from_data(2026, data)
    legacy = R.manual_to_data(R.default_manual(2026))
    del legacy["branch_thresholds"]  # a manual saved before branch stars existed: the seed's
    assert R.manual_from_data(2026, legacy).branch_thresholds == R.DEFAULT_BRANCH_THRESHOLDS


def test_points_reference_leaves_nobody_out_and_never_rounds_up() -> None:
    assert R.points_reference([]) is None
    assert R.points_reference([D(90), D("89.95")]) == D("89.9")


# --- services ----------------------------------------------------------------------------------


@pytest.fixture
def second(world: World) -> Any:
    """Another organisation-department member at the unit: the four-eyes approver."""
    u = make_user("钱审定", "13800000009")
    RoleAssignment.objects.create(user=u, org=world.unit, role="org_admin")
    return u


def enter(world: World, branch: Any = None, **kw: Any) -> BranchRating:
    args: dict[str, Any] = {
        "points_score": "92",
        "target_score": "88",
        "document": "市直机关工委〔2026〕8号",
        **kw,
    }
    return S.points_branch_rating_enter(
        actor=world.admin, committee=world.unit, branch=branch or world.branch, year=2026, **args
    )


def test_rating_from_the_formula_needs_a_second_person(world: World, second: Any) -> None:
    r = enter(world)
    assert (r.score, r.stars, r.star_label, r.status) == (D(90), 3, "三星党支部", RatingStatus.PENDING)
    with pytest.raises(FourEyesRefused):
        S.points_branch_rating_decide(actor=world.admin, rating=r, approve=True, version=r.version)
    r = S.points_branch_rating_decide(actor=second, rating=r, approve=True, version=r.version)
    assert r.status == RatingStatus.APPROVED and r.decided_by == second
    assert AuditEvent.objects.filter(action__startswith="points.branch_rating").count() == 2
    with pytest.raises(ValidationError, match="已审定"):
        enter(world, version=r.version)


def test_direct_rating_needs_a_reason_and_document(world: World) -> None:
    with pytest.raises(ValidationError) as e:
        enter(world, points_score="", target_score="", direct_stars=3)
    assert "理由" in str(e.value)
    with pytest.raises(ValidationError) as e:
        enter(world, direct_stars=3, note="获评区级先进基层党组织", document=" ")
    assert "依据文件" in str(e.value)
    with pytest.raises(ValidationError) as e:
        enter(world, direct_stars=7, note="x")
    assert "不在本年度细则" in str(e.value)
    r = enter(world, points_score="", target_score="", direct_stars=3, note="获评区级先进基层党组织")
    assert (r.stars, r.score, r.direct_stars) == (3, None, 3)
    assert not BranchRating.objects.exclude(pk=r.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("points_score", "abc", "应为数字"),
        ("target_score", "88.25", "最多保留一位小数"),
        ("target_score", "201", "0 到 200"),
        ("target_score", "", "或选择直接评定"),
    ],
)
def test_bad_scores_write_nothing(world: World, field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as e:
        enter(world, **{field: value})
    assert message in str(e.value)
    assert not BranchRating.objects.exists()


def test_only_the_committees_own_branches_and_not_an_outsider(world: World) -> None:
    with pytest.raises(ValidationError, match="所属的党支部"):
        S.points_branch_rating_enter(
            actor=world.admin, committee=world.unit, branch=world.unit, year=2026,
            points_score="90", target_score="90", document="x",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        S.points_branch_rating_enter(
            actor=world.liaison, committee=world.unit, branch=world.branch, year=2026,
            points_score="90", target_score="90", document="x",
        )  # fmt: skip
    assert not BranchRating.objects.exists()


def test_the_quota_is_enforced_when_approving(world: World, second: Any) -> None:
    for i in range(8):  # ten branches under the unit: a 10 % quota allows one 三星党支部
        orgs.org_create(actor=SYSTEM, parent=world.unit, name=f"第{i}党支部", kind="branch", sector="agency")
    OrgConfig.objects.create(org=world.unit, key="points.branch_quotas", value="3:10")
    a = enter(world)
    b = enter(world, branch=world.other_branch)
    S.points_branch_rating_decide(actor=second, rating=a, approve=True, version=a.version)
    with pytest.raises(ValidationError, match="三星党支部名额已满：不超过 10%，本党委共 10 个党支部，最多 1 个"):
        S.points_branch_rating_decide(actor=second, rating=b, approve=True, version=b.version)
    b.refresh_from_db()
    assert b.status == RatingStatus.PENDING
    b = enter(world, branch=world.other_branch, direct_stars=2, note="三星名额已满，按文件评为二星", version=b.version)
    b = S.points_branch_rating_decide(actor=second, rating=b, approve=True, version=b.version)
    assert b.star_label == "二星党支部"


def test_returning_needs_a_note_and_the_rating_can_then_be_corrected(world: World, second: Any) -> None:
    r = enter(world)
    with pytest.raises(ValidationError):
        S.points_branch_rating_decide(actor=second, rating=r, approve=False, version=r.version)
    r = S.points_branch_rating_decide(actor=second, rating=r, approve=False, version=r.version, note="目标考核分有误")
    assert r.status == RatingStatus.RETURNED
    r = enter(world, target_score="70", version=r.version)
    assert (r.status, r.score, r.stars) == (RatingStatus.PENDING, D(81), 2)


def test_weights_are_a_committee_setting(world: World) -> None:
    OrgConfig.objects.create(org=world.city, key="points.branch_points_weight", value=70)
    r = enter(world, points_score="100", target_score="50")
    assert (r.points_weight, r.score, r.star_label) == (70, D(85), "二星党支部")


# --- boards and pages --------------------------------------------------------------------------


def test_branch_board_lists_stars_in_tree_order_never_by_score(world: World, second: Any) -> None:
    low = enter(world, points_score="61", target_score="61")  # 市教育局 (first in tree order), 一星
    high = enter(world, branch=world.other_branch, points_score="99", target_score="99")
    for r in (low, high):
        S.points_branch_rating_decide(actor=second, rating=r, approve=True, version=r.version)
    board = branch_board(world.unit, 2026)
    assert [r.name for r in board.rows] == [world.branch.name, world.other_branch.name]
    assert [r.star_label for r in board.rows] == ["一星党支部", "三星党支部"]
    html = _client(world.admin).get(reverse("points:branch_board", args=[world.unit.pk]) + "?year=2026")
    text = html.content.decode()
    # What the reader sees (tags and their attributes removed: ids in links may contain "99").
    visible = re.sub(r"<[^>]*>", " ", text)
    assert "★★★" in visible  # stars, never scores
    assert not re.search(r"(?<![\d.])(99|61)(\.\d+)?(?![\d.])", visible), "a score is shown"


def test_member_board_follows_the_notice_and_upheld_objections(world: World) -> None:
    year = timezone.localdate().year
    assert member_board(world.branch, year).rows == []  # nothing to post before the 公示
    filed_meeting(world.branch, {world.member.pk: "present"})
    make_member(world.branch, name="阿无星", exempt=False)
    notice = S.points_notice_publish(actor=world.liaison, org=world.branch, year=year)
    board = member_board(world.branch, year)
    assert [r.name for r in board.rows] == sorted(r.name for r in board.rows)
    assert "阿无星" not in [r.name for r in board.rows] or all(r.stars > 0 for r in board.rows)
    assert board.period.startswith("公示期")
    assert notice.pk


def test_pages_and_pdf(world: World, second: Any) -> None:
    c = _client(world.admin)
    url = reverse("points:ratings", args=[world.unit.pk])
    assert c.get(url).status_code == 200
    r = c.post(
        reverse("points:rating_enter", args=[world.unit.pk]),
        {"branch": world.branch.pk, "points_score": "abc", "target_score": "90", "document": "x", "year": 2026},
        follow=True,
    )
    assert "积分制管理考核得分" in r.content.decode() and not BranchRating.objects.exists()
    c.post(
        reverse("points:rating_enter", args=[world.unit.pk]),
        {"branch": world.branch.pk, "points_score": "90", "target_score": "90", "document": "文件", "year": 2026},
    )
    rating = BranchRating.objects.get()
    _client(second).post(
        reverse("points:rating_decide", args=[rating.pk]), {"decision": "approve", "version": rating.version}
    )
    rating.refresh_from_db()
    assert rating.status == RatingStatus.APPROVED
    pdf = c.get(reverse("points:branch_board_pdf", args=[world.unit.pk]) + "?year=2026")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    pdf = c.get(reverse("points:member_board_pdf", args=[world.branch.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_outsider_and_member_are_refused(world: World) -> None:
    r = enter(world)
    for user in (world.outsider, world.member_user):
        c = _client(user)
        assert c.get(reverse("points:ratings", args=[world.unit.pk])).status_code in (403, 404)
        assert c.get(reverse("points:branch_board", args=[world.unit.pk])).status_code in (403, 404)
        resp = c.post(reverse("points:rating_decide", args=[r.pk]), {"decision": "approve", "version": r.version})
        assert resp.status_code in (403, 404)
    assert _client(world.outsider).get(reverse("points:member_board", args=[world.branch.pk])).status_code == 404
    # a member of the branch may read their own branch's board
    assert _client(world.member_user).get(reverse("points:member_board", args=[world.branch.pk])).status_code == 200
    r.refresh_from_db()
    assert r.status == RatingStatus.PENDING


def test_ratings_page_reads_a_bounded_number_of_queries(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(5):
        orgs.org_create(actor=SYSTEM, parent=world.unit, name=f"第{i}党支部", kind="branch", sector="agency")
    with django_assert_max_num_queries(8):
        data, _pager = branch_ratings(world.unit, 2026)
    assert len(data.rows) == 7 and data.branches == 7


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c
