#!/usr/bin/env bash
# `edgectl build --aot` fills the aot cache, `run --engine aot` then hits it, and
# `edgectl cache list|clear` show and empty it. Real wasm2c and C compiler, in a cache under
# a scratch $XDG_CACHE_HOME. Skipped (77) without wasm2c or cc.
set -euo pipefail

: "${EDGECTL:?set EDGECTL to the edgectl binary}"
[[ $EDGECTL == */* ]] && EDGECTL=$(realpath "$EDGECTL")  # the script changes folder
command -v wasm2c >/dev/null || { echo "skip: wasm2c not installed (apt-get install wabt)"; exit 77; }
command -v cc >/dev/null || { echo "skip: cc not installed (apt-get install gcc)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
export NO_COLOR=1

work=$(mktemp -d "${TMPDIR:-/tmp}/edgectl-aot.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
cache_dir="$XDG_CACHE_HOME/edgectl/aot"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() {  # expect_in NEEDLE HAYSTACK
  [[ "$2" == *"$1"* ]] || fail "expected '$1' in:"$'\n'"$2"
}
# Runs edgectl, keeping stdout, stderr and the exit status apart.
run() {
  set +e
  "$EDGECTL" "$@" >"$work/out.txt" 2>"$work/err.txt"
  status=$?
  set -e
  out=$(cat "$work/out.txt")
  err=$(cat "$work/err.txt")
}
json() {  # json PYTHON-CHECKS: runs them with `d` = the last command's JSON output
  python3 - "$work/out.txt" "$1" <<'EOF' || fail "JSON check failed: $1"$'\n'"$out"
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
EOF
}

"$EDGECTL" new http-wat app >/dev/null
cd app

# An empty cache to begin with.
run cache list
[[ $status == 0 ]] || fail "cache list exited $status: $err"
expect_in "The aot cache is empty ($cache_dir)" "$out"

# build --aot: built, then compiled to native code (a miss), reported per component.
run build --aot --json
[[ $status == 0 ]] || fail "build --aot exited $status: $err"
json '
c = d["components"][0]
assert d["ok"] and d["warnings"] == [], d
a = c["aot"]
assert a["cache_hit"] is False, a
assert a["seconds"] > 0 and a["library_bytes"] > 0, a
assert len(a["key"]) == 64 and int(a["key"], 16) >= 0, a
assert a["library"].startswith(sys.argv[1].rsplit("/", 1)[0] + "/cache/edgectl/aot/"), a
open("key.txt", "w").write(a["key"])
'
key=$(cat key.txt)
[[ -s "$cache_dir/$key/module.so" ]] || fail "no library in $cache_dir/$key"

# The text report says what happened; the same artifact again is a cache hit.
run build --aot
[[ $status == 0 ]] || fail "second build --aot exited $status: $err"
expect_in "aot      cache hit (" "$out"
run build --aot --json
json 'assert d["components"][0]["aot"]["cache_hit"] is True, d'

# cache list: that one entry, with its size, as a table and as JSON.
run cache list
[[ $status == 0 ]] || fail "cache list exited $status: $err"
expect_in "app.wasm" "$out"
expect_in "$(sha256sum app.wasm | cut -c1-12)" "$out"
expect_in "total  1 entry, " "$out"
expect_in " in $cache_dir" "$out"
run cache list --json
json '
assert d["ok"] and d["path"] == "'"$cache_dir"'", d
assert len(d["entries"]) == 1, d
e = d["entries"][0]
assert e["key"] == "'"$key"'" and e["name"] == "app.wasm", e
assert e["bytes"] > 0 and d["total_bytes"] == e["bytes"], d
assert e["compiler"] and e["flags"].startswith("-O"), e
'

# run --engine aot: native code from the cache, no compile (it would print its steps).
run run --engine aot app.wasm
[[ $status == 0 ]] || fail "run --engine aot exited $status: $err"
expect_in "Hello from app!" "$out"
[[ $err != *"translating"* && $err != *"compiling"* ]] || fail "run --engine aot compiled again:"$'\n'"$err"
run cache list --json
json 'assert len(d["entries"]) == 1, d'

# The default engine (auto) takes native code from the cache at once, and says so.
run run --repeat 20 --json app.wasm
[[ $status == 0 ]] || fail "run --repeat (auto) exited $status: $err"
json 'assert d["engine"] == "aot" and d["runs_by_engine"] == {"aot": 20}, d'
run run --engine interp --repeat 5 --json app.wasm
json 'assert d["engine"] == "interp" and d["runs_by_engine"] == {"interp": 5}, d'
# A fuel limit: auto runs the interpreter (which counts it); aot refuses, naming interp.
run run --fuel 100000000 app.wasm
[[ $status == 0 ]] || fail "run --fuel (auto) exited $status: $err"
expect_in "Hello from app!" "$out"
run run --engine aot --fuel 1000 app.wasm
[[ $status == 1 ]] || fail "run --engine aot --fuel should exit 1, got $status"
expect_in "does not count fuel" "$err"

# --aot without wasm2c or a compiler: still built (exit 0), with a warning saying what to install.
mkdir -p "$work/no-tools"
set +e
PATH="$work/no-tools" "$EDGECTL" build --aot --force >"$work/out.txt" 2>"$work/err.txt"
status=$?
set -e
err=$(cat "$work/err.txt")
[[ $status == 0 ]] || fail "build --aot without a toolchain exited $status: $err"
expect_in "warning: not pre-compiling to native code: wasm2c is not installed" "$err"
expect_in "help: install it with: apt-get install wabt" "$err"

# cache clear: everything goes, and says how much.
run cache clear
[[ $status == 0 ]] || fail "cache clear exited $status: $err"
expect_in "Removed 1 entry, " "$out"
run cache list --json
json 'assert d["entries"] == [] and d["total_bytes"] == 0, d'
[[ ! -e "$cache_dir/$key" ]] || fail "$cache_dir/$key is still there"
run cache clear --json
json 'assert d["ok"] and d["removed_entries"] == 0 and d["freed_bytes"] == 0, d'

# Usage: a subcommand is required; --help has examples.
run cache
[[ $status == 2 ]] || fail "'cache' alone exited $status, want 2"
run cache list --help
expect_in "Examples:" "$out"

echo "aot_cache: all checks passed"
