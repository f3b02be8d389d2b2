#!/usr/bin/env bash
# edgectl serve's limits from the manifest's [serve] and the command line, and --profile:
# [serve] max_body gives 413; a flag overrides [serve]; --profile cloudflare caps a
# component's own timeout (with a note), names itself in the banner and the JSON start-up
# line, and stops a guest growing its memory past the platform's 128 MB (500).
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl python3

# The start-up lines are printed just after the server answers its first health check.
start_and_wait_for_banner() {
  start_server "$@"
  for _ in $(seq 100); do
    grep -q -e 'health' -e '"event":"listening"' log.txt && return 0
    sleep 0.02
  done
  fail "no start-up banner: $(cat log.txt)"
}
stop_server() {
  kill -TERM "$server_pid" && wait "$server_pid" || true
  server_pid=
}
# The status of a POST of N bytes to PATH.
post_status() {
  head -c "$1" /dev/zero | tr '\0' 'x' >body.bin
  curl -s -o /dev/null -w '%{http_code}' --data-binary @body.bin "$base$2"
}
# A field of the JSON start-up line, e.g. json_field '["profile"]["name"]'.
json_field() {
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())'"$1"')' "$work/log.txt"
}

cat > app.c <<'C'
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
// 2100 pages of 64 KiB: 131 MiB more, past the 128 MB of the profiles, within the default 256 MiB.
#define GROW_PAGES 2100
int main(void) {
  const char* p = getenv("PATH_INFO");
  if (p && !strcmp(p, "/grow")) {
    if (__builtin_wasm_memory_grow(0, GROW_PAGES) == (size_t)-1) {
      fprintf(stderr, "memory.grow failed\n");
      return 1;
    }
  }
  size_t n = 0;
  char buf[4096];
  for (size_t got; (got = fread(buf, 1, sizeof buf, stdin)) > 0;) n += got;
  printf("Content-Type: text/plain\n\n%zu bytes\n", n);
  return 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 app.c -o app.wasm
cat > edgectl.toml <<'TOML'
[app]
name = "profile"

[[component]]
id = "app"
source = "app.wasm"
timeout = "5m"

[[route]]
path = "/..."
component = "app"

[serve]
max_body = "1KiB"
TOML

# [serve] max_body: a 2 KiB body is refused, a small one served; memory can grow to 256 MiB.
start_server --engine interp
[ "$(post_status 512 /small)" = 200 ] || fail "a 512-byte body under [serve] max_body"
[ "$(post_status 2048 /big)" = 413 ] || fail "a 2 KiB body over [serve] max_body = 1KiB"
[ "$(post_status 1 /grow)" = 200 ] || fail "growing memory by 131 MiB without a profile"
stop_server

# --max-body beats [serve].
start_server --engine interp --max-body 4KiB
[ "$(post_status 2048 /big)" = 200 ] || fail "--max-body 4KiB did not override [serve] max_body"
[ "$(post_status 5000 /bigger)" = 413 ] || fail "a body over --max-body 4KiB"
stop_server

# --profile cloudflare: the banner names it, the component's 5m timeout is lowered with a note.
start_and_wait_for_banner --engine interp --profile cloudflare
grep -q '^  profile cloudflare (Cloudflare Workers, Workers Paid): 30s per request' log.txt ||
  fail "no profile line in the banner: $(cat log.txt)"
grep -q "edgectl.toml:7:11: component 'app': timeout 300s lowered to 30s" err.txt ||
  fail "no note for the lowered timeout: $(cat err.txt)"
[ "$(post_status 1 /grow)" = 500 ] || fail "growing memory past the profile's 128 MB"
stop_server

# The same in --json: the profile and the limits in force ([serve]'s body over the profile's).
start_and_wait_for_banner --engine interp --profile cloudflare --json
[ "$(json_field '["profile"]["name"]')" = cloudflare ] || fail "profile in the JSON start-up line"
[ "$(json_field '["limits"]["max_header_bytes"]')" = 128000 ] || fail "the profile's head limit"
[ "$(json_field '["limits"]["max_body_bytes"]')" = 1024 ] || fail "[serve] max_body over the profile"
[ "$(json_field '["components"][0]["timeout_ms"]')" = 30000 ] || fail "the capped timeout"
[ "$(json_field '["components"][0]["max_memory_bytes"]')" = 128000000 ] || fail "the profile's memory"
stop_server

# A bad flag is a usage error naming it.
status=0
"$EDGECTL" serve --profile heroku >/dev/null 2>err.txt || status=$?
[ "$status" = 2 ] && grep -q -- '--profile' err.txt || fail "--profile heroku: exit $status, $(cat err.txt)"
echo "serve_profile: ok"
