#!/usr/bin/env bash
# The README's quick tour as a new user types it, with relative paths only:
#   edgectl new http-c app && cd app && edgectl serve --watch
# The first request is answered (serve --watch builds first); one source edit gives exactly
# one reload and the new text; a syntax error keeps the old version serving and the log
# shows the compiler's own message; SIGHUP reloads. Also `serve --watch .` and
# `serve --watch edgectl.toml` build and reload the same way, and plain `serve` on a project
# that was never built says which module is missing and that `edgectl build` makes it.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl
export XDG_CACHE_HOME="$work/cache"   # native code compiled here stays here

body() { curl -sS --max-time 10 "$base/" || true; }
wait_body() {  # wait_body TEXT: until the server answers with TEXT in the body (at most 30 s)
  for _ in $(seq 300); do
    body | grep -qF "$1" && return 0
    sleep 0.1
  done
  fail "the server never answered '$1' (last: $(body | head -c 200))"
}
count() { grep -c "$1" "$work/err.txt" || true; }

"$EDGECTL" new http-c app >/dev/null
cd app

# Plain serve before any build: a clear error naming the module and `edgectl build`.
set +e
"$EDGECTL" serve --listen "127.0.0.1:$port" >"$work/plain.out" 2>"$work/plain.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "plain serve of an unbuilt project exited $rc, expected 1: $(cat "$work/plain.err")"
grep -q "app.wasm" "$work/plain.err" || fail "the error does not name the missing module: $(cat "$work/plain.err")"
grep -q "edgectl build" "$work/plain.err" || fail "the error does not say that edgectl build makes it: $(cat "$work/plain.err")"
grep -q "No such file" "$work/plain.err" && fail "a bare 'No such file' error: $(cat "$work/plain.err")"
[ ! -e app.wasm ] || fail "plain serve built the module"

# serve --watch, as the README says: it builds first.
start_server --watch
wait_body "Hello from app!"
[ -f app.wasm ] || fail "serve --watch did not build app.wasm"
[ "$(count 'reloaded')" = 0 ] || fail "a reload before any edit: $(cat "$work/err.txt")"

# One edit: exactly one reload, then the new text.
sleep 0.5
sed -i 's/Hello from/Howdy from/' src/main.c
wait_body "Howdy from app!"
sleep 2   # long enough for a second, spurious reload (the build's own files) to show
[ "$(count 'reloaded')" = 1 ] || fail "one edit gave $(count 'reloaded') reloads: $(cat "$work/err.txt")"

# Editors' temporary files (vim's swap and probe files, backups, emacs' lock and autosave
# files) and edgectl's own temporary files are not edits: no reload.
for f in src/.main.c.swp src/main.c~ src/4913 "src/#main.c#" src/.#main.c .app.wasm.tmp-1; do
  echo x > "$f"; rm -f "$f"
done
touch .edgectl/build/app/raw.wasm 2>/dev/null || true
sleep 1.5
[ "$(count 'reloaded')" = 1 ] || fail "temporary files caused a reload: $(cat "$work/err.txt")"

# A syntax error: the old version keeps serving, the log has clang's own message.
sed -i 's/Howdy from/Broken from/; s/^int main(/int main(( /' src/main.c
for _ in $(seq 300); do [ "$(count 'reload failed')" -ge 1 ] && break; sleep 0.1; done
[ "$(count 'reload failed')" = 1 ] || fail "no single 'reload failed' after a syntax error: $(cat "$work/err.txt")"
grep -q "main.c:[0-9]*:[0-9]*: error:" "$work/err.txt" || fail "the compiler's message is not in the log: $(cat "$work/err.txt")"
body | grep -qF "Howdy from app!" || fail "a failed build replaced the serving version"

# Fixed again, then SIGHUP: a reload of its own.
sed -i 's/^int main(( /int main(/; s/Broken from/Fixed from/' src/main.c
wait_body "Fixed from app!"
sleep 1
before=$(count 'reloaded (SIGHUP)')
kill -HUP "$server_pid"
for _ in $(seq 100); do [ "$(count 'reloaded (SIGHUP)')" -gt "$before" ] && break; sleep 0.1; done
[ "$(count 'reloaded (SIGHUP)')" -gt "$before" ] || fail "SIGHUP did not reload: $(cat "$work/err.txt")"
body | grep -qF "Fixed from app!" || fail "not serving after SIGHUP"
kill -INT "$server_pid"; wait "$server_pid" || true; server_pid=

# The same with the project named relatively: `serve --watch .` and `--watch edgectl.toml`.
for target in . edgectl.toml; do
  rm -f app.wasm
  : >"$work/err.txt"
  start_server --watch "$target"
  wait_body "Fixed from app!"
  sed -i "s/Fixed from/Edited ($target) from/" src/main.c
  wait_body "Edited ($target) from app!"
  sleep 1
  [ "$(count 'reloaded')" = 1 ] || fail "serve --watch $target: $(count 'reloaded') reloads for one edit: $(cat "$work/err.txt")"
  grep -q "does not exist" "$work/err.txt" && fail "serve --watch $target: $(cat "$work/err.txt")"
  sed -i "s/Edited ($target) from/Fixed from/" src/main.c
  sleep 1
  kill -INT "$server_pid"; wait "$server_pid" || true; server_pid=
done
echo "serve_watch_project: ok"
