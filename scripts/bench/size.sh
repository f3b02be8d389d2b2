#!/usr/bin/env bash
# Size and speed of edgectl's post-processing (validate → strip → optimize -Oz → check →
# write) against the same work done by hand with `wasm-strip` then `wasm-opt -Oz`, on the
# same compiled modules, side by side in one run (the two ways alternate run by run: the
# machine is shared and noisy).
#
# Modules: the http-c template (small), the http-rust template and the http-go template
# (GOOS=wasip1, ~2.4 MB: the "over 500 KB" case). Results go to stdout as a Markdown table.
# Usage: scripts/bench/size.sh [RUNS]   (default 5; Go's -Oz takes ~10-30 s per run)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
RUNS=${1:-5}
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
export PATH="/usr/lib/go-1.23/bin:$PATH"
[ -x "$EDGECTL" ] || { echo "build edgectl first (scripts/test.sh or cmake --build build)"; exit 1; }

# The same feature set edgectl gives binaryen (wasm::runtime_features()).
FEATURES="--enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
--enable-bulk-memory --enable-multivalue --enable-reference-types --enable-simd"

WORK=$(mktemp -d -t edgectl-bench-size-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# 1. Compile each template once with its real toolchain (edgectl build -O0 keeps raw bytes).
modules=()
for t in http-c http-rust http-go; do
  (cd "$WORK" && "$EDGECTL" new "$t" "m${t//-/}" >/dev/null)
  dir="$WORK/m${t//-/}"
  if (cd "$dir" && "$EDGECTL" build -q -O0 --json >/dev/null 2>"$WORK/$t.err"); then
    raw="$WORK/$t.raw.wasm"
    cp "$dir"/.edgectl/build/*/raw.wasm "$raw"
    modules+=("$t:$raw")
  else
    echo "skipping $t: $(tail -n 3 "$WORK/$t.err")" >&2
  fi
done

for entry in "${modules[@]}"; do
  t=${entry%%:*}; raw=${entry#*:}
  proj="$WORK/proj-$t"; mkdir -p "$proj"
  cat > "$proj/edgectl.toml" <<TOML
[app]
name = "bench"
[[component]]
id = "bench"
source = "out.wasm"
[component.build]
command = "cp '$raw' \"\$EDGECTL_OUTPUT\""
TOML
done

# 2. Alternate the two ways RUNS times per module (alternating spreads the machine's noise
#    over both), and report medians:
#    - by hand: wall time of `wasm-strip` then `wasm-opt -Oz`, each a process of its own;
#    - edgectl post-processing: validate+strip+optimize+write+check from the build report;
#    - edgectl end to end: `edgectl build --force` wall time, including process start-up,
#      manifest, the recipe (a `cp` through sh) and the build cache bookkeeping.
python3 - "$WORK" "$EDGECTL" "$RUNS" "$FEATURES" "${modules[@]}" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time
work, edgectl, runs, features, modules = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(), sys.argv[5:]
def timed(cmd, **kw):
    t = time.perf_counter(); out = subprocess.run(cmd, check=True, capture_output=True, **kw); return time.perf_counter() - t, out
print("| module | raw bytes | wasm-strip + wasm-opt -Oz bytes | edgectl bytes | by hand (ms) | edgectl post-processing (ms) | ratio | edgectl build end to end (ms) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for entry in modules:
    name, raw = entry.split(":", 1)
    proj = f"{work}/proj-{name}"; h = f"{work}/h.wasm"; ho = f"{work}/h.opt.wasm"
    hand, post, e2e = [], [], []
    for _ in range(runs):
        shutil.copy(raw, h)
        t0 = time.perf_counter()
        subprocess.run(["wasm-strip", h], check=True)
        subprocess.run(["wasm-opt", "-Oz", *features, h, "-o", ho], check=True)
        hand.append(time.perf_counter() - t0)
        dt, out = timed([edgectl, "build", "--force", "-q", "--json"], cwd=proj)
        e2e.append(dt)
        steps = json.loads(out.stdout)["components"][0]["steps"]
        post.append(sum(s["time_ms"] for s in steps if s["name"] != "compile") / 1000)
    m = lambda xs: statistics.median(xs) * 1000
    print(f"| {name} | {os.path.getsize(raw)} | {os.path.getsize(ho)} | {os.path.getsize(proj + '/out.wasm')} "
          f"| {m(hand):.1f} | {m(post):.1f} | {m(post) / m(hand):.2f} | {m(e2e):.1f} |")
PY
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(wasm-opt --version); median of $RUNS alternating runs"
