#!/usr/bin/env bash
# edgectl serve --health-path/--metrics-path: the health check and the metrics move, and
# their default paths go to the app like any other path.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue curl python3

# A module that answers every path with "from the app".
cat > app.wat <<'WAT'
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Content-Type: text/plain\n\nfrom the app")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 38))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
WAT
"$EDGECTL" serve --listen "127.0.0.1:$port" --engine interp --health-path /healthz --metrics-path /internal/metrics app.wat \
  >"$work/log.txt" 2>"$work/err.txt" &
server_pid=$!
for _ in $(seq 200); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.05; done

[ "$(curl -fsS "$base/healthz")" = ok ] || fail "--health-path /healthz: $(curl -sS "$base/healthz")"
curl -fsS "$base/internal/metrics" | grep -q '^edgectl_requests_total' || fail "--metrics-path: no metrics"
[ "$(curl -fsS "$base/_edgectl/health")" = "from the app" ] || fail "the old health path should reach the app"
grep -q '/healthz' "$work/log.txt" || fail "the banner does not name the health path"

set +e
"$EDGECTL" serve --health-path healthz app.wat >/dev/null 2>"$work/usage.txt"
status=$?
set -e
[ "$status" = 2 ] && grep -q "absolute path" "$work/usage.txt" || fail "a relative --health-path: $status $(cat "$work/usage.txt")"
echo "serve_paths: ok"
