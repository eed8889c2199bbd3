"""Project-level guarantees: production settings pass `check --deploy`; secrets only from the environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "DANGJIAN_"))}
    env.update({"DANGJIAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "dangjian.settings"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DANGJIAN_AUDIT_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "example.org",
        **extra,
    }


def test_check_deploy_is_clean_under_production_settings(tmp_path: Any) -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_debug_on(tmp_path: Any) -> None:
    # The same check does fail when production settings are wrong (so the test above can fail).
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(DJANGO_DEBUG="1"), tmp_path
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path: Any) -> None:
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run(["-c", "import django; django.setup()"], env, tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_database_and_hosts_come_from_the_environment(tmp_path: Any) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'], d['PORT'], s.ALLOWED_HOSTS, "
        "s.STORAGES['staticfiles']['BACKEND'], s.SESSION_COOKIE_SECURE)"
    )
    env = production_env(DATABASE_URL="postgres://app@db.internal:5433/dangjian", DJANGO_ALLOWED_HOSTS="a.org,b.org")
    result = run(["-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.split()
    assert out[:4] == ["django.db.backends.postgresql", "dangjian", "db.internal", "5433"]
    assert "['a.org', 'b.org']" in result.stdout
    assert "whitenoise.storage.CompressedManifestStaticFilesStorage" in result.stdout
    assert out[-1] == "True"


def test_the_demo_is_served_with_debug_off() -> None:
    # scripts/run: DEBUG off (never the debug page listing every URL pattern), a real WSGI server,
    # collected static files, and secrets generated into var/ rather than fixed in the script.
    script = (ROOT / "scripts" / "run").read_text(encoding="utf-8")
    assert "export DJANGO_DEBUG=0" in script and "runserver" not in script
    assert "gunicorn" in script and "collectstatic" in script and "var/demo-secrets.env" in script
    assert "DJANGO_SECURE_SSL_REDIRECT=0" in script and "DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost" in script


def test_demo_settings_start_with_debug_off_over_local_http(tmp_path: Any) -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.ALLOWED_HOSTS)"
    )
    env = production_env(
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
    )
    result = run(["-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["False", "False", "False"]
