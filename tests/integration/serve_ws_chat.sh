#!/usr/bin/env bash
# The ws-chat-c template behind edgectl serve: a chat room built on the host API's
# ws_connections and ws_send. Three clients (lib/wsclient.py): each message reaches every
# other connection in the room and not its sender; joins and leaves are announced. (That
# ws_* answer "unavailable" off WebSocket routes is in tests/runtime/engine_host_test.cpp.)
set -euo pipefail
: "${EDGECTL:?set EDGECTL to the edgectl binary}"
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")/lib" && pwd)
# shellcheck source=lib/serve.sh
source "$LIB/serve.sh"
serve_prologue clang-19 python3 curl

"$EDGECTL" new ws-chat-c room >/dev/null
cd room
"$EDGECTL" build >/dev/null 2>build.txt || fail "build: $(cat build.txt)"
start_server --kv memory

cd "$LIB"
PORT=$port timeout 60 python3 - <<'PY' || fail "chat checks (see above)"
import os, time
from wsclient import Client
port = int(os.environ["PORT"])

def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)

def welcome(c):
    text = c.recv_text()
    check(text.startswith("Welcome to room, "), "welcome: " + text)
    return text[len("Welcome to room, "):].split(".")[0]

a = Client(port, "/chat")
ida = welcome(a)
b = Client(port, "/chat")
idb = welcome(b)
check(a.recv_text() == f"* {idb} joined", "a sees b join")
c = Client(port, "/chat")
idc = welcome(c)
for other in (a, b):
    check(other.recv_text() == f"* {idc} joined", "a and b see c join")

a.send("hello room")
check(b.recv_text() == f"{ida}: hello room", "b gets a's message")
check(c.recv_text() == f"{ida}: hello room", "c gets a's message")
b.send("hi a")
check(a.recv_text() == f"{idb}: hi a", "a gets b's message")
check(c.recv_text() == f"{idb}: hi a", "c gets b's message")
# The sender gets nothing back: a's next frame is c's message, not its own.
c.send("third")
check(a.recv_text() == f"{idc}: third", "a's next message is c's, not an echo of its own")
check(b.recv_text() == f"{idc}: third", "b gets c's message")

c.close()
for other in (a, b):
    check(other.recv_text() == f"* {idc} left", "a and b see c leave")
a.close()
check(b.recv_text() == f"* {ida} left", "b sees a leave")
b.close()
print("chat ok")
PY
