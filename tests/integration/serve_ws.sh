#!/usr/bin/env bash
# edgectl serve's WebSocket routes (docs/contract.md, "WebSocket"), with a raw-socket client
# (lib/wsclient.py) that can misbehave: the handshake and its refusals, open/message/close
# events (a fresh instance each), echo of text, binary and fragmented messages, a guest that
# rejects the connection (1011), traps or loops (the connection stays), an oversized message
# (1009), a client that never answers pings (4001, on time), the idle timeout (1001), a slow
# reader (1008), the connection limit (503), metrics, and graceful shutdown (1001).
set -euo pipefail

lib=$(cd "$(dirname "$0")/lib" && pwd)
source "$lib/serve.sh"
serve_prologue clang-19 curl python3

cat > app.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const char* env(const char* n) { const char* v = getenv(n); return v ? v : ""; }
static int calls;  // a fresh instance per event: always 1
int main(void) {
  const char* ev = env("WS_EVENT");
  calls++;
  if (!strcmp(ev, "open")) {
    if (strstr(env("QUERY_STRING"), "reject")) return 3;
    printf("welcome %s", env("WS_CONNECTION_ID"));
    return 0;
  }
  if (!strcmp(ev, "close")) {
    fprintf(stderr, "closed %s", env("WS_CONNECTION_ID"));
    return 0;
  }
  static char msg[1 << 20];
  size_t n = fread(msg, 1, sizeof msg - 1, stdin);
  msg[n] = 0;
  if (!strcmp(msg, "trap")) __builtin_trap();
  if (!strcmp(msg, "spin")) for (;;) {}
  if (!strcmp(msg, "env")) {
    printf("%s %s %s %s %d", env("WS_MESSAGE_TYPE"), env("SCRIPT_NAME"), env("HTTP_X_USER"), env("WS_CONNECTION_ID"), calls);
    return 0;
  }
  if (!strncmp(msg, "big:", 4)) {
    for (int i = atoi(msg + 4); i > 0; --i) putchar('x');
    return 0;
  }
  if (!strcmp(msg, "silent")) return 0;
  fwrite(msg, 1, n, stdout);
  return 0;
}
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 app.c -o app.wasm
cat > edgectl.toml <<'TOML'
[app]
name = "ws"

[[component]]
id = "app"
source = "app.wasm"
timeout = "500ms"

[[route]]
path = "/ws"
component = "app"
websocket = true
TOML
start_server --engine interp --log-file "$work/access.log" \
  --ws-max-message 64KiB --ws-max-send-queue 256KiB --ws-ping-interval 300ms --ws-pong-timeout 400ms \
  --ws-idle-timeout 3s --ws-max-connections 20

# Not an upgrade: 426 with the Upgrade header.
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/ws")
[ "$code" = 426 ] || fail "a plain GET on a websocket route: $code"

cd "$lib"
PORT=$port timeout 60 python3 - <<'PY' || fail "websocket checks (see above)"
import os, socket, struct, time, wsclient
from wsclient import Client, Closed, HandshakeError, TEXT, BINARY, CONTINUATION
port = int(os.environ["PORT"])

def check(cond, what):
    if not cond:
        raise SystemExit(f"FAIL: {what}")

# Handshake refusals: wrong version (426), malformed key (400).
for header, want in (("Sec-WebSocket-Version: 8", 426), ("Sec-WebSocket-Key: short", 400)):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = f"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    if "Version" in header:
        req += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + header + "\r\n\r\n"
    else:
        req += header + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
    s.sendall(req.encode())
    status = int(s.recv(4096).split(b" ")[1])
    check(status == want, f"handshake with {header!r}: {status}, expected {want}")

# Open event: the greeting names the connection; echo of text and binary; per-event env.
c = Client(port, headers=["X-User: ada"])
greeting = c.recv_text()
check(greeting.startswith("welcome "), f"greeting: {greeting!r}")
conn_id = greeting.split()[1]
c.send("hello"); check(c.recv_text() == "hello", "text echo")
c.send(b"\x00\xff\x01"); check(c.recv() == (BINARY, b"\x00\xff\x01"), "binary echo")
c.send("env"); check(c.recv_text() == f"text /ws ada {conn_id} 1", "text event env")
c.send(b"env"); op, p = c.recv()
check(op == BINARY and p.decode() == f"binary /ws ada {conn_id} 1", f"binary event env: {p!r}")
# A fragmented message is delivered whole; a ping in between is answered.
c.send_frame(TEXT, "frag", fin=False)
c.send_frame(wsclient.PING, "are you there")
c.send_frame(CONTINUATION, "mented", fin=True)
op, fin, p = c.recv_frame()
check(op == wsclient.PONG and p == b"are you there", f"pong: {op} {p!r}")
check(c.recv_text() == "fragmented", "fragmented message")
# A message that sends nothing back; a trapping and a looping guest: no reply, the
# connection stays up and the next message is answered.
for m in ("silent", "trap", "spin"):
    c.send(m)
c.send("after"); check(c.recv_text() == "after", "the connection survives a trap and a timeout")
check(c.close() == 1000, "a client close is answered with 1000")

# The guest rejects the connection on open: 1011.
r = Client(port, path="/ws?reject")
check(r.expect_close() == 1011, "open event exiting non-zero closes with 1011")

