#!/usr/bin/env bash
# Installs every Debian package edgectl needs to build, test and demo. Idempotent: when all
# is present it only checks and returns quickly. Needs root (or sudo) for apt-get.
set -Eeuo pipefail
# Never a silent exit: name the line and the command that failed.
trap 'rc=$?; echo "setup: failed (exit $rc) at scripts/setup.sh line $LINENO: $BASH_COMMAND" >&2; exit $rc' ERR

# Build dependencies (see docs/ARCHITECTURE in shared docs / README "Dependencies").
PACKAGES=(
  build-essential cmake pkg-config ccache git
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev doctest-dev
  wabt binaryen libcurl4-openssl-dev libssl-dev libboost-dev zlib1g-dev libsqlite3-dev
  # the Redis key-value backend: the client library, and a server (with redis-cli) that the
  # tests start themselves on a free port; the system service the package may try to start
  # is never used
  libhiredis-dev redis-server redis-tools
  # serve benchmarks: a load generator (curl for the serve tests is below) and nginx to
  # compare with (scripts/bench/serve.sh runs its own foreground nginx from a temp config;
  # workerd for the same comparison comes from npm at benchmark time)
  wrk nginx
  # guest toolchains for templates and test fixtures
  clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 libclang-rt-19-dev
  rustc libstd-rust-dev-wasm32
  golang-1.23-go
  # tests and benchmarks: a real registry, an independent OCI client, timing
  docker-registry skopeo hyperfine curl python3
  # process checks in the serve tests (ps)
  procps
  # push/pull tests: htpasswd (bcrypt) for the registry's Basic auth
  apache2-utils
  # `edgectl bench --html`: tests/integration/bench_html.sh renders the report in headless
  # Chromium (file://, offline) and checks its DOM and a screenshot
  chromium
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Go >= 1.21 (for GOOS=wasip1) comes from Debian's bookworm-backports suite, on the same
# mirror as the machine's other Debian sources (read from real `URIs:`/`deb` lines of any
# apt layout, never from comments: scripts/lib/apt_sources.sh). Nothing is written when the
# machine already has a backports source, ours from an earlier run or its own.
. "$(dirname "$0")/lib/apt_sources.sh"
CODENAME=$( (. /etc/os-release && echo "${VERSION_CODENAME:-}") 2>/dev/null || true)
CODENAME=${CODENAME:-bookworm}
BACKPORTS=/etc/apt/sources.list.d/edgectl-backports.sources
entry=$(apt_sources_backports_entry /etc/apt "$CODENAME")
if [ -n "$entry" ]; then
  echo "setup: adding $CODENAME-backports ($(echo "$entry" | sed -n 's/^URIs: //p')) as $BACKPORTS"
  printf '%s\n' "$entry" | $SUDO tee "$BACKPORTS" >/dev/null
  NEED_UPDATE=1
fi

# Node.js and npm: the machine image may already carry them from another source; Debian's
# packages would conflict with that, so they are installed only when npm is absent.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ] || [ -n "${NEED_UPDATE:-}" ]; then
  echo "setup: installing ${missing[*]:-(package lists)}"
  $SUDO apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# AssemblyScript's compiler comes from npm; installed into a project-local tool folder
# so nothing global changes. Optional: the AssemblyScript template test skips without it.
TOOLS="${EDGECTL_TOOLS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.cache/tools}"
if [ ! -x "$TOOLS/node_modules/.bin/asc" ] && command -v npm >/dev/null; then
  mkdir -p "$TOOLS"
  echo "setup: installing assemblyscript (npm) into $TOOLS"
  (cd "$TOOLS" && npm install --silent --no-audit --no-fund assemblyscript@0.27 >/dev/null 2>&1) \
    || echo "setup: warning: could not install assemblyscript from npm; its template test will skip"
fi
# Only asc goes on PATH (via tools/bin): the npm package also ships a JS wasm-opt that must
# not shadow Debian's binaryen.
if [ -x "$TOOLS/node_modules/.bin/asc" ]; then
  mkdir -p "$TOOLS/bin"
  ln -sf ../node_modules/.bin/asc "$TOOLS/bin/asc"
fi
echo "setup: all dependencies present"
