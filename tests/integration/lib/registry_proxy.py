"""An HTTP/1.1 reverse proxy between edgectl and a test registry, with injected faults and an
optional token-auth front, for edgectl push/pull's integration tests.

Forwards every request (keep-alive, bodies with Content-Length or chunked) to --upstream, a plain
HTTP registry on 127.0.0.1, and points Location headers that name the upstream at the proxy.
Options:
  --port-file F                 listen on 127.0.0.1:0 (or --port) and write the port to F
  --log F                       one JSON line per request: method, path (no query), query (without
                                _state), status, req_bytes, resp_bytes, auth (none|basic|bearer),
                                and "injected"/"tamper"/"error" when they apply; never a secret
  --fail-first N                the first N requests whose "METHOD TARGET" (TARGET with its query)
  --fail-status CODE            matches --fail-match (a regex, searched; default all) get CODE
  --fail-match REGEX            (default 500) and a registry-style error body, UNKNOWN "injected
  --retry-after S               failure", without being forwarded; --retry-after adds Retry-After
  --flip-blob-byte              GET /v2/NAME/blobs/sha256:HEX answered 200: one byte in the middle
                                of the body flipped (same length)
  --truncate-blob               the same GETs: the declared Content-Length, half the body, then close
  --throttle BYTES_PER_SEC      forward request bodies no faster than this
  --token-auth USER:PASS        a Bearer token front (the upstream runs without auth): /v2/... wants
  --token-ttl S --token-uses N  a token (401 + a Bearer challenge, realm http://127.0.0.1:PORT/token,
                                service "edgectl-test"); GET /token with Basic USER:PASS gives one
                                for the asked scopes (scope=repository:NAME:pull,push, repeatable),
                                valid S seconds (default 300) and, with --token-uses, N requests.
                                GET/HEAD need pull, other methods push; the Authorization header is
                                not forwarded
  --max-seconds S               exit after S seconds (default 600); exits cleanly on SIGTERM
Prints nothing on stdout; unexpected errors go to stderr.
"""
import argparse
import base64
import datetime
import http.client
import http.server
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse

PIECE = 64 * 1024
SERVICE = "edgectl-test"
# Not forwarded either way (hop-by-hop, or set by the proxy itself).
HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
       "trailer", "trailers", "transfer-encoding", "upgrade", "expect", "host", "content-length"}
BLOB = re.compile(r"^/v2/(.+)/blobs/sha256:[0-9a-f]{64}$")
REPO = re.compile(r"^/v2/(.+?)/(manifests|blobs|tags|referrers)(/|$)")
CLIENT_GONE = (ConnectionError, TimeoutError, socket.timeout, BrokenPipeError)


class BadRequest(Exception):
    """The client's request body cannot be read (a malformed chunked encoding)."""


def error_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()


