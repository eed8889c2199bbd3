# Shared set-up steps for scripts/run and scripts/test (sourced, not executed).
# Installs only what changed since the last run: a stamp records the hash of the inputs.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\n\033[1;31m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "需要 root 权限执行：$* / need root for: $*" >&2; return 1
  fi
}

stamp_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

ensure_venv() {
  if [ ! -x "$PY" ]; then
    say "创建 Python 虚拟环境 / creating .venv"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
      # Debian splits venv/ensurepip into a separate package.
      rm -rf "$VENV"
      as_root apt-get update -q
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
      python3 -m venv "$VENV"
    fi
  fi
}

# ensure_python_packages [extra]   e.g. ensure_python_packages test
ensure_python_packages() {
  local extra="${1:-}" spec="." stamp_file="$VENV/.dangjian-pip-stamp${1:+-$1}" want
  [ -n "$extra" ] && spec=".[$extra]"
  want="$(stamp_of "$ROOT/pyproject.toml")"
  if [ "$(cat "$stamp_file" 2>/dev/null)" != "$want" ]; then
    say "安装 Python 依赖 / pip install -e \"$spec\""
    "$PY" -m pip install -q -e "$ROOT/$spec"
    echo "$want" >"$stamp_file"
  fi
}

ensure_node_packages() {
  local stamp_file="$ROOT/node_modules/.dangjian-npm-stamp" want
  want="$(stamp_of "$ROOT/package.json" "$ROOT/package-lock.json")"
  if [ "$(cat "$stamp_file" 2>/dev/null)" != "$want" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "未找到 npm，请先安装 Node.js / npm not found: install Node.js first" >&2
      return 1
    fi
    say "安装前端资源 / npm ci (htmx, ECharts)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp_file"
  fi
}

# ensure_debs PACKAGE... : apt-get install whichever Debian packages are not installed yet.
ensure_debs() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "安装系统依赖 / apt-get install ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
}

# PDFs (WeasyPrint) need Pango and a CJK font to print Chinese.
ensure_pdf_deps() { ensure_debs fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0; }

# Browser tests drive Debian's Chromium; PDF tests read text back with poppler's pdftotext.
ensure_browser() { ensure_pdf_deps; ensure_debs chromium poppler-utils; }
