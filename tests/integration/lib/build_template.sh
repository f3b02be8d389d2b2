#!/usr/bin/env bash
# `edgectl new TEMPLATE` then `edgectl build` end to end, with the template's real toolchain.
# Exits 77 (skipped) with a clear message when that toolchain is absent.
# Usage: build_template.sh TEMPLATE
set -euo pipefail
TEMPLATE=$1
: "${EDGECTL:?EDGECTL must point at the edgectl binary}"
export PATH="${EDGECTL_SOURCE_DIR:-.}/.cache/tools/bin:/usr/lib/go-1.23/bin:$PATH"
WORK=$(mktemp -d -t edgectl-tpl-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

skip() { echo "SKIP: $TEMPLATE: $*"; exit 77; }
case $TEMPLATE in
  http-tinygo) command -v tinygo >/dev/null || skip "tinygo is not installed (not packaged for Debian)";;
  http-go | kv-stock-go) command -v go >/dev/null || skip "Go >= 1.21 is not installed (golang-1.23-go from bookworm-backports)";;
  http-go-cgi) [[ $(go version 2>/dev/null) =~ go1\.(2[2-9]|[3-9][0-9]) ]] ||
    skip "Go >= 1.22 is not installed (golang-1.23-go from bookworm-backports)";;
  http-assemblyscript) command -v asc >/dev/null || skip "asc is not installed (npm install assemblyscript)";;
  http-rust)
    sysroot=$(rustc --print sysroot 2>/dev/null || true)
    found=""
    for d in /usr/lib/rustlib/wasm32-wasi "$sysroot"/lib/rustlib/wasm32-wasi*; do [ -d "$d" ] && found=1; done
    [ -n "$found" ] || skip "rustc with the wasm32-wasi target is not installed (rustc + libstd-rust-dev-wasm32)";;
esac

"$EDGECTL" new "$TEMPLATE" app >/dev/null
cd app
"$EDGECTL" build --json > report.json
python3 - <<'PY'
import json
r = json.load(open("report.json"))
assert r["ok"], r
c = r["components"][0]
assert c["id"] == "app" and c["compiled"] and not c["up_to_date"], c
assert c["raw_size"] >= c["stripped_size"] >= c["optimized_size"] > 0, c
assert c["budget"] and c["headroom"] >= 0, c
names = [s["name"] for s in c["steps"]]
for step in ["compile", "validate", "strip", "optimize", "write", "check"]:
    assert step in names, (step, names)
PY
test -s app.wasm
# The module is a WASI command that imports nothing but WASI and the edgectl host API
# (the templates with a key-value store use it).
"$EDGECTL" inspect --json app.wasm > inspect.json
python3 - <<'PY'
import json
i = json.load(open("inspect.json"))
assert i["kind"] == "command", i["kind"]
mods = {imp["module"] for imp in i["imports"]}
assert mods <= {"wasi_snapshot_preview1", "edgectl"}, mods
PY
sha=$(sha256sum app.wasm | cut -d' ' -f1)
grep -q "\"sha256\": \"$sha\"" report.json

# Second build: nothing changes.
"$EDGECTL" build --json > again.json
python3 -c 'import json; c=json.load(open("again.json"))["components"][0]; assert c["up_to_date"] and not c["compiled"], c'
[[ $("$EDGECTL" build) == *"up to date"* ]]
echo "ok: $TEMPLATE built ($(stat -c %s app.wasm) bytes)"
