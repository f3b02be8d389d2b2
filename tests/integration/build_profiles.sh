#!/usr/bin/env bash
# Build profiles on the http-c template: `build --profile dev` skips binaryen's optimize step
# (seen in --json and the table), switching profile rebuilds (the compile is reused), the
# manifest's [component.build] profile is read and the flag overrides it, a bad value is an
# error at file:line:col, a dev build over its max_size budget warns (exit 0) where release
# fails (exit 1), `serve --watch` builds dev unless the manifest says otherwise, and `push`
# publishes release builds only (it rebuilds; --no-build refuses a dev artifact).
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl python3
export XDG_CACHE_HOME="$work/cache"

# j FILE EXPR: a Python expression over the JSON in FILE (as d), printed.
j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
steps() { j "$1" '",".join(s["name"] for s in d["components"][0]["steps"])'; }
state_profile() { j .edgectl/build/app/state.json 'd["profile"]'; }
build_json() {  # build_json OUT ARGS...: edgectl build --json ARGS, exit code in $rc
  set +e
  "$EDGECTL" build --json "${@:2}" >"$1" 2>"$work/build.err"
  rc=$?
  set -e
}

"$EDGECTL" new http-c app >/dev/null
cd app

# dev: compile, validate, strip, write, check; no optimize.
build_json dev.json --profile dev
[ "$rc" = 0 ] || fail "dev build exited $rc: $(cat "$work/build.err")"
[ "$(j dev.json 'd["components"][0]["profile"]')" = dev ] || fail "profile in --json: $(cat dev.json)"
[ "$(steps dev.json)" = "compile,validate,strip,write,check" ] || fail "dev steps: $(steps dev.json)"
[ "$(j dev.json 'd["components"][0]["optimized_size"] == d["components"][0]["stripped_size"]')" = True ] ||
  fail "a dev artifact differs from the stripped module"
[ "$(state_profile)" = dev ] || fail "state.json says $(state_profile) after a dev build"
build_json again.json --profile dev
[ "$(j again.json 'd["components"][0]["up_to_date"]')" = True ] || fail "a second dev build was not up to date"

# release (the default) from the same sources: not up to date, the compile reused, optimized.
build_json rel.json
[ "$rc" = 0 ] || fail "release build exited $rc: $(cat "$work/build.err")"
[ "$(j rel.json 'd["components"][0]["profile"]')" = release ] || fail "profile: $(cat rel.json)"
[ "$(j rel.json 'd["components"][0]["up_to_date"]')" = False ] || fail "switching to release said up to date"
[ "$(j rel.json 'd["components"][0]["compiled"]')" = False ] || fail "switching profile recompiled"
[ "$(steps rel.json)" = "compile,validate,strip,optimize,write,check" ] || fail "release steps: $(steps rel.json)"
[ "$(state_profile)" = release ] || fail "state.json says $(state_profile) after a release build"
build_json back.json --profile dev
[ "$(j back.json 'd["components"][0]["up_to_date"]')" = False ] || fail "switching back to dev said up to date"

# The table names the profile and the skipped step.
"$EDGECTL" build --profile dev >table.txt 2>/dev/null || fail "dev build (table)"
grep -q "dev profile" table.txt || fail "the table does not name the profile: $(cat table.txt)"
"$EDGECTL" build --profile dev --force >table.txt 2>/dev/null || fail "dev build --force (table)"
grep -q "optimize.*skipped (dev)" table.txt || fail "the table does not show optimize skipped: $(cat table.txt)"

# The manifest's profile, and the flag over it.
sed -i 's/^language = "c"$/language = "c"\nprofile = "dev"/' edgectl.toml
grep -q '^profile = "dev"' edgectl.toml || fail "could not set profile in edgectl.toml"
build_json m.json
[ "$(j m.json 'd["components"][0]["profile"]')" = dev ] || fail "[component.build] profile = \"dev\" ignored"
build_json m.json --profile release
[ "$(j m.json 'd["components"][0]["profile"]')" = release ] || fail "--profile release did not override the manifest"

# A bad value: file:line:col, did-you-mean; usage errors exit 2.
sed -i 's/^profile = "dev"$/profile = "relase"/' edgectl.toml
set +e
"$EDGECTL" build 2>err.txt; rc=$?
set -e
[ "$rc" = 1 ] || fail "a bad profile exited $rc"
line=$(grep -n '^profile = ' edgectl.toml | cut -d: -f1)
grep -q "edgectl.toml:$line:11: error: unknown build profile 'relase'" err.txt || fail "bad profile: $(cat err.txt)"
grep -q "did you mean 'release'" err.txt || fail "no suggestion: $(cat err.txt)"
sed -i '/^profile = /d' edgectl.toml
set +e
"$EDGECTL" build --profile fast 2>/dev/null; rc=$?
"$EDGECTL" build --profile dev -O3 2>err.txt; rc2=$?
set -e
[ "$rc" = 2 ] && [ "$rc2" = 2 ] || fail "usage errors exited $rc/$rc2, want 2"
grep -q "does not optimize" err.txt || fail "-O with dev: $(cat err.txt)"
"$EDGECTL" build --help | grep -q -- "--profile dev|release" || fail "--help does not document --profile"

