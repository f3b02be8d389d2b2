#!/usr/bin/env bash
# Registry auth for push/pull/login, against real components:
#   - Basic: Debian's docker-registry with htpasswd and TLS (a test certificate): refused
#     without credentials and without the CA; `edgectl login` checks, then stores like docker
#     (config.json, 0600); logout; EDGECTL_REGISTRY_USER/_PASSWORD for CI;
#   - Bearer: the token flow against lib/registry_proxy.py's token endpoint, with tokens that
#     run out mid-push (refreshed), wrong credentials refused, and a docker credential helper;
#   - no secret ever appears in edgectl's output.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
export NO_COLOR=1
for tool in docker-registry skopeo python3 curl wat2wasm openssl; do
  command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done
command -v htpasswd >/dev/null || python3 -c 'import crypt' 2>/dev/null || { echo "skip: no htpasswd"; exit 77; }
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
# shellcheck source=lib/registry.sh
source "$LIB/registry.sh"
work=$(mktemp -d)
trap 'registry_cleanup; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/err.txt" ] && tail -5 "$work/err.txt" >&2; exit 1; }
# Every output of edgectl is kept, to check at the end that no secret was ever printed.
run() { "$EDGECTL" "$@" >"$work/out.txt" 2>"$work/err.txt"; local rc=$?; cat "$work/out.txt" "$work/err.txt" >> "$work/all.txt"; return $rc; }
export XDG_CACHE_HOME="$work/cache" DOCKER_CONFIG="$work/docker"
unset EDGECTL_REGISTRY_USER EDGECTL_REGISTRY_PASSWORD
PASS='Wonder land!42' TOKEN_PASS='t0ken-s3cret'
cd "$work"

make_test_cert "$work/certs"
make_htpasswd "$work/htpasswd" alice "$PASS"
registry_start "$work/reg" --htpasswd "$work/htpasswd" --tls "$work/certs/cert.pem" "$work/certs/key.pem" >/dev/null ||
  fail "the registry did not start"
R=$REGISTRY_ADDR CA=(--ca-file "$work/certs/cert.pem")

"$EDGECTL" new http-wat hello >/dev/null
cd hello
"$EDGECTL" build >/dev/null

# --- TLS is verified: without the CA the push stops and says how to fix it.
run push --no-build "$R/acme/hello:v1" && fail "push without the CA succeeded"
grep -q "cannot verify $R's certificate" "$work/err.txt" || fail "no CA: $(cat "$work/err.txt")"
grep -q -- "--ca-file" "$work/err.txt" || fail "no CA, no hint: $(cat "$work/err.txt")"

# --- Basic auth: no credentials, then wrong ones.
run push --no-build "$R/acme/hello:v1" "${CA[@]}" && fail "push without credentials succeeded"
grep -q "asks for a user name and password" "$work/err.txt" || fail "anonymous: $(cat "$work/err.txt")"
grep -q "edgectl login $R" "$work/err.txt" || fail "anonymous, no hint: $(cat "$work/err.txt")"
printf 'wrong' | run login "$R" -u alice --password-stdin "${CA[@]}" && fail "login with a wrong password succeeded"
grep -q "refused the credentials" "$work/err.txt" || fail "wrong password: $(cat "$work/err.txt")"
[ ! -e "$DOCKER_CONFIG/config.json" ] || fail "a refused login stored something"

