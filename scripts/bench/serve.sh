#!/usr/bin/env bash
# Server benchmarks for `edgectl serve` (issue 5), side by side with nginx and workerd in one
# run. Everything listens on 127.0.0.1, every step is bounded in time, and every server is
# stopped by its PID (also on failure or Ctrl-C, from a trap).
#
#  (a) Cold start: from starting `edgectl serve` to the first 200 response from the
#      scaffolded http-c hello, with a warm aot cache (`edgectl build --aot` first), COLD_RUNS
#      times (default 10); median and max in ms. Target: under 50 ms.
#  (b) Throughput, side by side: wrk -t2 --latency at 64 and 256 connections, DURATION
#      seconds each (default 10), alternating between three servers (each warmed up with
#      WARMUP seconds of load first, not counted):
#        - edgectl serve: the hello handler, native code (aot), a fresh instance per request;
#        - nginx (Debian), worker_processes 2, answering `location = /hello` with a fixed
#          13-byte body ("Hello, world!") from its config;
#        - workerd (npm package `workerd`, installed into .cache/bench/workerd): the SAME
#          hello.wasm behind a small JS wrapper (scripts/bench/workerd/), compiled once at
#          start-up, instantiated per request, with a minimal WASI preview1 shim.
#      edgectl and workerd must return the same body before anything is measured.
#      Requests per second and p99; the ratios edgectl/workerd (target >= 2) and
#      edgectl/nginx (target >= 0.5). With ROUNDS > 1 the whole alternation repeats, each
#      round in a rotated order, and the figures are medians. wrk runs on the same machine
#      and takes CPU from the servers: compare figures from the same run only.
#  (c) Idle WebSocket connections (off unless WS_BENCH=1; edgectl's WebSocket support is
#      being written): ws_idle_bench opens WS_CONNECTIONS (default 10,000) idle connections
#      with scripts/bench/ws_hold.py, holds them WS_HOLD seconds (default 10) and reports the
#      server's RSS growth per connection (VmRSS from /proc/PID/status before and with all
#      open). WS_SERVER=node measures Node's `ws` package server instead (installed into
#      .cache/bench/ws): a reference, and a check of the measurement itself.
#
# Usage: scripts/bench/serve.sh
# Environment: EDGECTL (default build/cli/edgectl), COLD_RUNS, DURATION, WARMUP (default 2),
#   ROUNDS (default 1), HTTP_BENCH=0 (skip (a) and (b)), WORKERD_VERSION (default latest,
#   installed once; `rm -rf .cache/bench/workerd` to update), WS_BENCH=1, WS_SERVER
#   (edgectl|node), WS_CONNECTIONS, WS_HOLD, WS_BATCH (default 250 handshakes at a time).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
source "$ROOT/scripts/bench/lib/nginx.sh"
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
COLD_RUNS=${COLD_RUNS:-10}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-1}
HTTP_BENCH=${HTTP_BENCH:-1}
WORKERD_VERSION=${WORKERD_VERSION:-latest}
WS_BENCH=${WS_BENCH:-0}
WS_SERVER=${WS_SERVER:-edgectl}
WS_CONNECTIONS=${WS_CONNECTIONS:-10000}
WS_HOLD=${WS_HOLD:-10}
WS_BATCH=${WS_BATCH:-250}
BENCH_CACHE=$ROOT/.cache/bench

[ -x "$EDGECTL" ] || { echo "build edgectl first (scripts/test.sh or cmake --build build)"; exit 1; }
need=(curl python3 clang-19)
[ "$HTTP_BENCH" = 1 ] && need+=(wrk npm)
[ "$WS_BENCH" = 1 ] && [ "$WS_SERVER" = node ] && need+=(node npm)
for tool in "${need[@]}"; do
  command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh installs it)"; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ "$HTTP_BENCH" = 1 ] && [ ! -x "$NGINX" ]; then
  echo "needs nginx (scripts/setup.sh installs it)"; exit 1
fi