# A size budget in both profiles: dev warns (exit 0), release fails (exit 1).
sed -i 's/^max_size = .*/max_size = "100B"/' edgectl.toml
set +e
"$EDGECTL" build --profile dev >out.txt 2>err.txt; rc=$?
set -e
[ "$rc" = 0 ] || fail "a dev build over budget exited $rc: $(cat err.txt)"
grep -q "warning: .*bytes over its max_size budget of 100 bytes (dev build)" err.txt ||
  fail "no budget warning: $(cat err.txt)"
grep -q "over budget (dev build: a warning)" out.txt || fail "the table's budget line: $(cat out.txt)"
build_json over.json --profile dev
[ "$rc" = 0 ] || fail "dev --json over budget exited $rc"
[ "$(j over.json 'd["ok"] and len(d["components"][0]["warnings"]) == 1')" = True ] || fail "dev --json: $(cat over.json)"
set +e
"$EDGECTL" build >out.txt 2>err.txt; rc=$?
set -e
[ "$rc" = 1 ] || fail "a release build over budget exited $rc, want 1"
grep -q "error: .*bytes over its max_size budget of 100 bytes" err.txt || fail "no budget error: $(cat err.txt)"

# serve --watch builds dev (over budget: a warning, and it serves); an edit rebuilds dev.
"$EDGECTL" build --profile release --force >/dev/null 2>&1 || true   # leave a release artifact behind
[ "$(state_profile)" = release ] || fail "setup: state.json says $(state_profile)"
start_server --watch
curl -fsS --max-time 10 "$base/" | grep -q "Hello from app" || fail "serve --watch does not answer"
[ "$(state_profile)" = dev ] || fail "serve --watch built with the $(state_profile) profile"
grep -q "note: built app with the dev profile" "$work/err.txt" || fail "serve's log does not name the profile"
grep -q "warning: .*max_size budget of 100 bytes (dev build)" "$work/err.txt" || fail "serve: no budget warning"
sleep 0.5
sed -i 's/Hello from/Howdy from/' src/main.c
for _ in $(seq 300); do curl -sS --max-time 10 "$base/" | grep -q "Howdy from" && break; sleep 0.1; done
curl -fsS --max-time 10 "$base/" | grep -q "Howdy from app" || fail "the edit was not served"
[ "$(grep -c "note: built app with the dev profile" "$work/err.txt")" = 2 ] || fail "the reload did not build dev"
kill -INT "$server_pid"; wait "$server_pid" || true; server_pid=

# ... unless [component.build] says release.
sed -i 's/^max_size = .*/max_size = "256KiB"/' edgectl.toml
sed -i 's/^language = "c"$/language = "c"\nprofile = "release"/' edgectl.toml
start_server --watch
[ "$(state_profile)" = release ] || fail "serve --watch ignored profile = \"release\""
grep -q "note: built app with the release profile" "$work/err.txt" || fail "serve's log: $(cat "$work/err.txt")"
kill -INT "$server_pid"; wait "$server_pid" || true; server_pid=
sed -i '/^profile = /d' edgectl.toml

# push: --no-build refuses a dev artifact; a push builds release, whatever the manifest says.
"$EDGECTL" build --profile dev >/dev/null 2>&1 || fail "dev build before push"
set +e
"$EDGECTL" push --no-build --layout "$work/layout" 2>err.txt; rc=$?
set -e
[ "$rc" = 1 ] || fail "push --no-build of a dev build exited $rc"
grep -q "is a dev build" err.txt || fail "push --no-build: $(cat err.txt)"
sed -i 's/^language = "c"$/language = "c"\nprofile = "dev"/' edgectl.toml
"$EDGECTL" push --layout "$work/layout" --json >push.json 2>err.txt || fail "push: $(cat err.txt)"
[ "$(j push.json 'd["profile"]')" = release ] || fail "push --json: $(cat push.json)"
[ "$(state_profile)" = release ] || fail "push built with the $(state_profile) profile"
"$EDGECTL" push --no-build --layout "$work/layout2" >/dev/null 2>err.txt || fail "push --no-build of a release build"
grep -q "profile release" err.txt || fail "push does not say which profile it published: $(cat err.txt)"
echo "build_profiles: ok"
