"""Settings, read from environment variables.

Defaults run the embedded SQLite demo; production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY,
DANGJIAN_AUDIT_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL (PostgreSQL). Every variable read
anywhere in the project is read here (and listed in the README's table); a value that does not
parse stops the start with an error naming the variable, instead of silently meaning "off".
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_str(name: str, default: str) -> str:
    """The variable's value; unset or empty means the default."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool) -> bool:
    """1/0, true/false, yes/no, on/off (any case); anything else is a configuration error."""
    value = env_str(name, "").lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={os.environ[name]!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number not below `minimum`; anything else is a configuration error."""
    value = env_str(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r} is not a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list (blanks dropped)."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DANGJIAN_VAR_DIR", str(BASE_DIR / "var")))
# The SQLite database, uploads and collected static files live here: create it on start, so
# `migrate` on a fresh checkout or a new deployment does not fail on a missing folder.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.orglife",
    "dangjian.partyday",
    "dangjian.assignments",
    "dangjian.dues",
    "dangjian.points",
    "dangjian.appraisal",
    "dangjian.community",
    "dangjian.study",
    "dangjian.inspections",
    "dangjian.brands",
    "dangjian.openness",
    "dangjian.reports",
    "dangjian.site",  # last: home, demo data and test factories sit on top of every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "dangjian.accounts.middleware.SessionTimeoutMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"
ASGI_APPLICATION = "dangjian.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dangjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Connections are kept like PostgreSQL's (DJANGO_CONN_MAX_AGE): a new SQLite connection parses
    # the whole schema on its first statement, ~3 ms of CPU that every request paid (issue 18).
# A streaming replica of the primary (PostgreSQL only): pages marked `@replica_reads` -- dashboards,
# roll-ups, exports -- read from it; a user who has just written reads from the primary for
# DANGJIAN_REPLICA_PIN_SECONDS (core/replicas.py).
_REPLICA_URL = env_str("DANGJIAN_REPLICA_URL", "")
if _REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(_REPLICA_URL, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL: psycopg may keep prepared statements on a connection. Django's own cursors bind
# client-side and never prepare; the fixed-shape reads of every page (`core.hotquery`) and the dues
# collection sheet open a server-binding cursor (`core.prepared`) and are planned once per connection
# instead of on every page (issue 18). Set DANGJIAN_PG_PREPARED=0 behind a connection pooler in
# transaction mode that does not track prepared statements (PgBouncer < 1.21, or max_prepared_statements = 0).
if env_bool("DANGJIAN_PG_PREPARED", True):
    for _db in DATABASES.values():
        if _db["ENGINE"] == "django.db.backends.postgresql":
            _db.setdefault("OPTIONS", {})["prepare_threshold"] = 0
DATABASE_ROUTERS = ["dangjian.core.replicas.ReplicaRouter"]
DANGJIAN_REPLICA_PIN_SECONDS = env_int("DANGJIAN_REPLICA_PIN_SECONDS", 30, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["dangjian.accounts.backends.PhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (dangjian/accounts/throttle.py): after this many failures in a row for one
# phone number (or from one client address) each further attempt must wait 2, 4, 8 … seconds,
# up to the cap. Nobody can lock an account for long; guessing becomes slow.
DANGJIAN_LOGIN_FREE_FAILURES = env_int("DANGJIAN_LOGIN_FREE_FAILURES", 5, minimum=1)
DANGJIAN_LOGIN_FREE_FAILURES_PER_ADDRESS = env_int("DANGJIAN_LOGIN_FREE_FAILURES_PER_ADDRESS", 20, minimum=1)
DANGJIAN_LOGIN_MAX_DELAY_SECONDS = env_int("DANGJIAN_LOGIN_MAX_DELAY_SECONDS", 900, minimum=1)
# Reverse proxies in front of the site that append to X-Forwarded-For (nginx: 1). With 0 the
# client address is REMOTE_ADDR.
DANGJIAN_TRUSTED_PROXIES = env_int("DANGJIAN_TRUSTED_PROXIES", 0)

# Sessions: without 保持登录 a session ends after this much inactivity; with it, it lasts this
# many days from login (an absolute limit for every session).
DANGJIAN_SESSION_IDLE_MINUTES = env_int("DANGJIAN_SESSION_IDLE_MINUTES", 120, minimum=1)
DANGJIAN_SESSION_REMEMBER_DAYS = env_int("DANGJIAN_SESSION_REMEMBER_DAYS", 30, minimum=1)
SESSION_COOKIE_AGE = DANGJIAN_SESSION_REMEMBER_DAYS * 24 * 3600
# Sessions live in the database (so a logout ends them in every worker at once), read through a
# query compiled once per process (core/sessions.py). Not `cached_db`: with the per-process locmem
# cache a worker would keep serving a session another worker has logged out.
SESSION_ENGINE = "dangjian.core.sessions"

# The cache holds login throttling counters. The default is per process; with several
# gunicorn workers use Redis (DANGJIAN_CACHE_URL=redis://127.0.0.1:6379/0) so they share it.
_CACHE_URL = env_str("DANGJIAN_CACHE_URL", "locmem://")
if _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
elif _CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"DANGJIAN_CACHE_URL={_CACHE_URL!r}: use locmem:// or redis://host:port/db")

# The audit chain (core/audit.py): each event's hash is an HMAC under a key kept outside the
# database, named by a key id stored with the event. Rotate by setting a new key and id and
# moving the old pair to DANGJIAN_AUDIT_OLD_KEYS ("id:key,id:key"), which verification reads.
DANGJIAN_AUDIT_KEY_ID = env_str("DANGJIAN_AUDIT_KEY_ID", "k1")
DANGJIAN_AUDIT_KEY = env_str("DANGJIAN_AUDIT_KEY", "")
if not DANGJIAN_AUDIT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DANGJIAN_AUDIT_KEY must be set when DJANGO_DEBUG is off")
    DANGJIAN_AUDIT_KEY_ID = "dev"
    DANGJIAN_AUDIT_KEY = "dev-only-audit-key-never-used-in-production"
DANGJIAN_AUDIT_OLD_KEYS: dict[str, str] = {}
for _pair in env_list("DANGJIAN_AUDIT_OLD_KEYS"):
    _kid, _sep, _secret = _pair.partition(":")
    if not _sep or not _kid or not _secret:
        raise ImproperlyConfigured("DANGJIAN_AUDIT_OLD_KEYS must look like id:key,id:key")
    DANGJIAN_AUDIT_OLD_KEYS[_kid] = _secret
# Signed chain heads are appended here by `manage.py audit_anchor` (a periodic job); keep the
# file on other storage than the database, or ship it off the machine.
DANGJIAN_AUDIT_ANCHOR_FILE = Path(env_str("DANGJIAN_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.log")))

LANGUAGE_CODE = "zh-hans"
# ISO dates in form fields, so <input type="date"> pickers show their default values.
FORMAT_MODULE_PATH = ["dangjian.formats"]
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "dangjian" / "static"]
# Front-end packages come from the npm registry (package.json); only these files are served.
VENDOR_STATIC_FILES = {
    "vendor/htmx/htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
    "vendor/echarts/echarts.min.js": "node_modules/echarts/dist/echarts.min.js",
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dangjian.core.staticfinders.VendorFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads are checked by the upload service; this only bounds what Django buffers in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DANGJIAN_MAX_IMPORT_BYTES = env_int("DANGJIAN_MAX_IMPORT_BYTES", 20 * 1024 * 1024, minimum=1)
DANGJIAN_MAX_IMPORT_ROWS = env_int("DANGJIAN_MAX_IMPORT_ROWS", 50000, minimum=1)
# Imports above this many rows run on the task worker with visible progress.
DANGJIAN_IMPORT_INLINE_ROWS = env_int("DANGJIAN_IMPORT_INLINE_ROWS", 300)

_TASKS_BACKEND = env_str("DANGJIAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {
    "default": {
        "BACKEND": _TASKS_BACKEND,
        "QUEUES": ["default"],
    }
}
# At scale the queue is RQ on Redis (DANGJIAN_TASKS_BACKEND=django_tasks_rq.RQBackend, workers run
# `manage.py rqworker --job-class django_tasks_rq.Job default`); the embedded database queue stays the
# default, so `scripts/run` needs no Redis.
# The nightly points sweep of a tree as this many queue jobs (slices of member ids), so that as many
# workers share it; 1 (the default) runs it as one job.
DANGJIAN_POINTS_SWEEP_JOBS = env_int("DANGJIAN_POINTS_SWEEP_JOBS", 1, minimum=1)
if _TASKS_BACKEND.startswith("django_tasks_rq."):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("DANGJIAN_RQ_URL", "redis://127.0.0.1:6379/0"), "DEFAULT_TIMEOUT": 3600}}

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "noreply@dangjian.invalid")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)

# The site's address for links in e-mails (e.g. https://dj.example.org); empty: links are paths.
DANGJIAN_SITE_URL = env_str("DANGJIAN_SITE_URL", "").rstrip("/")
# Where notices go besides the in-app inbox: short names (email) or dotted class paths.
DANGJIAN_NOTIFY_CHANNELS = env_list("DANGJIAN_NOTIFY_CHANNELS", "inapp,email")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms and htmx take the token from the page
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline scripts or event handlers anywhere: every script is a static file (static/js/).
# Inline styles stay allowed (htmx and ECharts set them; they cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Checked even when DEBUG is on, so a value that does not parse never waits for production.
_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
_SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", True)
_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if not DEBUG:
    SECURE_SSL_REDIRECT = _SSL_REDIRECT
    # Only the local demo over plain http (scripts/run) turns these off.
    SESSION_COOKIE_SECURE = _SECURE_COOKIES
    CSRF_COOKIE_SECURE = _SECURE_COOKIES
    SECURE_HSTS_SECONDS = _HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _HSTS_PRELOAD
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' HSTS preload list is a per-domain decision that is hard to undo;
        # leaving it off is deliberate, so `check --deploy` need not warn about it (security.W021).
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

# Personal data (issue 9): 身份证号 registered outside a user's scope that they may run into per hour
# before registering and importing pause (and their committee admins are told).
DANGJIAN_ID_CONFLICTS_PER_HOUR = env_int("DANGJIAN_ID_CONFLICTS_PER_HOUR", 10, minimum=1)
# Per-user snapshots of the home page's 待办 (core/snapshot.py) live at most this long; any write in
# the user's scope replaces them at once. 0 computes every page afresh.
DANGJIAN_SNAPSHOT_SECONDS = env_int("DANGJIAN_SNAPSHOT_SECONDS", 300)
# Stored files are served only by views that check the record's scope; the bytes go out through
# Django ("django"), nginx X-Accel-Redirect ("x-accel", internal location DANGJIAN_FILE_ACCEL_PREFIX
# mapped to MEDIA_ROOT) or X-Sendfile ("x-sendfile"). MEDIA_URL is never routed.
DANGJIAN_FILE_SERVE = env_str("DANGJIAN_FILE_SERVE", "django")
if DANGJIAN_FILE_SERVE not in ("django", "x-accel", "x-sendfile"):
    raise ImproperlyConfigured("DANGJIAN_FILE_SERVE must be django, x-accel or x-sendfile")
DANGJIAN_FILE_ACCEL_PREFIX = env_str("DANGJIAN_FILE_ACCEL_PREFIX", "/protected-media/")
