"""A small WebSocket client for the integration tests (RFC 6455, Python stdlib only).

Raw sockets on purpose: the tests need to misbehave (never answer pings, stop reading,
send oversized or malformed frames), which a polished client library would not allow.
"""
import base64
import hashlib
import os
import socket
import struct
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class HandshakeError(Exception):
    def __init__(self, status, head):
        super().__init__(f"handshake answered {status}: {head!r}")
        self.status = status
        self.head = head


class Closed(Exception):
    """The server closed the connection: code is the close frame's code, None if dropped."""

    def __init__(self, code, reason=""):
        super().__init__(f"closed with {code} {reason}")
        self.code = code
        self.reason = reason


class Client:
    def __init__(self, port, path="/ws", host="127.0.0.1", timeout=10, headers=(), rcvbuf=None,
                 answer_pings=True):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.answer_pings = answer_pings
        self.pings = 0
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")
        for h in headers:
            request += h + "\r\n"
        self.sock.sendall((request + "\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise HandshakeError(0, self.buf)
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        if status != 101:
            raise HandshakeError(status, head)
        expect = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
        if f"sec-websocket-accept: {expect.decode()}".lower().encode() not in head.lower():
            raise AssertionError(f"wrong Sec-WebSocket-Accept in {head!r}")

    def send_frame(self, opcode, payload, fin=True, mask=True):
        if isinstance(payload, str):
            payload = payload.encode()
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        bit = 0x80 if mask else 0
        if n < 126:
            head += bytes([bit | n])
        elif n < 65536:
            head += bytes([bit | 126]) + struct.pack("!H", n)
        else:
            head += bytes([bit | 127]) + struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            head += key
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if n < 4096 else _mask(payload, key)
        self.sock.sendall(head + payload)

    def send(self, message):
        self.send_frame(BINARY if isinstance(message, bytes) else TEXT, message)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed(None, "connection dropped")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._read(2)
        if b1 & 0x80:
            raise AssertionError("a server frame was masked")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        return b0 & 0x0F, bool(b0 & 0x80), self._read(n)

    def recv(self):
        """The next data message as (opcode, payload); pings are answered (or counted)."""
        while True:
            op, fin, payload = self.recv_frame()
            if op == PING:
                self.pings += 1
                if self.answer_pings:
                    self.send_frame(PONG, payload)
                continue
            if op == PONG:
                continue
            if op == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise Closed(code, payload[2:].decode(errors="replace"))
            assert fin, "the server fragmented a message"
            return op, payload

    def recv_text(self):
        op, payload = self.recv()
        assert op == TEXT, f"expected text, got opcode {op}"
        return payload.decode()

    def expect_close(self):
        """Reads until the server's close frame, answers it as a client should, and returns its
        code (None: dropped without one)."""
        try:
            while True:
                self.recv()
        except Closed as c:
            if c.code is not None:
                try:
                    self.send_frame(CLOSE, struct.pack("!H", c.code) if c.code != 1005 else b"")
                except OSError:
                    pass
            self.sock.close()
            return c.code

    def close(self, code=1000):
        """Closes from the client's side; returns the code the server answered with."""
        self.send_frame(CLOSE, struct.pack("!H", code))
        try:
            while True:
                self.recv()
        except Closed as c:
            self.sock.close()
            return c.code


def _mask(payload, key):
    n = len(payload)
    k = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")
