#!/usr/bin/env bash
# edgectl bench against a test server with injected delays and faults (lib/delay_server.py):
# -n sends exactly N; percentiles land where the delays put them (within the histogram's
# precision plus scheduling slack); --rate holds its rate and, through a server stall,
# counts latency from the intended send time (coordinated omission corrected) where a
# closed loop does not; closed connections, timeouts and refused connections are errors;
# the JSON document has the documented shape; the baseline gate fails on an injected
# regression and passes otherwise.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
export NO_COLOR=1
lib=$(cd "$(dirname "$0")/lib" && pwd)
work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"

# start_server NAME ARGS...: a delay server; sets ${NAME}_port.
start_server() {
  local name=$1; shift
  python3 "$lib/delay_server.py" --lifetime 300 "$@" > "$name.port" &
  servers+=($!)
  for _ in $(seq 100); do grep -q port "$name.port" 2>/dev/null && break; sleep 0.05; done
  printf -v "${name}_port" '%s' "$(awk '/port/{print $2}' "$name.port")"
}
# field FILE EXPR: a value from a JSON result (EXPR indexes the document, e.g. ["runs"][0]["requests"]).
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d$2)" "$1"; }
# between VALUE LOW HIGH WHAT
between() {
  python3 -c "import sys; v,lo,hi=map(float,sys.argv[1:4]); sys.exit(0 if lo<=v<=hi else 1)" "$1" "$2" "$3" ||
    fail "$4: $1 is not within [$2, $3]"
}

start_server main
base="http://127.0.0.1:$main_port"

# -n: exactly N requests reach the server, each ends counted.
"$EDGECTL" bench "$base/delay/0" -n 1000 -c 10 -t 2 --json > n.json
[ "$(field n.json '["runs"][0]["requests"]')" = 1000 ] || fail "-n 1000 completed $(field n.json '["runs"][0]["requests"]')"
[ "$(curl -fsS "$base/count")" = 1000 ] || fail "-n 1000: the server received $(curl -fsS "$base/count")"
[ "$(field n.json '["runs"][0]["status"]["200"]')" = 1000 ] || fail "-n 1000: status counts"

# The JSON document: every documented field with its type.
python3 - n.json <<'PY' || fail "the JSON document does not have the documented shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "edgectl-bench/v1" and d["tool"]["name"] == "edgectl"
r = d["runs"][0]
num = (int, float)
for k in ("elapsed_s", "requests", "requests_per_s", "bytes", "bytes_per_s", "cpu_s", "cpu_us_per_request"):
    assert isinstance(r[k], num), k
for k in ("min", "mean", "stdev", "max", "p50", "p90", "p99", "p99.9", "p99.99"):
    assert isinstance(r["latency_us"][k], num), k
for k in ("connect", "timeout", "reset", "protocol", "total"):
    assert isinstance(r["errors"][k], int), k
c = r["config"]
assert c["connections"] == 10 and c["threads"] == 2 and c["requests"] == 1000 and c["duration_s"] is None and c["rate"] is None
assert isinstance(r["corrected"], bool) and r["corrected"] is False
assert r["histogram"]["unit"] == "ns" and sum(n for _, n in r["histogram"]["buckets"]) == r["requests"]
assert r["bytes"] > 0 and isinstance(r["timeline"], list)
PY

# Percentiles: 10 ms for 9 requests in 10, 50 ms for the 10th.
"$EDGECTL" bench "$base/mix" -c 4 -d 3s --json > mix.json
between "$(field mix.json '["runs"][0]["latency_us"]["p50"]')" 10000 14000 "p50 of /mix (µs)"
between "$(field mix.json '["runs"][0]["latency_us"]["p99"]')" 50000 60000 "p99 of /mix (µs)"
between "$(field mix.json '["runs"][0]["latency_us"]["min"]')" 10000 12000 "min of /mix (µs)"

