#!/usr/bin/env bash
# Runtime benchmarks for the interp engine. Two parts, printed as Markdown tables:
#
#  (a) Instantiate-and-run: a WASI "hello" command (C, wasi-libc) run HELLO_RUNS times
#      (default 10,000) in one process with `edgectl run --engine interp --repeat N --json`. Each run is a
#      fresh WASI context, instantiation, _start, and release. The guest's output is
#      captured and dropped. Reports µs per run (p50, p99, mean) and the instantiation
#      p50.
#  (b) CPU kernels, exported without WASI: recursive fib(27), a sieve of Eratosthenes up
#      to 2,000,000, and a 300x300 double matrix multiply. Each is built from C with
#      clang-19 (--target=wasm32 -nostdlib) and exports one `run` function with no
#      parameters. Three programs time it, each as a whole process (hyperfine), so
#      start-up is included:
#        - `edgectl run --invoke run`;
#        - wabt's own `wasm-interp --run-all-exports`, the same interpreter without
#          edgectl's stepping loop;
#        - Node's V8, through a tiny JS runner (a JIT: the gap shows what an AOT engine
#          could win).
#      The three must print the same result, or the script fails.
#
# Usage: scripts/bench/runtime.sh [RUNS]   (hyperfine runs per command, default 3)
# Environment: EDGECTL (default build/cli/edgectl), HELLO_RUNS (default 10000).
# It takes about a minute: the matrix multiply runs for seconds in either interpreter.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
RUNS=${1:-3}
HELLO_RUNS=${HELLO_RUNS:-10000}
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
[ -x "$EDGECTL" ] || { echo "build edgectl first (scripts/test.sh or cmake --build build)"; exit 1; }
for tool in clang-19 hyperfine wasm-interp python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh installs it)"; exit 1; }
done
HAVE_NODE=0
command -v node >/dev/null && HAVE_NODE=1

WORK=$(mktemp -d -t edgectl-bench-runtime-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# (a) hello, instantiated and run HELLO_RUNS times in one process.
cat > "$WORK/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello, edge"); return 0; }
EOF
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$WORK/hello.c" -o "$WORK/hello.wasm"
"$EDGECTL" run --engine interp --repeat "$HELLO_RUNS" --json "$WORK/hello.wasm" > "$WORK/hello.json"
python3 - "$WORK/hello.json" "$(wc -c < "$WORK/hello.wasm")" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("## Instantiate and run a WASI hello command (one process)\n")
print("| module | bytes | runs | p50 µs | p99 µs | mean µs | instantiate p50 µs |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(f"| hello (C, wasi-libc) | {sys.argv[2]} | {d['runs']} | {d['p50_us']:.1f} | {d['p99_us']:.1f} "
      f"| {d['mean_us']:.1f} | {d['instantiate_p50_us']:.1f} |")
EOF

# (b) CPU kernels: one module each, one export `run` without parameters.
cat > "$WORK/fib.c" <<'EOF'
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
__attribute__((export_name("run"))) int run(void) { return fib(27); }
EOF
cat > "$WORK/sieve.c" <<'EOF'
#define N 2000000
static unsigned char composite[N + 1];
__attribute__((export_name("run"))) int run(void) {
  int count = 0;
  for (int i = 2; i <= N; ++i) {
    if (composite[i]) continue;
    ++count;
    for (long long j = (long long)i * i; j <= N; j += i) composite[j] = 1;
  }
  return count;
}
EOF
cat > "$WORK/matmul.c" <<'EOF'
#define N 300
static double a[N][N], b[N][N], c[N][N];
__attribute__((export_name("run"))) double run(void) {
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) { a[i][j] = (i + j) % 7 * 0.5; b[i][j] = (i - j + N) % 5 * 0.25; }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < N; ++k) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  double trace = 0;
  for (int i = 0; i < N; ++i) trace += c[i][i];
  return trace;
}
EOF
cat > "$WORK/run.js" <<'EOF'
// Instantiates the module with no imports and prints what its `run` export returns.
const fs = require("fs");
const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(process.argv[2])), {});
console.log(String(instance.exports.run()));
EOF

kernels=(fib sieve matmul)
for k in "${kernels[@]}"; do
  clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry "$WORK/$k.c" -o "$WORK/$k.wasm"
  # Every engine must compute the same thing (wasm-interp prints floats with %g: 6 digits).
  ours=$("$EDGECTL" run --engine interp --invoke run "$WORK/$k.wasm")
  theirs=$(wasm-interp --run-all-exports "$WORK/$k.wasm" | sed -E 's/^run\(\) => [if](32|64):(.*)$/\2/')
  python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-5 * abs(a))" \
    "$ours" "$theirs" || { echo "$k: edgectl printed $ours, wasm-interp $theirs" >&2; exit 1; }
  if [ "$HAVE_NODE" = 1 ]; then
    v8=$(node "$WORK/run.js" "$WORK/$k.wasm")
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) == float(sys.argv[2]) else 1)" "$ours" "$v8" \
      || { echo "$k: node printed $v8" >&2; exit 1; }
  fi
  commands=("$EDGECTL run --engine interp --invoke run $WORK/$k.wasm" "wasm-interp --run-all-exports $WORK/$k.wasm")
  [ "$HAVE_NODE" = 1 ] && commands+=("node $WORK/run.js $WORK/$k.wasm")
  hyperfine --style none --runs "$RUNS" --export-json "$WORK/$k.json" "${commands[@]}" >/dev/null
  echo "$ours" > "$WORK/$k.result"
done

python3 - "$WORK" "${kernels[@]}" <<'EOF'
import json, sys
work, kernels = sys.argv[1], sys.argv[2:]
print("\n## CPU kernels (whole process, mean ± stddev of hyperfine runs, seconds)\n")
print("| kernel | result | edgectl run --invoke | wasm-interp | node (V8) | edgectl / wasm-interp | edgectl / node |")
print("|---|---:|---:|---:|---:|---:|---:|")
for k in kernels:
    rs = json.load(open(f"{work}/{k}.json"))["results"]
    cell = lambda r: f"{r['mean']:.3f} ± {r['stddev'] or 0:.3f}"
    ours, interp = rs[0], rs[1]
    node = rs[2] if len(rs) > 2 else None
    result = open(f"{work}/{k}.result").read().strip()
    print(f"| {k} | {result} | {cell(ours)} | {cell(interp)} | {cell(node) if node else 'n/a'} "
          f"| {ours['mean'] / interp['mean']:.2f}x | {(ours['mean'] / node['mean']) if node else float('nan'):.1f}x |")
EOF
