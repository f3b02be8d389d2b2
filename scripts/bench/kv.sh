#!/usr/bin/env bash
# The host API's key-value stores under load (issue 8): requests/s and p99 of a counter
# handler (one kv_increment per request) with the SQLite, memory and Redis backends, against
# the same app's hello handler (no state), in one run. One app, two components (C, clang),
# served once per backend; `edgectl bench` loads /hello and /count in turn, ROUNDS times.
# The server runs on CPU 0 and the load generator on CPU 1 when there are 2 or more cores.
#
# Usage: scripts/bench/kv.sh     Environment: EDGECTL, DURATION (8), CONNECTIONS (64), ROUNDS (2)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-2}
[ -x "$EDGECTL" ] || { echo "build edgectl first"; exit 1; }
for tool in clang-19 python3 curl; do command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh)"; exit 1; }; done
work=$(mktemp -d)
server_pid= redis_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
server_cpu=() load_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then server_cpu=(taskset -c 0); load_cpu=(taskset -c 1); fi

cd "$work"
"$EDGECTL" new http-c app >/dev/null
cd app
mkdir -p counter
cp src/edgectl.h counter/
cat > counter/main.c <<'EOF'
#include <stdio.h>
#include "edgectl.h"
int main(void) {
  uint32_t kv;
  int64_t n = 0;
  if (edgectl_kv_open_str("default", &kv) != EDGECTL_OK || edgectl_kv_increment_str(kv, "visits", 1, &n) != EDGECTL_OK) {
    printf("Status: 500\n\nstore failed\n");
    return 0;
  }
  printf("Content-Type: text/plain\n\nvisits: %lld\n", (long long)n);
  return 0;
}
EOF
cat > edgectl.toml <<'EOF'
[app]
name = "app"

[[component]]
id = "hello"
source = "hello.wasm"
[component.build]
command = "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -o hello.wasm src/main.c"

[[component]]
id = "counter"
source = "counter.wasm"
key_value_stores = ["default"]
[component.build]
command = "clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -o counter.wasm counter/main.c"

[[route]]
path = "/hello"
component = "hello"

[[route]]
path = "/count"
component = "counter"
EOF
"$EDGECTL" build >/dev/null 2>&1 || { "$EDGECTL" build; exit 1; }
"$EDGECTL" build --aot >/dev/null 2>&1 || true

backends=(sqlite memory)
if command -v redis-server >/dev/null && "$EDGECTL" serve --help | grep -q -- --runtime-config; then
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.1; done
  printf '[kv.default]\nbackend = "redis"\nurl = "redis://127.0.0.1:%s/0"\n' "$redis_port" > "$work/runtime.toml"
  backends+=(redis)
else
  echo "note: no redis-server or no --runtime-config: the Redis backend is not measured"
fi

port=$(free_port)
serve() {  # BACKEND
  local args=(--engine aot --listen "127.0.0.1:$port")
  case $1 in
    memory) args+=(--kv memory);;
    redis) args+=(--runtime-config "$work/runtime.toml");;
  esac
  "${server_cpu[@]}" "$EDGECTL" serve "${args[@]}" >/dev/null 2>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/_edgectl/health" >/dev/null 2>&1 && return 0; sleep 0.05; done
  cat "$work/serve.err"; exit 1
}
bench() {  # PATH -> "rps p99_ms errors"
  "${load_cpu[@]}" "$EDGECTL" bench "http://127.0.0.1:$port$1" -c "$CONNECTIONS" -d "${DURATION}s" --warmup 1s --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin)["runs"][0]; bad=d["errors"]["total"]+sum(v for k,v in d["status"].items() if k!="200"); print("%.0f %.2f %d" % (d["requests_per_s"], d["latency_us"]["p99"]/1000, bad))'
}

declare -A rps p99 errs
for round in $(seq "$ROUNDS"); do
  for b in "${backends[@]}"; do
    serve "$b"
    for path in /hello /count; do
      read -r r p e < <(bench "$path")
      key="$b $path"
      rps[$key]="${rps[$key]:-} $r" p99[$key]="${p99[$key]:-} $p" errs[$key]=$(( ${errs[$key]:-0} + e ))
    done
    # The counter counted every request (exactness under load).
    visits=$(curl -fsS "http://127.0.0.1:$port/count" | sed -n 's/^visits: //p')
    echo "round $round, $b: visits now $visits"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  done
done

median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "edgectl bench -c $CONNECTIONS -d ${DURATION}s, aot engine, $ROUNDS rounds (median)"
printf '%-8s %-7s %12s %10s %8s %14s\n' backend path "req/s" "p99 ms" errors "vs its hello"
for b in "${backends[@]}"; do
  h=$(median ${rps["$b /hello"]})
  for path in /hello /count; do
    r=$(median ${rps["$b $path"]})
    printf '%-8s %-7s %12.0f %10.2f %8d %13.2fx\n' "$b" "$path" "$r" "$(median ${p99["$b $path"]})" "${errs["$b $path"]}" \
      "$(python3 -c "print($r/$h)")"
  done
done
