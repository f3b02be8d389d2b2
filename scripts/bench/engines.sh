#!/usr/bin/env bash
# The aot engine against native code and V8, side by side in one run. Three parts, printed
# as Markdown tables:
#
#  (1) CPU kernels: recursive fib(FIB_N), a sieve of Eratosthenes to 20,000,000 (3 rounds),
#      a 400x400 double matrix multiply (8 times) and SHA-256 (a plain C implementation,
#      below) of 4 MiB of generated data, hashed 24 times as a chain. Each kernel is one
#      C file with a function `run(void)` returning a checksum, built
#        - to wasm: clang-19 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--export=run;
#        - natively: gcc -O2 (and clang-19 -O2, for reference: the wasm comes from clang's
#          front end, so gcc against clang shows what is the compiler and what is wasm),
#          with a tiny main printing run()'s result.
#      Each is timed as a whole process, start-up included (a kernel returning 0 shows
#      what start-up costs): the native binaries; `edgectl run --engine aot --invoke run`
#      on a warm aot cache (compile time excluded); Node's V8 through a tiny JS runner,
#      as node runs it by default (Liftoff first, TurboFan for hot functions: V8 has no
#      on-stack replacement for wasm, so a hot loop in run() itself stays in Liftoff code)
#      and with --no-liftoff (TurboFan only). All must print the same result, every run, or
#      the script fails. The commands alternate: each round runs every kernel's commands
#      once, the order rotating by round. Medians of wall time and of CPU time (user+sys).
#  (2) Instantiate-and-run of a WASI hello command (wasi-libc): `edgectl run --repeat
#      HELLO_RUNS --json` with --engine aot and --engine interp, 3 alternating rounds; the
#      round with the median p50 is shown.
#  (3) Compile and cache-hit time of the aot engine for the hello and for a generated
#      module of over 1 MiB of wasm (3000 distinct functions with switch statements, all
#      reachable from run() through a function table): first compile on an empty cache
#      (`--repeat 1 --json`: load_ms, and the process's wall time), then 5 cache hits
#      (median load_ms and wall time), and the size of the cache entry (du -sb).
#
# Usage: scripts/bench/engines.sh [RUNS]   (rounds of the kernels, default 5)
# Environment: EDGECTL (default build/cli/edgectl), HELLO_RUNS (default 10000),
#   FIB_N (default 42: ~0.4-0.6 s natively), NODE (default node).
#   XDG_CACHE_HOME is set to temporary folders: the user's aot cache is never touched.
#   EDGECTL is copied first, so a rebuild during the run does not mix two binaries.
# It takes 2-4 minutes on 2 cores: 5 rounds of the kernels (~15 s a round), clang-19
# building the big module (~15-30 s) and its first aot compile (~15-45 s, with the load).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
RUNS=${1:-5}
HELLO_RUNS=${HELLO_RUNS:-10000}
FIB_N=${FIB_N:-42}
NODE=${NODE:-node}
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
[ -x "$EDGECTL" ] || { echo "build edgectl first (scripts/test.sh or cmake --build build)"; exit 1; }
for tool in clang-19 gcc python3 "$NODE"; do
  command -v "$tool" >/dev/null || { echo "needs $tool (scripts/setup.sh installs it)"; exit 1; }
done

