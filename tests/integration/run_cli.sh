#!/usr/bin/env bash
# edgectl run end to end: stdio, exit codes, arguments, --env, --dir, --invoke, traps,
# timeouts, fuel, .wat input, the load policy, --repeat, and usage errors.
set -euo pipefail

: "${EDGECTL:?set EDGECTL to the edgectl binary}"
command -v clang-19 >/dev/null || { echo "skip: clang-19 not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
export NO_COLOR=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_eq() {  # expect_eq EXPECTED ACTUAL WHAT
  [[ "$1" == "$2" ]] || fail "$3: expected '$1', got '$2'"
}
expect_in() {  # expect_in NEEDLE HAYSTACK
  [[ "$2" == *"$1"* ]] || fail "expected '$1' in:"$'\n'"$2"
}
# Runs edgectl, keeping stdout, stderr and the exit status apart.
run() {
  set +e
  "$EDGECTL" "$@" >out.txt 2>err.txt
  status=$?
  set -e
  out=$(cat out.txt)
  err=$(cat err.txt)
}
cc_wasi() {  # cc_wasi NAME <<C source
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -x c - -o "$1.wasm"
}

cc_wasi echo <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char** argv) {
  printf("argv0=%s\n", argv[0]);
  for (int i = 1; i < argc; ++i) printf("arg=%s\n", argv[i]);
  const char* greeting = getenv("GREETING");
  const char* home = getenv("HOME");
  printf("GREETING=%s HOME=%s\n", greeting ? greeting : "-", home ? home : "-");
  if (argc > 2 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  return 0;
}
EOF

cc_wasi upper <<'EOF'
#include <ctype.h>
#include <stdio.h>
int main(void) { int c; while ((c = getchar()) != EOF) putchar(toupper(c)); return 0; }
EOF

cc_wasi files <<'EOF'
#include <stdio.h>
int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/data";
  char path[256], buf[128] = {0};
  snprintf(path, sizeof path, "%s/in.txt", dir);
  FILE* in = fopen(path, "r");
  if (!in) { perror("open in.txt"); return 10; }
  fread(buf, 1, sizeof buf - 1, in);
  fclose(in);
  snprintf(path, sizeof path, "%s/out.txt", dir);
  FILE* out = fopen(path, "w");
  if (!out) { perror("open out.txt"); return 11; }
  fprintf(out, "copy: %s", buf);
  fclose(out);
  return 0;
}
EOF

# stdout, argv[0] (the module's file name) and the arguments after --.
run run echo.wasm -- one "two words" --three
expect_eq 0 "$status" "exit status"
expect_eq $'argv0=echo.wasm\narg=one\narg=two words\narg=--three\nGREETING=- HOME=-' "$out" "stdout"

# The guest's exit code is ours.
run run echo.wasm -- exit 42
expect_eq 42 "$status" "guest exit code"

# Only the environment given: NAME=VALUE, and NAME alone passes the host's value.
HOME=/home/edge run run --env GREETING=hi --env HOME echo.wasm
expect_in "GREETING=hi HOME=/home/edge" "$out"

# stdin is the process's.
out=$(printf 'edge functions\n' | "$EDGECTL" run upper.wasm)
expect_eq "EDGE FUNCTIONS" "$out" "piped stdin"

# --dir HOST::GUEST is read-write; --dir-ro is read-only; HOST alone is seen as given.
mkdir data
echo "payload" > data/in.txt
run run --dir "$work/data::/data" files.wasm
expect_eq 0 "$status" "--dir read/write ($err)"
expect_eq "copy: payload" "$(cat data/out.txt)" "file written through --dir"
rm data/out.txt
run run --dir-ro "$work/data::/data" files.wasm
expect_eq 11 "$status" "--dir-ro refuses writes"
[[ ! -e data/out.txt ]] || fail "--dir-ro let the guest write"
run run --dir data files.wasm -- data
expect_eq 0 "$status" "--dir HOST as the guest path ($err)"
run run files.wasm
expect_eq 10 "$status" "no --dir, no files"

# --invoke prints each result on its own line; arguments are typed by the export.
cat > kernels.wat <<'EOF'
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "mix") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (local.get 0) (local.get 1) (local.get 2) (local.get 3))
  (func (export "inf") (result f64 f32) (f64.const -inf) (f32.const nan))
  (func $divide (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "spin") (loop $l (br $l)))
  (memory 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
EOF
run run --invoke fib kernels.wat 20
expect_eq "6765" "$out" "--invoke fib"
run run --invoke mix kernels.wat -- -1 -9000000000 0.1 2.5e-10
expect_eq $'-1\n-9000000000\n0.1\n2.5e-10' "$out" "--invoke mixed types"
run run --invoke inf kernels.wat
expect_eq $'-inf\nnan' "$out" "--invoke non-finite floats"
run run --invoke fib kernels.wat x
expect_eq 1 "$status" "a bad --invoke argument"
expect_in "argument 1 'x' is not an i32" "$err"
run run --invoke nope kernels.wat
expect_eq 1 "$status" "a missing export"
expect_in "has no export named 'nope'" "$err"

# A trap: 134, the kind and message, and where.
run run --invoke div kernels.wat 1 0
expect_eq 134 "$status" "trap exit status"
expect_in "error: wasm trap: integer divide by zero" "$err"
expect_in "  at divide (function body at offset 0x" "$err"

# A timeout: 124; fuel: 125.
start=$(date +%s%N)
run run --invoke spin --timeout 200ms kernels.wat
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq 124 "$status" "timeout exit status"
expect_in "error: wasm trap: timeout: exceeded the time limit of 200ms" "$err"
(( elapsed_ms < 5000 )) || fail "the timeout took ${elapsed_ms} ms"
run run --invoke spin --fuel 100000 kernels.wat
expect_eq 125 "$status" "out-of-fuel exit status"
expect_in "out of fuel: used all 100000 units of fuel" "$err"

# --max-memory: memory.grow past it returns -1.
run run --invoke grow --max-memory 128KiB kernels.wat 1
expect_eq "1" "$out" "grow within the cap"
run run --invoke grow --max-memory 128KiB kernels.wat 2
expect_eq "-1" "$out" "grow past the cap"

# A .wat command with its own proc_exit.
cat > exit.wat <<'EOF'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))
EOF
run run exit.wat
expect_eq 3 "$status" ".wat command exit code"

# The load policy names each refused import.
cat > imports.wat <<'EOF'
(module
  (import "env" "foo" (func))
  (import "wasi_snapshot_preview1" "not_a_function" (func)))
EOF
run run imports.wat
expect_eq 1 "$status" "refused imports"
expect_in "import 'env.foo'" "$err"
expect_in "import 'wasi_snapshot_preview1.not_a_function' is not a WASI preview1 function" "$err"

# --repeat N --json: timings of N fresh instances.
run run --repeat 50 --json echo.wasm
expect_eq 0 "$status" "--repeat"
python3 - out.txt <<'EOF' || fail "--repeat --json output: $out"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["runs"] == 50, d
assert 0 < d["p50_us"] <= d["p99_us"], d
EOF

# Usage errors are 2; a missing file is 1.
run run --max-memory lots echo.wasm
expect_eq 2 "$status" "bad --max-memory"
run run --timeout soon echo.wasm
expect_eq 2 "$status" "bad --timeout"
run run missing.wasm
expect_eq 1 "$status" "missing module"
run run --help
expect_in "Examples:" "$out"
expect_in "124 timeout" "$out"

echo "run_cli: all checks passed"
