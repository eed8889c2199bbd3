"""Every URL of the project, requested anonymously, must lead to the login page (or refuse).

Walks the real URL configuration, so a view added later without `login_required` fails here.
Only endpoints that authenticate otherwise are listed as exceptions, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Endpoints that are public by design or carry their own credential.
PUBLIC = {
    "accounts:login": "the login page itself",
    "accounts:logout": "POST-only; logging out an anonymous visitor is harmless",
    "partyday:ics": "iCalendar feed authenticated by a per-organization token in the URL",
}


def _patterns(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django admin has its own login
            child_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _patterns(p, prefix + str(p.pattern), child_ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}{p.name}", prefix + str(p.pattern)


def _fill(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(str|slug):[^>]+>", "x", route)
    route = re.sub(r"<fmt:[^>]+>", "xlsx", route)  # assignments' file-format converter
    route = re.sub(r"<\w+:[^>]+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$")


# Files an outsider may download because they hold no organization's records (none today: even the
# import template is per organization).
DATA_FREE_FILES: set[str] = set()

ROUTES = sorted(_patterns(get_resolver()))


def test_the_walk_finds_the_apps() -> None:
    names = {n.split(":")[0] for n, _ in ROUTES}
    assert {"core", "accounts", "orgs", "members", "orglife", "partyday", "assignments", "dues"} <= names


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n for n, _ in ROUTES])
def test_anonymous_is_sent_to_login(db, name: str, route: str) -> None:
    if name in PUBLIC:
        pytest.skip(PUBLIC[name])
    url = _fill(route)
    for method in ("get", "post"):
        r = getattr(Client(), method)(url)
        assert r.status_code in (302, 405), f"{method.upper()} {url} → {r.status_code}"
        if r.status_code == 302:
            assert r["Location"].startswith("/accounts/login/"), f"{method.upper()} {url} → {r['Location']}"


def test_ics_feed_refuses_a_wrong_token(world) -> None:
    r = Client().get(f"/partyday/ics/{world.branch.pk}/not-the-token.ics")
    assert r.status_code == 404
    assert world.member.name not in r.content.decode()


@pytest.mark.parametrize(("name", "route"), ROUTES, ids=[n for n, _ in ROUTES])
def test_outsider_sees_nothing_of_another_branch(world, as_outsider, name: str, route: str) -> None:
    """The liaison of branch B opens every page with branch A's ids: no 5xx, and none of branch A's
    people or identity data in what comes back."""
    if name in PUBLIC:
        pytest.skip(PUBLIC[name])
    url = re.sub(r"<int:[^>]+>", str(world.branch.pk), route)
    url = "/" + re.sub(r"<fmt:[^>]+>", "xlsx", url)
    url = re.sub(r"<\w+:[^>]+>", "x", url)
    r = as_outsider.get(url)
    assert r.status_code < 500, f"GET {url} → {r.status_code}"
    content_type = r.get("Content-Type", "")
    if r.status_code == 200 and not content_type.startswith(("text/html", "application/json")):
        # A file handed to an outsider may only be one that holds no organization's data.
        assert name in DATA_FREE_FILES, f"GET {url} gives the outsider a {content_type} file"
        return
    body = b"".join(r.streaming_content).decode(errors="replace") if r.streaming else r.content.decode(errors="replace")
    for secret in (world.member.name, world.member.id_number, world.member.phone, world.secretary.name):
        assert secret not in body, f"GET {url} ({r.status_code}) shows {secret!r}"
