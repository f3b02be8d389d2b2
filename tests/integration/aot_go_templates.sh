#!/usr/bin/env bash
# The Go templates run natively (issue 15: every binaryen-optimised Go module once failed
# wasm2c translation with "declares 1670 functions but defines 1666"):
#   - http-go and kv-stock-go, built with Go 1.23 at the default settings, pre-compile with
#     `build --aot` without a warning, and `serve --engine aot` answers from native code
#     (edgectl_component_engine says aot, no compile failure counted);
#   - under auto with an empty aot cache, a large module gets the quick native tier (-O0)
#     first: the log says so and new requests run native code before the optimized tier
#     is ready.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
[[ $EDGECTL == */* ]] && EDGECTL=$(realpath "$EDGECTL")  # the test changes folder
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
export PATH="/usr/lib/go-1.23/bin:$PATH"
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
serve_prologue python3 curl wasm2c cc
command -v go >/dev/null || { echo "skip: Go >= 1.21 is not installed (golang-1.23-go from bookworm-backports)"; exit 77; }
top=$work

for template in http-go kv-stock-go; do
  mkdir "$top/$template" && cd "$top/$template"
  "$EDGECTL" new "$template" app >/dev/null
  cd app
  "$EDGECTL" build --aot >build.txt 2>&1 || fail "$template: build --aot: $(cat build.txt)"
  grep -qE "^  aot +(compiled to native code in|cache hit)" build.txt || fail "$template: not compiled natively: $(cat build.txt)"
  if grep -qi "warning" build.txt; then fail "$template: build --aot warned: $(cat build.txt)"; fi
  start_server --engine aot
  case $template in
    http-go) curl -fsS "$base/hello" | grep -q "^Hello from app" || fail "http-go: no greeting";;
    kv-stock-go)
      [ "$(curl -fsS -X PUT "$base/stock?n=5")" = '{"stock":5}' ] || fail "kv-stock-go: seeding"
      [ "$(curl -fsS "$base/stock")" = '{"stock":5}' ] || fail "kv-stock-go: GET /stock";;
  esac
  metric 'edgectl_component_engine\{component="app"' | grep -q 'engine="aot"} 1' ||
    fail "$template: not native: $(metric edgectl_component_engine)"
  [ "$(metric 'edgectl_aot_compile_failures_total\{component="app"\}')" = 'edgectl_aot_compile_failures_total{component="app"} 0' ] ||
    fail "$template: $(metric edgectl_aot_compile_failures_total)"
  stop_server
  echo "ok: $template runs natively"
done

# auto, empty cache: the quick tier first (bounded wait: -O0 of ~27 MB of C, both cores).
cd "$top/http-go/app"
export XDG_CACHE_HOME=$top/fresh-cache
start_server
grep -q "a quick tier first, then optimized" "$work/err.txt" || fail "no tiering note: $(cat "$work/err.txt")"
for _ in $(seq 1800); do
  grep -q "quick native code (-O0) ready" "$work/err.txt" && break
  kill -0 "$server_pid" || fail "serve exited"
  sleep 0.1
done
grep -q "quick native code (-O0) ready for" "$work/err.txt" || fail "no quick tier within 180 s: $(cat "$work/err.txt")"
curl -fsS "$base/hello" | grep -q "^Hello from app" || fail "no greeting on the quick tier"
metric 'edgectl_component_engine\{component="app"' | grep -q 'engine="aot"} 1' ||
  fail "quick tier not used: $(metric edgectl_component_engine)"
stop_server  # cancels the optimized compile in progress
echo "ok: the quick native tier serves first"