# --rate holds the rate.
"$EDGECTL" bench "$base/delay/1" --rate 200 -c 4 -d 3s --json > rate.json
between "$(field rate.json '["runs"][0]["requests_per_s"]')" 190 205 "requests/s at --rate 200"
[ "$(field rate.json '["runs"][0]["corrected"]')" = True ] || fail "--rate: not marked corrected"

# Coordinated omission: the server stalls for 1 s, 1 s into the run. At a constant rate,
# the requests due during the stall wait for it, and their latency counts from when they
# were due: a third of the run is slow, p90 is hundreds of ms. A closed loop sends nothing
# while stalled, so only the requests in flight see it: its p90 stays small.
start_server stalled --stall-at 1 --stall-for 1
"$EDGECTL" bench "http://127.0.0.1:$stalled_port/delay/0" --rate 100 -c 2 -d 3s --json > open.json
between "$(field open.json '["runs"][0]["latency_us"]["p90"]')" 300000 1100000 "corrected p90 through a 1 s stall (µs)"
between "$(field open.json '["runs"][0]["latency_us"]["max"]')" 800000 1300000 "corrected max through a 1 s stall (µs)"
start_server stalled2 --stall-at 1 --stall-for 1
"$EDGECTL" bench "http://127.0.0.1:$stalled2_port/delay/0" -c 2 -d 3s --json > closed.json
between "$(field closed.json '["runs"][0]["latency_us"]["p90"]')" 0 100000 "closed-loop p90 through a 1 s stall (µs)"

# Errors: the server closing connections, a server that never answers, nobody listening.
# (A run in which nothing answered exits 1: `|| true`, the counts are what is checked.)
"$EDGECTL" bench "$base/close" -c 2 -n 50 --json > close.json || true
[ "$(field close.json '["runs"][0]["errors"]["reset"]')" = 50 ] || fail "/close: $(field close.json '["runs"][0]["errors"]')"
"$EDGECTL" bench "$base/hang" -c 2 -d 1s --timeout 200ms --json > hang.json || true
between "$(field hang.json '["runs"][0]["errors"]["timeout"]')" 4 12 "timeouts at 200 ms over 1 s on 2 connections"
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
set +e
"$EDGECTL" bench "http://127.0.0.1:$dead/" -c 2 -n 10 --json > dead.json
status=$?
set -e
[ "$status" = 1 ] || fail "a run with no response exits $status, expected 1"
[ "$(field dead.json '["runs"][0]["errors"]["connect"]')" = 10 ] || fail "connect errors: $(field dead.json '["runs"][0]["errors"]')"

# The baseline gate: the same load passes; three times the delay (p99 +200 %, requests/s
# -67 %) fails and names the figures. The allowance is wide because a Python test server's
# p99 moves by tens of percent between runs on a busy machine.
"$EDGECTL" bench "$base/delay/10" -c 10 -d 2s --json > baseline.json
"$EDGECTL" bench "$base/delay/10" -c 10 -d 2s --baseline baseline.json --max-regression 80% > pass.txt ||
  fail "the same load failed the gate: $(cat pass.txt)"
set +e
"$EDGECTL" bench "$base/delay/60" -c 10 -d 2s --baseline baseline.json --max-regression 80% --label "GET $base/delay/10" > regress.txt
status=$?
set -e
[ "$status" = 1 ] || fail "an injected regression exits $status: $(cat regress.txt)"
grep -q 'regression .*requests/s' regress.txt || fail "the gate does not name requests/s: $(cat regress.txt)"
grep -q 'regression .*p99' regress.txt || fail "the gate does not name p99: $(cat regress.txt)"

# Usage errors: exit 2 with a message.
set +e
"$EDGECTL" bench "$base/" -n 10 -d 1s > usage.txt 2>&1; status=$?
set -e
[ "$status" = 2 ] && grep -q "do not go together" usage.txt || fail "-n with -d: $status $(cat usage.txt)"
set +e
"$EDGECTL" bench "https://127.0.0.1:1/" -n 1 > https.txt 2>&1; status=$?
set -e
[ "$status" != 0 ] && grep -q "https is not supported" https.txt || fail "https: $status $(cat https.txt)"
echo ok