# A message over --ws-max-message (64 KiB): 1009.
b = Client(port); b.recv_text()
b.send("y" * (65 * 1024))
check(b.expect_close() == 1009, "an oversized message closes with 1009")

# Unmasked client frame: protocol error 1002.
u = Client(port); u.recv_text()
u.send_frame(TEXT, "naked", mask=False)
check(u.expect_close() == 1002, "an unmasked frame closes with 1002")

# Heartbeat: a client that never answers pings is closed with 4001 after ping interval +
# pong timeout (300 + 400 ms); one that answers stays connected past that.
silent = Client(port, answer_pings=False); silent.recv_text()
polite = Client(port); polite.recv_text()
import threading
def keep_answering():  # the polite client reads (and answers pings) meanwhile
    polite.sock.settimeout(0.2)
    end = time.monotonic() + 1.6
    while time.monotonic() < end:
        try:
            polite.recv()
            raise SystemExit("FAIL: unexpected message")
        except socket.timeout:
            pass
answering = threading.Thread(target=keep_answering); answering.start()
start = time.monotonic()
code = silent.expect_close()
took = time.monotonic() - start
answering.join()
check(code == 4001, f"no pong: closed with {code}")
check(0.6 <= took <= 2.5, f"no pong: evicted after {took:.2f}s (expected ~0.7s)")
check(silent.pings >= 1, "no ping was seen")
check(polite.pings >= 2, f"the polite client saw {polite.pings} pings")
polite.sock.settimeout(5)
polite.send("still"); check(polite.recv_text() == "still", "a client answering pings stays")

# Idle timeout (3 s without a message, pings answered): 1001.
start = time.monotonic()
code = polite.expect_close()
took = time.monotonic() - start
check(code == 1001 and 2.0 <= took <= 5, f"idle: {code} after {took:.2f}s")

# A slow reader: asks for 60 KB replies and never reads; the server's queue passes 256 KiB
# and it closes with 1008 (after the frames already on their way). It starts reading once
# the server has counted the close.
def metric(name):
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/_edgectl/metrics", timeout=5).read().decode()
    return next((int(l.split()[1]) for l in text.splitlines() if l.startswith(name + " ")), 0)
slow = Client(port, rcvbuf=4096); slow.recv_text()
for _ in range(400):
    slow.send("big:60000")
deadline = time.monotonic() + 30
while not metric('edgectl_websocket_closes_total{code="1008"}') and time.monotonic() < deadline:
    time.sleep(0.05)
code = slow.expect_close()
check(code == 1008, f"a slow reader: closed with {code}, expected 1008")

# The connection limit (20): the 21st upgrade gets 503; closing one makes room.
def open_connections():
    return metric("edgectl_websocket_connections")
deadline = time.monotonic() + 5
while open_connections() and time.monotonic() < deadline:
    time.sleep(0.05)
check(open_connections() == 0, f"{open_connections()} connections still counted as open")
held = []
for _ in range(20):
    h = Client(port); h.recv_text(); held.append(h)
try:
    Client(port)
    raise SystemExit("FAIL: the 21st connection was accepted")
except HandshakeError as e:
    check(e.status == 503, f"over the connection limit: {e.status}")
held.pop().close()
time.sleep(0.3)
extra = Client(port); extra.recv_text(); held.append(extra)
for h in held:
    h.close()
PY

cd "$work"
# Metrics: the WebSocket counters, parsed as Prometheus text lines.
metrics=$(curl -fsS "$base/_edgectl/metrics")
grep -Eq '^edgectl_websocket_connections [0-9]+$' <<<"$metrics" || fail "no websocket gauge"
in_msgs=$(awk '/^edgectl_websocket_messages_total\{direction="in"\}/{print $2}' <<<"$metrics")
[ "${in_msgs:-0}" -ge 8 ] || fail "messages in: $in_msgs"
grep -q '^edgectl_websocket_closes_total{code="4001"} 1$' <<<"$metrics" || fail "no 4001 close counted: $(grep closes <<<"$metrics")"
grep -q '^edgectl_websocket_closes_total{code="1009"} 1$' <<<"$metrics" || fail "no 1009 close counted"
# The close event ran (its stderr is in the log with the connection id) and the trap and
# the timeout are logged with their causes.
grep -A1 'WS close' access.log | grep -q '^  stderr: closed ' || fail "the close event's stderr is not in the log"
grep -q 'WS message .*trap' access.log || fail "the trap is not logged"
grep -q 'WS message .*timeout\|WS message .*504' access.log || fail "the timeout is not logged"

# Graceful shutdown with connections open: each gets 1001 and the server exits 0.
cd "$lib"
PORT=$port timeout 30 python3 - "$server_pid" <<'PY' || fail "shutdown with open connections"
import os, sys, signal, wsclient
port = int(os.environ["PORT"])
clients = [wsclient.Client(port) for _ in range(3)]
for c in clients:
    c.recv_text()
os.kill(int(sys.argv[1]), signal.SIGTERM)
codes = [c.expect_close() for c in clients]
if codes != [1001] * 3:
    raise SystemExit(f"FAIL: on shutdown the clients got {codes}")
PY
wait "$server_pid"; status=$?
server_pid=
[ "$status" = 0 ] || fail "the server exited $status"
echo "ok"
