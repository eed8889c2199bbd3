"""The layout's fixed links (`{% asset %}`, `{% fixed_url %}` in base.html), resolved once per process,
are what `{% static %}` and `{% url %}` give, and follow a change of the static settings."""

from __future__ import annotations

from django.template import Context, Template
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from dangjian.site.testing.factories import World


def _render(source: str) -> str:
    return Template("{% load ui %}" + source).render(Context({}))


def test_asset_and_fixed_url_match_static_and_url(world: World) -> None:
    assert _render('{% asset "css/site.css" %}') == static("css/site.css")
    assert _render('{% fixed_url "core:notifications" %}') == reverse("core:notifications")


def test_asset_follows_a_change_of_the_static_settings(world: World) -> None:
    before = _render('{% asset "js/site.js" %}')
    with override_settings(STATIC_URL="/assets-elsewhere/"):
        moved = _render('{% asset "js/site.js" %}')
        assert moved == static("js/site.js") and moved.startswith("/assets-elsewhere/")
    assert _render('{% asset "js/site.js" %}') == before


def test_the_layout_links_on_a_page(world: World, as_secretary: Client) -> None:
    html = as_secretary.get(reverse("core:more")).content.decode()
    for url in (static("css/site.css"), static("vendor/htmx/htmx.min.js"), reverse("accounts:logout")):
        assert f'"{url}"' in html
    assert f'<a href="{reverse("core:more")}" aria-current="page">' in html
