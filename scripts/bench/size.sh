#!/usr/bin/env bash
# Size and speed of edgectl's post-processing (validate → strip → optimize -Oz → check →
# write) against the same work done by hand with `wasm-strip` then `wasm-opt -Oz`, on the
# same compiled modules, side by side in one run (hyperfine alternates nothing, so the two
# commands run back to back per module; the machine is shared and noisy).
#
# Modules: the http-c template (small), the http-rust template and the http-go template
# (GOOS=wasip1, ~2.4 MB: the "over 500 KB" case). Results go to stdout as a Markdown table.
# Usage: scripts/bench/size.sh [RUNS]   (default 3; Go's -Oz takes ~30 s per run)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
RUNS=${1:-3}
EDGECTL=${EDGECTL:-$ROOT/build/cli/edgectl}
export PATH="/usr/lib/go-1.23/bin:$PATH"
[ -x "$EDGECTL" ] || { echo "build edgectl first (scripts/test.sh or cmake --build build)"; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (scripts/setup.sh installs it)"; exit 1; }

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

echo "| module | raw bytes | wasm-strip + wasm-opt -Oz bytes | edgectl bytes | by hand (s) | edgectl (s) | time ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
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
  hand="cp '$raw' '$WORK/h.wasm' && wasm-strip '$WORK/h.wasm' && wasm-opt -Oz $FEATURES '$WORK/h.wasm' -o '$WORK/h.opt.wasm'"
  ours="cd '$proj' && '$EDGECTL' build --force -q >/dev/null"
  hyperfine --style none --runs "$RUNS" --export-json "$WORK/$t.json" -n hand "$hand" -n edgectl "$ours" >/dev/null
  read -r t_hand t_ours < <(python3 -c "
import json,sys; r={x['command']:x['mean'] for x in json.load(open('$WORK/$t.json'))['results']}
print(r['hand'], r['edgectl'])")
  printf '| %s | %d | %d | %d | %.3f | %.3f | %.2f |\n' "$t" "$(stat -c %s "$raw")" \
    "$(stat -c %s "$WORK/h.opt.wasm")" "$(stat -c %s "$proj/out.wasm")" "$t_hand" "$t_ours" \
    "$(python3 -c "print($t_ours/$t_hand)")"
done
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(wasm-opt --version); runs per command: $RUNS"