WORK=$(mktemp -d -t edgectl-bench-engines-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_CACHE_HOME="$WORK/cache"
# Time one binary throughout, even if the build tree is relinked while this runs.
cp "$EDGECTL" "$WORK/edgectl"
EDGECTL="$WORK/edgectl"
say() { echo "engines.sh: $*" >&2; }

# (1) CPU kernels. Written so that clang emits no memset/memcpy calls (-nostdlib has none).
cat > "$WORK/fib.c" <<EOF
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int run(void) { return fib($FIB_N); }
EOF
cat > "$WORK/sieve.c" <<'EOF'
#define N 20000000
#define ROUNDS 3
static unsigned char mark[N + 1]; /* mark[i] == r + 1: i is composite in round r */
int run(void) {
  int count = 0;
  for (int r = 0; r < ROUNDS; ++r) {
    unsigned char m = (unsigned char)(r + 1);
    for (int i = 2; i <= N; ++i) {
      if (mark[i] == m) continue;
      ++count;
      for (long long j = (long long)i * i; j <= N; j += i) mark[j] = m;
    }
  }
  return count;
}
EOF
cat > "$WORK/matmul.c" <<'EOF'
#define N 400
#define REPS 8
static double a[N][N], b[N][N], c[N][N];
double run(void) {
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) { a[i][j] = (i + j) % 7 * 0.5; b[i][j] = (i - j + N) % 5 * 0.25; }
  double trace = 0;
  for (int r = 0; r < REPS; ++r) {
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        double s = r;
        for (int k = 0; k < N; ++k) s += a[i][k] * b[k][j];
        c[i][j] = s;
      }
    for (int i = 0; i < N; ++i) trace += c[i][i];
  }
  return trace;
}
EOF
cat > "$WORK/sha256.c" <<'EOF'
/* SHA-256 (FIPS 180-4), straightforward, over DATA_BYTES of generated data (xorshift32),
   hashed ROUNDS times as a chain: each digest overwrites the data's first 32 bytes before
   the next round. run() returns the last digest's first 4 bytes, big-endian, or 0 if the
   implementation gets SHA-256("abc") wrong. */
#define DATA_BYTES (4u << 20)
#define ROUNDS 24
typedef unsigned int u32;
typedef unsigned long long u64;
static unsigned char data[DATA_BYTES];
static const u32 K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
static void compress(u32 h[8], const unsigned char *p) {
  u32 w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    u32 s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    u32 s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; ++i) {
    u32 t1 = hh + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    u32 t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}
static void sha256(const unsigned char *msg, u64 len, unsigned char out[32]) {
  u32 h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  u64 done = 0;
  for (; len - done >= 64; done += 64) compress(h, msg + done);
  /* The padded tail: the last rest bytes, 0x80, zeros, the length in bits (big-endian). */
  u64 rest = len - done, tail_len = rest + 9 <= 64 ? 64 : 128, bits = len * 8;
  unsigned char block[64];
  for (u64 off = 0; off < tail_len; off += 64) {
    for (u64 i = off; i < off + 64; ++i)
      block[i - off] = i < rest ? msg[done + i] : i == rest ? 0x80
                     : i >= tail_len - 8 ? (unsigned char)(bits >> (8 * (tail_len - 1 - i))) : 0;
    compress(h, block);
  }
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = (unsigned char)(h[i] >> 24); out[4 * i + 1] = (unsigned char)(h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(h[i] >> 8); out[4 * i + 3] = (unsigned char)h[i];
  }
}
static u32 first_word(const unsigned char *d) {
  return (u32)d[0] << 24 | (u32)d[1] << 16 | (u32)d[2] << 8 | d[3];
}
int run(void) {
  static const unsigned char abc[3] = {'a', 'b', 'c'};
  unsigned char digest[32];
  sha256(abc, 3, digest);
  if (first_word(digest) != 0xba7816bfu || first_word(digest + 28) != 0xf20015adu) return 0;
  u32 x = 2463534242u;
  for (u32 i = 0; i < DATA_BYTES; ++i) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; data[i] = (unsigned char)x; }
  for (int r = 0; r < ROUNDS; ++r) {
    sha256(data, DATA_BYTES, digest);
    for (int i = 0; i < 32; ++i) data[i] = digest[i];
  }
  return (int)first_word(digest);
}
EOF
cat > "$WORK/empty.c" <<'EOF'
int run(void) { return 0; }
EOF
cat > "$WORK/run.js" <<'EOF'
// Instantiates the module with no imports and prints what its `run` export returns.
const fs = require("fs");
const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(process.argv[2])), {});
console.log(String(instance.exports.run()));
EOF

