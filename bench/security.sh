#!/usr/bin/env bash
# Security scan of a throw-away local demo server (NOT part of CI; takes several minutes):
#   - sqlmap at level 2 on the roster search (GET /members/org/<branch>/?q=…), logged in as the liaison
#   - a bounded wapiti crawl and attack of the whole site as the liaison
# Both come from Debian packages and talk to 127.0.0.1 only. The server runs as scripts/run serves
# the demo (DEBUG off, gunicorn) on its own database in a temporary folder, so attacks that post
# forms change nothing you keep.
#
#   bash bench/security.sh                  # defaults: port 8765, wapiti about 600 s (crawl ≤ 1/3)
#   WAPITI_SECONDS=120 bash bench/security.sh
#   SQLMAP=0 bash bench/security.sh          # wapiti only
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_setup.sh"
# shellcheck source=bench/_demo_server.sh
source "$ROOT/bench/_demo_server.sh"
cd "$ROOT"

PORT="${PORT:-8765}"
WAPITI_SECONDS="${WAPITI_SECONDS:-600}"
SQLMAP="${SQLMAP:-1}"
LIAISON_PHONE=13800000003
LIAISON_PASSWORD=Dangjian-2026
BASE="http://127.0.0.1:$PORT"

ensure_pdf_deps
ensure_venv
# shellcheck disable=SC2119  # no extras: the app only
ensure_python_packages
ensure_node_packages
ensure_debs sqlmap wapiti  # Debian packages, installed when missing

demo_env
demo_build
demo_serve "$BASE" --workers 1 --threads 4

say "以联络员登录 / logging in as the liaison ($LIAISON_PHONE)"
JAR="$WORK/cookies.txt"
demo_login "$BASE" "$LIAISON_PHONE" "$LIAISON_PASSWORD" "$JAR"
SESSION="$(cookie_of "$JAR" sessionid)"
CSRF_COOKIE="$(cookie_of "$JAR" csrftoken)"
ROSTER="$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" "$BASE/members/")"
[ -n "$ROSTER" ] || ROSTER="$BASE/members/"
echo "roster: $ROSTER"

SQLMAP_RESULT="skipped"
if [ "$SQLMAP" != 0 ]; then
say "sqlmap（level 2）：名册搜索 / roster search"
SQLMAP_OUT="$WORK/sqlmap"
sqlmap -u "${ROSTER}?q=%E6%9D%8E&status=&category=" -p q --level 2 --risk 1 --batch --flush-session \
  --cookie "sessionid=$SESSION; csrftoken=$CSRF_COOKIE" --output-dir "$SQLMAP_OUT" --disable-coloring \
  2>&1 | tee "$WORK/sqlmap.log" | grep -E "injectable|not injectable|CRITICAL|WARNING.*(heuristic|dynamic)|all tested" || true
if grep -qiE "is vulnerable|Parameter: q .*injectable|sqlmap identified the following injection" "$WORK/sqlmap.log"; then
  SQLMAP_RESULT="FOUND an injection (see log above)"
else
  SQLMAP_RESULT="no injection found"
fi
fi

# Not ssrf/xxe: they ask an endpoint on the internet for their results; this scan stays on loopback.
MODULES="sql,blindsql,xss,permanentxss,exec,file,crlf,redirect,csrf,cookieflags,csp,http_headers"
CRAWL_SECONDS=$((WAPITI_SECONDS / 3))
ATTACK_SECONDS=$((WAPITI_SECONDS * 2 / 3 / 12))  # per module (12 modules)
say "wapiti：爬取 ≤ ${CRAWL_SECONDS} 秒，每个攻击模块 ≤ ${ATTACK_SECONDS} 秒 / bounded crawl and attacks (loopback only)"
WAPITI_OUT="$WORK/wapiti"
mkdir -p "$WAPITI_OUT"
# Cookie file in wapiti's JSON format; never follow the logout form.
"$PY" - "$WORK/wapiti-cookies.json" "$SESSION" "$CSRF_COOKIE" <<'PYEOF'
import json
import sys

