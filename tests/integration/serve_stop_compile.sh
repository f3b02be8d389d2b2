#!/usr/bin/env bash
# Ctrl-C or SIGTERM while native code compiles in the background: edgectl serve exits at
# once (within 2 s, far inside the 10 s request grace), stops the compiler processes it
# started (wasm2c, the C compiler's driver and cc1), reaps them (no defunct process left)
# and removes the cache's temporary build folder.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue wasm2c cc curl python3
export XDG_CACHE_HOME="$work/cache"

# A module whose native compile takes long (tens of seconds here).
python3 "$EDGECTL_SOURCE_DIR/tests/integration/lib/big_wat.py" big.wat 3000 200

descendants() {  # PIDs below $1, any depth
  local kids
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
  for k in $kids; do echo "$k"; descendants "$k"; done
}

for sig in INT TERM; do
  rm -rf "$XDG_CACHE_HOME"
  start_server big.wat --engine auto
  curl -fsS --max-time 30 "$base/" | grep -q "big module" || fail "the interpreter did not answer"
  # Wait until the C compiler proper runs (cc1 under the driver), at most 120 s.
  compiler=
  for _ in $(seq 1200); do
    compiler=$(for p in $(descendants "$server_pid"); do
                 if [ "$(ps -o comm= -p "$p" 2>/dev/null)" = cc1 ]; then echo "$p"; fi; done)
    [ -n "$compiler" ] && break
    sleep 0.1
  done
  [ -n "$compiler" ] || fail "no cc1 under edgectl serve: $(cat "$work/err.txt")"
  tree=$(descendants "$server_pid" | tr '\n' ' ')
  [ -n "$(ls -d "$XDG_CACHE_HOME"/edgectl/aot/.tmp-* 2>/dev/null)" ] || fail "no temporary build folder while compiling"

  started=$(date +%s%N)
  kill -"$sig" "$server_pid"
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$server_pid" 2>/dev/null && fail "SIG$sig: edgectl serve still running after 5 s"
  wait "$server_pid" || true
  server_pid=
  elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  echo "SIG$sig during the native compile: exited in $elapsed_ms ms (compiler processes: $tree)"
  [ "$elapsed_ms" -le 2000 ] || fail "SIG$sig: exit took $elapsed_ms ms (limit 2000)"
  sleep 0.2
  for p in $tree; do
    if [ -e "/proc/$p" ]; then
      fail "SIG$sig: compiler process $p left behind: $(ps -o pid,ppid,stat,comm -p "$p" | tail -n1)"
    fi
  done
  leftover=$(ls -d "$XDG_CACHE_HOME"/edgectl/aot/.tmp-* 2>/dev/null || true)
  [ -z "$leftover" ] || fail "SIG$sig: temporary folder left behind: $leftover"
  grep -q "finishing requests in flight" "$work/err.txt" || fail "SIG$sig: no shutdown line: $(cat "$work/err.txt")"
done
echo "serve_stop_compile: ok"
