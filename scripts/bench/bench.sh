#!/usr/bin/env bash
# The honesty check of `edgectl bench` (issue 6): the same target loaded by wrk and by
# edgectl bench, alternating, in one run. Reports each tool's requests/s, p99 and its own
# CPU time per request (user + system of the load generator's process, from
# getrusage(RUSAGE_CHILDREN) around each run). Targets: edgectl bench's requests/s within
# ±10% of wrk's, its p99 close to wrk's, its CPU per request no more than wrk's.
#
# Targets loaded (all on 127.0.0.1):
#   - nginx answering a 13-byte body (fast: the load generator's own cost shows);
#   - edgectl serve with the scaffolded http-c hello (aot), the server people bench;
#   - a server that answers after 20 ms (tests/integration/lib/delay_server.py): bound by
#     latency, not CPU, so both tools must report the same requests/s and p99.
# With 2 or more cores, the servers run on CPU 0 and the load generators on CPU 1
# (taskset): otherwise a cheaper load generator leaves the server more CPU and reports
# more requests/s for that reason alone.
#
# Usage: scripts/bench/bench.sh      Environment: EDGECTL, DURATION (10), CONNECTIONS (64),
#        ROUNDS (2), THREADS (2, for both tools).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
source "$ROOT/scripts/bench/lib/nginx.sh"
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
[ -x "$EDGECTL" ] || { echo "build edgectl first"; exit 1; }
for tool in wrk python3 clang-19 curl; do command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh)"; exit 1; }; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "needs nginx (scripts/setup.sh installs it)"; exit 1; }

WORK=$(mktemp -d -t edgectl-bench-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 200); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "no answer from $1"; exit 1; }

# nginx: a foreground master with every path under $WORK/nginx.
nginx_port=$(free_port)
write_nginx_conf "$WORK/nginx" "$nginx_port"
SERVER_CPU=() CLIENT_CPU=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then SERVER_CPU=(taskset -c 0); CLIENT_CPU=(taskset -c 1); fi
"${SERVER_CPU[@]}" "${NGINX_CMD[@]}" &
pids+=($!)
wait_http "http://127.0.0.1:$nginx_port/hello"

# edgectl serve: the scaffolded hello, native code.
export XDG_CACHE_HOME="$WORK/cache"
(cd "$WORK" && "$EDGECTL" new http-c hello >/dev/null && cd hello && "$EDGECTL" build --aot >/dev/null)
serve_port=$(free_port)
(cd "$WORK/hello" && exec "${SERVER_CPU[@]}" "$EDGECTL" serve --listen "127.0.0.1:$serve_port" >/dev/null 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$serve_port/hello"
"${SERVER_CPU[@]}" python3 "$ROOT/tests/integration/lib/delay_server.py" --lifetime 3600 > "$WORK/delay.port" &
pids+=($!)
for _ in $(seq 100); do grep -q port "$WORK/delay.port" 2>/dev/null && break; sleep 0.05; done
delay_port=$(awk '/port/{print $2}' "$WORK/delay.port")

# Each load: requests/s, p99 (ms) and the CPU time per request of the load generator.
CLIENT_CPU="${CLIENT_CPU[*]}" python3 - "$WORK" "$EDGECTL" "$DURATION" "$CONNECTIONS" "$THREADS" "$ROUNDS" \
  "nginx=http://127.0.0.1:$nginx_port/hello" "edgectl-serve=http://127.0.0.1:$serve_port/hello" \
  "delay-20ms=http://127.0.0.1:$delay_port/delay/20" <<'PY'
import json, os, re, resource, subprocess, sys
work, edgectl, duration, conns, threads, rounds = sys.argv[1:7]
targets = dict(a.split("=", 1) for a in sys.argv[7:])
pin = os.environ.get("CLIENT_CPU", "").split()

def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def wrk(url):
    before = child_cpu()
    out = subprocess.run(pin + ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, timeout=int(duration) + 60, check=True).stdout
    cpu = child_cpu() - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
    return rps, p99, cpu * 1e6 / total

def edgectl_bench(url):
    before = child_cpu()
    out = subprocess.run(pin + [edgectl, "bench", url, "-t", threads, "-c", conns, "-d", f"{duration}s", "--json"],
                         capture_output=True, text=True, timeout=int(duration) + 60, check=True).stdout
    cpu = child_cpu() - before
    r = json.loads(out)["runs"][0]
    return r["requests_per_s"], r["latency_us"]["p99"] / 1000, cpu * 1e6 / r["requests"]

results = {}
for rnd in range(int(rounds)):
    for name, url in targets.items():
        # Alternate which tool goes first each round.
        order = [("wrk", wrk), ("edgectl bench", edgectl_bench)]
        if rnd % 2:
            order.reverse()
        for tool, f in order:
            results.setdefault((name, tool), []).append(f(url))

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

print(f"## edgectl bench against wrk: -t{threads} -c{conns}, {duration} s per run, {rounds} alternating rounds (medians)")
print()
print("| target | tool | requests/s | p99 ms | CPU µs per request |")
print("|---|---|---:|---:|---:|")
for name in targets:
    for tool in ("wrk", "edgectl bench"):
        rs = results[(name, tool)]
        print(f"| {name} | {tool} | {median([r[0] for r in rs]):,.0f} | {median([r[1] for r in rs]):.2f} | {median([r[2] for r in rs]):.1f} |")
print()
print("| target | requests/s edgectl bench / wrk | target 0.9–1.1 | p99 edgectl bench / wrk | CPU per request edgectl bench / wrk | target ≤ 1 |")
print("|---|---:|---|---:|---:|---|")
for name in targets:
    w = [median([r[i] for r in results[(name, "wrk")]]) for i in range(3)]
    e = [median([r[i] for r in results[(name, "edgectl bench")]]) for i in range(3)]
    rr, pr, cr = e[0] / w[0], e[1] / w[1], e[2] / w[2]
    print(f"| {name} | {rr:.2f} | {'met' if 0.9 <= rr <= 1.1 else 'NOT met'} | {pr:.2f} | {cr:.2f} | {'met' if cr <= 1 else 'NOT met'} |")
PY
echo
[ ${#SERVER_CPU[@]} -gt 0 ] && echo "servers pinned to CPU 0, load generators to CPU 1 (taskset)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; wrk $(wrk --version 2>&1 | awk 'NR==1{print $2}'); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