path, session, csrf = sys.argv[1:4]
cookies = {"127.0.0.1": {"/": {
    "sessionid": {"value": session, "version": 0, "expires": None, "secure": False, "port": None},
    "csrftoken": {"value": csrf, "version": 0, "expires": None, "secure": False, "port": None},
}}}
with open(path, "w") as f:
    json.dump(cookies, f)
PYEOF
# Debian's wapiti 3.0.4 builds its exclusion regexes as "…\Z(?ms)", which Python 3.11 refuses
# (global flags must come first); run it with that one function corrected.
cat >"$WORK/wapiti-run.py" <<'PYEOF'
import re
import sys

from wapitiCore.net import crawler
from wapitiCore.main.wapiti import wapiti_main


def wildcard_translate(pattern):
    return re.compile("(?ms)" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


crawler.wildcard_translate = wildcard_translate
sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
PYEOF
timeout $((WAPITI_SECONDS * 2 + 120)) /usr/bin/python3 "$WORK/wapiti-run.py" -u "$BASE/" --scope folder -c "$WORK/wapiti-cookies.json" \
  -x "$BASE/accounts/logout/" -x "$BASE/accounts/password/" --max-scan-time "$CRAWL_SECONDS" \
  --max-attack-time "$ATTACK_SECONDS" --max-links-per-page 40 -d 4 --flush-session -f json \
  -o "$WAPITI_OUT/report.json" -m "$MODULES" >"$WORK/wapiti.log" 2>&1 || true
grep -E "URLs and forms|^\[\*\] Launching module" "$WORK/wapiti.log" | tr '\n' ' '; echo
WAPITI_RESULT="$("$PY" - "$WAPITI_OUT/report.json" "$BASE" "$SESSION" <<'PYEOF'
import json
import sys
import urllib.error
import urllib.request

try:
    report = json.load(open(sys.argv[1]))
except (OSError, ValueError) as exc:
    print(f"no report ({exc})")
    sys.exit(0)
found = {name: items for name, items in report.get("vulnerabilities", {}).items() if items}
anomalies = {name: items for name, items in report.get("anomalies", {}).items() if items}
print(f"vulnerabilities: {sum(map(len, found.values()))}; anomalies: {sum(map(len, anomalies.values()))}")
for name, items in {**found, **anomalies}.items():
    for item in items[:5]:
        print(f"  {name}: {item.get('method')} {item.get('path')} {item.get('parameter', '')} {item.get('info', '')[:120]}")


def status_without_token(path: str) -> int:
    """Django refuses any POST without a valid CSRF token: re-check each CSRF finding by hand."""
    request = urllib.request.Request(
        sys.argv[2] + path, data=b"x=1", method="POST", headers={"Cookie": f"sessionid={sys.argv[3]}"}
    )
    try:
        return urllib.request.urlopen(request, timeout=10).status  # noqa: S310 (loopback only)
    except urllib.error.HTTPError as exc:
        return exc.code


for name, items in found.items():
    if name == "Cross Site Request Forgery":
        for path in sorted({item.get("path", "") for item in items}):
            print(f"  re-check {path}: POST without a token -> HTTP {status_without_token(path)} (403 = refused)")
PYEOF
)"

echo
echo "==================== 安全扫描结果 / security scan ===================="
echo "sqlmap (roster search, level 2): $SQLMAP_RESULT"
echo "wapiti ($WAPITI_SECONDS s as the liaison): $WAPITI_RESULT"
echo "server errors (HTTP 500) logged: $(grep -c 'Internal Server Error' "$WORK/server.log" || true)"
mkdir -p "$ROOT/var/security"
cp "$WORK/wapiti.log" "$WORK/server.log" "$ROOT/var/security/" 2>/dev/null || true
cp "$WAPITI_OUT/report.json" "$ROOT/var/security/wapiti-report.json" 2>/dev/null || true
cp "$WORK/sqlmap.log" "$ROOT/var/security/" 2>/dev/null || true
echo "logs and reports: var/security/"
