// The workerd side of scripts/bench/serve.sh: serves the same http-c hello module that
// `edgectl serve` runs, the same way (docs/contract.md): a fresh instance per request, the
// CGI variables as its environment, the request body on stdin, a CGI response on stdout.
//
// The module is compiled once, when workerd loads its config (a `wasm` module in
// config.capnp); each request instantiates it. The WASI preview1 shim below has exactly the
// imports the hello module needs (checked at load: anything else is an error), with stdio
// as in-memory streams, as edgectl has them (not a terminal, not seekable).
import helloModule from "hello.wasm";

const SUCCESS = 0, EBADF = 8, ESPIPE = 70;
const FILETYPE_UNKNOWN = 0;
const RIGHT_FD_READ = 1n << 1n, RIGHT_FD_WRITE = 1n << 6n;
const encoder = new TextEncoder();

class ProcExit {
  constructor(code) { this.code = code; }
}

const IMPLEMENTED = new Set([
  "environ_get", "environ_sizes_get", "fd_close", "fd_fdstat_get", "fd_read", "fd_seek",
  "fd_write", "proc_exit",
]);
for (const imp of WebAssembly.Module.imports(helloModule)) {
  if (imp.module !== "wasi_snapshot_preview1" || !IMPLEMENTED.has(imp.name)) {
    throw new Error(`hello-worker: the module imports ${imp.module}.${imp.name}, which this shim lacks`);
  }
}

let requestCounter = 0;

// The CGI environment edgectl gives a `/...` route (docs/contract.md), so both servers make
// the guest do the same work.
function cgiEnvironment(request, url, bodyLength) {
  const rawPath = url.pathname;
  const env = [
    ["REQUEST_METHOD", request.method],
    ["SCRIPT_NAME", ""],
    ["PATH_INFO", decodeURIComponent(rawPath)],
    ["PATH_TRANSLATED", decodeURIComponent(rawPath)],
    ["QUERY_STRING", url.search.slice(1)],
    ["SERVER_NAME", url.hostname],
    ["SERVER_PORT", url.port || "80"],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
    ["SERVER_SOFTWARE", "workerd"],
    ["GATEWAY_INTERFACE", "CGI/1.1"],
    ["REMOTE_ADDR", "127.0.0.1"],
    ["REMOTE_HOST", "127.0.0.1"],
    ["REMOTE_USER", ""],
    ["AUTH_TYPE", ""],
    ["CONTENT_TYPE", request.headers.get("content-type") ?? ""],
    ["CONTENT_LENGTH", String(bodyLength)],
  ];
  for (const [name, value] of request.headers) {
    if (name === "content-type" || name === "content-length" || name === "connection") continue;
    env.push(["HTTP_" + name.toUpperCase().replaceAll("-", "_"), value]);
  }
  env.push(["X_FULL_URL", url.href], ["X_MATCHED_ROUTE", "/..."], ["X_RAW_PATH_INFO", rawPath],
           ["X_REQUEST_ID", String(++requestCounter)]);
  return env.map(([k, v]) => encoder.encode(`${k}=${v}\0`));
}

// Runs the module once; returns its exit code and what it wrote to stdout.
function runOnce(environ, stdin) {
  let memory;
  let stdinPos = 0;
  const stdout = [];
  const u8 = () => new Uint8Array(memory.buffer);
  const dv = () => new DataView(memory.buffer);
  const wasi = {
    environ_sizes_get(countPtr, sizePtr) {
      const v = dv();
      v.setUint32(countPtr, environ.length, true);
      v.setUint32(sizePtr, environ.reduce((n, e) => n + e.length, 0), true);
      return SUCCESS;
    },
    environ_get(environPtr, bufPtr) {
      const v = dv(), m = u8();
      for (let i = 0; i < environ.length; i++) {
        v.setUint32(environPtr + 4 * i, bufPtr, true);
        m.set(environ[i], bufPtr);
        bufPtr += environ[i].length;
      }
      return SUCCESS;
    },
    fd_fdstat_get(fd, ptr) {
      if (fd > 2) return EBADF;
      const v = dv();
      v.setUint8(ptr, FILETYPE_UNKNOWN);
      v.setUint16(ptr + 2, 0, true);
      v.setBigUint64(ptr + 8, fd === 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE, true);
      v.setBigUint64(ptr + 16, 0n, true);
      return SUCCESS;
    },
    fd_read(fd, iovs, iovsLen, nreadPtr) {
      if (fd !== 0) return EBADF;
      const v = dv(), m = u8();
      let n = 0;
      for (let i = 0; i < iovsLen && stdinPos < stdin.length; i++) {
        const ptr = v.getUint32(iovs + 8 * i, true), len = v.getUint32(iovs + 8 * i + 4, true);
        const chunk = stdin.subarray(stdinPos, stdinPos + len);
        m.set(chunk, ptr);
        stdinPos += chunk.length;
        n += chunk.length;
      }
      v.setUint32(nreadPtr, n, true);
      return SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = dv(), m = u8();
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + 8 * i, true), len = v.getUint32(iovs + 8 * i + 4, true);
        if (fd === 1) stdout.push(m.slice(ptr, ptr + len));  // stderr is dropped
        n += len;
      }
      v.setUint32(nwrittenPtr, n, true);
      return SUCCESS;
    },
    fd_seek() { return ESPIPE; },
    fd_close(fd) { return fd <= 2 ? SUCCESS : EBADF; },
    proc_exit(code) { throw new ProcExit(code); },
  };
  const instance = new WebAssembly.Instance(helloModule, { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory;
  let code = 0;
  try {
    instance.exports._start();
  } catch (e) {
    if (!(e instanceof ProcExit)) throw e;
    code = e.code;
  }
  const total = stdout.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of stdout) { out.set(c, pos); pos += c.length; }
  return { code, out };
}

// Splits a CGI response into status, headers and body (docs/contract.md, simplified:
// `Status`, `Location` → 302, every other header passed on).
function cgiResponse(out) {
  let end = -1, sep = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 10) continue;
    if (out[i + 1] === 10) { end = i; sep = 2; break; }
    if (out[i + 1] === 13 && out[i + 2] === 10) { end = i; sep = 3; break; }
  }
  const headEnd = end < 0 ? out.length : end;
  const head = new TextDecoder("latin1").decode(out.subarray(0, headEnd));
  const body = end < 0 ? new Uint8Array(0) : out.subarray(end + sep);
  let status = 0;
  const headers = new Headers();
  for (const raw of head.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon), value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = parseInt(value, 10);
    else if (name.toLowerCase() !== "content-length") headers.append(name, value);
  }
  if (!status) status = headers.has("location") ? 302 : 200;
  if (!(status >= 200 && status <= 599)) return null;
  return new Response(body, { status, headers });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const stdin = request.body ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array(0);
    let result;
    try {
      result = runOnce(cgiEnvironment(request, url, stdin.length), stdin);
    } catch (e) {
      return new Response(`trap: ${e}\n`, { status: 500 });
    }
    if (result.code !== 0) return new Response(`exit ${result.code}\n`, { status: 500 });
    return cgiResponse(result.out) ?? new Response("malformed CGI response\n", { status: 500 });
  },
};
