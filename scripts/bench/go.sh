#!/usr/bin/env bash
# Go, first class (issue 15): how long native code takes for the Go template, how long an
# edit takes to reach a response under `serve --watch`, and what a Go request costs on the
# interpreter and natively, beside the C template in the same run. Printed as Markdown.
#
#  (1) Native compile of the http-go template (Go 1.23, release build, ~2.2 MB), on an
#      empty aot cache: the optimized tier (`edgectl build --aot`, gcc -O1 in parts) and the
#      quick tier (-O0, clang: the first native code `serve` runs under auto), then the same
#      after a one-line edit to the handler (a new greeting). Quick-tier times come from
#      serve's log line "quick native code (-O0) ready ... (compiled in X)".
#  (2) `serve --watch` edit-to-new-response: the greeting is edited and GET /hello polled
#      every 50 ms until the new text answers; with the dev profile (the default under
#      --watch) and with `profile = "release"` in the manifest. EDITS edits each; medians.
#      The Go compile step alone (`go build`, from `build --json`) is shown for reference:
#      the dev target is that + 1 s.
#  (3) Requests/s and p99 of the Go hello and the C hello, each on the interpreter and on
#      native code (optimized tier, warm cache): wrk -c CONNECTIONS -d DURATION, the server
#      on CPU 0 and wrk on CPU 1 (2+ cores).
#
# Usage: scripts/bench/go.sh
# Environment: EDGECTL (default build/cli/edgectl), DURATION (5), CONNECTIONS (16), EDITS (3).
#   XDG_CACHE_HOME is a temporary folder: the user's aot cache is never touched.
# Takes 4-6 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-16}
EDITS=${EDITS:-3}
export PATH="/usr/lib/go-1.23/bin:$PATH" NO_COLOR=1
[ -x "$EDGECTL" ] || { echo "build edgectl first"; exit 1; }
for tool in go clang-19 wrk curl python3 wasm2c cc; do
  command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh)"; exit 1; }
done
work=$(mktemp -d)
cp "$EDGECTL" "$work/edgectl"  # a rebuild during the run does not mix two binaries
EDGECTL=$work/edgectl
export XDG_CACHE_HOME=$work/cache
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
server_cpu=() load_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then server_cpu=(taskset -c 0); load_cpu=(taskset -c 1); fi
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

# start_server LOG ARGS...: edgectl serve on a fresh port, up within 10 s. Only the load
# runs pin the server to CPU 0 (PIN=1): a pinned server's compiler gets one core.
start_server() {
  local log=$1
  shift
  port=$(free_port)
  base="http://127.0.0.1:$port"
  local pin=()
  [ "${PIN:-0}" = 1 ] && pin=("${server_cpu[@]}")
  "${pin[@]}" "$EDGECTL" serve --listen "127.0.0.1:$port" "$@" >/dev/null 2>"$log" &
  server_pid=$!
  for _ in $(seq 200); do
    curl -fsS "$base/_edgectl/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.05
  done
  echo "serve did not come up"; cat "$log"; exit 1
}
# wait_log LOG PATTERN SECONDS: until a line of LOG matches.
wait_log() {
  for _ in $(seq $(($3 * 10))); do
    grep -q "$2" "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:"; cat "$1"; exit 1
}
# "compiled in 9.8 s" / "compiled in 812.0 ms" in the matching line → seconds.
compiled_in() {
  grep "$2" "$1" | head -1 | python3 -c '
import re, sys
m = re.search(r"compiled in ([0-9.]+) (ms|s|min)", sys.stdin.read())
print("%.1f" % (float(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60}[m.group(2)]) if m else "?")'
}
aot_seconds() { python3 -c 'import json,sys; c=json.load(sys.stdin)["components"][0]; print("%.1f" % c["aot"]["seconds"] if c["aot"] else "failed")'; }
compile_seconds() { python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin)["components"][0]["steps"] if x["name"]=="compile"][0]; print("%.1f" % (s["time_ms"]/1000))'; }
edit_greeting() { sed -i "s/fmt.Println(\"Hello[^\"]*\")/fmt.Println(\"Hello $2\")/" "$1/main.go"; }
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.1f}")' "$@"; }