WORK=$(mktemp -d -t edgectl-bench-serve-XXXXXX)
pids=()
stop_pid() {  # stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {  # wait_http URL PID: up to 20 s for a 200, failing early if PID died
  for _ in $(seq 400); do
    curl -fsS --max-time 2 "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server for $1 exited"; return 1; }
    sleep 0.05
  done
  echo "no 200 from $1 within 20 s"; return 1
}
wait_port() {  # wait_port PORT PID: up to 20 s for a TCP listener
  for _ in $(seq 400); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' "$1" \
      2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server on port $1 exited"; return 1; }
    sleep 0.05
  done
  echo "nothing listens on port $1 after 20 s"; return 1
}

# npm_tool DIR PACKAGE: installs PACKAGE into DIR once (npm registry only, bounded).
npm_tool() {
  local dir=$1 pkg=$2
  [ -d "$dir/node_modules/${pkg%@*}" ] && return 0
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
  echo "serve.sh: installing $pkg (npm) into $dir" >&2
  (cd "$dir" && timeout 600 npm install --no-save --no-audit --no-fund --loglevel=error "$pkg" >&2) \
    || { echo "could not install $pkg from npm"; exit 1; }
}

export XDG_CACHE_HOME="$WORK/cache"

# (c) ws_idle_bench PID URL: the server's RSS growth per idle WebSocket connection.
ws_idle_bench() {
  local pid=$1 url=$2 label=$3
  # Warm-up: the first connections also pay for per-process and per-thread costs (worker
  # threads' guest memory, allocator arenas); 1,000 connections opened and dropped first
  # leave only what each further connection costs.
  timeout 120 python3 "$ROOT/scripts/bench/ws_hold.py" "$url" --connections 1000 --batch "$WS_BATCH" --hold 0 >/dev/null
  sleep 1
  timeout $((WS_HOLD + 300)) python3 "$ROOT/scripts/bench/ws_hold.py" "$url" \
    --connections "$WS_CONNECTIONS" --batch "$WS_BATCH" --hold "$WS_HOLD" --rss-pid "$pid" \
    > "$WORK/ws-$label.json"
  python3 - "$WORK/ws-$label.json" "$label" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])); rss = r["rss"]
n = rss["open_connections"]
per = (rss["open_kib"] - rss["before_kib"]) * 1024 / n if n and rss["open_kib"] and rss["before_kib"] else None
print(f"## idle WebSocket connections: {sys.argv[2]} ({r['requested']} requested, held {r['hold_s']} s)")
print()
print("| opened | failed | dropped during hold | connect p50 / p99 ms | RSS before MiB | RSS all open MiB | RSS end of hold MiB | growth per connection |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
mib = lambda k: f"{k / 1024:.1f}" if k is not None else "?"
print(f"| {r['opened']} | {r['failed']} | {r['dropped_during_hold']} | {r['connect_ms']['p50']} / {r['connect_ms']['p99']} "
      f"| {mib(rss['before_kib'])} | {mib(rss['open_kib'])} | {mib(rss['end_of_hold_kib'])} "
      f"| {f'{per / 1024:.1f} KiB' if per is not None else '?'} |")
if r["failed_reasons"] or r["dropped_reasons"]:
    print(f"\nfailed: {r['failed_reasons']}; dropped: {r['dropped_reasons']}; close codes: {r['close_codes']}")
print()
EOF
}

if [ "$HTTP_BENCH" = 1 ]; then
  cd "$WORK"
  "$EDGECTL" new http-c hello >/dev/null
  cd hello
  "$EDGECTL" build --aot >/dev/null
  # The module edgectl serves: the component's `source`, relative to the manifest.
  wasm=$(python3 -c 'import tomllib; print(tomllib.load(open("edgectl.toml","rb"))["component"][0]["source"])')
  wasm=$(realpath "$wasm")
  port=$(free_port)
  url="http://127.0.0.1:$port/hello"

  # (a) Cold start, timed by python (a tight loop of connection attempts, 1 ms apart).
  python3 - "$EDGECTL" "$port" "$COLD_RUNS" > "$WORK/cold.txt" <<'EOF'
