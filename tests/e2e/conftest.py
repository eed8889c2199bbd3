"""Browser-test fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Fixtures
- ``browser``  — one headless Chromium per test session (``/usr/bin/chromium``; never a downloaded build).
- ``live_url`` — base URL of the live server (the test database is transactional, so the server
  thread sees what the test wrote; static files are served from the staticfiles finders).
- ``e2e_world`` — the persona World (see ``dangjian.site.testing.factories``) saved in that database.
- ``new_page(user=None)`` — a fresh 375×812 zh-CN page in its own context; when ``user`` is given it
  logs in by really submitting the login form with the user's phone and ``World.password``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dangjian.site.testing.factories import World, build_world

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM calls
# made from the test body (they are plain synchronous calls, not inside a coroutine).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("DANGJIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 375, "height": 812}
PASSWORD = World.password
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # Everything under tests/e2e is a browser test, even if a file forgets the marker.
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}; run `bash scripts/test`, which installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def live_url(live_server: Any, transactional_db: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def e2e_world(live_url: str) -> World:
    return build_world()


@pytest.fixture
def new_page(browser: Any, live_url: str) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(user: Any = None, password: str = PASSWORD, *, bypass_csp: bool = False) -> Any:
        # bypass_csp only for tests that inject a test-only script (axe-core) into the page; the
        # site's own pages are checked under the real Content-Security-Policy (test_csp.py).
        context = browser.new_context(
            viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=bypass_csp
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            login(page, live_url, user.phone, password)
        return page

    yield make
    for context in contexts:
        context.close()


def login(page: Any, live_url: str, phone: str, password: str = PASSWORD) -> None:
    """Submit the real login form and wait until we have left the login page."""
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_phone", phone)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {phone} failed: {page.inner_text('main')}")


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/e2e/ (for looking at, not for comparing)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