cd "$work"
"$EDGECTL" new http-go gohello >/dev/null
"$EDGECTL" new http-c chello >/dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); $(go version | cut -d' ' -f3); $("$EDGECTL" --version | head -1)"
echo

# --- (1) native compile: first, and after a one-line edit ---
cd "$work/gohello"
"$EDGECTL" build --json >/dev/null
opt_first=$("$EDGECTL" build --aot --json | aot_seconds)
rm -rf "$XDG_CACHE_HOME"
start_server "$work/quick1.log"
wait_log "$work/quick1.log" "quick native code (-O0) ready" 300
quick_first=$(compiled_in "$work/quick1.log" "quick native code")
stop_server
edit_greeting . "edited once!"
"$EDGECTL" build --json >/dev/null
start_server "$work/quick2.log"
wait_log "$work/quick2.log" "quick native code (-O0) ready" 300
quick_edit=$(compiled_in "$work/quick2.log" "quick native code")
stop_server
opt_edit=$("$EDGECTL" build --aot --json | aot_seconds)
echo "### Native code for the Go template (http-go, $(stat -c %s gohello.wasm) bytes of wasm)"
echo
echo "| | quick tier (-O0, clang) | optimized tier (gcc -O1) | target |"
echo "|---|---:|---:|---:|"
echo "| first compile, empty cache | ${quick_first} s | ${opt_first} s | 60 s |"
echo "| after a one-line edit | ${quick_edit} s | ${opt_edit} s | 15 s |"
echo

# --- (2) serve --watch: edit to new response ---
watch_round() {  # PROFILE-LABEL → seconds per edit, one per line
  local label=$1
  start_server "$work/watch-$label.log" --watch
  for i in $(seq "$EDITS"); do
    sleep 1
    local token="$label $i $RANDOM"
    local t0
    t0=$(now)
    edit_greeting . "$token"
    local ok=
    for _ in $(seq 1200); do  # 60 s at most
      if curl -fsS "$base/hello" 2>/dev/null | grep -q "Hello $token"; then ok=1; break; fi
      sleep 0.05
    done
    [ -n "$ok" ] || { echo "no new response within 60 s"; cat "$work/watch-$label.log"; exit 1; }
    since "$t0"
  done
  stop_server
}
go_build=$("$EDGECTL" build --force --profile dev --json | compile_seconds)
mapfile -t dev < <(watch_round dev)
sed -i 's/^\[component.build\]$/[component.build]\nprofile = "release"/' edgectl.toml
mapfile -t rel < <(watch_round release)
sed -i '/^profile = "release"$/d' edgectl.toml
echo "### serve --watch: edit to new response (medians of $EDITS edits)"
echo
echo "| profile | edit → new response | each edit | go build alone |"
echo "|---|---:|---|---:|"
echo "| dev (default under --watch) | $(median "${dev[@]}") s | ${dev[*]} | ${go_build} s |"
echo "| release | $(median "${rel[@]}") s | ${rel[*]} | ${go_build} s |"
echo

# --- (3) requests/s and p99: Go and C, interpreter and native ---
"$EDGECTL" build --aot --json >/dev/null  # the edited module, optimized tier cached
cd "$work/chello"
"$EDGECTL" build --aot --json >/dev/null
load() {  # DIR ENGINE → "req/s p99"
  cd "$work/$1"
  PIN=1 start_server "$work/load.log" --engine "$2"
  curl -fsS "$base/hello" >/dev/null
  "${load_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$base/hello" >"$work/wrk.txt"
  stop_server
  python3 - "$work/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s*([0-9.]+)", t).group(1))
m = re.search(r"^\s*99%\s+([0-9.]+)(us|ms|s)", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{rps:,.0f} {p99:.1f}" + (f" ({errors.group(1)} errors)" if errors else ""))
PY
}
echo "### Requests per second and p99 (wrk -c $CONNECTIONS, ${DURATION} s, GET /hello)"
echo
echo "| handler | interpreter req/s | p99 | native req/s | p99 |"
echo "|---|---:|---:|---:|---:|"
for app in gohello chello; do
  read -r ir ip <<<"$(load "$app" interp)"
  read -r nr np <<<"$(load "$app" aot)"
  echo "| ${app/hello/} hello | $ir | $ip ms | $nr | $np ms |"
done