import subprocess, sys, time, http.client, statistics
edgectl, port, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = []
for _ in range(runs):
    start = time.perf_counter()
    p = subprocess.Popen([edgectl, "serve", "--listen", f"127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = start + 10
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/hello")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise SystemExit("the server did not answer within 10 s")
            time.sleep(0.001)
        times.append((time.perf_counter() - start) * 1000)
    finally:
        p.terminate()
        p.wait()
print(f"{statistics.median(times):.1f} {max(times):.1f} {runs}")
EOF
  read -r cold_median cold_max cold_runs < "$WORK/cold.txt"

  # (b) Throughput: start the three servers.
  "$EDGECTL" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  pids+=($!)
  wait_http "$url" "${pids[-1]}"
  engine=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/_edgectl/metrics" \
           | python3 -c 'import re,sys; print((re.findall(r"engine=\"(\w+)\"", sys.stdin.read()) or ["?"])[0])')

  # nginx: a foreground master (its PID is ours to stop) with every path under $WORK/nginx.
  nginx_port=$(free_port)
  nginx_url="http://127.0.0.1:$nginx_port/hello"
  write_nginx_conf "$WORK/nginx" "$nginx_port"
  "${NGINX_CMD[@]}" &
  pids+=($!)
  wait_http "$nginx_url" "${pids[-1]}"

  # workerd: the native binary from the npm package, run directly (its PID is ours).
  npm_tool "$BENCH_CACHE/workerd" "workerd@$WORKERD_VERSION"
  WORKERD=$BENCH_CACHE/workerd/node_modules/workerd/bin/workerd
  workerd_version=$("$WORKERD" --version 2>&1 | head -1)
  mkdir -p "$WORK/workerd"
  cp "$ROOT/scripts/bench/workerd/config.capnp" "$ROOT/scripts/bench/workerd/hello-worker.mjs" "$WORK/workerd/"
  cp "$wasm" "$WORK/workerd/hello.wasm"
  workerd_port=$(free_port)
  workerd_url="http://127.0.0.1:$workerd_port/hello"
  "$WORKERD" serve "$WORK/workerd/config.capnp" --socket-addr "http=127.0.0.1:$workerd_port" \
    >"$WORK/workerd/log.txt" 2>&1 &
  pids+=($!)
  wait_http "$workerd_url" "${pids[-1]}" || { cat "$WORK/workerd/log.txt"; exit 1; }

  # The same handler must answer the same way through edgectl and through workerd.
  curl -fsS --max-time 5 "$url" > "$WORK/body.edgectl"
  curl -fsS --max-time 5 "$workerd_url" > "$WORK/body.workerd"
  curl -fsS --max-time 5 "$nginx_url" > "$WORK/body.nginx"
  cmp -s "$WORK/body.edgectl" "$WORK/body.workerd" \
    || { echo "edgectl and workerd answer differently:"; diff "$WORK/body.edgectl" "$WORK/body.workerd"; exit 1; }
  [ "$(cat "$WORK/body.nginx")" = "Hello, world!" ] || { echo "nginx answers: $(cat "$WORK/body.nginx")"; exit 1; }
  body_bytes=$(wc -c < "$WORK/body.edgectl")

  declare -A target_url=([edgectl]=$url [nginx]=$nginx_url [workerd]=$workerd_url)
  order=(edgectl nginx workerd)
  for t in "${order[@]}"; do  # warm-up: V8's optimising tier for workerd, caches for all
    wrk -t2 -c64 -d"${WARMUP}s" "${target_url[$t]}" >/dev/null
  done
  : > "$WORK/results.tsv"
  for round in $(seq "$ROUNDS"); do
    for conns in 64 256; do
      for t in "${order[@]}"; do
        out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --latency "${target_url[$t]}")
        awk -v t="$t" -v c="$conns" -v r="$round" '
          function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
          }
          /Requests\/sec/ { rps = $2 }
          $1 == "50%" { p50 = ms($2) }
          $1 == "99%" { p99 = ms($2) }
          /Non-2xx|Socket errors/ { sub(/^ +/, ""); err = err (err ? "; " : "") $0 }
          END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, c, r, rps, p50, p99, (err ? err : "none") }
        ' <<<"$out" >> "$WORK/results.tsv"
      done
    done
    order=("${order[@]:1}" "${order[0]}")  # rotate: no server always runs first
  done

  echo "## edgectl serve: cold start with a warm aot cache ($cold_runs runs)"
  echo
  echo "| median ms | max ms | target |"
  echo "|---:|---:|---|"
  echo "| $cold_median | $cold_max | < 50 ms: $(awk -v m="$cold_median" 'BEGIN{print (m < 50 ? "met" : "NOT met")}') |"
  echo
  python3 - "$WORK/results.tsv" "$DURATION" "$ROUNDS" "$engine" "$body_bytes" <<'EOF'
