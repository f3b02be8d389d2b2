#!/usr/bin/env bash
# The Redis key-value backend behind edgectl serve, chosen by a runtime config, with the C
# shop handler of lib/kv_shop.sh (http-c template, src/edgectl.h):
#   - two `edgectl serve` processes ("edge hosts") with the same runtime.toml share one
#     redis-server (started here on a free port, with a password, stopped by PID on exit);
#   - the stock test across both: a stock of 500, 1,000 concurrent purchases split between
#     the hosts → exactly 500 sold, 500 sold out, stock 0 as either host and redis-cli read it;
#   - Redis going away: a purchase fails with a store error, logged without the password;
#   - a bad runtime config stops serve at once (exit 1) with file:line:col.
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
# shellcheck source=lib/kv_shop.sh
source "$LIB/kv_shop.sh"
serve_prologue clang-19 python3 curl redis-server redis-cli
redis_pid=
server2_pid=
stop_pid() { if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
trap 'stop_pid "$server2_pid"; stop_pid "$redis_pid"; serve_cleanup' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The shared store: no disk, no daemon, a password that must never show in a log.
redis_port=$(free_port)
secret="edgectl-test-$$-pw"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --dir "$work" --requirepass "$secret" >"$work/redis.log" 2>&1 &
redis_pid=$!
export REDISCLI_AUTH="$secret"
rcli() { redis-cli -p "$redis_port" "$@"; }
for _ in $(seq 100); do [ "$(rcli ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done
[ "$(rcli ping 2>/dev/null)" = PONG ] || fail "redis-server did not start: $(cat "$work/redis.log")"

make_shop

cat > "$work/runtime.toml" <<EOF
# Both hosts keep the store "default" in one Redis.
[kv.default]
backend = "redis"
url = "redis://:$secret@127.0.0.1:$redis_port/0"
EOF

# Host 1 through lib/serve.sh ($port, $base); host 2 beside it on its own port.
start_server --runtime-config "$work/runtime.toml"
port2=$(free_port)
base2="http://127.0.0.1:$port2"
"$EDGECTL" serve --listen "127.0.0.1:$port2" --runtime-config "$work/runtime.toml" >"$work/log2.txt" 2>"$work/err2.txt" &
server2_pid=$!
for _ in $(seq 200); do
  curl -fsS "$base2/_edgectl/health" >/dev/null 2>&1 && break
  kill -0 "$server2_pid" 2>/dev/null || fail "the second edgectl serve exited: $(cat "$work/err2.txt")"
  sleep 0.05
done
curl -fsS "$base2/_edgectl/health" >/dev/null || fail "the second edgectl serve did not come up"

[ "$(curl -fsS "$base/seed?500")" = 500 ] || fail "seed"
[ "$(curl -fsS "$base2/stock")" = 500 ] || fail "host 2 does not see the stock host 1 seeded: $(curl -sS "$base2/stock")"
[ "$(rcli GET edgectl:default:stock)" = 500 ] || fail "not in Redis: $(rcli GET edgectl:default:stock)"
result=$(buy_all "$base" "$base2")  # alternating between the hosts
[ "$result" = "500 500 0" ] || fail "stock test across two hosts: $result (sold, sold out, other)"
[ "$(curl -fsS "$base/stock")" = 0 ] || fail "final stock on host 1: $(curl -sS "$base/stock")"
[ "$(curl -fsS "$base2/stock")" = 0 ] || fail "final stock on host 2: $(curl -sS "$base2/stock")"
[ "$(rcli GET edgectl:default:stock)" = 0 ] || fail "final stock in Redis: $(rcli GET edgectl:default:stock)"
[ "$(rcli GET edgectl:default:sold)" = 500 ] || fail "sold in Redis: $(rcli GET edgectl:default:sold)"
grep -q ' 200 ' "$work/log2.txt" || fail "host 2 served no purchase: $(tail -3 "$work/log2.txt")"
[ ! -e .edgectl/kv ] || fail "a Redis store wrote .edgectl/kv"

# Redis goes away: a purchase is a store error (500), the log says why, never the password.
stop_pid "$redis_pid"; redis_pid=
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/buy")
[ "$code" = 500 ] || fail "a purchase with Redis down answered $code"
grep -q "key-value store .*redis 127.0.0.1:$redis_port db 0.*connection refused" "$work/log.txt" \
  || fail "no log line for the store error: $(tail -3 "$work/log.txt")"
if grep -q -- "$secret" "$work/log.txt" "$work/err.txt" "$work/log2.txt" "$work/err2.txt"; then
  fail "the Redis password is in a log"
fi
stop_pid "$server2_pid"; server2_pid=
stop_pid "$server_pid"; server_pid=

# A bad runtime config: serve stops before listening, exit 1, the place and the reason.
bad_config() {
  printf '%s\n' "$1" >"$work/bad.toml"
  set +e
  timeout 60 "$EDGECTL" serve --listen "127.0.0.1:$port" --runtime-config "$work/bad.toml" >/dev/null 2>"$work/bad-err.txt"
  bad_rc=$?
  set -e
  [ "$bad_rc" = 1 ] || fail "serve with a bad runtime config exited $bad_rc: $(cat "$work/bad-err.txt")"
  grep -qF -- "$2" "$work/bad-err.txt" || fail "expected '$2' in: $(cat "$work/bad-err.txt")"
}
bad_config $'[kv.default]\nbackend = "redis"\nurl = "redis://:pw@127.0.0.1:http/0"' \
  "$work/bad.toml:3:7: error: bad Redis URL 'redis://:***@127.0.0.1:http/0': the port must be a number"
grep -q ':pw@' "$work/bad-err.txt" && fail "the password of a bad URL was printed"
bad_config $'[kv.default]\nbackend = "mysql"' "$work/bad.toml:2:11: error: unknown backend 'mysql' in [kv.default]"
bad_config $'[kv.default]\nbackend = "redis"' "$work/bad.toml:1:1: error: [kv.default]: backend \"redis\" needs a url"
bad_config $'[kv.default]\nbackend = "sqlite"\npth = "x.db"' "$work/bad.toml:3:1: error: unknown key 'pth' in [kv.default]"
echo "ok: serve_kv_redis"
