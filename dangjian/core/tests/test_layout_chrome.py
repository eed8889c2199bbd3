"""The layout's chrome rendered once per process (`{% layout_head %}`, `{% layout_top %}` in
base.html; issue 18) gives the same page as the layout written as a plain template
(`layout_reference.html`, base.html before the change): for every role, unread count, current
section, user name and message; and follows the settings and the script prefix it was rendered under."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib import messages
from django.http import HttpRequest
from django.template import engines
from django.template.loader import get_template
from django.test import Client, override_settings
from django.urls import reverse, set_script_prefix
from django.utils.autoreload import file_changed

from dangjian.core.templatetags import ui
from dangjian.site.testing.factories import World

_REFERENCE = (Path(__file__).parent / "layout_reference.html").read_text(encoding="utf-8")
_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")([A-Za-z0-9]+)')


def _request(client: Client, path: str = "/") -> HttpRequest:
    request = client.get(path).wsgi_request
    assert isinstance(request, HttpRequest)
    return request


def _both(request: HttpRequest | None, extra: dict[str, Any] | None = None) -> tuple[str, str]:
    """(reference, layout) rendered for the same request; the CSRF tokens (masked afresh per render)
    are checked to be one token per page and then replaced by a placeholder."""
    out = []
    for template in (engines["django"].from_string(_REFERENCE), get_template("base.html")):
        html = template.render(dict(extra or {}), request)
        tokens = {m.group(2) for m in _TOKEN.finditer(html)}
        assert len(tokens) <= 1, tokens
        out.append(_TOKEN.sub(r"\1TOKEN", html))
    return out[0], out[1]


@pytest.mark.parametrize("who", ["as_admin", "as_secretary", "as_liaison", "as_member", "as_outsider"])
@pytest.mark.parametrize("unread", [0, 1, 1234])
def test_same_page_as_the_plain_layout_for_every_role(
    world: World, request: pytest.FixtureRequest, who: str, unread: int
) -> None:
    client: Client = request.getfixturevalue(who)
    for path in ("/", reverse("core:more"), reverse("dues:index") + "org/1/sheet/", "/nowhere/"):
        reference, layout = _both(_request(client, path), {"unread_notifications": unread})
        assert layout == reference
        assert 'class="with-nav"' in layout and "TOKEN" in layout
    # The real count from the context processor, too.
    reference, layout = _both(_request(client))
    assert layout == reference


def test_the_current_entries_are_marked(world: World, as_secretary: Client) -> None:
    _, home = _both(_request(as_secretary, "/"))
    assert home.count('aria-current="page"') == 2  # 首页 in the side nav and in the tab bar
    _, more = _both(_request(as_secretary, reverse("core:more")))
    assert more.count('aria-current="page"') == 1
    assert f'<a href="{reverse("core:more")}" aria-current="page">' in more


def test_the_user_name_and_messages_are_escaped(world: World, as_secretary: Client) -> None:
    request = _request(as_secretary)
    request.user.name = "<b>王&\"'</b>"  # type: ignore[union-attr]
    messages.warning(request, "<script>x</script>")
    reference, layout = _both(request)
    assert layout == reference
    assert "退出（&lt;b&gt;王&amp;&quot;&#x27;&lt;/b&gt;）" in layout
    assert "&lt;script&gt;x&lt;/script&gt;" in layout and "<script>x" not in layout


def test_anonymous_pages_have_no_navigation(world: World) -> None:
    reference, layout = _both(_request(Client(), reverse("accounts:login")))
    assert layout == reference
    assert 'class=""' in layout and "sidenav" not in layout and "TOKEN" in layout


def test_without_a_request(world: World) -> None:
    """Rendered outside a request (no token, no path): nothing current, no CSRF field."""
    reference, layout = _both(None, {"user": world.secretary, "nav": [], "tabs": []})
    assert layout == reference
    assert "aria-current" not in layout and "csrfmiddlewaretoken" not in layout


def test_follows_the_script_prefix_and_the_static_settings(world: World, as_secretary: Client) -> None:
    request = _request(as_secretary)
    plain = _both(request)[1]
    assert reverse("core:more") == "/more/"
    set_script_prefix("/dj/")
    try:
        reference, layout = _both(request)
        assert layout == reference
        assert 'href="/dj/more/"' in layout
    finally:
        set_script_prefix("/")
    with override_settings(STATIC_URL="/assets-elsewhere/"):
        reference, layout = _both(request)
        assert layout == reference and '"/assets-elsewhere/css/site' in layout
    assert _both(request)[1] == plain


def test_an_edited_template_is_read_again(world: World, as_secretary: Client) -> None:
    _both(_request(as_secretary))
    assert ui._CHROME
    file_changed.send(sender=None, file_path=Path("core/templates/core/_layout_top.html"))
    assert not ui._CHROME
