# shellcheck shell=bash
# Shared by bench/security.sh and bench/http_bench.sh (sourced after scripts/_setup.sh, not run):
# a throw-away demo server served as scripts/run serves it (DEBUG off, gunicorn), loopback only.

# demo_env: a temporary folder $WORK for the SQLite database and var/, the production settings
# with generated secrets; on exit the server is stopped and the folder removed.
demo_env() {
  WORK="$(mktemp -d)"
  export DANGJIAN_VAR_DIR="$WORK/var"
  export DATABASE_URL="sqlite:///$WORK/var/db.sqlite3"
  export DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
  export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0 DJANGO_HSTS_SECONDS=0
  export DJANGO_EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
  DJANGO_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
  DANGJIAN_AUDIT_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
  export DJANGO_SECRET_KEY DANGJIAN_AUDIT_KEY
  export DANGJIAN_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
  SERVER_PID=""
  trap demo_cleanup EXIT
  trap 'exit 130' INT TERM
}

demo_cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$WORK"
}

# demo_build: migrate, load the demo data (logins not printed), collect static files.
demo_build() {
  say "演示数据库 / demo database (SQLite) in $WORK"
  mkdir -p "$DANGJIAN_VAR_DIR"
  "$PY" manage.py migrate --noinput -v 0
  "$PY" manage.py demo_data --no-logins >/dev/null
  "$PY" manage.py collectstatic --noinput -v 0
}

# demo_serve BASE GUNICORN_ARGS...: start gunicorn (log in $WORK/server.log), wait until it answers.
demo_serve() {
  local base="$1"
  shift
  "$VENV/bin/gunicorn" dangjian.wsgi --bind "${base#http://}" "$@" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 60); do
    curl -fs -o /dev/null "$base/accounts/login/" && return 0
    sleep 1
  done
  echo "server did not answer on $base" >&2
  return 1
}

# demo_login BASE PHONE PASSWORD JAR: POST the login form with its CSRF token; cookies land in JAR.
demo_login() {
  local base="$1" phone="$2" password="$3" jar="$4" csrf
  csrf="$(curl -s -c "$jar" "$base/accounts/login/" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)"
  curl -s -b "$jar" -c "$jar" -o /dev/null -e "$base/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode "phone=$phone" \
    --data-urlencode "password=$password" "$base/accounts/login/"
  [ -n "$(cookie_of "$jar" sessionid)" ] || { echo "login failed for $phone" >&2; return 1; }
}

# cookie_of JAR NAME: the cookie's value from a curl cookie jar.
cookie_of() { awk -v name="$2" '$6 == name {print $7}' "$1"; }
