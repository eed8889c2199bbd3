"""Login by phone, lockout after repeated failures, password change."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian import settings as project_settings
from dangjian.accounts.services import login_attempt
from dangjian.core.models import AuditEvent

PW = "Dangjian-2026"


def post_login(client: Client, phone: str, password: str):
    return client.post(reverse("accounts:login"), {"phone": phone, "password": password})


def test_login_by_phone_and_password(world) -> None:
    c = Client()
    resp = post_login(c, world.secretary.phone, PW)
    assert resp.status_code == 302 and resp["Location"] == reverse("core:home")
    assert c.get(reverse("core:home")).status_code == 200


def test_login_wrong_password_message(world) -> None:
    resp = post_login(Client(), world.secretary.phone, "wrong-password")
    assert resp.status_code == 200 and "手机号或密码不正确" in resp.content.decode()


def test_login_unknown_phone_same_message(world) -> None:
    resp = post_login(Client(), "13912345678", PW)
    assert "手机号或密码不正确" in resp.content.decode()


def test_login_bad_phone_names_the_field(world) -> None:
    resp = post_login(Client(), "12345", PW)
    assert "手机号应为 11 位数字" in resp.content.decode()


def test_login_next_must_be_local(world) -> None:
    c = Client()
    resp = c.post(
        reverse("accounts:login"), {"phone": world.admin.phone, "password": PW, "next": "https://evil.example/"}
    )
    assert resp["Location"] == reverse("core:home")


def test_argon2_is_the_production_hasher() -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def _fail(user, times: int) -> None:
    for _ in range(times):
        assert login_attempt(phone=user.phone, password="wrong").user is None


def test_five_failures_lock_for_fifteen_minutes(world) -> None:
    assert settings.LOGIN_MAX_FAILURES == 5 and settings.LOGIN_LOCKOUT_MINUTES == 15
    user = world.secretary
    now = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=now):
        _fail(user, 4)
        user.refresh_from_db()
        assert user.failed_logins == 4 and user.locked_until is None
        assert login_attempt(phone=user.phone, password="wrong").locked_until == now + dt.timedelta(minutes=15)
    user.refresh_from_db()
    assert user.locked_until == now + dt.timedelta(minutes=15)
    assert AuditEvent.objects.filter(action="account.locked", object_id=str(user.pk)).exists()


def test_correct_password_refused_while_locked_then_accepted_after(world) -> None:
    user = world.secretary
    now = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=now):
        _fail(user, 5)
    with mock.patch("django.utils.timezone.now", return_value=now + dt.timedelta(minutes=14, seconds=59)):
        result = login_attempt(phone=user.phone, password=PW)
        assert result.user is None and result.locked_until is not None
    with mock.patch("django.utils.timezone.now", return_value=now + dt.timedelta(minutes=15, seconds=1)):
        assert login_attempt(phone=user.phone, password=PW).user == user
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


def test_locked_login_page_says_so(world) -> None:
    user = world.secretary
    user.locked_until = timezone.now() + dt.timedelta(minutes=10)
    user.save(update_fields=["locked_until"])
    resp = post_login(Client(), user.phone, PW)
    assert resp.status_code == 200 and "账号已锁定至" in resp.content.decode()
    assert "_auth_user_id" not in Client().session


def test_lock_in_the_past_no_longer_applies(world) -> None:
    user = world.secretary
    user.locked_until = timezone.now() - dt.timedelta(seconds=1)
    user.save(update_fields=["locked_until"])
    assert post_login(Client(), user.phone, PW).status_code == 302


def test_success_resets_the_failure_counter(world) -> None:
    user = world.secretary
    _fail(user, 4)
    assert login_attempt(phone=user.phone, password=PW).user == user
    user.refresh_from_db()
    assert user.failed_logins == 0
    _fail(user, 4)  # four more failures do not lock: the count restarted
    user.refresh_from_db()
    assert user.locked_until is None


def test_inactive_user_cannot_log_in(world) -> None:
    world.secretary.is_active = False
    world.secretary.save(update_fields=["is_active"])
    assert login_attempt(phone=world.secretary.phone, password=PW).user is None


# --- password change -------------------------------------------------------------------------


def test_password_change(world, as_secretary) -> None:
    url = reverse("accounts:password_change")
    assert as_secretary.get(url).status_code == 200
    resp = as_secretary.post(
        url, {"old_password": PW, "new_password": "Xin-Mima-2026", "new_password2": "Xin-Mima-2026"}
    )
    assert resp.status_code == 302
    world.secretary.refresh_from_db()
    assert world.secretary.check_password("Xin-Mima-2026")
    assert as_secretary.get(reverse("core:home")).status_code == 200  # session kept
    assert AuditEvent.objects.filter(action="account.password_change").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"old_password": "wrong", "new_password": "Xin-Mima-2026", "new_password2": "Xin-Mima-2026"}, "原密码不正确"),
        ({"old_password": PW, "new_password": "Xin-Mima-2026", "new_password2": "Other-26"}, "两次输入的新密码不一致"),
        ({"old_password": PW, "new_password": "12345678901", "new_password2": "12345678901"}, "密码只包含数字"),
        ({"old_password": PW, "new_password": "", "new_password2": ""}, "请填写“新密码”"),
    ],
)
def test_password_change_bad_input(world, as_secretary, data: dict[str, str], message: str) -> None:
    resp = as_secretary.post(reverse("accounts:password_change"), data)
    assert resp.status_code == 200 and message in resp.content.decode()
    world.secretary.refresh_from_db()
    assert world.secretary.check_password(PW)


def test_password_change_anonymous(world) -> None:
    resp = Client().get(reverse("accounts:password_change"))
    assert resp.status_code == 302 and reverse("accounts:login") in resp["Location"]
