"""Small factories that build real records through the real services."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass
from typing import Any

from pypdf import PdfWriter

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.scoping import SYSTEM
from dangjian.members.models import Member
from dangjian.members.rules import id_check_char
from dangjian.members.services import member_create
from dangjian.orgs.models import Organization
from dangjian.orgs.services import org_create

_seq = itertools.count(1)


def make_id_number(birth: dt.date, seq: int | None = None, male: bool = True, region: str = "420300") -> str:
    """A valid 18-digit 身份证号 (GB 11643 check digit) for `birth`."""
    n = next(_seq) if seq is None else seq
    order = (n * 2 + (1 if male else 0)) % 1000
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + id_check_char(first17)


def make_pdf(title: str = "") -> bytes:
    """A small PDF that opens as a PDF (one blank page), as the upload check requires."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if title:
        writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def make_phone(seq: int | None = None) -> str:
    n = next(_seq) if seq is None else seq
    return f"139{n:08d}"


def member_data(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    # Born 1980–1999, so joined_on (birth + 25) and converted_on (birth + 26) are always in the past.
    birth = overrides.pop("birth_date", dt.date(1980, 1, 1) + dt.timedelta(days=n * 37 % 7000))
    male = overrides.get("sex", "M") == "M"
    data: dict[str, Any] = {
        "name": f"党员{n}",
        "sex": "M" if male else "F",
        "ethnicity": "汉族",
        "birth_date": birth,
        "id_number": make_id_number(birth, n, male),
        "phone": make_phone(n),
        "education": "bachelor",
        "unit": "示范单位",
        "job_title": "职员",
        "joined_on": dt.date(birth.year + 25, 7, 1),
        "converted_on": dt.date(birth.year + 26, 7, 1),
        "status": "full",
        "category": "in_service",
    }
    data.update(overrides)
    return data


def make_member(org: Organization, actor: Any = SYSTEM, **overrides: Any) -> Member:
    return member_create(actor=actor, org=org, data=member_data(**overrides))


def make_user(name: str, phone: str | None = None, password: str = "Dangjian-2026") -> User:
    return User.objects.create_user(phone or make_phone(), name, password)


@dataclass
class World:
    """The persona cast: a city committee with two branches.

    admin     — 组织部管理员 of the city committee (sees everything below it)
    secretary — 书记 of branch A
    liaison   — 联络员 of branch A
    member    — 党员 in branch A with a login
    outsider  — 联络员 of branch B (must see nothing of branch A)
    """

    city: Organization
    unit: Organization
    branch: Organization
    other_branch: Organization
    admin: User
    secretary: User
    liaison: User
    member_user: User
    member: Member
    outsider: User
    password: str = "Dangjian-2026"


def build_world() -> World:
    city = org_create(actor=SYSTEM, parent=None, name="十堰市委", kind="committee", sector="agency")
    unit = org_create(actor=SYSTEM, parent=city, name="市直机关工委", kind="committee", sector="agency")
    branch = org_create(actor=SYSTEM, parent=unit, name="市教育局机关党支部", kind="branch", sector="agency")
    other = org_create(actor=SYSTEM, parent=unit, name="市财政局机关党支部", kind="branch", sector="agency")
    admin = make_user("组织部管理员", "13800000001")
    secretary = make_user("王书记", "13800000002")
    liaison = make_user("李联络员", "13800000003")
    member_user = make_user("张党员", "13800000004")
    outsider = make_user("赵外人", "13800000005")
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=admin, org=city, role="org_admin"),
            RoleAssignment(user=secretary, org=branch, role="secretary"),
            RoleAssignment(user=liaison, org=branch, role="liaison"),
            RoleAssignment(user=member_user, org=branch, role="member"),
            RoleAssignment(user=outsider, org=other, role="liaison"),
        ]
    )
    member = make_member(branch, name="张党员")
    member.user = member_user
    member.save(update_fields=["user"])
    return World(city, unit, branch, other, admin, secretary, liaison, member_user, member, outsider)
