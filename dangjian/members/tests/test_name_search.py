"""Name search over a subtree: the same rows as `icontains` for every term length, and on PostgreSQL
through the indexes of members 0004 (characters for 1, 2-character pieces for longer terms)."""

from __future__ import annotations

import os

import pytest
from django.db import connection, transaction
from django.db.models import Q

from dangjian.core.paths import subtree_q
from dangjian.members.models import Member
from dangjian.members.selectors import name_contains, roster
from dangjian.site.testing.factories import World, make_member

pytestmark = pytest.mark.django_db

NAMES = ["王芳", "李王芳", "欧阳王芳华", "王", "张三丰", "Anna王", "jo芳"]
TERMS = [
    "王",
    "芳",
    "王芳",
    "芳华",
    "阳王",
    "欧阳王芳华",
    "三丰",
    "张三丰",
    "a",
    "AN",
    "nA",
    "Jo",
    "o芳",
    "丰z",
    "查无",
    "%",
    "_",
]


def test_roster_search_finds_what_icontains_finds_for_every_term_length(world: World) -> None:
    for name in NAMES:
        make_member(world.branch, name=name)
    everyone = Member.objects.filter(subtree_q("org_path", world.city.path), is_active=True)
    all_names = list(everyone.values_list("name", flat=True))
    found_any = set()
    for term in TERMS:
        got = sorted(roster(world.admin, world.city.path, filters={"q": term}).values_list("name", flat=True))
        expected = sorted(n for n in all_names if term.upper() in n.upper())
        assert got == expected, term
        found_any.update(got)
    # Terms in the middle, at either end, whole names and case-folded Latin letters were all found.
    assert set(NAMES) <= found_any


def test_postgresql_asks_the_pieces_and_keeps_the_like_from_3_characters() -> None:
    for term in ("王", "王芳", "欧阳王"):
        assert name_contains(term, "sqlite") == Q(name__icontains=term)
    assert "name__icontains" not in str(name_contains("王", "postgresql"))
    assert "name__icontains" not in str(name_contains("王芳", "postgresql"))
    assert "name__icontains" in str(name_contains("欧阳王", "postgresql"))


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="runs in the PostgreSQL pass")
@pytest.mark.parametrize(
    ("term", "indexes"),
    [
        ("王", ["member_name_chars_idx"]),
        ("王芳", ["member_name_bigrams_idx"]),
        # 3+ characters: the pieces or the LIKE's trigrams, whichever the planner prices lower.
        ("欧阳王", ["member_name_bigrams_idx", "member_name_trgm_idx"]),
    ],
)
def test_name_search_can_use_its_index_on_postgresql(world: World, term: str, indexes: list[str]) -> None:
    # The selector's expression must be the indexed one, or the index is silently never used: with
    # sequential scans priced out, the planner still reaches the rows through that index.
    make_member(world.branch, name="欧阳王芳")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        plan = Member.objects.filter(name_contains(term, connection.vendor)).explain()
    assert any(index in plan for index in indexes), plan
