#!/usr/bin/env bash
# edgectl bench --ws (docs/bench.md, "WebSocket load") against edgectl serve of an echo
# component: connections opened and held, message round trips, handshake refusals (503)
# counted with exit 1, drops by close code (the idle timeout's 1001), and usage errors.
set -euo pipefail

lib=$(cd "$(dirname "$0")/lib" && pwd)
source "$lib/serve.sh"
serve_prologue clang-19 curl python3

# Usage errors first: they need no server.
for url in http://127.0.0.1:1/ws wss://127.0.0.1:1/ws; do
  set +e
  "$EDGECTL" bench --ws "$url" -c 1 --hold 1s >out.txt 2>err.txt
  code=$?
  set -e
  [ "$code" = 2 ] || fail "--ws $url: exit $code, expected 2"
done
grep -q 'wss:// is not supported' err.txt || fail "wss:// refused without saying why: $(cat err.txt)"

# An echo: nothing on open, each message sent back.
cat > app.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  const char* ev = getenv("WS_EVENT");
  if (!ev || strcmp(ev, "message")) return 0;
  static char msg[1 << 16];
  size_t n = fread(msg, 1, sizeof msg, stdin);
  fwrite(msg, 1, n, stdout);
  return 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 app.c -o app.wasm
cat > edgectl.toml <<'TOML'
[app]
name = "ws-echo"

[[component]]
id = "app"
source = "app.wasm"

[[route]]
path = "/ws"
component = "app"
websocket = true
TOML

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
# Runs bench with the given arguments, --json into $1; sets $status.
bench_json() {
  local out=$1
  shift
  set +e
  "$EDGECTL" bench --ws "ws://127.0.0.1:$port/ws" --json "$@" >"$out" 2>bench_err.txt
  status=$?
  set -e
}
# Evaluates a Python expression over the `ws` object of a result file.
check() {
  local file=$1 expr=$2 what=$3
  python3 - "$file" "$expr" <<'PY' || fail "$what: $(python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["ws"]; [w.pop(k) for k in ("connect_histogram","round_trip_histogram")]; print(json.dumps(w))' "$file" 2>/dev/null || cat "$file")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "edgectl-bench/v1" and doc["runs"] == []
ws = doc["ws"]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

start_server --engine interp
# (1) 200 connections held for 2 s: all open, none dropped.
bench_json hold.json -c 200 --hold 2s
[ "$status" = 0 ] || fail "holding 200: exit $status: $(cat bench_err.txt)"
check hold.json 'ws["opened"] == 200 and ws["dropped"]["total"] == 0 and ws["failed"]["total"] == 0' "holding 200"
check hold.json 'ws["connect_us"]["p50"] > 0 and ws["connect_us"]["count"] == 200' "connect times"
check hold.json 'ws["messages_sent"] == 0 and ws["rate"] is None' "no messages without --rate"

# (2) 200 messages/s over 20 connections for 2 s: ~400 round trips.
bench_json rate.json -c 20 --hold 2s --rate 200 --message hi
[ "$status" = 0 ] || fail "messages: exit $status: $(cat bench_err.txt)"
check rate.json '320 <= ws["round_trip_us"]["count"] <= 480 and ws["round_trip_us"]["p50"] > 0' "round trips"
check rate.json 'ws["message"] == "hi" and ws["messages_received"] >= ws["round_trip_us"]["count"]' "messages"

# The table.
"$EDGECTL" bench --ws "ws://127.0.0.1:$port/ws" -c 5 --hold 200ms >table.txt 2>&1 || fail "table: $(cat table.txt)"
grep -Eq '^  opened +5$' table.txt || fail "no 'opened 5' line: $(cat table.txt)"
grep -Eq '^  connect +p50 .* ms$' table.txt || fail "no connect percentiles: $(cat table.txt)"
stop_server

start_server --engine interp --ws-idle-timeout 1s --ws-max-connections 50
# (4) The idle timeout closes quiet connections with 1001 during the hold.
bench_json idle.json -c 20 --hold 3s
[ "$status" = 0 ] || fail "idle: exit $status: $(cat bench_err.txt)"
check idle.json 'ws["opened"] == 20 and ws["dropped"]["close"].get("1001") == 20' "idle drops counted by close code"

# (3) Over the server's connection limit: 50 refused with 503, exit 1. The server first lets
# the last run's connections go.
for _ in $(seq 100); do
  curl -fsS "$base/_edgectl/metrics" | grep -q '^edgectl_websocket_connections 0$' && break
  sleep 0.05
done
bench_json limit.json -c 100 --hold 200ms
[ "$status" = 1 ] || fail "over the limit: exit $status, expected 1"
check limit.json 'ws["opened"] == 50 and ws["failed"]["status"].get("503") == 50' "503 refusals"
set +e
"$EDGECTL" bench --ws "ws://127.0.0.1:$port/ws" -c 100 --hold 200ms >limit.txt 2>&1
set -e
grep -q 'opened 50 of 100 connections' limit.txt || fail "no message for the refused connections: $(cat limit.txt)"
grep -q 'status 503: 50' limit.txt || fail "the table does not show the 503s: $(cat limit.txt)"
echo "ok"
