"""Fixtures for every test: inline tasks, fast hashing, and the persona cast."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from dangjian.site.testing.factories import World, build_world


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    cache.clear()  # login throttling counters live in the (per-process) cache
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DANGJIAN_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.log"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def login_client(user: Any) -> Client:
    c = Client()
    c.force_login(user, backend="dangjian.accounts.backends.PhoneBackend")
    return c


@pytest.fixture
def as_admin(world: World) -> Client:
    return login_client(world.admin)


@pytest.fixture
def as_secretary(world: World) -> Client:
    return login_client(world.secretary)


@pytest.fixture
def as_liaison(world: World) -> Client:
    return login_client(world.liaison)


@pytest.fixture
def as_member(world: World) -> Client:
    return login_client(world.member_user)


@pytest.fixture
def as_outsider(world: World) -> Client:
    return login_client(world.outsider)
