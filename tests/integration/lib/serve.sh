# Shared by the serve_*.sh integration tests (source it): tool checks, a scratch folder,
# a server on a free 127.0.0.1 port that is stopped (by PID) on exit, and helpers.
#   serve_prologue TOOL...      skip (77) without a tool; cd into a scratch folder
#   start_server ARGS...        edgectl serve --listen 127.0.0.1:$port ARGS, logs in log.txt/err.txt
#   stop_server                 stop the server started last (by PID) and wait for it
#   metric REGEX                the /_edgectl/metrics lines starting with REGEX
#   fail MESSAGE                print, show the server's stderr tail, exit 1
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
export NO_COLOR=1
server_pid=
work=
fail() { echo "FAIL: $*" >&2; [ -f "$work/err.txt" ] && tail -5 "$work/err.txt" >&2; exit 1; }
serve_cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  [ -n "$work" ] && rm -rf "$work"
}
serve_prologue() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
  done
  work=$(mktemp -d)
  trap serve_cleanup EXIT
  cd "$work"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
}
start_server() {
  "$EDGECTL" serve --listen "127.0.0.1:$port" "$@" >"$work/log.txt" 2>"$work/err.txt" &
  server_pid=$!
  for _ in $(seq 200); do
    curl -fsS "$base/_edgectl/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "edgectl serve exited: $(cat "$work/err.txt")"
    sleep 0.05
  done
  fail "edgectl serve did not come up"
}
stop_server() {
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
}
metric() { curl -fsS "$base/_edgectl/metrics" | grep -E "^$1" || true; }
