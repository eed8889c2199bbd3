#!/usr/bin/env bash
# HTTP benchmark of a throw-away demo server (NOT part of CI; about 1.5 minutes):
# gunicorn with the production settings (DEBUG off, as scripts/run serves the demo), 2 sync
# workers on 127.0.0.1, a logged-in session, and `wrk` (Debian package) against the branch
# secretary's home, roster, dues collection sheet and meeting list, the root compliance matrix
# (as the city admin) and one small static file as the ceiling. Prints req/s, p50/p99 latency
# and non-2xx responses per page. Loopback only; the database lives in a temporary folder.
#
#   bash bench/http_bench.sh                   # defaults: port 8766, 10 s per page
#   DURATION=30s CONNECTIONS=16 bash bench/http_bench.sh
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_setup.sh"
# shellcheck source=bench/_demo_server.sh
source "$ROOT/bench/_demo_server.sh"
cd "$ROOT"

PORT="${PORT:-8766}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
WORKERS="${WORKERS:-2}"
PASSWORD=Dangjian-2026
SECRETARY_PHONE=13800000002
ADMIN_PHONE=13800000001
BASE="http://127.0.0.1:$PORT"

ensure_pdf_deps
ensure_venv
# shellcheck disable=SC2119  # no extras: the app only
ensure_python_packages
ensure_node_packages
ensure_debs wrk curl

if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$PORT "; then
  echo "port $PORT is in use: set PORT=..." >&2
  exit 1
fi

demo_env
demo_build

# The pages under test, resolved by name so the script follows the URLconf.
"$PY" manage.py shell -v 0 -c '
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import reverse

from dangjian.orgs.models import Organization

branch = Organization.objects.get(name="市教育局机关第一党支部")
root = Organization.get_root_nodes().first()
print("home", reverse("core:home"), sep="\t")
print("roster", reverse("members:roster", args=[branch.pk]), sep="\t")
print("dues_sheet", reverse("dues:sheet", args=[branch.pk]), sep="\t")
print("meetings", reverse("orglife:org_meetings", args=[branch.pk]), sep="\t")
print("root_matrix", reverse("orglife:matrix", args=[root.pk]), sep="\t")
print("static", staticfiles_storage.url("img/favicon.svg"), sep="\t")
' >"$WORK/urls.tsv"
url_of() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$WORK/urls.tsv"; }

say "启动 gunicorn / starting gunicorn: $WORKERS sync workers on $BASE"
demo_serve "$BASE" --workers "$WORKERS" --worker-class sync

# session_cookie PHONE: log in and print the "sessionid=…" header value.
session_cookie() {
  demo_login "$BASE" "$1" "$PASSWORD" "$WORK/cookies-$1.txt" &&
    echo "sessionid=$(cookie_of "$WORK/cookies-$1.txt" sessionid)"
}
SECRETARY_COOKIE="$(session_cookie "$SECRETARY_PHONE")"
ADMIN_COOKIE="$(session_cookie "$ADMIN_PHONE")"

# Counts non-2xx responses across wrk's threads and prints one machine-readable line.
cat >"$WORK/report.lua" <<'LUAEOF'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.1f %.1f %d %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad, e.connect + e.read + e.write + e.timeout))
end
LUAEOF

# server_cpu_ticks: CPU time (user + system, clock ticks) used so far by gunicorn's master and its
# workers (the children of $SERVER_PID), from /proc: per page it gives the server's CPU per request,
# which other load on the machine does not inflate as it does wall time.
server_cpu_ticks() {
  local pid total=0 t
  for pid in "$SERVER_PID" $(pgrep -P "$SERVER_PID" || true); do
    t="$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    total=$((total + t))
  done
  echo "$total"
}
TICKS_PER_SECOND="$(getconf CLK_TCK)"

ROWS=()
CEILING=""
# bench LABEL URL_KEY COOKIE
bench() {
  local label="$1" path cookie="$3" status out
  path="$(url_of "$2")"
  status="$(curl -s -o /dev/null -w '%{http_code}' ${cookie:+-H "Cookie: $cookie"} "$BASE$path")"
  say "wrk -t$THREADS -c$CONNECTIONS -d$DURATION $label ($path, first GET: HTTP $status)"
  local ticks0 ticks1
  ticks0="$(server_cpu_ticks)"
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$WORK/report.lua" \
    ${cookie:+-H "Cookie: $cookie"} "$BASE$path" | awk '$1 == "RESULT" {$1 = ""; print}')"
  ticks1="$(server_cpu_ticks)"
  ROWS+=("$label $out $((ticks1 - ticks0)) $(cut -d' ' -f1 /proc/loadavg)")
  if [ "$2" = static ]; then CEILING="$(echo "$out" | awk '{print $2}')"; fi
}
bench "static_file(ceiling)" static ""
bench "secretary_home" home "$SECRETARY_COOKIE"
bench "branch_roster" roster "$SECRETARY_COOKIE"
bench "dues_sheet" dues_sheet "$SECRETARY_COOKIE"
bench "meeting_list" meetings "$SECRETARY_COOKIE"
bench "root_matrix(city_admin)" root_matrix "$ADMIN_COOKIE"

echo
echo "==================== HTTP benchmark: gunicorn $WORKERS sync workers, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, demo data (SQLite) ===================="
printf '%s\n' "${ROWS[@]}" | awk -v ceiling="$CEILING" -v hz="$TICKS_PER_SECOND" '
  BEGIN { printf "%-26s %9s %9s %9s %9s %8s %7s %10s %11s %6s\n", "page", "requests", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "% static", "srv CPU ms", "load" }
  { printf "%-26s %9d %9.1f %9.1f %9.1f %8d %7d %9.1f%% %11.2f %6s\n", $1, $2, $3, $4, $5, $6, $7, (ceiling > 0 ? 100 * $3 / ceiling : 0), ($2 > 0 ? 1000 * $8 / hz / $2 : 0), $9 }'
echo "srv CPU ms: gunicorn's CPU time (all workers) per request; load: the 1-minute load average after the page's run"
echo "server errors (HTTP 500) logged: $(grep -c 'Internal Server Error' "$WORK/server.log" || true)"
