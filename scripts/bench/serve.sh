#!/usr/bin/env bash
# Server benchmarks for `edgectl serve` (first part: edgectl alone; the side-by-side runs
# against nginx and workerd that issue 5 asks for are not written yet). Everything runs on
# 127.0.0.1 and stops by itself; the server is stopped by its PID.
#
#  (a) Cold start: from starting `edgectl serve` to the first 200 response from the
#      scaffolded http-c hello, with a warm aot cache (`edgectl build --aot` first), COLD_RUNS
#      times (default 10); median and max in ms. Target: under 50 ms.
#  (b) Throughput: wrk against the hello handler (native code, a fresh instance per
#      request) at 64 and 256 connections, DURATION seconds each (default 10): requests per
#      second, p50 and p99 latency. wrk runs on the same machine, so it takes CPU from the
#      server: compare figures from the same machine only.
#
# Usage: scripts/bench/serve.sh
# Environment: EDGECTL (default build/cli/edgectl), COLD_RUNS, DURATION.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
COLD_RUNS=${COLD_RUNS:-10}
DURATION=${DURATION:-10}
[ -x "$EDGECTL" ] || { echo "build edgectl first (scripts/test.sh or cmake --build build)"; exit 1; }
for tool in wrk curl python3 clang-19; do
  command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh installs it)"; exit 1; }
done

WORK=$(mktemp -d -t edgectl-bench-serve-XXXXXX)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export XDG_CACHE_HOME="$WORK/cache"
cd "$WORK"
"$EDGECTL" new http-c hello >/dev/null
cd hello
"$EDGECTL" build --aot >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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

# (b) Throughput.
"$EDGECTL" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 200); do curl -fsS "$url" >/dev/null 2>&1 && break; sleep 0.05; done
engine=$(curl -fsS "http://127.0.0.1:$port/_edgectl/metrics" | python3 -c 'import re,sys; print((re.findall(r"engine=\"(\w+)\"", sys.stdin.read()) or ["?"])[0])')
rows=()
for conns in 64 256; do
  out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --latency "$url")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out" | tr '\n' ' ')
  rows+=("| edgectl serve (hello, $engine) | $conns | $rps | $p50 | $p99 | ${errors:-none} |")
done

echo "## edgectl serve: cold start with a warm aot cache ($cold_runs runs)"
echo
echo "| median ms | max ms | target |"
echo "|---:|---:|---|"
echo "| $cold_median | $cold_max | < 50 ms |"
echo
echo "## edgectl serve: throughput (wrk -t2, ${DURATION}s, same machine)"
echo
echo "| server | connections | requests/s | p50 | p99 | errors |"
echo "|---|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(wrk --version 2>&1 | head -1 | cut -c1-40)"
