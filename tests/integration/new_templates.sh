#!/usr/bin/env bash
# `edgectl new`: listing templates (text and JSON), scaffolding http-c and compiling the
# result with clang-19 straight away, and the failures a user can hit (folder not empty,
# unknown template, bad name, missing arguments). Building through `edgectl build` is
# covered by the build tests.
set -euo pipefail

: "${EDGECTL:?set EDGECTL to the edgectl binary}"
[[ $EDGECTL == */* ]] && EDGECTL=$(realpath "$EDGECTL")  # the script changes folder
export NO_COLOR=1
work=$(mktemp -d "${TMPDIR:-/tmp}/edgectl-new.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Runs edgectl expecting exit code $1; its stdout and stderr land in $work/out and $work/err.
expect_exit() {
  local want=$1; shift
  local got=0
  "$EDGECTL" "$@" >"$work/out" 2>"$work/err" || got=$?
  [[ $got -eq $want ]] || { cat "$work/out" "$work/err" >&2; fail "edgectl $* exited $got, expected $want"; }
}

templates=(http-assemblyscript http-c http-go http-go-cgi http-rust http-tinygo http-wat kv-stock-go ws-chat-c ws-echo-c)

# --- new --list: a table with every template and its language
expect_exit 0 new --list
head -n1 out | grep -q '^TEMPLATE  *LANGUAGE  *DESCRIPTION$' || fail "list header: $(head -n1 out)"
for t in "${templates[@]}"; do grep -q "^$t " out || fail "template $t not listed"; done
grep -q '^http-rust  *rust  ' out || fail "http-rust row lacks its language"

# --- new --list --json: machine-readable, same templates, each with a description
expect_exit 0 new --list --json
python3 - "$work/out" "${templates[@]}" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
names = [t["name"] for t in data]
assert names == sys.argv[2:], names
for t in data:
    assert t["description"], t
    assert t["language"] in {"c", "rust", "go", "tinygo", "assemblyscript", "wat"}, t
    assert "edgectl.toml" in t["files"] and "template.toml" not in t["files"], t
EOF

# --- new http-c hello: files written, name filled in, next steps shown
expect_exit 0 new http-c hello
grep -q 'edgectl.toml' out || fail "files written are not listed"
grep -q 'cd hello && edgectl build' out || fail "next steps missing: $(cat out)"
[[ -f hello/edgectl.toml && -f hello/src/main.c && -f hello/README.md ]] || fail "files missing"
[[ ! -e hello/template.toml ]] || fail "template.toml was copied"
grep -q '^name = "hello"$' hello/edgectl.toml || fail "name not substituted"
! grep -rq '{{name}}' hello || fail "placeholder left in the project"

# The scaffolded handler builds with the toolchain the C preset uses, warning-free, and
# imports nothing but WASI and the edgectl host API (its /visits counter, through the
# shipped src/edgectl.h).
[[ -f hello/src/edgectl.h ]] || fail "the C binding src/edgectl.h was not added"
if command -v clang-19 >/dev/null && command -v wasm-objdump >/dev/null; then
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror hello/src/*.c -o hello/hello.wasm
  wasm-objdump -x -j Import hello/hello.wasm >imports
  grep -q '<- wasi_snapshot_preview1\.fd_write' imports || fail "no fd_write import: $(cat imports)"
  grep -q '<- edgectl\.kv_increment' imports || fail "no edgectl.kv_increment import: $(cat imports)"
  if grep -- '<- ' imports | grep -v -e '<- wasi_snapshot_preview1\.' -e '<- edgectl\.'; then
    fail "imports outside WASI and edgectl"
  fi
  wasm-objdump -x -j Export hello/hello.wasm | grep -q '"_start"' || fail "_start not exported"
else
  echo "note: clang-19 or wasm-objdump missing; skipped compiling the scaffolded handler" >&2
fi

# --- --json and --dir
expect_exit 0 new ws-echo-c chat --dir apps/chat --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["dir"]=="apps/chat" and "src/main.c" in d["files"], d' out
grep -q 'websocket = true' apps/chat/edgectl.toml || fail "ws route not marked websocket"

# --- a folder that is not empty: refused with exit 1 and a hint, kept intact; --force writes
mkdir busy && echo mine >busy/keep.txt
expect_exit 1 new http-c busy
grep -q 'not empty' err && grep -q -- '--force' err || fail "unhelpful error: $(cat err)"
[[ ! -e busy/edgectl.toml && "$(cat busy/keep.txt)" == mine ]] || fail "refused new touched the folder"
expect_exit 0 new http-c busy --force
[[ -f busy/edgectl.toml && "$(cat busy/keep.txt)" == mine ]] || fail "--force result"

# --- an unknown template: exit 1, the available ones listed
expect_exit 1 new http-cobol app
grep -q "unknown template 'http-cobol'" err || fail "unknown template message: $(cat err)"
grep -q 'http-c' err || fail "available templates not listed"
[[ ! -e app ]] || fail "folder created for an unknown template"

# --- a bad name: exit 1 with a suggestion
expect_exit 1 new http-c "My App"
grep -q "try 'my-app'" err || fail "no name suggestion: $(cat err)"

# --- usage errors: exit 2
expect_exit 2 new
expect_exit 2 new http-c
expect_exit 2 new --list http-c x

echo "ok: new_templates"
