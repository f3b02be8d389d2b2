#!/usr/bin/env python3
"""Opens N idle WebSocket connections to one URL, holds them, and reports what happened.

A load client for the idle-connection benchmark (scripts/bench/serve.sh, ws_idle_bench):
Python 3 standard library only, one thread, non-blocking sockets under `selectors` (epoll).

- Opens --connections connections (RFC 6455 client handshake, a random Sec-WebSocket-Key
  each; the answer must be `101` with `Upgrade: websocket`, `Connection: upgrade` and the
  matching Sec-WebSocket-Accept), --batch at a time; with --rate R the batches start on a
  schedule of R connections per second, without it each batch starts once the one before
  has finished its handshakes.
- Raises its own RLIMIT_NOFILE soft limit to the hard limit first.
- Holds the open connections for --hold seconds, answering every ping with a masked pong
  that carries the same payload, and counts the connections the server drops (a close frame,
  with its code, or the socket ending).
- Then closes each connection with a masked close frame (1000) and prints one JSON object:
  opened, failed (with reasons), dropped during the hold (with reasons and close codes),
  pings answered, connect time p50/p99/max in ms (connect() to a validated 101).
- With --rss-pid PID it also reads that process's VmRSS (from /proc/PID/status) before the
  first connection, once every connection is open (after --settle seconds), and at the end
  of the hold: the server side of the idle-connection benchmark.

Everything is bounded: each handshake by --connect-timeout, the opening phase by the
schedule plus that timeout, the hold by --hold. Only ws:// URLs (no TLS).

Usage: ws_hold.py ws://127.0.0.1:8080/ws --connections 2000 --batch 200 --rate 2000 --hold 10
"""
import argparse
import base64
import collections
import errno
import hashlib
import json
import os
import resource
import selectors
import socket
import struct
import sys
import time
import urllib.parse

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEADER = 16384
MAX_FRAME = 1 << 20  # an idle client expects control frames and small messages only