import csv, statistics, sys
path, duration, rounds, engine, body_bytes = sys.argv[1:]
rows = list(csv.reader(open(path), delimiter="\t"))
names = {"edgectl": f"edgectl serve (hello.wasm, {engine})",
         "nginx": "nginx (13-byte `return 200`)",
         "workerd": "workerd (hello.wasm via JS + WASI shim)"}
med = {}
print(f"## throughput: wrk -t2 --latency, {duration} s per run, {rounds} round(s), same machine")
print()
print("| server | connections | requests/s | p50 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|---|")
for conns in ("64", "256"):
    for t in ("edgectl", "nginx", "workerd"):
        mine = [r for r in rows if r[0] == t and r[1] == conns]
        rps = statistics.median(float(r[3]) for r in mine)
        p50 = statistics.median(float(r[4]) for r in mine)
        p99 = statistics.median(float(r[5]) for r in mine)
        errors = "; ".join(sorted({r[6] for r in mine if r[6] != "none"})) or "none"
        med[t, conns] = (rps, p99)
        print(f"| {names[t]} | {conns} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errors} |")
print()
print(f"(edgectl and workerd send the same {body_bytes}-byte body; nginx sends 13 bytes. wrk leaves requests")
print("that time out (after 2 s) out of its latency percentiles: with timeouts, p99 is too low.)")
print()
print("| connections | edgectl / workerd req/s | target ≥ 2 | edgectl / nginx req/s | target ≥ 0.5 | p99 edgectl / workerd / nginx ms |")
print("|---:|---:|---|---:|---|---|")
for conns in ("64", "256"):
    e, w, n = med["edgectl", conns], med["workerd", conns], med["nginx", conns]
    rw, rn = e[0] / w[0], e[0] / n[0]
    print(f"| {conns} | {rw:.2f} | {'met' if rw >= 2 else 'NOT met'} | {rn:.2f} | "
          f"{'met' if rn >= 0.5 else 'NOT met'} | {e[1]:.2f} / {w[1]:.2f} / {n[1]:.2f} |")
print()
EOF
  echo "versions: $("$EDGECTL" --version 2>&1 | head -1); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'); $workerd_version (npm); wrk $(wrk --version 2>&1 | awk 'NR==1{print $2}')"
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  pids=()
fi

if [ "$WS_BENCH" = 1 ]; then
  ws_port=$(free_port)
  if [ "$WS_SERVER" = node ]; then
    npm_tool "$BENCH_CACHE/ws" ws
    cat > "$WORK/ws-server.js" <<'EOF'
// Node's `ws` package server: echoes messages, pings every client every 5 s.
const { WebSocketServer } = require(process.argv[3] + "/node_modules/ws");
const wss = new WebSocketServer({ host: "127.0.0.1", port: +process.argv[2], backlog: 1024 });
wss.on("connection", (ws) => ws.on("message", (m) => ws.send(m)));
setInterval(() => { for (const c of wss.clients) c.ping("hb"); }, 5000);
EOF
    ulimit -n "$(ulimit -Hn)"
    node "$WORK/ws-server.js" "$ws_port" "$BENCH_CACHE/ws" &
    pids+=($!)
    wait_port "$ws_port" "${pids[-1]}"
    ws_idle_bench "${pids[-1]}" "ws://127.0.0.1:$ws_port/" "node ws $(node -p 'require(process.argv[1] + "/node_modules/ws/package.json").version' "$BENCH_CACHE/ws")"
  else
    cd "$WORK"
    "$EDGECTL" new ws-echo-c wsecho >/dev/null
    cd wsecho
    "$EDGECTL" build --aot >/dev/null
    ulimit -n "$(ulimit -Hn)"
    "$EDGECTL" serve --listen "127.0.0.1:$ws_port" >/dev/null 2>&1 &
    pids+=($!)
    wait_http "http://127.0.0.1:$ws_port/_edgectl/health" "${pids[-1]}"
    ws_idle_bench "${pids[-1]}" "ws://127.0.0.1:$ws_port/ws" "edgectl serve (ws-echo-c)"
  fi
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
