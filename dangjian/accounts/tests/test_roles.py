"""Role assignment UI, accounts for roster members, password reset and unlock, 我的账号."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import login_client
from dangjian.accounts.models import RoleAssignment, User
from dangjian.accounts.services import account_unlock, login_attempt, password_reset, role_assign, role_grant
from dangjian.accounts.throttle import account_state
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.site.testing.factories import make_member, make_user

BRANCH_NAME = "市教育局机关党支部"


def body(resp) -> str:
    return resp.content.decode()


def login(user: User) -> Client:
    c = Client()
    c.force_login(user, backend="dangjian.accounts.backends.PhoneBackend")
    return c


@pytest.fixture
def branch_admin(world) -> User:
    """An org admin of branch A only."""
    u = make_user("甲支部管理员", "13700000001")
    RoleAssignment.objects.create(user=u, org=world.branch, role="org_admin")
    return u


@pytest.fixture
def other_admin(world) -> User:
    """An org admin of branch B only."""
    u = make_user("乙支部管理员", "13700000002")
    RoleAssignment.objects.create(user=u, org=world.other_branch, role="org_admin")
    return u


# --- list ------------------------------------------------------------------------------------


def test_roles_list_shows_the_admins_subtree(world, as_admin) -> None:
    resp = as_admin.get(reverse("accounts:roles"))
    html = body(resp)
    assert resp.status_code == 200
    assert "王书记" in html and "赵外人" in html and "组织委员/联络员" in html
    resp = as_admin.get(reverse("accounts:roles"), {"org": world.branch.pk, "q": "王"})
    assert "王书记" in body(resp) and "赵外人" not in body(resp)


def test_roles_list_of_a_branch_admin_excludes_other_branches(world, other_admin) -> None:
    resp = login(other_admin).get(reverse("accounts:roles"))
    assert resp.status_code == 200 and "赵外人" in body(resp)
    assert "王书记" not in body(resp) and BRANCH_NAME not in body(resp)


def test_roles_list_refused(world, as_secretary, as_outsider) -> None:
    resp = Client().get(reverse("accounts:roles"))
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]
    for c, other_name in ((as_secretary, "赵外人"), (as_outsider, "王书记")):  # no ADMIN anywhere
        resp = c.get(reverse("accounts:roles"))
        assert resp.status_code in (403, 404) and other_name not in body(resp) and "李联络员" not in body(resp)


# --- grant -----------------------------------------------------------------------------------


def test_grant_role_to_existing_user_by_phone(world, as_admin) -> None:
    url = reverse("accounts:role_grant", args=[world.branch.pk])
    resp = as_admin.get(url, {"q": world.outsider.phone})
    # An exact phone match may be anyone on the platform: the name stays masked, the phone shows its last 4.
    assert "赵**" in body(resp) and "赵外人" not in body(resp) and "已有账号" in body(resp)
    assert "*******0005" in body(resp)
    resp = as_admin.post(url, {"person": f"user:{world.outsider.pk}", "role": "member"})
    assert resp.status_code == 302
    assert RoleAssignment.objects.filter(user=world.outsider, org=world.branch, role="member").exists()
    assert AuditEvent.objects.filter(action="role.assign").exists()


def test_grant_search_turns_no_phone_into_a_name_and_names_stay_in_scope(world) -> None:
    branch_admin = make_user("支部管理员", "13700000011")
    RoleAssignment.objects.create(user=branch_admin, org=world.branch, role="org_admin")
    c = login_client(branch_admin)
    url = reverse("accounts:role_grant", args=[world.branch.pk])
    page = body(c.get(url, {"q": world.outsider.phone}))
    assert "赵外人" not in page and "赵**" in page
    page = body(c.get(url, {"q": "赵外"}))
    assert "赵外人" not in page and "赵**" not in page and "没有找到" in page
    assert "李联络员" in body(c.get(url, {"q": "李联"}))  # in scope: found by name


def test_grant_role_to_roster_member_creates_account_with_generated_password(world, as_admin) -> None:
    m = make_member(world.branch, name="钱新人", phone="13600000009")
    url = reverse("accounts:role_grant", args=[world.branch.pk])
    resp = as_admin.get(url, {"q": "钱新"})
    assert "钱新人" in body(resp) and "尚无账号" in body(resp)
    resp = as_admin.post(url, {"person": f"member:{m.pk}", "role": "liaison"})
    assert resp.status_code == 200 and "只显示这一次" in body(resp)
    user = User.objects.get(phone="13600000009")
    password = resp.context["password"]
    assert user.name == "钱新人" and user.check_password(password) and password in body(resp)
    m.refresh_from_db()
    assert m.user_id == user.pk
    assert RoleAssignment.objects.filter(user=user, org=world.branch, role="liaison").exists()
    # the password never enters the audit log
    assert not AuditEvent.objects.filter(after__icontains=password).exists()
    c = Client()
    resp = c.post(reverse("accounts:login"), {"phone": "13600000009", "password": password})
    assert resp.status_code == 302


def test_grant_role_to_roster_member_with_chosen_password(world, as_admin) -> None:
    m = make_member(world.branch, name="孙选定", phone="13600000010")
    url = reverse("accounts:role_grant", args=[world.branch.pk])
    resp = as_admin.post(url, {"person": f"member:{m.pk}", "role": "member", "password": "Chosen-Pass-88"})
    assert resp.status_code == 302
    assert User.objects.get(phone="13600000010").check_password("Chosen-Pass-88")


def test_grant_bad_input_changes_nothing(world, as_admin) -> None:
    url = reverse("accounts:role_grant", args=[world.branch.pk])
    n_users, n_roles = User.objects.count(), RoleAssignment.objects.count()
    resp = as_admin.post(url, {"role": "member"})
    assert "请选择“人员”" in body(resp)
    resp = as_admin.post(url, {"person": f"user:{world.outsider.pk}", "role": "king"})
    assert "“角色”的选项无效" in body(resp)
    # an existing role
    resp = as_admin.post(url, {"person": f"user:{world.secretary.pk}", "role": "secretary"})
    assert "已在 市教育局机关党支部 担任" in body(resp)
    # a member without a phone cannot get an account
    m = make_member(world.branch, name="周无号", phone="")
    resp = as_admin.post(url, {"person": f"member:{m.pk}", "role": "member"})
    assert "未登记手机号" in body(resp)
    # a weak chosen password: no account, no role
    m2 = make_member(world.branch, name="吴弱密", phone="13600000011")
    resp = as_admin.post(url, {"person": f"member:{m2.pk}", "role": "member", "password": "12345678"})
    assert "密码只包含数字" in body(resp)
    assert (User.objects.count(), RoleAssignment.objects.count()) == (n_users, n_roles)
    m2.refresh_from_db()
    assert m2.user_id is None


def test_role_failure_rolls_back_the_new_account(world, as_admin) -> None:
    m = make_member(world.branch, name="郑回滚", phone="13600000012")
    with pytest.raises(Exception, match="未知的角色"):
        role_grant(actor=world.admin, org=world.branch, role="nonsense", member=m)
    assert not User.objects.filter(phone="13600000012").exists()


def test_admin_of_branch_a_cannot_grant_in_branch_b(world, branch_admin) -> None:
    c = login(branch_admin)
    url = reverse("accounts:role_grant", args=[world.other_branch.pk])
    resp = c.post(url, {"person": f"user:{world.member_user.pk}", "role": "org_admin"})
    assert resp.status_code == 404 and "市财政局" not in body(resp)
    assert not RoleAssignment.objects.filter(org=world.other_branch, user=world.member_user).exists()
    with pytest.raises(PermissionDenied):
        role_assign(actor=branch_admin, user=world.member_user, org=world.other_branch, role="org_admin")
    # nor pick a roster member of branch B through branch A's form
    b_member = make_member(world.other_branch, name="乙支部党员", phone="13600000013")
    resp = c.post(
        reverse("accounts:role_grant", args=[world.branch.pk]), {"person": f"member:{b_member.pk}", "role": "member"}
    )
    assert resp.status_code == 404
    assert not User.objects.filter(phone="13600000013").exists()


def test_candidate_search_by_name_stays_in_scope(world, branch_admin) -> None:
    c = login(branch_admin)
    resp = c.get(reverse("accounts:role_grant", args=[world.branch.pk]), {"q": "赵"})
    assert "赵外人" not in body(resp)  # an account only known in branch B
    resp = c.get(reverse("accounts:role_grant", args=[world.branch.pk]), {"q": "张"})
    assert "张党员" in body(resp)


def test_grant_refused(world, as_liaison, as_outsider) -> None:
    url = reverse("accounts:role_grant", args=[world.branch.pk])
    data = {"person": f"user:{world.outsider.pk}", "role": "org_admin"}
    resp = Client().post(url, data)
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]
    assert as_liaison.post(url, data).status_code == 403
    resp = as_outsider.post(url, data)
    assert resp.status_code == 404 and BRANCH_NAME not in body(resp)
    assert not RoleAssignment.objects.filter(user=world.outsider, org=world.branch).exists()


# --- revoke ----------------------------------------------------------------------------------


def test_revoke(world, as_admin) -> None:
    ra = RoleAssignment.objects.get(user=world.liaison, org=world.branch)
    resp = as_admin.post(reverse("accounts:role_revoke", args=[ra.pk]))
    assert resp.status_code == 302 and not RoleAssignment.objects.filter(pk=ra.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke").exists()


def test_revoke_refused(world, as_secretary, other_admin) -> None:
    ra = RoleAssignment.objects.get(user=world.liaison, org=world.branch)
    url = reverse("accounts:role_revoke", args=[ra.pk])
    assert Client().post(url).status_code == 302
    assert as_secretary.post(url).status_code == 403
    resp = login(other_admin).post(url)
    assert resp.status_code == 404 and "李联络员" not in body(resp)
    assert login(other_admin).get(url).status_code == 405
    assert RoleAssignment.objects.filter(pk=ra.pk).exists()


# --- password reset and unlock ---------------------------------------------------------------


def test_admin_resets_password_shown_once(world, as_admin) -> None:
    url = reverse("accounts:user", args=[world.liaison.pk])
    assert "李联络员" in body(as_admin.get(url))
    resp = as_admin.post(url, {"op": "reset"})
    assert resp.status_code == 200
    world.liaison.refresh_from_db()
    assert world.liaison.check_password(resp.context["password"])
    assert AuditEvent.objects.filter(action="account.password_reset", object_id=str(world.liaison.pk)).exists()


def test_admin_resets_to_chosen_password_and_bad_password_is_refused(world, as_admin) -> None:
    url = reverse("accounts:user", args=[world.liaison.pk])
    resp = as_admin.post(url, {"op": "reset", "new_password": "password"})
    assert resp.status_code == 200 and "这个密码太常见了" in body(resp)
    world.liaison.refresh_from_db()
    assert world.liaison.check_password("Dangjian-2026")
    assert as_admin.post(url, {"op": "reset", "new_password": "Reset-Pass-99"}).status_code == 302
    world.liaison.refresh_from_db()
    assert world.liaison.check_password("Reset-Pass-99")


def test_admin_clears_the_login_failures(world, as_admin) -> None:
    u = world.liaison
    for _ in range(5):
        login_attempt(phone=u.phone, password="wrong")
    url = reverse("accounts:user", args=[u.pk])
    assert "连续 5 次登录失败" in body(as_admin.get(url))
    assert as_admin.post(url, {"op": "unlock"}).status_code == 302
    assert account_state(u.phone) == (0, 0)
    assert login_attempt(phone=u.phone, password="Dangjian-2026").user == u


def test_branch_admin_cannot_reset_an_account_anchored_above(world, branch_admin) -> None:
    # 王书记 also holds a city-level role: a branch admin must not take that account over.
    RoleAssignment.objects.create(user=world.secretary, org=world.city, role="member")
    c = login(branch_admin)
    url = reverse("accounts:user", args=[world.secretary.pk])
    resp = c.get(url)
    assert resp.status_code == 200 and "请联系上级党组织管理员" in body(resp)
    assert c.post(url, {"op": "reset", "new_password": "Takeover-123"}).status_code == 403
    world.secretary.refresh_from_db()
    assert world.secretary.check_password("Dangjian-2026")
    with pytest.raises(PermissionDenied):
        password_reset(actor=branch_admin, user=world.secretary, new_password="Takeover-123")
    with pytest.raises(PermissionDenied):
        account_unlock(actor=branch_admin, user=world.secretary)


def test_user_page_refused(world, other_admin, as_secretary) -> None:
    url = reverse("accounts:user", args=[world.liaison.pk])
    assert Client().get(url).status_code == 302
    resp = login(other_admin).post(url, {"op": "reset", "new_password": "Takeover-123"})
    assert resp.status_code == 404 and "李联络员" not in body(resp)
    assert as_secretary.get(url).status_code == 404  # no ADMIN role
    world.liaison.refresh_from_db()
    assert world.liaison.check_password("Dangjian-2026")


def test_admin_cannot_reset_own_password_here(world, as_admin) -> None:
    resp = as_admin.post(reverse("accounts:user", args=[world.admin.pk]), {"op": "reset", "new_password": "Abc-12345x"})
    assert resp.status_code == 403


# --- 我的账号 ---------------------------------------------------------------------------------


def test_me_page(world, as_member) -> None:
    resp = as_member.get(reverse("accounts:me"))
    html = body(resp)
    assert resp.status_code == 200 and "张党员" in html and BRANCH_NAME in html and "党员" in html
    assert reverse("members:detail", args=[world.member.pk]) in html


def test_me_page_only_shows_own_roles(world, as_outsider) -> None:
    html = body(as_outsider.get(reverse("accounts:me")))
    assert "市财政局机关党支部" in html and BRANCH_NAME not in html


def test_me_anonymous(world) -> None:
    resp = Client().get(reverse("accounts:me"))
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]


def test_member_link_survives(world) -> None:
    assert Member.objects.get(pk=world.member.pk).user_id == world.member_user.pk