# name:C type of run()'s result
kernels=(fib:int sieve:int matmul:double sha256:int empty:int)
say "building the kernels and warming the aot cache"
for entry in "${kernels[@]}"; do
  k=${entry%%:*}; type=${entry#*:}
  fmt='%d'; [ "$type" = double ] && fmt='%.17g'
  printf '#include <stdio.h>\n%s run(void);\nint main(void) { printf("%s\\n", run()); return 0; }\n' \
    "$type" "$fmt" > "$WORK/$k.main.c"
  clang-19 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--export=run "$WORK/$k.c" -o "$WORK/$k.wasm"
  gcc -O2 "$WORK/$k.c" "$WORK/$k.main.c" -o "$WORK/$k.gcc"
  clang-19 -O2 "$WORK/$k.c" "$WORK/$k.main.c" -o "$WORK/$k.clang"
  # The first aot load compiles and fills the cache; it must really be the aot engine.
  "$EDGECTL" run --engine aot --invoke run --repeat 1 --json "$WORK/$k.wasm" 2>/dev/null > "$WORK/$k.warm.json"
  python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d['engine'] != 'aot' or d['runs_by_engine'] != {'aot': 1})" \
    "$WORK/$k.warm.json" || { echo "$k: not run by the aot engine: $(cat "$WORK/$k.warm.json")" >&2; exit 1; }
done

say "timing the kernels: $RUNS alternating rounds"
python3 - "$WORK" "$EDGECTL" "$NODE" "$RUNS" "${kernels[@]%%:*}" <<'PY'
import json, math, os, resource, statistics, subprocess, sys, time
work, edgectl, node, runs, kernels = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
labels = ["gcc -O2", "clang-19 -O2", "aot", "node", "node --no-liftoff"]
def commands(k):
    w = f"{work}/{k}.wasm"
    return [[f"{work}/{k}.gcc"], [f"{work}/{k}.clang"], [edgectl, "run", "--engine", "aot", "--invoke", "run", w],
            [node, f"{work}/run.js", w], [node, "--no-liftoff", f"{work}/run.js", w]]
def run(argv):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr.strip()}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p.stdout.strip()
wall = {k: {l: [] for l in labels} for k in kernels}
cpu = {k: {l: [] for l in labels} for k in kernels}
result = {}
for r in range(runs):
    for k in kernels:
        cmds = list(zip(labels, commands(k)))
        for label, argv in cmds[r % len(cmds):] + cmds[:r % len(cmds)]:
            w, c, out = run(argv)
            result.setdefault(k, out)
            if float(out) != float(result[k]):
                sys.exit(f"{k}: {label} printed {out}, another printed {result[k]}")
            wall[k][label].append(w); cpu[k][label].append(c)
if float(result["sha256"]) == 0:
    sys.exit("sha256: the implementation fails its SHA-256(\"abc\") self-check")
geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
summary = {}
for title, data in (("wall time", wall), ("CPU time, user+sys", cpu)):
    med = {k: {l: statistics.median(data[k][l]) for l in labels} for k in kernels}
    print(f"\n## CPU kernels: {title} (median of {runs} alternating runs, seconds, whole process)\n")
    print("| kernel | result | gcc -O2 | clang-19 -O2 | edgectl aot | node (V8) | node --no-liftoff "
          "| aot / gcc | aot / clang | aot / V8 | aot / best V8 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {"native": [], "clang": [], "v8": [], "best": []}
    for k in kernels:
        m = med[k]
        best = min(m["node"], m["node --no-liftoff"])
        rn, rc, rv, rb = m["aot"] / m["gcc -O2"], m["aot"] / m["clang-19 -O2"], m["aot"] / m["node"], m["aot"] / best
        name = "start-up (run returns 0)" if k == "empty" else k
        print(f"| {name} | {result[k]} | " + " | ".join(f"{m[l]:.3f}" for l in labels)
              + f" | {rn:.2f} | {rc:.2f} | {rv:.2f} | {rb:.2f} |")
        if k != "empty":
            for key, x in (("native", rn), ("clang", rc), ("v8", rv), ("best", rb)): ratios[key].append(x)
    g = {key: geo(v) for key, v in ratios.items()}
    print(f"| **geomean** (4 kernels) | | | | | | | **{g['native']:.2f}** | **{g['clang']:.2f}** "
          f"| **{g['v8']:.2f}** | **{g['best']:.2f}** |")
    summary[title] = (g, ratios)
ok = lambda b: "met" if b else "MISSED"
for title, (g, ratios) in summary.items():
    print(f"\nTargets ({title}): geomean aot/gcc {g['native']:.2f} (≤ 1.25: {ok(g['native'] <= 1.25)}; "
          f"aot/clang {g['clang']:.2f}); aot faster than V8 on {sum(r < 1 for r in ratios['v8'])}/4 kernels, "
          f"geomean aot/V8 {g['v8']:.2f} (< 1: {ok(g['v8'] < 1)}; against the faster V8 setting per kernel "
          f"{g['best']:.2f})")
PY

# (2) hello, instantiated and run HELLO_RUNS times in one process, aot against interp.
cat > "$WORK/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello, edge"); return 0; }
EOF
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$WORK/hello.c" -o "$WORK/hello.wasm"
[ "$("$EDGECTL" run --engine aot "$WORK/hello.wasm" 2>/dev/null)" = "hello, edge" ] \
  || { echo "hello: the aot engine did not print 'hello, edge'" >&2; exit 1; }
