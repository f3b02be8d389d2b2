#!/usr/bin/env bash
# edgectl serve's canary routes against a real server on 127.0.0.1: by header (always the
# canary), by weight (a statistical check with a tolerance), and sticky by cookie (one user
# always on one side), with the decision in the JSON access log.
set -euo pipefail

source "$(dirname "$0")/lib/serve.sh"
serve_prologue clang-19 curl python3

cat > variant.c <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(void) { const char* v = getenv("VARIANT"); printf("Content-Type: text/plain\n\n%s", v ? v : "?"); return 0; }
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 variant.c -o variant.wasm
cat > edgectl.toml <<'TOML'
[app]
name = "canarytest"

[[component]]
id = "stable"
source = "variant.wasm"
env = { VARIANT = "stable" }

[[component]]
id = "next"
source = "variant.wasm"
env = { VARIANT = "next" }

[[route]]
path = "/..."
component = "stable"
canary = { component = "next", header = "x-env: canary", weight = 20 }

[[route]]
path = "/sticky/..."
component = "stable"
canary = { component = "next", weight = 50, sticky = "cookie:uid" }
TOML

start_server --engine interp --json

python3 - "$port" <<'PY' || fail "canary routing"
import http.client, sys
port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
def get(path, headers={}):
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read().decode()
    assert r.status == 200, (r.status, body)
    return body
# By header: always the canary.
assert all(get("/x", {"X-Env": "canary"}) == "next" for _ in range(20))
# By weight: 20% of 1000 requests, within a tolerance of about 5 standard deviations.
n = sum(get("/x") == "next" for _ in range(1000))
assert 130 <= n <= 270, f"{n} of 1000 requests went to the 20% canary"
# Sticky: each user always on one side; about half the users on each.
sides = []
for user in range(200):
    seen = {get("/sticky/p", {"Cookie": f"uid=u{user}"}) for _ in range(5)}
    assert len(seen) == 1, f"user {user} saw both sides: {seen}"
    sides.append(seen.pop())
nxt = sides.count("next")
assert 60 <= nxt <= 140, f"{nxt} of 200 sticky users on the 50% canary"
print(f"canary: weight 20% -> {n/10:.1f}%, sticky 50% -> {nxt/2:.1f}% of users")
PY
python3 - log.txt <<'PY' || fail "access log does not show the canary decision"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if '"request_id"' in l]
assert any(r.get("canary") and r["component"] == "next" for r in reqs)
assert all(not r.get("canary") for r in reqs if r["component"] == "stable")
PY
metrics=$(curl -fsS "http://127.0.0.1:$port/_edgectl/metrics")
[[ $metrics == *'component="next",status="200"'* ]] || fail "metrics by component"
echo "serve_canary: ok"
