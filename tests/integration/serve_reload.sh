#!/usr/bin/env bash
# edgectl serve --watch: hot reload under continuous load with zero failed requests, a
# broken new module that leaves the old one serving, and SIGHUP.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl python3

for v in v1 v2 v3; do
  printf '#include <stdio.h>\nint main(void) { printf("Content-Type: text/plain\\n\\n%s"); return 0; }\n' "$v" > $v.c
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 $v.c -o $v.wasm
done
mkdir app && cp v1.wasm app/app.wasm
cat > app/edgectl.toml <<'TOML'
[app]
name = "reloadtest"

[[component]]
id = "app"
source = "app.wasm"

[[route]]
path = "/..."
component = "app"
TOML
# A new version arrives as editors and build tools deliver it: a temporary file, renamed.
deliver() { cp "$1" app/.incoming.wasm && mv app/.incoming.wasm app/app.wasm; }

start_server app --watch --engine interp

# Continuous load from 4 keep-alive clients until stop.flag appears.
python3 - "$port" > load.txt <<'PY' &
import http.client, os, sys, threading, collections
port = int(sys.argv[1])
counts = collections.Counter()
lock = threading.Lock()
def client():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not os.path.exists("stop.flag"):
        try:
            conn.request("GET", "/x")
            r = conn.getresponse()
            key = f"{r.status} {r.read().decode()}"
            if not os.path.exists("load.started"):
                open("load.started", "w").close()
        except Exception as e:
            key = f"error {type(e).__name__}"
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with lock:
            counts[key] += 1
threads = [threading.Thread(target=client) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
for k, v in sorted(counts.items()): print(f"{v} {k}")
PY
load_pid=$!
wait_for() {  # wait_for BODY: until the server answers BODY (at most 20 s: ctest runs the Go native compiles beside it)
  for _ in $(seq 400); do
    [ "$(curl -sS "http://127.0.0.1:$port/x")" = "$1" ] && return 0
    sleep 0.05
  done
  fail "the server did not switch to $1"
}
# v1 must be seen under load before v2 arrives (a busy machine starts python slowly).
for _ in $(seq 400); do [ -e load.started ] && break; sleep 0.05; done
[ -e load.started ] || fail "the load did not start"
sleep 0.3
deliver v2.wasm
wait_for v2
sleep 0.3
# A broken module: the old one keeps serving, and the log says why.
printf 'not wasm' > bad.wasm
deliver bad.wasm
for _ in $(seq 400); do grep -q 'reload failed' err.txt && break; sleep 0.05; done
grep -q 'reload failed' err.txt || fail "no 'reload failed' for a broken module"
[ "$(curl -sS "http://127.0.0.1:$port/x")" = "v2" ] || fail "a broken module replaced the serving one"
# SIGHUP reloads too (here: the fixed module, delivered while the watcher sees it as well).
cp v3.wasm app/app.wasm.new && mv app/app.wasm.new app/app.wasm
kill -HUP "$server_pid"
wait_for v3
sleep 0.3
touch stop.flag
wait "$load_pid"
cat load.txt
python3 - load.txt <<'PY' || fail "requests failed during reloads"
import sys
seen = {}
for line in open(sys.argv[1]):
    n, key = line.split(" ", 1)
    seen[key.strip()] = int(n)
bad = {k: v for k, v in seen.items() if not k.startswith("200 ")}
assert not bad, bad
assert seen.get("200 v1", 0) > 0 and seen.get("200 v2", 0) > 0 and seen.get("200 v3", 0) > 0, seen
PY
echo "serve_reload: ok"