# --- login: checked, then stored like docker login (base64 USER:PASS, mode 0600).
printf '%s\n' "$PASS" | run login "$R" -u alice --password-stdin "${CA[@]}" || fail "login: $(cat "$work/err.txt")"
grep -q "Login Succeeded" "$work/out.txt" || fail "login printed: $(cat "$work/out.txt")"
[ "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600 ] || fail "config.json mode $(stat -c %a "$DOCKER_CONFIG/config.json")"
python3 - "$DOCKER_CONFIG/config.json" "$R" "alice:$PASS" <<'PY' || fail "config.json content"
import base64, json, sys
c = json.load(open(sys.argv[1]))
assert base64.b64decode(c["auths"][sys.argv[2]]["auth"]).decode() == sys.argv[3], c
PY
run push --no-build "$R/acme/hello:v1" "${CA[@]}" || fail "push with stored credentials: $(cat "$work/err.txt")"
digest=$(sed -n '1s/.*@//p' "$work/out.txt")
skopeo inspect --raw --cert-dir "$work/certs" --creds "alice:$PASS" "docker://$R/acme/hello:v1" > "$work/manifest.json" ||
  fail "skopeo cannot read the pushed manifest"
[ "sha256:$(sha256sum < "$work/manifest.json" | cut -c1-64)" = "$digest" ] || fail "skopeo sees another manifest"
run pull "$R/acme/hello:v1" -o "$work/pulled" "${CA[@]}" || fail "pull with stored credentials: $(cat "$work/err.txt")"
cmp -s hello.wasm "$work/pulled/hello.wasm" || fail "pulled module differs"

# --- logout forgets them; the CI variables need no login; --insecure skips verification.
run logout "$R" || fail "logout"
run push --no-build "$R/acme/hello:v1" "${CA[@]}" && fail "push after logout succeeded"
EDGECTL_REGISTRY_USER=alice EDGECTL_REGISTRY_PASSWORD="$PASS" run push --no-build "$R/acme/hello:ci" "${CA[@]}" ||
  fail "push with EDGECTL_REGISTRY_USER: $(cat "$work/err.txt")"
EDGECTL_REGISTRY_USER=alice EDGECTL_REGISTRY_PASSWORD="$PASS" run push --no-build "$R/acme/hello:insecure" --insecure ||
  fail "push --insecure: $(cat "$work/err.txt")"
registry_stop

# --- Bearer tokens: a plain registry behind the proxy's token front. Tokens are good for 4
# requests, so a push needs several (each refused token is replaced, the request sent again).
registry_start "$work/reg2" >/dev/null || fail "the second registry did not start"
proxy_start --token-auth "bob:$TOKEN_PASS" --token-uses 4 || fail "proxy"
R=$PROXY_ADDR
run push --no-build "$R/acme/hello:v1" && fail "anonymous push through the token front succeeded"
grep -q "requires a login" "$work/err.txt" || fail "anonymous token: $(cat "$work/err.txt")"
EDGECTL_REGISTRY_USER=bob EDGECTL_REGISTRY_PASSWORD=wrong run push --no-build "$R/acme/hello:v1" &&
  fail "push with a wrong token password succeeded"
grep -q "token service refused the credentials of user 'bob'" "$work/err.txt" || fail "wrong token password: $(cat "$work/err.txt")"
mark=$(( $(wc -l < "$PROXY_LOG") + 1 ))
printf '\n;; v2\n' >> src/main.wat
"$EDGECTL" build >/dev/null
EDGECTL_REGISTRY_USER=bob EDGECTL_REGISTRY_PASSWORD="$TOKEN_PASS" run push --no-build "$R/acme/hello:v2" --tag latest ||
  fail "push with tokens: $(cat "$work/err.txt")"
issued=$(tail -n +"$mark" "$PROXY_LOG" | grep -c '"token_issued"' || true)
[ "$issued" -ge 3 ] || fail "only $issued tokens were issued: the expiry path was not exercised"
grep -q '"auth": *"bearer"' "$PROXY_LOG" || fail "no request carried a Bearer token"
token_digest=$(sed -n '1s/.*@//p' "$work/out.txt")
skopeo inspect --raw --tls-verify=false --creds "bob:$TOKEN_PASS" "docker://$R/acme/hello:v2" |
  cmp -s - <(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REGISTRY_ADDR/v2/acme/hello/manifests/latest") ||
  fail "skopeo through the token front sees another manifest"

# --- a docker credential helper (credHelpers) gives the token service its credentials.
mkdir -p "$work/bin"
cat > "$work/bin/docker-credential-edgetest" <<EOF
#!/bin/sh
read -r server
echo "\$1 \$server" >> "$work/helper.log"
[ "\$1" = get ] && [ "\$server" = "$R" ] && echo '{"ServerURL":"$R","Username":"bob","Secret":"$TOKEN_PASS"}' && exit 0
echo "credentials not found in native keychain"; exit 1
EOF
chmod +x "$work/bin/docker-credential-edgetest"
printf '{"credHelpers":{"%s":"edgetest"}}' "$R" > "$DOCKER_CONFIG/config.json"
PATH="$work/bin:$PATH" run pull "$R/acme/hello:v2" -o "$work/pulled2" || fail "pull through the helper: $(cat "$work/err.txt")"
grep -q "get $R" "$work/helper.log" || fail "the helper was not asked"
cmp -s hello.wasm "$work/pulled2/hello.wasm" || fail "module pulled with tokens differs"
[ "$(sed -n '1s/.*@//p' "$work/out.txt")" = "$token_digest" ] || fail "pull digest differs"

# --- secrets never printed.
for secret in "$PASS" "$TOKEN_PASS" "$(printf 'alice:%s' "$PASS" | base64)"; do
  ! grep -qF "$secret" "$work/all.txt" || fail "a secret was printed"
done
! grep -qF "$TOKEN_PASS" "$PROXY_LOG" || fail "a secret reached the proxy log"
echo "ok: push_auth"
