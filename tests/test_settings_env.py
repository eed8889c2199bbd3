"""Strict environment parsing: a value that does not parse stops the start, naming the variable;
every variable read anywhere is defined in settings.py and documented in the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangjian import settings as project_settings

from .test_project import production_env, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("TRUE", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("No", False)],
)
def test_booleans_in_every_accepted_spelling(monkeypatch: Any, raw: str, value: bool) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert project_settings.env_bool("X_FLAG", not value) is value


@pytest.mark.parametrize("raw", ["ture", "2", "y", "enabled", "of"])
def test_unknown_boolean_spellings_name_the_variable(monkeypatch: Any, raw: str) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        project_settings.env_bool("X_FLAG", False)


def test_unset_or_empty_means_the_default(monkeypatch: Any) -> None:
    monkeypatch.delenv("X_FLAG", raising=False)
    assert project_settings.env_bool("X_FLAG", True) is True
    monkeypatch.setenv("X_FLAG", " ")
    assert project_settings.env_bool("X_FLAG", False) is False
    assert project_settings.env_int("X_FLAG", 7) == 7


@pytest.mark.parametrize("raw", ["5m", "1.5", "twenty", "-1"])
def test_integers_are_whole_numbers(monkeypatch: Any, raw: str) -> None:
    monkeypatch.setenv("X_NUM", raw)
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        project_settings.env_int("X_NUM", 3)


def test_ssl_redirect_typo_stops_the_start(tmp_path: Any) -> None:
    result = run(["-c", "import django; django.setup()"], production_env(DJANGO_SECURE_SSL_REDIRECT="ture"), tmp_path)
    assert result.returncode != 0 and "DJANGO_SECURE_SSL_REDIRECT='ture'" in result.stderr


def test_production_refuses_to_start_without_the_audit_key(tmp_path: Any) -> None:
    env = production_env()
    del env["DANGJIAN_AUDIT_KEY"]
    result = run(["-c", "import django; django.setup()"], env, tmp_path)
    assert result.returncode != 0 and "DANGJIAN_AUDIT_KEY" in result.stderr


def test_migrate_creates_a_missing_var_folder(tmp_path: Any) -> None:
    var = tmp_path / "not" / "yet" / "there"
    result = run(["manage.py", "migrate", "--noinput", "-v", "0"], {"DANGJIAN_VAR_DIR": str(var)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (var / "db.sqlite3").exists()


def _names_read_in_code() -> set[str]:
    names: set[str] = set()
    pattern = re.compile(r"""(?:env_\w+|os\.environ\.get|os\.getenv|environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    attr = re.compile(r"""getattr\(settings,\s*["'](DANGJIAN_[A-Z0-9_]+)["']""")
    for path in (ROOT / "dangjian").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(pattern.findall(text)) | set(attr.findall(text))
    names.discard("DJANGO_SETTINGS_MODULE")
    return names


def test_every_variable_is_defined_in_settings_and_documented() -> None:
    names = _names_read_in_code()
    assert {"DANGJIAN_SITE_URL", "DANGJIAN_NOTIFY_CHANNELS", "DJANGO_SECURE_SSL_REDIRECT"} <= names
    settings_text = (ROOT / "dangjian" / "settings.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [n for n in sorted(names) if f'"{n}"' not in settings_text] == []
    assert [n for n in sorted(names) if f"`{n}`" not in readme] == []
