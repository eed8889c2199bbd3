"""Personal data a role may not see cannot be rebuilt from anything that role is shown.

The old mask hid digits 7–14 of a 身份证号 — exactly the birth date, which the same page and the
roster export showed — so a plain member rebuilt every number in their branch."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.masking import age_years, mask_id_number, mask_name, mask_phone, may_see_identity
from dangjian.members.models import Member
from dangjian.members.selectors import export_rows
from dangjian.orglife.tests.helpers import make_meeting
from dangjian.site.testing.factories import World, make_id_number, make_member

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1987, 3, 19)


def test_mask_keeps_only_the_last_four_characters() -> None:
    assert mask_id_number("42030219920211802X") == "*" * 14 + "802X"
    assert mask_phone("13800000001") == "*******0001"
    assert mask_id_number("") == "" and mask_phone(None) == ""
    assert mask_id_number("123") == "***"
    assert mask_name("王建国") == "王**"
    assert age_years(dt.date(1990, 6, 1), dt.date(2026, 5, 31)) == 35
    assert age_years(dt.date(1990, 6, 1), dt.date(2026, 6, 1)) == 36


def test_identity_policy(world: World) -> None:
    path = world.branch.path
    assert may_see_identity(world.secretary, path) and may_see_identity(world.liaison, path)
    assert not may_see_identity(world.member_user, path)
    assert may_see_identity(world.member_user, path, world.member_user.pk)  # their own record
    assert not may_see_identity(world.outsider, path)


def _spellings(b: dt.date) -> tuple[str, ...]:
    return (f"{b:%Y-%m-%d}", f"{b:%Y%m%d}", f"{b:%Y/%m/%d}", f"{b:%Y.%m.%d}", f"{b.year}年{b.month}月{b.day}日")


def leaks(body: str, m: Member, own: Member | None = None) -> list[str]:
    """What in `body` would help rebuild `m`'s 身份证号 or phone: the birth date in any usual
    spelling, or any 5 consecutive characters of the number beyond its last 4. The viewer's `own`
    number, phone and birth date are taken out first: seeing one's own record is no leak, and the
    factory's numbers may share digits with `m`'s by chance."""
    if own is not None:
        for text in (own.id_number, own.phone, *_spellings(own.birth_date)):
            if text:
                body = body.replace(text, "")
    found = []
    spellings = _spellings(m.birth_date)
    for spelling in spellings:
        if spelling in body:
            found.append(spelling)
    for number in (m.id_number, m.phone):
        for i in range(len(number) - 4):
            if number[i : i + 5] in body:
                found.append(number[i : i + 5])
    return found


def crawl(client: Client, start: list[str], limit: int = 80) -> dict[str, str]:
    """Every same-site page reachable by GET from `start` (bounded), as that client sees it."""
    seen: dict[str, str] = {}
    todo = list(start)
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen:
            continue
        resp = client.get(url)
        if resp.status_code != 200:
            seen[url] = ""
            continue
        content = b"".join(resp.streaming_content) if resp.streaming else resp.content  # type: ignore[attr-defined]
        body = content.decode("utf-8", "replace") if "html" in resp.get("Content-Type", "") else repr(content)
        seen[url] = body
        for href in re.findall(r'href="([^"#]+)"', body):
            target = urljoin(url, href.replace("&amp;", "&"))
            parsed = urlparse(target)
            if parsed.netloc or not parsed.path.startswith("/") or parsed.path.startswith(("/static/", "/admin/")):
                continue
            if "logout" in parsed.path:
                continue
            todo.append(target)
    return seen


def test_plain_member_can_rebuild_no_number(world: World, as_member: Any) -> None:
    other = make_member(
        world.branch,
        name="被查看者",
        birth_date=BIRTH,
        phone="15927364851",
        # Another region than everyone else's, so the member's own number shares no digits with it.
        id_number=make_id_number(BIRTH, 777, region="110105"),
        exempt=True,
        exempt_reason="长期外出务工",
        exempt_application="本人书面申请",
        exempt_approved_by="支部委员会",
        exempt_on=dt.date(2025, 1, 1),
    )
    start = [
        reverse("core:home"),
        reverse("members:roster", args=[world.branch.pk]),
        reverse("members:detail", args=[other.pk]),
        reverse("members:export", args=[world.branch.pk]),
        reverse("members:roster", args=[world.branch.pk]) + "?flag=exempt",
        reverse("members:roster", args=[world.branch.pk]) + f"?q={other.id_number[-4:]}",
    ]
    meeting = make_meeting(world.branch, world.liaison)
    start.append(reverse("orglife:detail", args=[meeting.pk]))
    pages = crawl(as_member, start)
    assert len(pages) > 5
    for url, body in pages.items():
        assert not leaks(body, other, own=world.member), (url, leaks(body, other, own=world.member))
        assert "免参" not in body and "免于参加" not in body, url
    meeting_page = pages[reverse("orglife:detail", args=[meeting.pk])]
    assert "被查看者：不计入" in meeting_page, meeting_page[meeting_page.find("出勤") :][:600]
    detail = pages[reverse("members:detail", args=[other.pk])]
    assert "被查看者" in detail and "免参" not in detail and "长期外出务工" not in detail
    roster = pages[reverse("members:roster", args=[world.branch.pk]) + "?flag=exempt"]
    assert "免参" not in roster and "被查看者" in roster  # the flag filter is ignored, not applied
    assert as_member.get(reverse("members:export", args=[world.branch.pk])).status_code == 403


def test_masked_export_rows_hold_no_birth_date(world: World) -> None:
    other = make_member(world.branch, name="导出丙", birth_date=BIRTH, phone="15927364851")
    row = next(r for r in export_rows(world.admin, world.branch, masked=True) if r[1] == "导出丙")
    text = " ".join(str(c) for c in row if c is not None)
    assert not leaks(text, other)
    assert mask_id_number(other.id_number) in row and mask_phone(other.phone) in row
    assert row[4] is None


def test_liaison_sees_the_full_record(world: World, as_liaison: Any) -> None:
    other = make_member(world.branch, name="全量", birth_date=BIRTH)
    body = as_liaison.get(reverse("members:detail", args=[other.pk])).content.decode()
    assert other.id_number in body and "1987-03-19" in body
