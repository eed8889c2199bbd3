"""Content-Security-Policy without inline scripts; Chinese error pages; no debug page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "dangjian").rglob("templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_every_page_sends_a_policy_without_inline_scripts(db: Any) -> None:
    resp = Client().get(reverse("accounts:login"))
    policy = _directives(resp["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp.cookies["csrftoken"]["httponly"]  # no script needs it (forms and htmx read the page)


def test_templates_hold_no_inline_script_or_event_handler() -> None:
    assert len(TEMPLATES) > 50
    offenders = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


# --- error pages ---------------------------------------------------------------------------------


def test_unknown_url_gives_the_chinese_404_and_never_the_url_list(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    resp = Client().get("/no-such-page/")
    text = resp.content.decode()
    assert resp.status_code == 404 and "页面不存在" in text
    assert "URLconf" not in text and "accounts/login" not in text


@pytest.mark.parametrize(
    ("handler", "status", "title"),
    [
        (defaults.bad_request, 400, "请求有误"),
        (defaults.permission_denied, 403, "无权访问"),
        (defaults.page_not_found, 404, "页面不存在"),
    ],
)
def test_error_pages_render_in_chinese(db: Any, handler: Any, status: int, title: str) -> None:
    request = RequestFactory().get("/x/")
    resp = handler(request, exception=Exception("detail that must not show"))
    text = resp.content.decode()
    assert resp.status_code == status and title in text and "detail that must not show" not in text


def test_server_error_page_renders_without_any_context(db: Any) -> None:
    resp = defaults.server_error(RequestFactory().get("/x/"))
    text = resp.content.decode()
    assert resp.status_code == 500 and "系统暂时出错" in text and 'lang="zh-Hans"' in text


def test_csrf_failure_page_is_chinese(world: Any) -> None:
    resp = Client(enforce_csrf_checks=True).post(reverse("accounts:login"), {"phone": "13800000002"})
    text = resp.content.decode()
    assert resp.status_code == 403 and "页面已过期" in text and "CSRF verification failed" not in text
