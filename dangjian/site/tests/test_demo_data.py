"""The demo foundation: a believable instance, real logins, warnings present, audit chain intact."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.audit import verify_chain
from dangjian.core.scoping import Action, can
from dangjian.members.forms import MemberForm
from dangjian.members.models import Member
from dangjian.members.rules import id_number_error
from dangjian.orgs.models import Organization, OrgKind, OrgPost
from dangjian.orgs.selectors import subtree_structure
from dangjian.site.demo_foundation import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    PROFILES,
    FoundationResult,
    PersonFactory,
    build_foundation,
    demo_loaded,
)

TODAY = dt.date(2026, 7, 1)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="class")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[FoundationResult]:
    """Built once for the class (it takes seconds), inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        yield build_foundation(today=TODAY, log=lambda _msg: None)
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestFoundation:
    """Read-only checks on one demo instance (built once for the class)."""

    def test_tree_and_roster_are_city_sized(self, demo: FoundationResult) -> None:
        root = demo.ctx.root
        assert root.depth == 1
        branches = Organization.objects.filter(kind=OrgKind.BRANCH)
        assert 38 <= branches.count() <= 45
        assert branches.count() == len(demo.ctx.branches)
        assert 700 <= Member.objects.count() <= 900
        assert Member.objects.count() == sum(len(v) for v in demo.ctx.members_by_branch.values())
        names = set(Organization.objects.values_list("name", flat=True))
        # (a) medical university with sub-committees, (b) town with 党总支 and villages, (c) 市直机关工委.
        assert {
            "中共汉江医学院委员会",
            "基础医学院党委",
            "中共青山镇委员会",
            "柳树湾片区党总支",
            "中共汉江市直属机关工作委员会",
        } <= names
        assert Organization.objects.filter(kind=OrgKind.GENERAL_BRANCH).count() >= 2
        assert Organization.objects.filter(kind=OrgKind.GROUP).count() >= 10
        village = Organization.objects.get(name="柳树湾村党支部")
        assert village.sector == "village" and village.term_years == 5
        # Every branch has a secretary; branches with a committee have a 组织委员 too.
        secretaries = set(OrgPost.objects.filter(post="secretary").values_list("org_id", flat=True))
        assert secretaries >= set(branches.values_list("pk", flat=True))
        assert OrgPost.objects.filter(post="organization").count() >= 30

    def test_roster_is_varied_and_valid(self, demo: FoundationResult) -> None:
        members = Member.objects.all()
        categories = Counter(members.values_list("category", flat=True))
        assert {"in_service", "retired", "student", "farmer"} <= set(categories)
        assert members.filter(status="probationary").count() >= 10
        assert members.filter(is_mobile=True).count() >= 5
        assert members.filter(exempt=True).exclude(exempt_application="").count() >= 3
        assert members.filter(lost_contact=True, lost_contact_since__isnull=False).count() >= 2
        assert members.filter(group__isnull=False).count() >= 100
        ids = list(members.values_list("id_number", flat=True))
        assert len(set(ids)) == len(ids)
        assert all(id_number_error(v) is None for v in ids)
        # Names are Chinese, two or three characters, and not all alike.
        names = list(members.values_list("name", flat=True))
        assert all(2 <= len(n) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)
        assert len(set(names)) > len(names) * 0.8

    def test_structure_warnings_and_terms_are_present(self, demo: FoundationResult) -> None:
        findings = {(s.org.name, f.code) for s in subtree_structure(demo.ctx.root.path, TODAY) for f in s.findings}
        codes = {code for _, code in findings}
        assert ("石门沟村党支部", "branch_below_min") in findings
        assert ("市财政局机关党支部", "branch_above_max") in findings
        assert ("市教育局机关第二党支部", "committee_missing") in findings
        assert {"term_expiring", "term_expired", "groups_missing", "group_too_large"} <= codes
        # Most branches are in order: warnings are the exception, not the rule.
        assert len({name for name, _ in findings}) < len(demo.ctx.branches) / 2

    def test_one_login_per_role(self, demo: FoundationResult) -> None:
        users = demo.ctx.users
        for login in DEMO_LOGINS:
            user = User.objects.get(phone=login.phone)
            assert user.name == login.name
            assert user.check_password(DEMO_PASSWORD)
            assert users[login.key] == user
        roles = {(ra.user.phone, ra.role, ra.org.name) for ra in RoleAssignment.objects.select_related("user", "org")}
        edu = "市教育局机关第一党支部"
        assert ("13800000001", "org_admin", "中共汉江市委员会") in roles
        assert ("13800000002", "secretary", edu) in roles
        assert ("13800000003", "liaison", edu) in roles
        assert ("13800000004", "member", edu) in roles
        assert ("13800000005", "reviewer", "中共汉江市委员会") in roles
        assert ("13800000006", "liaison", "柳树湾村党支部") in roles
        # The secretary, liaison and member logins are that branch's roster members, linked to their accounts.
        for phone in ("13800000002", "13800000003", "13800000004"):
            member = Member.objects.get(user__phone=phone)
            assert member.org.name == edu
        assert OrgPost.objects.filter(member__user__phone="13800000002", post="secretary", org__name=edu).exists()
        # The village liaison is an outsider to the city agencies' branch, and vice versa.
        edu_org = Organization.objects.get(name=edu)
        village = Organization.objects.get(name="柳树湾村党支部")
        assert not can(users["other_liaison"], Action.VIEW, edu_org.path)
        assert not can(users["liaison"], Action.VIEW, village.path)
        assert can(users["org_admin"], Action.ADMIN, village.path)
        # The instance superuser only granted the first roles: it cannot log in.
        assert not users["superuser"].has_usable_password()

    def test_audit_chain_covers_every_write(self, demo: FoundationResult) -> None:
        result = verify_chain()
        assert result.ok, result
        assert result.checked >= Member.objects.count() + Organization.objects.count() + RoleAssignment.objects.count()
        out = StringIO()
        call_command("audit_verify", stdout=out)
        assert "审计链完整" in out.getvalue()

    def test_member_dates_are_consistent(self, demo: FoundationResult) -> None:
        today = timezone.localdate()
        for m in Member.objects.all():
            assert m.joined_on <= max(today, TODAY)
            if m.status == "full":
                assert m.converted_on is not None and m.converted_on > m.joined_on
            else:
                assert m.converted_on is None