# Connection states.
CONNECTING, HANDSHAKE, OPEN, CLOSED = range(4)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def vm_rss_kib(pid):
    """VmRSS of a process in KiB, or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def mask_frame(opcode, payload):
    """A complete, final, masked client frame (RFC 6455 §5.2, §5.3)."""
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    if n:
        # XOR with the repeated key, done on whole integers rather than byte by byte.
        repeated = (key * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")
    else:
        masked = b""
    return header + key + masked


class Conn:
    __slots__ = ("sock", "state", "key", "started", "inbuf", "outbuf", "events", "index")

    def __init__(self, sock, index):
        self.sock = sock
        self.index = index
        self.state = CONNECTING
        self.key = base64.b64encode(os.urandom(16))
        self.started = time.perf_counter()
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.events = selectors.EVENT_WRITE


class Client:
    def __init__(self, args):
        url = urllib.parse.urlsplit(args.url)
        if url.scheme != "ws":
            raise SystemExit("ws_hold.py: only ws:// URLs are supported")
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self.host_header = url.netloc
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.addr = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)[0]
        self.conns = set()           # every connection not yet closed
        self.handshaking = 0         # connections in CONNECTING or HANDSHAKE
        self.opened = 0
        self.failed = collections.Counter()
        self.dropped = collections.Counter()
        self.dropped_total = 0
        self.close_codes = collections.Counter()
        self.pings = 0
        self.messages = 0
        self.connect_ms = []
        self.holding = False         # drops count only once the hold has begun
        self.dropped_while_opening = 0

    # --- bookkeeping -------------------------------------------------------------------
    def set_events(self, c, events):
        if events != c.events:
            self.sel.modify(c.sock, events, c)
            c.events = events

    def finish(self, c):
        if c.state != CLOSED:
            if c.state in (CONNECTING, HANDSHAKE):
                self.handshaking -= 1
            c.state = CLOSED
            try:
                self.sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
            self.conns.discard(c)

    def fail(self, c, reason):
        self.failed[reason] += 1
        self.finish(c)

    def drop(self, c, reason, code=None):
        self.dropped[reason] += 1
        if code is not None:
            self.close_codes[str(code)] += 1
        self.dropped_total += 1
        if not self.holding:
            self.dropped_while_opening += 1
        self.finish(c)

    # --- opening -----------------------------------------------------------------------
    def start_one(self, index):
        family, socktype, proto, _, sockaddr = self.addr
        try:
            sock = socket.socket(family, socktype, proto)
        except OSError as e:
            self.failed[f"socket: {errno.errorcode.get(e.errno, e.errno)}"] += 1
            return
        sock.setblocking(False)
        c = Conn(sock, index)
        err = sock.connect_ex(sockaddr)
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            self.failed[f"connect: {errno.errorcode.get(err, err)}"] += 1
            return
        self.conns.add(c)
        self.handshaking += 1
        self.sel.register(sock, c.events, c)

    def on_connected(self, c):
        err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.fail(c, f"connect: {errno.errorcode.get(err, err)}")
            return
        c.state = HANDSHAKE
        c.outbuf += (
            f"GET {self.target} HTTP/1.1\r\n"
            f"Host: {self.host_header}\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {c.key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "\r\n"
        ).encode()
        self.flush(c)

    def on_handshake_data(self, c):
        end = c.inbuf.find(b"\r\n\r\n")
        if end < 0:
            if len(c.inbuf) > MAX_HEADER:
                self.fail(c, "handshake: response header too large")
            return
        head = bytes(c.inbuf[:end]).decode("latin-1")
        del c.inbuf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            self.fail(c, "handshake: not an HTTP response")
            return
        if parts[1] != "101":
            self.fail(c, f"handshake: status {parts[1]}")
            return
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                self.fail(c, "handshake: malformed header line")
                return
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(c.key + GUID).digest()).decode()
        if headers.get("upgrade", "").lower() != "websocket":
            self.fail(c, "handshake: no Upgrade: websocket")
            return
        if "upgrade" not in [t.strip().lower() for t in headers.get("connection", "").split(",")]:
            self.fail(c, "handshake: no Connection: upgrade")
            return
        if headers.get("sec-websocket-accept") != expected:
            self.fail(c, "handshake: wrong Sec-WebSocket-Accept")
            return
        c.state = OPEN
        self.handshaking -= 1
        self.opened += 1
        self.connect_ms.append((time.perf_counter() - c.started) * 1000)
        if c.inbuf:
            self.on_frames(c)  # a server may send a frame right behind the 101

    # --- open connections --------------------------------------------------------------
    def on_frames(self, c):
        buf = c.inbuf
        while c.state == OPEN and len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            opcode = b0 & 0x0F
            if b1 & 0x80:
                self.drop(c, "protocol: masked frame from the server")
                return
            n = b1 & 0x7F
            pos = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n = struct.unpack_from("!H", buf, 2)[0]
                pos = 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n = struct.unpack_from("!Q", buf, 2)[0]
                pos = 10
            if n > MAX_FRAME:
                self.drop(c, "protocol: frame too large")
                return
            if len(buf) < pos + n:
                return
            payload = bytes(buf[pos : pos + n])
            del buf[: pos + n]
            if opcode == 0x9:  # ping → pong with the same payload
                self.pings += 1
                c.outbuf += mask_frame(0xA, payload)
                self.flush(c)
            elif opcode == 0x8:  # close: answer it, then count the connection as dropped
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                try:
                    c.sock.send(mask_frame(0x8, payload[:2]))
                except OSError:
                    pass
                self.drop(c, "close frame", code)
                return
            elif opcode == 0xA:  # an unsolicited pong: ignored
                pass
            else:  # text, binary or continuation: an idle client only counts them
                self.messages += 1

    def flush(self, c):
        if c.state == CLOSED:
            return
        try:
            while c.outbuf:
                sent = c.sock.send(c.outbuf)
                del c.outbuf[:sent]
        except BlockingIOError:
            pass
        except OSError as e:
            reason = f"send: {errno.errorcode.get(e.errno, e.errno)}"
            if c.state == OPEN:
                self.drop(c, reason)
            else:
                self.fail(c, reason)
            return
        self.set_events(c, selectors.EVENT_READ | (selectors.EVENT_WRITE if c.outbuf else 0))

    def on_readable(self, c):
        try:
            data = c.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            reason = f"recv: {errno.errorcode.get(e.errno, e.errno)}"
            (self.drop if c.state == OPEN else self.fail)(c, reason)
            return
        if not data:
            if c.state == OPEN:
                self.drop(c, "eof without a close frame")
            else:
                self.fail(c, "handshake: connection closed")
            return
        c.inbuf += data
        if c.state == HANDSHAKE:
            self.on_handshake_data(c)
        elif c.state == OPEN:
            self.on_frames(c)

    def poll(self, timeout):
        for key, mask in self.sel.select(max(0.0, timeout)):
            c = key.data
            if c.state == CLOSED:
                continue
            if c.state == CONNECTING:
                if mask & (selectors.EVENT_WRITE | selectors.EVENT_READ):
                    self.on_connected(c)
                continue
            if mask & selectors.EVENT_WRITE:
                self.flush(c)
            if c.state != CLOSED and mask & selectors.EVENT_READ:
                self.on_readable(c)

    def expire_handshakes(self, now):
        limit = self.args.connect_timeout
        for c in [c for c in self.conns if c.state in (CONNECTING, HANDSHAKE)]:
            if now - c.started > limit:
                self.fail(c, "handshake: timeout" if c.state == HANDSHAKE else "connect: timeout")

    # --- phases ------------------------------------------------------------------------
    def open_all(self):
        a = self.args
        started = 0
        t0 = time.perf_counter()
        next_check = t0
        while started < a.connections or self.handshaking:
            now = time.perf_counter()
            due = started < a.connections and (
                (a.rate > 0 and now >= t0 + started / a.rate)
                or (a.rate <= 0 and self.handshaking == 0)
            )
            if due:
                for _ in range(min(a.batch, a.connections - started)):
                    self.start_one(started)
                    started += 1
                continue
            if now >= next_check:
                self.expire_handshakes(now)
                next_check = now + 0.1
            wait = 0.1
            if started < a.connections and a.rate > 0:
                wait = min(wait, t0 + started / a.rate - now)
            self.poll(wait)
        return time.perf_counter() - t0

    def hold(self, seconds):
        self.holding = True
        end = time.perf_counter() + seconds
        while True:
            left = end - time.perf_counter()
            if left <= 0:
                break
            self.poll(min(left, 1.0))

    def close_all(self):
        for c in list(self.conns):
            if c.state == OPEN:
                try:
                    c.sock.send(mask_frame(0x8, struct.pack("!H", 1000)))
                except OSError:
                    pass
            self.finish(c)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("url", help="ws://host:port/path")
    p.add_argument("--connections", "-n", type=int, default=1000)
    p.add_argument("--batch", type=int, default=100, help="connections started together")
    p.add_argument("--rate", type=float, default=0,
                   help="connections per second (0: each batch once the last one is done)")
    p.add_argument("--hold", type=float, default=10, help="seconds to hold once all are open")
    p.add_argument("--connect-timeout", type=float, default=10, help="seconds per handshake")
    p.add_argument("--rss-pid", type=int, help="a server PID whose VmRSS to report")
    p.add_argument("--settle", type=float, default=1.0,
                   help="seconds between the last handshake and the second VmRSS reading")
    a = p.parse_args()
    if a.connections < 0 or a.batch < 1 or a.hold < 0 or a.connect_timeout <= 0:
        p.error("--connections >= 0, --batch >= 1, --hold >= 0 and --connect-timeout > 0")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass

    client = Client(a)
    rss = {}
    if a.rss_pid:
        rss["before_kib"] = vm_rss_kib(a.rss_pid)
    open_seconds = client.open_all()
    if a.rss_pid:
        client.poll(0)
        settle_end = time.perf_counter() + a.settle
        while time.perf_counter() < settle_end:
            client.poll(settle_end - time.perf_counter())
        rss["open_kib"] = vm_rss_kib(a.rss_pid)
        rss["open_connections"] = len(client.conns)
    client.hold(a.hold)
    if a.rss_pid:
        rss["end_of_hold_kib"] = vm_rss_kib(a.rss_pid)
    still_open = len(client.conns)
    client.close_all()

    times = sorted(client.connect_ms)
    report = {
        "url": a.url,
        "requested": a.connections,
        "opened": client.opened,
        "failed": sum(client.failed.values()),
        "failed_reasons": dict(client.failed),
        "dropped_while_opening": client.dropped_while_opening,
        "dropped_during_hold": client.dropped_total - client.dropped_while_opening,
        "dropped_reasons": dict(client.dropped),
        "close_codes": dict(client.close_codes),
        "open_at_end_of_hold": still_open,
        "pings_answered": client.pings,
        "messages_received": client.messages,
        "connect_ms": {
            "p50": round(percentile(times, 50), 2) if times else None,
            "p99": round(percentile(times, 99), 2) if times else None,
            "max": round(times[-1], 2) if times else None,
        },
        "open_phase_s": round(open_seconds, 3),
        "hold_s": a.hold,
        "nofile_soft_limit": soft,
    }
    if a.rss_pid:
        report["rss"] = rss
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
