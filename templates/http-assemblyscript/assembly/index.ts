// {{name}}: an HTTP handler for edgectl, in AssemblyScript.
//
// Each request runs this module once, as a WASI command (WAGI / CGI/1.1): the request
// comes in as CGI environment variables plus the body on stdin, and the response goes to
// stdout as header lines, an empty line, then the body. Returning from _start means exit 0.
//
// A request to /visits counts visits in the key-value store "default" (declared in
// edgectl.toml) through the edgectl host API (assembly/edgectl.ts); every other path answers
// the greeting.
//
// The WASI functions are declared here rather than taken from a shim package, and the
// build replaces AssemblyScript's default `env.abort` with the `abort` below
// (`--use abort=assembly/index/abort`), so the module imports nothing but
// wasi_snapshot_preview1 and edgectl's own host module, which is all edgectl lets a module
// import.

import { Store } from "./edgectl";

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u32;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u32;
@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function environ_sizes_get(count: usize, bufSize: usize): u32;
@external("wasi_snapshot_preview1", "environ_get")
declare function environ_get(environ: usize, buf: usize): u32;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

const STDIN: u32 = 0;
const STDOUT: u32 = 1;
const STDERR: u32 = 2;
const READ_CHUNK: i32 = 4096;  // bytes per fd_read call

// Scratch space for one iovec {ptr, len} and a byte count, shared by the I/O helpers.
const iov = memory.data(8);
const count = memory.data(4);

// Writes all of `data` to `fd`, looping over short writes. Returns false on an error.
function writeAll(fd: u32, data: ArrayBuffer): bool {
  let ptr = changetype<usize>(data);
  let len = <usize>data.byteLength;
  while (len > 0) {
    store<usize>(iov, ptr);
    store<usize>(iov, len, sizeof<usize>());
    if (fd_write(fd, iov, 1, count) != 0) return false;
    const n = <usize>load<u32>(count);
    ptr += n;
    len -= n;
  }
  return true;
}

function print(fd: u32, text: string): bool {
  return writeAll(fd, String.UTF8.encode(text));
}

// The CGI variables as a map. Each WASI environ entry is a NUL-terminated "NAME=value".
function readEnv(): Map<string, string> {
  const vars = new Map<string, string>();
  const sizes = memory.data(8);
  if (environ_sizes_get(sizes, sizes + 4) != 0) return vars;
  const n = load<u32>(sizes);
  const pointers = new ArrayBuffer(<i32>(n * 4));
  const buf = new ArrayBuffer(<i32>load<u32>(sizes, 4));
  const base = changetype<usize>(pointers);
  if (environ_get(base, changetype<usize>(buf)) != 0) return vars;
  for (let i: u32 = 0; i < n; i++) {
    const start = load<usize>(base + i * 4);
    let end = start;
    while (load<u8>(end) != 0) end++;
    const entry = String.UTF8.decodeUnsafe(start, end - start);
    const eq = entry.indexOf("=");
    if (eq > 0) vars.set(entry.substring(0, eq), entry.substring(eq + 1));
  }
  return vars;
}

function getEnv(vars: Map<string, string>, name: string): string {
  return vars.has(name) ? vars.get(name) : "";
}

// Reads the request body to its end and returns its length in bytes (-1 on an error).
function bodyLength(): i64 {
  const chunk = new ArrayBuffer(READ_CHUNK);
  let total: i64 = 0;
  while (true) {
    store<usize>(iov, changetype<usize>(chunk));
    store<usize>(iov, <usize>READ_CHUNK, sizeof<usize>());
    if (fd_read(STDIN, iov, 1, count) != 0) return -1;
    const n = load<u32>(count);
    if (n == 0) return total;
    total += n;
  }
}

export function _start(): void {
  const vars = readEnv();
  const method = getEnv(vars, "REQUEST_METHOD");
  let path = getEnv(vars, "PATH_INFO");
  if (path.length == 0) path = "/";
  const query = getEnv(vars, "QUERY_STRING");
  const body = bodyLength();
  if (body < 0) {
    print(STDERR, "reading the request body failed\n");
    proc_exit(1);
  }

  if (path == "/visits") {
    visits();
    return;
  }

  // Headers, an empty line, then the body. Add "Status: 404 Not Found\n" to change the
  // status (the default is 200).
  const response =
    "Content-Type: text/plain; charset=utf-8\n\n" +
    "Hello from {{name}}!\n" +
    "method: " + method + "\n" +
    "path:   " + path + "\n" +
    "query:  " + query + "\n" +
    "body:   " + body.toString() + " bytes\n";
  if (!print(STDOUT, response)) proc_exit(1);
}

// Adds one to the key "visits" of the store "default", atomically, and answers the count.
function visits(): void {
  const opened = Store.open("default");
  const count = opened.ok ? opened.value.increment("visits", 1) : null;
  let response: string;
  if (count !== null && count.ok) {
    response = "Content-Type: text/plain; charset=utf-8\n\nvisits: " + count.value.toString() + "\n";
  } else {
    const error = count !== null ? count.error : opened.error;
    response = "Status: 500 Internal Server Error\nContent-Type: text/plain; charset=utf-8\n\n" +
      (error !== null ? error.toString() : "") + "\n";
  }
  if (!print(STDOUT, response)) proc_exit(1);
}

// Replaces AssemblyScript's `env.abort` import (see the build line): report the failed
// assertion on stderr and exit 1, which the server turns into a 500.
function abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text =
    "abort: " + (message !== null ? message : "") + " at " +
    (fileName !== null ? fileName : "") + ":" + line.toString() + ":" + column.toString() + "\n";
  print(STDERR, text);
  proc_exit(1);
}