def test_generated_people_pass_the_member_form() -> None:
    # The same validation as the UI and the Excel import (no database needed for these fields).
    people = PersonFactory(random.Random(7), TODAY)
    for profile in PROFILES.values():
        for _ in range(40):
            data = people.member(profile, unit="测试单位")
            form = MemberForm(data=data, branch=None, check_unique=False)
            form.fields.pop("group")
            assert form.is_valid(), (data, form.errors)


def test_people_are_deterministic_for_a_seed() -> None:
    a = PersonFactory(random.Random(3), TODAY)
    b = PersonFactory(random.Random(3), TODAY)
    profile = PROFILES["village"]
    assert [a.member(profile) for _ in range(30)] == [b.member(profile) for _ in range(30)]


def test_command_is_idempotent_and_prints_logins(db: Any) -> None:
    out = StringIO()
    call_command("demo_data", "--foundation-only", stdout=out)
    assert demo_loaded()
    count = Member.objects.count()
    assert "13800000001" in out.getvalue() and DEMO_PASSWORD in out.getvalue()
    again = StringIO()
    call_command("demo_data", "--foundation-only", stdout=again)
    assert "已存在" in again.getvalue()
    assert Member.objects.count() == count
    logins = StringIO()
    call_command("demo_data", "--logins-only", stdout=logins)
    assert all(lg.phone in logins.getvalue() for lg in DEMO_LOGINS)