say "hello: $HELLO_RUNS runs per process, 3 alternating rounds"
python3 - "$WORK" "$EDGECTL" "$HELLO_RUNS" <<'PY'
import json, os, statistics, subprocess, sys
work, edgectl, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rounds = {"aot": [], "interp": []}
for r in range(3):
    for engine in (["aot", "interp"] if r % 2 == 0 else ["interp", "aot"]):
        out = subprocess.run([edgectl, "run", "--engine", engine, "--repeat", str(n), "--json", f"{work}/hello.wasm"],
                             check=True, capture_output=True, text=True).stdout
        d = json.loads(out)
        if d["engine"] != engine or d["runs_by_engine"] != {engine: n}:
            sys.exit(f"hello: asked for {engine}, got {out}")
        rounds[engine].append(d)
print("\n## Instantiate and run a WASI hello command (one process, median round of 3)\n")
print(f"| engine | bytes | runs | p50 µs | p99 µs | mean µs | instantiate p50 µs | p50 of the 3 rounds |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
size = os.path.getsize(f"{work}/hello.wasm")
for engine, ds in rounds.items():
    d = sorted(ds, key=lambda d: d["p50_us"])[1]
    print(f"| {engine} | {size} | {d['runs']} | {d['p50_us']:.1f} | {d['p99_us']:.1f} | {d['mean_us']:.1f} "
          f"| {d['instantiate_p50_us']:.1f} | {', '.join('%.1f' % x['p50_us'] for x in ds)} |")
aot = sorted(x["p50_us"] for x in rounds["aot"])[1]
print(f"\nTarget: aot p50 {aot:.1f} µs (< 20 µs: {'met' if aot < 20 else 'MISSED'})")
PY

# (3) Compile and cache-hit time: the hello, and a generated module of over 1 MiB.
say "generating and building the big module (~30 s)"
python3 - > "$WORK/big.c" <<'PY'
# 3000 distinct functions, each a 7-way switch of mixed arithmetic, reached from run()
# through a function table (the linker keeps them all; nothing is inlined into run()).
import random
n, cases = 3000, 7
rnd = random.Random(20261122)
def op(v):
    a, s = rnd.randrange(1, 1 << 32) | 1, rnd.randrange(1, 31)
    return rnd.choice([
        f"{v} = {v} * {a}u + {rnd.randrange(1 << 32)}u;",
        f"{v} ^= ({v} >> {s}) | ({v} << {32 - s});",
        f"{v} += ({v} & {a}u) ? {v} >> {s} : {v} * {a}u;",
        f"{v} = ({v} ^ {a}u) - ({v} << {s});",
        f"{v} = {v} / ((({v} >> {s}) & 15u) + 1u) + {a}u;",
        f"{v} -= {v} % {rnd.randrange(3, 1000)}u * {a}u;"])
out = ["typedef unsigned u32;"]
for f in range(n):
    out.append(f"static u32 f{f}(u32 x) {{\n  u32 y = x ^ {rnd.randrange(1 << 32)}u;\n  switch (x % {cases}u) {{")
    for c in range(cases):
        out.append(f"  case {c}: " + " ".join(op(rnd.choice("xy")) for _ in range(3)) + " break;")
    out.append("  }\n  return x ^ (y * 2654435761u);\n}")
out.append("static u32 (*const table[])(u32) = {" + ", ".join(f"f{f}" for f in range(n)) + "};")
out.append(f"""u32 run(void) {{
  u32 acc = 1;
  for (u32 r = 0; r < 4; ++r)
    for (u32 i = 0; i < {n}; ++i) acc = table[i](acc + i);
  return acc;
}}""")
print("\n".join(out))
PY
clang-19 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -Wl,--export=run "$WORK/big.c" -o "$WORK/big.wasm"
big_bytes=$(wc -c < "$WORK/big.wasm")
[ "$big_bytes" -ge 1048576 ] || { echo "big.wasm is $big_bytes bytes, under 1 MiB: generate more" >&2; exit 1; }
say "big.wasm is $big_bytes bytes; first aot compiles and cache hits (~1 min)"
python3 - "$WORK" "$EDGECTL" "$NODE" <<'PY'
import json, os, re, statistics, subprocess, sys, time
work, edgectl, node = sys.argv[1], sys.argv[2], sys.argv[3]
modules = {"hello": (f"{work}/hello.wasm", [], 3), "big": (f"{work}/big.wasm", ["--invoke", "run"], 1)}
def load(name, cache):
    path, extra, _ = modules[name]
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    t0 = time.perf_counter()
    p = subprocess.run([edgectl, "run", "--engine", "aot", *extra, "--repeat", "1", "--json", path],
                       capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{name}: edgectl failed ({p.returncode}): {p.stderr.strip()}")
    d = json.loads(p.stdout)
    if d["engine"] != "aot" or d["runs_by_engine"] != {"aot": 1}:
        sys.exit(f"{name}: not run by the aot engine: {p.stdout}")
    m = re.search(r"compiling (\d+) parts? with (\S+) (-O\d)", p.stderr)
    return d["load_ms"], wall * 1000, (f"{m.group(1)} × {m.group(2)} {m.group(3)}" if m else None)
def du(cache):
    return int(subprocess.run(["du", "-sb", f"{cache}/edgectl/aot"], check=True, capture_output=True,
                              text=True).stdout.split()[0])
first, hits, sizes, how, caches = {}, {}, {}, {}, {}
for name, (_, _, compiles) in modules.items():
    first[name] = []
    for i in range(compiles):  # each on an empty cache
        caches[name] = f"{work}/cache-{name}-{i}"
        load_ms, wall, note = load(name, caches[name])
        if note is None:
            sys.exit(f"{name}: the first load did not compile")
        first[name].append((load_ms, wall)); how[name] = note
    sizes[name] = du(caches[name])
    hits[name] = []
for _ in range(5):  # cache hits, alternating between the two modules
    for name in modules:
        load_ms, wall, note = load(name, caches[name])
        if note is not None:
            sys.exit(f"{name}: a cache hit compiled again")
        hits[name].append((load_ms, wall))
# The big module must compute the same in the aot engine and in V8.
env = dict(os.environ, XDG_CACHE_HOME=caches["big"])
ours = subprocess.run([edgectl, "run", "--engine", "aot", "--invoke", "run", f"{work}/big.wasm"],
                      check=True, capture_output=True, text=True, env=env).stdout.strip()
v8 = subprocess.run([node, f"{work}/run.js", f"{work}/big.wasm"], check=True, capture_output=True, text=True).stdout.strip()
if ours != v8:
    sys.exit(f"big: aot printed {ours}, node {v8}")
med = lambda xs, i: statistics.median(x[i] for x in xs)
print("\n## aot compile (empty cache) and cache hit (`edgectl run --engine aot --repeat 1 --json`)\n")
print("| module | wasm bytes | compile | first load_ms | first wall ms | cache-hit load_ms (median of 5) "
      "| cache-hit wall ms | cache entry bytes (du -sb) |")
print("|---|---:|---|---:|---:|---:|---:|---:|")
for name, (path, _, compiles) in modules.items():
    label = "hello (C, wasi-libc)" if name == "hello" else "generated, 3000 functions"
    n = f" (median of {compiles})" if compiles > 1 else ""
    print(f"| {label} | {os.path.getsize(path)} | {how[name]} | {med(first[name], 0):.1f}{n} | {med(first[name], 1):.1f} "
          f"| {med(hits[name], 0):.2f} | {med(hits[name], 1):.1f} | {sizes[name]} |")
print("\nTarget: cache-hit load < 5 ms: " + "; ".join(
    f"{name} {med(hits[name], 0):.2f} ms ({'met' if med(hits[name], 0) < 5 else 'MISSED'})" for name in modules))
PY
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(gcc --version | head -n 1);" \
  "$(clang-19 --version | head -n 1); node $("$NODE" --version); $RUNS alternating rounds"