class State:
    def __init__(self, args, port):
        self.args = args
        self.port = port
        host, _, up_port = args.upstream.rpartition(":")
        self.up_host, self.up_port = host.strip("[]"), int(up_port)
        # Location prefixes that name the upstream.
        self.up_prefixes = ["http://%s:%d" % (h, self.up_port) for h in {host, "127.0.0.1", "localhost"}]
        self.lock = threading.Lock()
        self.fail_left = args.fail_first
        self.fail_match = re.compile(args.fail_match)
        self.tokens = {}
        self.creds = args.token_auth
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def log(self, record):
        if self.log_file:
            with self.lock:
                self.log_file.write(json.dumps(record) + "\n")
                self.log_file.flush()

    def take_failure(self, what):
        with self.lock:
            if self.fail_left > 0 and self.fail_match.search(what):
                self.fail_left -= 1
                return True
        return False

    def issue(self, grants):
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = {"grants": grants, "expires": time.monotonic() + self.args.token_ttl,
                                  "uses": self.args.token_uses}
        return token

    def use(self, token, need):
        """None when TOKEN may be used for NEED (resource, acceptable actions), else the error."""
        with self.lock:
            t = self.tokens.get(token)
            if t is None:
                return "invalid_token"
            if time.monotonic() >= t["expires"] or t["uses"] == 0:
                del self.tokens[token]
                return "invalid_token"
            if need is not None:
                actions = t["grants"].get(need[0], set())
                if "*" not in actions and not actions & need[1]:
                    return "insufficient_scope"
            if t["uses"] is not None:
                t["uses"] -= 1
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "registry-proxy"
    sys_version = ""
    timeout = 120  # an idle client connection is closed after this

    def log_message(self, *args):
        pass

    def do_GET(self):
        st = self.server.state
        self.req_bytes = self.resp_bytes = 0
        self.status = 0
        self.extra = {}
        url = urllib.parse.urlsplit(self.path)
        try:
            self.route(st, url)
        except CLIENT_GONE:
            self.extra["error"] = "client connection lost"
            self.close_connection = True
        except BadRequest as e:
            self.extra["error"] = str(e)
            self.close_connection = True
            if not self.status:  # nothing answered yet
                try:
                    self.reply(400, error_body("UNSUPPORTED", str(e)), [("Connection", "close")])
                except CLIENT_GONE:
                    pass
        finally:
            auth = self.headers.get("Authorization", "").split(" ", 1)[0].lower()
            query = "&".join(p for p in url.query.split("&") if p and not p.startswith("_state="))
            record = {"method": self.command, "path": url.path, "status": self.status,
                      "req_bytes": self.req_bytes, "resp_bytes": self.resp_bytes,
                      "auth": auth if auth in ("basic", "bearer") else "none" if not auth else "other"}
            if query:
                record["query"] = query
            record.update(self.extra)
            st.log(record)

    do_HEAD = do_PUT = do_PATCH = do_POST = do_DELETE = do_OPTIONS = do_GET

    # The request body, in pieces of at most SIZE bytes.
    def body(self, size=PIECE):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(65537)
                if not line.endswith(b"\n"):
                    raise ConnectionError("client left mid-body")
                try:
                    n = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BadRequest("bad chunk size") from None
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                while n:
                    piece = self.rfile.read(min(n, size))
                    if not piece:
                        raise ConnectionError("client left mid-body")
                    n -= len(piece)
                    self.req_bytes += len(piece)
                    yield piece
                self.rfile.readline(3)
        else:
            n = int(self.headers.get("Content-Length") or 0)
            while n > 0:
                piece = self.rfile.read(min(n, size))
                if not piece:
                    raise ConnectionError("client left mid-body")
                n -= len(piece)
                self.req_bytes += len(piece)
                yield piece

    def drain(self):
        for _ in self.body():
            pass

    def reply(self, code, body=b"", headers=(), content_type="application/json; charset=utf-8"):
        self.status = code
        self.send_response_only(code)
        self.send_header("Date", self.date_time_string())
        self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
        if body:
            self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self.resp_bytes += len(body)

    def route(self, st, url):
        args = st.args
        if st.take_failure(self.command + " " + self.path):
            self.drain()
            self.extra["injected"] = True
            headers = [("Retry-After", str(args.retry_after))] if args.retry_after is not None else []
            return self.reply(args.fail_status, error_body("UNKNOWN", "injected failure"), headers)
        if st.creds is not None:
            if url.path == "/token":
                self.drain()
                return self.token(st, url)
            if url.path == "/v2" or url.path.startswith("/v2/"):
                if not self.authorized(st, url.path):
                    return None
        return self.forward(st, url)

    # Token auth: the check in front of /v2/..., and the token endpoint.
    def authorized(self, st, path):
        need, scope = None, None
        m = REPO.match(path)
        if path == "/v2/_catalog":
            need, scope = ("registry:catalog", {"*"}), "registry:catalog:*"
        elif m:
            actions = {"GET": {"pull"}, "HEAD": {"pull"}, "DELETE": {"push", "delete"}}.get(self.command, {"push"})
            need, scope = ("repository:" + m.group(1), actions), "repository:%s:pull,push" % m.group(1)
        challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="%s"' % (st.port, SERVICE)
        if scope:
            challenge += ',scope="%s"' % scope
        auth = self.headers.get("Authorization", "")
        if auth[:7].lower() != "bearer ":
            problem, message = None, "authentication required"
        else:
            problem = st.use(auth[7:].strip(), need)
            if problem is None:
                return True
            message = {"invalid_token": "the token is unknown, expired or used up",
                       "insufficient_scope": "the token's scope does not cover this request"}[problem]
            challenge += ',error="%s"' % problem
        self.drain()
        self.extra["denied"] = problem or "no token"
        self.reply(401, error_body("UNAUTHORIZED", message), [("WWW-Authenticate", challenge)])
        return False

    def token(self, st, url):
        if self.command not in ("GET", "HEAD"):
            return self.reply(404, error_body("UNSUPPORTED", "only GET /token"))
        auth = self.headers.get("Authorization", "")
        try:
            given = base64.b64decode(auth[6:].strip(), validate=True) if auth[:6].lower() == "basic " else b""
        except ValueError:
            given = b""
        if not secrets.compare_digest(given, st.creds.encode()):
            return self.reply(401, error_body("UNAUTHORIZED", "wrong or missing credentials"),
                              [("WWW-Authenticate", 'Basic realm="edgectl-test-token"')])
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if q.get("service") != [SERVICE]:
            return self.reply(400, error_body("UNSUPPORTED", "unknown service"))
        grants, scopes = {}, []
        for s in (part for value in q.get("scope", []) for part in value.split(" ") if part):
            kind, _, rest = s.partition(":")
            name, _, actions = rest.rpartition(":")
            if not kind or not name:
                return self.reply(400, error_body("UNSUPPORTED", "bad scope"))
            grants.setdefault(kind + ":" + name, set()).update(a for a in actions.split(",") if a)
            scopes.append(s)
        token = st.issue(grants)
        st.log({"token_issued": True, "scopes": scopes})
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = json.dumps({"token": token, "access_token": token, "expires_in": st.args.token_ttl,
                           "issued_at": now}).encode()
        return self.reply(200, body)

    def location(self, value):
        for prefix in self.server.state.up_prefixes:
            if value.startswith(prefix) and value[len(prefix):len(prefix) + 1] in ("", "/", "?", "#"):
                host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.state.port
                return "http://" + host + value[len(prefix):]
        return value

    def forward(self, st, url):
        args = st.args
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = self.headers.get("Content-Length")
        conn = http.client.HTTPConnection(st.up_host, st.up_port, timeout=args.upstream_timeout)
        try:
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                conn.putheader("Host", args.upstream)
                for k, v in self.headers.items():
                    if k.lower() in HOP or (k.lower() == "authorization" and st.creds is not None):
                        continue
                    conn.putheader(k, v)
                if chunked:
                    conn.putheader("Transfer-Encoding", "chunked")
                elif length is not None:
                    conn.putheader("Content-Length", length)
                conn.endheaders()
            except OSError as e:  # the upstream is down
                self.extra["error"] = "upstream: %s" % e
                self.close_connection = True
                return self.reply(502, error_body("UNAVAILABLE", "upstream unreachable"), [("Connection", "close")])
            # The body, streamed (throttled when asked); a failed send still waits for an answer.
            rate, sent_all = args.throttle, False
            start, total = time.monotonic(), 0
            for piece in self.body(max(1, min(PIECE, rate // 10)) if rate else PIECE):
                try:
                    conn.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                except OSError as e:
                    self.extra["error"] = "upstream: %s" % e
                    break
                total += len(piece)
                if rate:
                    delay = start + total / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            else:
                try:
                    if chunked:
                        conn.send(b"0\r\n\r\n")
                    sent_all = True
                except OSError as e:
                    self.extra["error"] = "upstream: %s" % e
            if not sent_all:
                self.close_connection = True  # the rest of the client's body is still unread
            try:
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as e:
                self.extra["error"] = "upstream: %s" % e
                self.close_connection = True
                return self.reply(502, error_body("UNAVAILABLE", "upstream failed"), [("Connection", "close")])
            return self.relay(st, url, resp)
        finally:
            conn.close()

    def relay(self, st, url, resp):
        args = st.args
        tamper = None
        if self.command == "GET" and resp.status == 200 and BLOB.match(url.path):
            tamper = "flip" if args.flip_blob_byte else "truncate" if args.truncate_blob else None
        no_body = self.command == "HEAD" or resp.status in (204, 304) or resp.status < 200
        length = resp.getheader("Content-Length")
        whole = None
        if not no_body and length is None:
            whole = resp.read()  # chunked or up to close: passed on with a Content-Length
        self.status = resp.status
        self.send_response_only(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() in HOP:
                continue
            if k.lower() == "location":
                v = self.location(v)
            self.send_header(k, v)
        if whole is not None:
            self.send_header("Content-Length", str(len(whole)))
        elif length is not None:
            self.send_header("Content-Length", length)
        if tamper == "truncate" or self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if no_body:
            return
        if whole is not None:
            self.wfile.write(whole)
            self.resp_bytes += len(whole)
            return
        n = int(length)
        stop = n // 2 if tamper == "truncate" else n
        flip_at = n // 2 if tamper == "flip" else -1
        if tamper:
            self.extra["tamper"] = tamper
        done = 0
        while done < stop:
            try:
                piece = resp.read(min(PIECE, stop - done))
            except (OSError, http.client.HTTPException):
                piece = b""
            if not piece:  # the upstream broke off: so does the proxy
                self.extra["error"] = "upstream body cut short"
                self.close_connection = True
                return
            if done <= flip_at < done + len(piece):
                b = bytearray(piece)
                b[flip_at - done] ^= 0xFF
                piece = bytes(b)
            self.wfile.write(piece)
            done += len(piece)
            self.resp_bytes += len(piece)
        if tamper == "truncate":
            self.wfile.flush()
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], CLIENT_GONE):
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="127.0.0.1:PORT of the registry (plain HTTP)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=500)
    p.add_argument("--fail-match", default="")
    p.add_argument("--retry-after", type=int)
    p.add_argument("--flip-blob-byte", action="store_true")
    p.add_argument("--truncate-blob", action="store_true")
    p.add_argument("--throttle", type=int, default=0, help="request body bytes per second")
    p.add_argument("--token-auth", metavar="USER:PASS")
    p.add_argument("--token-ttl", type=int, default=300)
    p.add_argument("--token-uses", type=int)
    p.add_argument("--upstream-timeout", type=float, default=60)
    p.add_argument("--max-seconds", type=float, default=600)
    args = p.parse_args()
    host = args.upstream.rpartition(":")[0].strip("[]")
    if host not in ("127.0.0.1", "localhost", "::1"):
        p.error("--upstream must be on this machine (127.0.0.1:PORT)")
    if args.token_auth is not None and ":" not in args.token_auth:
        p.error("--token-auth wants USER:PASS")

    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    server.state = State(args, port)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    end = time.monotonic() + args.max_seconds
    while not stop.is_set() and time.monotonic() < end:
        stop.wait(0.2)
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
    sys.exit(0)
