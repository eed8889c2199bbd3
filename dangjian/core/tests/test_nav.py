"""The navigation built once per process (core/templatetags/ui.py, registry.nav_urls; issue 18):
the same markup as the templates it replaced, per user, marking the current section, and URLs that
follow the script prefix."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse, set_script_prefix

from dangjian.core.registry import nav_items, nav_url
from dangjian.core.templatetags.ui import icon, nav_links, tab_links
from dangjian.site.testing.factories import World


def _sidenav(html: str) -> str:
    start = html.index('class="sidenav"')
    return html[start : html.index("</nav>", start)]


@pytest.mark.parametrize("name", sorted({i.icon for i in nav_items()} | {"home", "bell", "me", "", "no-such-icon"}))
def test_icon_is_the_icon_template(name: str) -> None:
    assert icon(name) == get_template("core/_icon.html").render({"name": name})


def test_links_escape_and_mark_only_the_current_section() -> None:
    items = [i for i in nav_items() if i.url_name in ("members:index", "dues:index", "dues:my")]
    html = nav_links(items, reverse("dues:index") + "org/1/sheet/")
    assert html.count('aria-current="page"') == 1
    assert f'<a href="{reverse("dues:index")}" aria-current="page">' in html
    assert f'<a href="{reverse("members:index")}">' in html
    assert '<span class="icon" aria-hidden="true"></span>' not in html  # these three have icons
    tabs = tab_links([i for i in items if i.tab], "/")
    assert "aria-current" not in tabs and "<span>党费</span>" in tabs


def test_each_user_sees_only_their_own_entries(world: World, as_admin: Client, as_member: Client) -> None:
    """The cached pieces are per entry, never per user: the admin's page rendered first does not
    put 角色管理 into the member's navigation."""
    roles = f'href="{reverse("accounts:roles")}"'
    assert roles in _sidenav(as_admin.get("/").content.decode())
    member = _sidenav(as_member.get("/").content.decode())
    assert roles not in member
    assert f'href="{reverse("dues:my")}"' in member


def test_nav_urls_follow_the_script_prefix() -> None:
    plain = nav_url("members:index")
    set_script_prefix("/dj/")
    try:
        assert nav_url("members:index") == "/dj" + plain
    finally:
        set_script_prefix("/")
    assert nav_url("members:index") == plain
