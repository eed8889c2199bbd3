"""Demo data for the roster: transfers on both sides and two roster imports (one clean, one with a
bad row), so the transfer list, the import pages and the home page's reminders have something real.

The members themselves (with 流动/免参/失联 flags) come from the foundation (site/demo_foundation.py).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from dangjian.core.demo import DemoContext
from dangjian.orgs.models import Organization, OrgKind

from .excel import COLUMNS, DATA_SHEET
from .models import ImportMode, Member
from .rules import id_check_char
from .services import import_job_create, transfer_in_from_outside, transfer_out

EDU_BRANCH = "市教育局机关第一党支部"


def _id_number(birth: dt.date, seq: int, male: bool) -> str:
    order = (seq * 2 + (1 if male else 0)) % 1000
    first17 = f"420302{birth:%Y%m%d}{order:03d}"
    return first17 + id_check_char(first17)


def _row(branch: str, name: str, birth: dt.date, seq: int, male: bool, today: dt.date) -> list[Any]:
    joined = dt.date(birth.year + 24, 6, 28)
    full = joined.replace(year=joined.year + 1) < today
    values = {
        "org": branch,
        "name": name,
        "sex": "男" if male else "女",
        "ethnicity": "汉族",
        "birth_date": birth,
        "id_number": _id_number(birth, seq, male),
        "phone": f"1370000{seq:04d}",
        "education": "大学本科",
        "unit": "市教育局",
        "job_title": "科员",
        "joined_on": joined,
        "converted_on": joined.replace(year=joined.year + 1) if full else None,
        "status": "正式党员" if full else "预备党员",
        "category": "在职",
        "is_mobile": "否",
        "exempt": "否",
        "lost_contact": "否",
    }
    return [values.get(c.field) for c in COLUMNS]


def _workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    ws.append([c.header for c in COLUMNS])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_demo(ctx: DemoContext) -> None:
    edu = Organization.objects.filter(kind=OrgKind.BRANCH, name=EDU_BRANCH).first()
    liaison = ctx.users.get("liaison")
    if edu is None or liaison is None:
        return
    admin = ctx.org_admin
    today = ctx.today
    rng = ctx.rng

    # 1. Two roster imports by the branch liaison: one with a bad 身份证号 (nothing written), one clean.
    names = ["陈静怡", "刘子涵", "黄浩然", "吴思琪"]
    births = [dt.date(1990 + i * 2, 1 + i, 10 + i) for i in range(len(names))]
    rows = [
        _row(edu.name, n, b, 900 + i, i % 2 == 0, today) for i, (n, b) in enumerate(zip(names, births, strict=True))
    ]
    bad = [list(r) for r in rows]
    id_col = next(i for i, c in enumerate(COLUMNS) if c.field == "id_number")
    bad[2][id_col] = str(bad[2][id_col])[:17] + ("0" if str(bad[2][id_col])[17] != "0" else "1")
    import_job_create(
        actor=liaison, org=edu, upload=SimpleUploadedFile("三季度新党员.xlsx", _workbook(bad)), mode=ImportMode.COMMIT
    )
    import_job_create(actor=liaison, org=edu, upload=SimpleUploadedFile("三季度新党员（修正）.xlsx", _workbook(rows)))

    # 2. A member of another branch moving into the 教育局 branch: pending until the branch accepts.
    others = [
        m
        for b in ctx.branches
        if b.pk != edu.pk
        for m in ctx.members_by_branch.get(b.pk, [])
        if m.user_id is None and m.is_active
    ]
    if len(others) >= 2:
        mover = others[rng.randrange(len(others))]
        transfer_out(
            actor=admin,
            member=mover,
            out_on=today - dt.timedelta(days=3),
            to_org=edu,
            letter_number=f"汉组转〔{today.year}〕{rng.randint(100, 999)}号",
            note="工作调动",
        )

    # 3. A member of the 教育局 branch who moved to another city (outside the platform): history stays.
    leaving = (
        Member.objects.filter(org=edu, is_active=True, user__isnull=True, is_mobile=False)
        .exclude(name__in=names)
        .order_by("pk")
        .first()
    )
    if leaving is not None:
        transfer_out(
            actor=liaison,
            member=leaving,
            out_on=today - dt.timedelta(days=40),
            to_org_name="武汉市江汉区某街道党工委",
            letter_number=f"汉教党转〔{today.year}〕{rng.randint(10, 99)}号",
        )

    # 4. A member arriving from outside the platform.
    birth = dt.date(1986, 9, 12)
    transfer_in_from_outside(
        actor=liaison,
        org=edu,
        data={
            "name": "郑雨桐",
            "sex": "F",
            "ethnicity": "汉族",
            "birth_date": birth,
            "id_number": _id_number(birth, 950, False),
            "phone": "13700000950",
            "education": "postgraduate",
            "unit": "市教育局",
            "job_title": "副科长",
            "joined_on": dt.date(2009, 6, 30),
            "converted_on": dt.date(2010, 6, 30),
            "status": "full",
            "category": "in_service",
        },
        from_org_name="襄阳市教育局机关党支部",
        in_on=today - dt.timedelta(days=15),
        letter_number=f"襄组转〔{today.year}〕{rng.randint(100, 999)}号",
    )
    ctx.log("members: 2 次名册导入（1 次有错未写入）、1 条待接收转接、1 条转出平台外、1 条平台外转入")
