from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders

from dangjian.core.staticfinders import VendorFinder


def test_vendor_files_are_found_and_nothing_else(settings) -> None:
    finder = VendorFinder()
    assert finder.check() == []
    assert finder.find("vendor/htmx/htmx.min.js").endswith("htmx.org/dist/htmx.min.js")
    assert finder.find("vendor/htmx/htmx.js") == ""  # present in node_modules, deliberately not served
    listed = {f"{getattr(storage, 'prefix', '')}/{name}" for name, storage in finder.list(None)}
    assert listed == set(settings.VENDOR_STATIC_FILES)


def test_missing_vendor_file_is_a_system_check_error(settings, tmp_path: Path) -> None:
    settings.VENDOR_STATIC_FILES = {"vendor/x/x.js": str(tmp_path / "nope.js")}
    errors = VendorFinder().check()
    assert [e.id for e in errors] == ["dangjian.E001"]


def test_staticfiles_resolves_vendor_path() -> None:
    assert finders.find("vendor/echarts/echarts.min.js")
