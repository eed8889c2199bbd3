"""A member's home page announces their branch's party day in the coming week."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.core.calendar import ensure_seeded
from dangjian.partyday.attention import next_party_day_attention


def test_party_day_within_a_week_is_announced(world) -> None:
    ensure_seeded()
    # October 2026: the first Monday (10-05) is in the National Day break, so the day is Thu 10-08.
    items = next_party_day_attention(world.member_user, today=dt.date(2026, 10, 1))
    assert [i.title for i in items] == ["本支部主题党日：10月08日（周四）14:30"]
    assert items[0].link == f"/partyday/org/{world.branch.pk}/2026/"


def test_boundaries_of_the_coming_week(world) -> None:
    ensure_seeded()
    # Exactly 7 days before 2026-10-08 is announced; 8 days before is not.
    assert next_party_day_attention(world.member_user, today=dt.date(2026, 10, 1))
    assert not next_party_day_attention(world.member_user, today=dt.date(2026, 9, 30))


def test_after_this_months_day_the_next_month_counts(world) -> None:
    ensure_seeded()
    # After 2026-10-08 has passed, November's first Monday (11-02) is within a week of 10-27.
    items = next_party_day_attention(world.member_user, today=dt.date(2026, 10, 27))
    assert [i.title for i in items] == ["本支部主题党日：11月02日（周一）14:30"]


def test_people_without_a_roster_record_get_nothing(world) -> None:
    assert next_party_day_attention(world.admin, today=dt.date(2026, 10, 1)) == []


def test_home_page_shows_it_to_the_member_only(world, as_member, as_outsider) -> None:
    ensure_seeded()

    today = timezone.localdate()
    expected = next_party_day_attention(world.member_user, today=today)
    body = as_member.get("/").content.decode()
    for item in expected:
        assert item.title in body
    assert "本支部主题党日" not in as_outsider.get("/").content.decode()


def test_across_the_year_end_in_three_queries(world, django_assert_num_queries) -> None:
    """December's day passed: January's counts, read with December's in one batch (three queries),
    so the home page costs the same on every day of the year."""
    from dangjian.partyday.selectors import next_party_day, scheduled_party_day

    ensure_seeded()
    december = scheduled_party_day(world.branch, 2026, 12)
    january = scheduled_party_day(world.branch, 2027, 1)
    assert december.date is not None and january.date is not None
    after = december.date + dt.timedelta(days=1)
    with django_assert_num_queries(3):
        pd = next_party_day(world.branch, after)
    assert pd is not None and pd.date == january.date
    with django_assert_num_queries(3):
        pd = next_party_day(world.branch, december.date)
    assert pd is not None and pd.date == december.date
