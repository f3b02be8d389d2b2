#!/usr/bin/env bash
# edgectl inspect end to end: the text report, --json, .wat input, and exit codes
# (1 with a one-line error and offset for a broken module, 2 for a usage error).
set -euo pipefail

: "${EDGECTL:?set EDGECTL to the edgectl binary}"
command -v wat2wasm >/dev/null || { echo "skip: wat2wasm (wabt) not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
export NO_COLOR=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() {  # expect_in NEEDLE HAYSTACK
  [[ "$2" == *"$1"* ]] || fail "expected '$1' in:"$'\n'"$2"
}

cat > x.wat <<'EOF'
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (func $big (export "_start")
    (drop (call $fd_write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
    (drop (i32.extend8_s (i32.const 1))))
  (func $small (param i32) (result i32) (local.get 0))
  (data (i32.const 16) "hello"))
EOF
wat2wasm --debug-names x.wat -o x.wasm
size=$(wc -c < x.wasm)

# Text report.
out=$("$EDGECTL" inspect x.wasm)
expect_in "x.wasm" "$out"
expect_in "($size bytes)" "$out"
expect_in "kind       command" "$out"
expect_in "sign-ext" "$out"
expect_in "Sections" "$out"
expect_in "0x0008" "$out"  # the first section follows the 8-byte header
expect_in "wasi_snapshot_preview1  fd_write" "$out"
expect_in "Largest functions (2 of 2)" "$out"
expect_in "big" "$out"

# JSON: one object with stable keys.
"$EDGECTL" inspect x.wasm --json --top 1 > x.json
python3 - "$size" <<'EOF' || fail "--json output"
import json, sys
d = json.load(open("x.json"))
size = int(sys.argv[1])
assert d["ok"] is True
assert d["size"] == size, d["size"]
assert d["kind"] == "command"
assert d["features"] == ["sign-ext"], d["features"]
assert d["function_count"] == 2
assert d["has_names"] is True
assert [s["name"] for s in d["sections"]][:2] == ["type", "import"]
assert d["sections"][0]["offset"] == 8
assert sum(s["size"] for s in d["sections"]) == size - 8
assert d["imports"][0]["module"] == "wasi_snapshot_preview1" and d["imports"][0]["kind"] == "func"
assert {e["name"] for e in d["exports"]} == {"memory", "_start"}
assert d["memories"] == [{"initial": 1, "maximum": 4, "shared": False, "memory64": False}]
assert d["tables"] == []
assert len(d["largest_functions"]) == 1 and d["largest_functions"][0]["name"] == "big"
assert len(d["sha256"]) == 64
EOF

# A .wat file is compiled first.
expect_in "kind       command" "$("$EDGECTL" inspect x.wat)"

# Broken modules: exit 1, one line on stderr with the file and a hex offset.
check_broken() {  # check_broken FILE
  local rc=0 err
  err=$("$EDGECTL" inspect "$1" 2>&1 >/dev/null) || rc=$?
  [[ $rc -eq 1 ]] || fail "$1: exit $rc, expected 1"
  [[ $(printf '%s\n' "$err" | wc -l) -eq 1 ]] || fail "$1: expected one line, got:"$'\n'"$err"
  [[ "$err" =~ ^$1:0x[0-9a-f]{4,}:\ error:\  ]] || fail "$1: no offset in: $err"
}
head -c $((size - 7)) x.wasm > truncated.wasm
check_broken truncated.wasm
echo "not a module" > text.wasm
check_broken text.wasm
: > empty.wasm
check_broken empty.wasm

# Under --json, the error is JSON on stdout too.
rc=0; "$EDGECTL" inspect truncated.wasm --json > err.json 2>/dev/null || rc=$?
[[ $rc -eq 1 ]] || fail "--json truncated.wasm: exit $rc, expected 1"
python3 -c '
import json
d = json.load(open("err.json"))
assert d["ok"] is False and d["errors"][0]["offset"] > 8, d
' || fail "--json error output"

# Usage errors: exit 2.
rc=0; "$EDGECTL" inspect >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "missing argument: exit $rc, expected 2"
rc=0; "$EDGECTL" inspect x.wasm --top -1 >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "--top -1: exit $rc, expected 2"

echo "inspect_cli: ok"
