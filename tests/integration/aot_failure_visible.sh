#!/usr/bin/env bash
# A module the aot toolchain cannot take (wasm2c 1.0.32 aborts on a v128 parameter) is never
# a silent fallback:
#   - serve (auto) answers on the interpreter, says why as a warning in its log, and counts
#     it in /_edgectl/metrics as edgectl_aot_compile_failures_total{component="main"} 1;
#   - the failure is recorded in the aot cache: `cache list` (table and --json) names it, the
#     next start says so at once without running wasm2c again, `cache clear` forgets it;
#   - `run --engine aot` warns and still runs the module.
set -euo pipefail
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
serve_prologue python3 curl wat2wasm wasm2c cc
export XDG_CACHE_HOME=$work/cache

cat >simd.wat <<'WAT'
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Content-Type: text/plain\n\nsimd\n")
  (func $lane (export "lane") (param v128) (result i32) (i32x4.extract_lane 0 (local.get 0)))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 31))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
WAT
wat2wasm simd.wat -o simd.wasm

start_server simd.wasm
[ "$(curl -fsS "$base/")" = "simd" ] || fail "the module did not answer on the interpreter"
# The background compile fails within seconds (wasm2c aborts at once); bounded wait.
for _ in $(seq 300); do
  grep -q "cannot compile" "$work/err.txt" && break
  sleep 0.1
done
grep -q "^warning: .*cannot compile 'simd.wasm' to native code: wasm2c crashed" "$work/err.txt" ||
  fail "no warning naming the failed native compile: $(cat "$work/err.txt")"
grep -q "stays on the interpreter" "$work/err.txt" || fail "the warning does not say where the module runs"
[ "$(metric 'edgectl_aot_compile_failures_total\{component="main"\}')" = 'edgectl_aot_compile_failures_total{component="main"} 1' ] ||
  fail "metric: $(metric edgectl_aot_compile_failures_total)"
[ "$(curl -fsS "$base/")" = "simd" ] || fail "no answer after the failed compile"
metric 'edgectl_component_engine' | grep -q 'engine="interp"' || fail "engine metric: $(metric edgectl_component_engine)"
stop_server

# Recorded: the cache lists it, with why.
"$EDGECTL" cache list >list.txt
grep -q "FAILED" list.txt || fail "cache list shows no FAILED entry: $(cat list.txt)"
grep -q "^failed  .*simd.wasm.*wasm2c crashed" list.txt || fail "cache list does not say why: $(cat list.txt)"
"$EDGECTL" cache list --json | python3 -c '
import json, sys
e = json.load(sys.stdin)["entries"]
assert len(e) == 1 and "wasm2c crashed" in e[0]["failure"], e
' || fail "cache list --json has no failure"

# The next start says so at once, from the cache entry (no second wasm2c run).
start_server simd.wasm
for _ in $(seq 300); do
  grep -q "cannot compile" "$work/err.txt" && break
  sleep 0.1
done
grep -q "recorded in the aot cache" "$work/err.txt" || fail "the second start did not use the recorded failure: $(cat "$work/err.txt")"
[ "$(metric 'edgectl_aot_compile_failures_total\{component="main"\}')" = 'edgectl_aot_compile_failures_total{component="main"} 1' ] ||
  fail "metric after restart: $(metric edgectl_aot_compile_failures_total)"
stop_server

# run --engine aot: a warning, and the module still runs.
"$EDGECTL" run --engine aot simd.wasm >run.txt 2>run_err.txt || fail "run failed: $(cat run_err.txt)"
grep -q "simd" run.txt || fail "run printed: $(cat run.txt)"
grep -q "^warning: .*cannot compile" run_err.txt || fail "run did not warn: $(cat run_err.txt)"

# cache clear forgets it; the next compile tries again (and fails again, recorded again).
"$EDGECTL" cache clear >/dev/null
"$EDGECTL" cache list | grep -q "empty" || fail "cache clear kept the failure"
echo "ok: a refused native compile is a warning, a metric and a cache entry"
