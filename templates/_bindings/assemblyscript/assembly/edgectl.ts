// edgectl host API, version 1, for AssemblyScript (0.27, --runtime stub or any other).
//
// Key-value stores, outbound HTTP, logging and WebSocket sends from a function served by
// `edgectl serve`. Reference: docs/host-api.md in the edgectl repository. Import what you
// use: `import { Store } from "./edgectl";`. Only the functions a module calls become
// imports of the "edgectl" module.
//
// Two layers: the `declare function`s below are the host's imports exactly as it defines
// them (every function returns a status; outputs go through pointers; pointers and lengths
// are usize, cursors and deltas 64-bit), and the classes and functions after them wrap
// them. AssemblyScript has no exceptions, so wrappers return a Result<T> (its `error` is
// null on success) or, when there is no value, an EdgectlError or null; an EdgectlError
// carries the function and the status code. Outputs of unknown size are read into a buffer
// that grows to the size the host asks for. Declare what a component uses in edgectl.toml:
//
//   key_value_stores = ["default"]
//   allowed_outbound_hosts = ["https://api.example.com"]

// ---- The raw imports ---------------------------------------------------------------------

// The host's API version (1), not a status.
@external("edgectl", "api_version")
export declare function api_version(): i32;
// level: 0 trace, 1 debug, 2 info, 3 warn, 4 error.
@external("edgectl", "log")
export declare function log(level: u32, message: usize, len: usize): i32;

@external("edgectl", "kv_open")
export declare function kv_open(name: usize, nameLen: usize, handleOut: usize): i32;
// BUFFER_TOO_SMALL with the size needed in *lenOut when the value does not fit.
@external("edgectl", "kv_get")
export declare function kv_get(store: u32, key: usize, keyLen: usize, buf: usize, bufLen: usize, lenOut: usize): i32;
@external("edgectl", "kv_set")
export declare function kv_set(store: u32, key: usize, keyLen: usize, value: usize, valueLen: usize): i32;
@external("edgectl", "kv_delete")
export declare function kv_delete(store: u32, key: usize, keyLen: usize): i32;
@external("edgectl", "kv_exists")
export declare function kv_exists(store: u32, key: usize, keyLen: usize, existsOut: usize): i32;
// Keys with `prefix`: as many as fit in buf, each a little-endian u32 length then its bytes.
// Start with cursor 0; *nextCursor is 0 when there are no more.
@external("edgectl", "kv_list")
export declare function kv_list(store: u32, prefix: usize, prefixLen: usize, cursor: u64, buf: usize, bufLen: usize,
                                lenOut: usize, nextCursorOut: usize): i32;
// Adds delta to the decimal integer at key (absent: 0), atomically; the new value in *result.
@external("edgectl", "kv_increment")
export declare function kv_increment(store: u32, key: usize, keyLen: usize, delta: i64, resultOut: usize): i32;
// Sets key to value only if it holds `expected` (expectedLen EXPECT_ABSENT: only if absent),
// atomically; CONFLICT otherwise.
@external("edgectl", "kv_compare_and_swap")
export declare function kv_compare_and_swap(store: u32, key: usize, keyLen: usize, expected: usize, expectedLen: usize,
                                            value: usize, valueLen: usize): i32;

// headers: "Name: value" lines separated by '\n'. The response stays readable until
// http_close (or the end of the request).
@external("edgectl", "http_request")
export declare function http_request(method: usize, methodLen: usize, url: usize, urlLen: usize, headers: usize,
                                     headersLen: usize, body: usize, bodyLen: usize, responseOut: usize): i32;
@external("edgectl", "http_response_status")
export declare function http_response_status(response: u32, statusOut: usize): i32;
@external("edgectl", "http_response_headers")
export declare function http_response_headers(response: u32, buf: usize, bufLen: usize, lenOut: usize): i32;
@external("edgectl", "http_response_body")
export declare function http_response_body(response: u32, buf: usize, bufLen: usize, lenOut: usize): i32;
@external("edgectl", "http_close")
export declare function http_close(response: u32): i32;

// For handlers of WebSocket routes: an empty connection id means the connection this event
// is for. kind: 0 text, 1 binary. ws_connections lists the route's ids, one per line.
@external("edgectl", "ws_send")
export declare function ws_send(connection: usize, connectionLen: usize, kind: u32, data: usize, len: usize): i32;
@external("edgectl", "ws_close")
export declare function ws_close(connection: usize, connectionLen: usize, code: u32): i32;
@external("edgectl", "ws_connections")
export declare function ws_connections(buf: usize, bufLen: usize, lenOut: usize): i32;

// ---- Statuses and errors -----------------------------------------------------------------

export const API_VERSION: i32 = 1;
export const KV_MAX_KEY: i32 = 256;
export const KV_MAX_VALUE: i32 = 1024 * 1024;
export const EXPECT_ABSENT: usize = 0xFFFFFFFF;

// What every host function returns. Stable: the values are part of API version 1.
export enum Status {
  Ok = 0,
  NotFound = 1,
  BufferTooSmall = 2,
  Denied = 3,
  Invalid = 4,
  KeyTooLarge = 5,
  ValueTooLarge = 6,
  Conflict = 7,
  StoreError = 8,
  BadHandle = 9,
  Timeout = 10,
  Unavailable = 11,
  TooMany = 12,
  HttpError = 13,
}

const STATUS_NAMES: string[] = [
  "ok", "not found", "buffer too small", "denied", "invalid", "key too large", "value too large", "conflict",
  "store error", "bad handle", "timeout", "unavailable", "too many", "http error",
];

// The name the host uses for a status: "not found", "denied", ...
export function statusName(code: i32): string {
  return code >= 0 && code < STATUS_NAMES.length ? STATUS_NAMES[code] : "unknown";
}

// A host function that did not return OK.
export class EdgectlError {
  constructor(public func: string, public code: i32) {}
  get name(): string {
    return statusName(this.code);
  }
  is(status: Status): bool {
    return this.code == status;
  }
  toString(): string {
    return "edgectl " + this.func + ": " + this.name + " (" + this.code.toString() + ")";
  }
}

// A value, or the error that kept the host from giving it (then `value` is a neutral one:
// 0, false, an empty array, null).
export class Result<T> {
  constructor(public value: T, public error: EdgectlError | null = null) {}
  get ok(): bool {
    return this.error === null;
  }
  // The value; a failure aborts the request (a 500) with the error's text on stderr.
  unwrap(): T {
    const e = this.error;
    if (e !== null) throw new Error(e.toString());
    return this.value;
  }
}

function fail(func: string, code: i32): EdgectlError | null {
  return code == Status.Ok ? null : new EdgectlError(func, code);
}

// ---- Memory helpers ----------------------------------------------------------------------

// Out-parameters of one call at a time (a module runs one request on one thread).
const U32_OUT = memory.data(4, 4);
const U64_OUT = memory.data(8, 8);

function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}
function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}
function len(b: ArrayBuffer): usize {
  return <usize>b.byteLength;
}
function bytes(buf: ArrayBuffer, n: u32): Uint8Array {
  const out = new Uint8Array(<i32>n);
  memory.copy(out.dataStart, changetype<usize>(buf), n);
  return out;
}
function text(buf: ArrayBuffer, n: u32): string {
  return String.UTF8.decodeUnsafe(changetype<usize>(buf), n);
}
// The size for the next try after BUFFER_TOO_SMALL: what the host asked for, and at least
// one byte more than the last buffer (a value can grow between two calls).
function grow(buf: ArrayBuffer): ArrayBuffer {
  const needed = <i32>load<u32>(U32_OUT);
  return new ArrayBuffer(needed > buf.byteLength ? needed : buf.byteLength + 1);
}

// ---- Logging -----------------------------------------------------------------------------

export enum Level {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
}

// Writes a line to the server's log, with the component and the request id (at most 16 KiB).
export function logLine(level: Level, message: string): EdgectlError | null {
  const m = utf8(message);
  return fail("log", log(<u32>level, ptr(m), len(m)));
}

// The host's API version (1 for this one).
export function apiVersion(): i32 {
  return api_version();
}

// ---- Key-value stores --------------------------------------------------------------------

// A key-value store the component declared in key_value_stores. Keys are at most 256 bytes,
// values at most 1 MiB. A handle lasts until the end of the request.
export class Store {
  constructor(public readonly handle: u32) {}

  // Opens the store `name` ("default"); Denied when the component did not declare it (the
  // Result's value is then a Store with handle 0, on which every call fails with BadHandle).
  static open(name: string): Result<Store> {
    const n = utf8(name);
    const code = kv_open(ptr(n), len(n), U32_OUT);
    return new Result<Store>(new Store(code == Status.Ok ? load<u32>(U32_OUT) : 0), fail("kv_open", code));
  }

  // The value of `key`, or null (with no error) when there is none.
  get(key: string): Result<Uint8Array | null> {
    const k = utf8(key);
    let buf = new ArrayBuffer(256);
    while (true) {
      const code = kv_get(this.handle, ptr(k), len(k), ptr(buf), len(buf), U32_OUT);
      if (code == Status.BufferTooSmall) {
        buf = grow(buf);
        continue;
      }
      if (code == Status.NotFound) return new Result<Uint8Array | null>(null);
      if (code != Status.Ok) return new Result<Uint8Array | null>(null, fail("kv_get", code));
      return new Result<Uint8Array | null>(bytes(buf, load<u32>(U32_OUT)));
    }
  }

  // The value of `key` as UTF-8 text, or null when there is none.
  getString(key: string): Result<string | null> {
    const r = this.get(key);
    const v = r.value;
    return new Result<string | null>(v !== null ? String.UTF8.decodeUnsafe(v.dataStart, <usize>v.byteLength) : null,
                                     r.error);
  }

  set(key: string, value: Uint8Array): EdgectlError | null {
    const k = utf8(key);
    return fail("kv_set", kv_set(this.handle, ptr(k), len(k), value.dataStart, <usize>value.byteLength));
  }

  setString(key: string, value: string): EdgectlError | null {
    const k = utf8(key);
    const v = utf8(value);
    return fail("kv_set", kv_set(this.handle, ptr(k), len(k), ptr(v), len(v)));
  }

  // Removes `key`; removing a key that is not there is not an error.
  delete(key: string): EdgectlError | null {
    const k = utf8(key);
    return fail("kv_delete", kv_delete(this.handle, ptr(k), len(k)));
  }

  exists(key: string): Result<bool> {
    const k = utf8(key);
    const code = kv_exists(this.handle, ptr(k), len(k), U32_OUT);
    return new Result<bool>(code == Status.Ok && load<u32>(U32_OUT) != 0, fail("kv_exists", code));
  }

  // Adds `delta` to the decimal integer at `key` (absent: 0) atomically; the new value.
  // Invalid when the value is not an integer.
  increment(key: string, delta: i64): Result<i64> {
    const k = utf8(key);
    const code = kv_increment(this.handle, ptr(k), len(k), delta, U64_OUT);
    return new Result<i64>(code == Status.Ok ? load<i64>(U64_OUT) : 0, fail("kv_increment", code));
  }

  // Sets `key` to `value` only if it holds `expected`, atomically. The value is false when
  // it held something else (or nothing).
  compareAndSwap(key: string, expected: Uint8Array, value: Uint8Array): Result<bool> {
    return this.cas(key, expected.dataStart, <usize>expected.byteLength, value);
  }

  // Sets `key` to `value` only if it has no value, atomically. The value is false when it
  // had one.
  setIfAbsent(key: string, value: Uint8Array): Result<bool> {
    return this.cas(key, 0, EXPECT_ABSENT, value);
  }

  private cas(key: string, expected: usize, expectedLen: usize, value: Uint8Array): Result<bool> {
    const k = utf8(key);
    const code = kv_compare_and_swap(this.handle, ptr(k), len(k), expected, expectedLen, value.dataStart,
                                     <usize>value.byteLength);
    if (code == Status.Conflict) return new Result<bool>(false);
    return new Result<bool>(code == Status.Ok, fail("kv_compare_and_swap", code));
  }

  // One page of the keys starting with `prefix`: those that fit in `bufSize` bytes (4 + the
  // key's length each) from `cursor` (0 to start). The next page's cursor (0 when there is
  // none) is in `nextCursor` afterwards. A first key larger than the buffer grows it.
  listPage(prefix: string, cursor: u64, bufSize: i32 = 16384): Result<string[]> {
    const p = utf8(prefix);
    let buf = new ArrayBuffer(bufSize);
    while (true) {
      store<u64>(U64_OUT, 0);
      const code = kv_list(this.handle, ptr(p), len(p), cursor, ptr(buf), len(buf), U32_OUT, U64_OUT);
      if (code == Status.BufferTooSmall) {
        buf = grow(buf);
        continue;
      }
      this.nextCursor = 0;
      if (code != Status.Ok) return new Result<string[]>([], fail("kv_list", code));
      this.nextCursor = load<u64>(U64_OUT);
      const keys: string[] = [];
      const base = changetype<usize>(buf);
      const end = base + <usize>load<u32>(U32_OUT);
      let at = base;
      while (at + 4 <= end) {
        let n = <usize>load<u32>(at);
        if (at + 4 + n > end) n = end - at - 4;
        keys.push(String.UTF8.decodeUnsafe(at + 4, n));
        at += 4 + n;
      }
      return new Result<string[]>(keys);
    }
  }
  // The cursor listPage left for the next page (0: no more).
  nextCursor: u64 = 0;

  // Every key starting with `prefix`.
  keys(prefix: string): Result<string[]> {
    const all: string[] = [];
    let cursor: u64 = 0;
    while (true) {
      const r = this.listPage(prefix, cursor);
      if (!r.ok) return r;
      const page = r.value;
      for (let i = 0; i < page.length; i++) all.push(page[i]);
      if (this.nextCursor == 0) return new Result<string[]>(all);
      cursor = this.nextCursor;
    }
  }
}

// ---- Outbound HTTP -----------------------------------------------------------------------

export class Header {
  constructor(public name: string, public value: string) {}
}

// An outbound HTTP response, readable until close() (or the end of the request).
export class Response {
  constructor(public readonly handle: u32) {}

  status(): Result<i32> {
    const code = http_response_status(this.handle, U32_OUT);
    return new Result<i32>(code == Status.Ok ? <i32>load<u32>(U32_OUT) : 0, fail("http_response_status", code));
  }

  // The headers, names in lowercase.
  headers(): Result<Header[]> {
    let buf = new ArrayBuffer(1024);
    while (true) {
      const code = http_response_headers(this.handle, ptr(buf), len(buf), U32_OUT);
      if (code == Status.BufferTooSmall) {
        buf = grow(buf);
        continue;
      }
      if (code != Status.Ok) return new Result<Header[]>([], fail("http_response_headers", code));
      const lines = text(buf, load<u32>(U32_OUT)).split("\n");
      const out: Header[] = [];
      for (let i = 0; i < lines.length; i++) {
        const colon = lines[i].indexOf(": ");
        if (colon > 0) out.push(new Header(lines[i].substring(0, colon), lines[i].substring(colon + 2)));
      }
      return new Result<Header[]>(out);
    }
  }

  body(): Result<Uint8Array> {
    let buf = new ArrayBuffer(16384);
    while (true) {
      const code = http_response_body(this.handle, ptr(buf), len(buf), U32_OUT);
      if (code == Status.BufferTooSmall) {
        buf = grow(buf);
        continue;
      }
      if (code != Status.Ok) return new Result<Uint8Array>(new Uint8Array(0), fail("http_response_body", code));
      return new Result<Uint8Array>(bytes(buf, load<u32>(U32_OUT)));
    }
  }

  // The body as UTF-8 text.
  text(): Result<string> {
    const r = this.body();
    const b = r.value;
    return new Result<string>(String.UTF8.decodeUnsafe(b.dataStart, <usize>b.byteLength), r.error);
  }

  close(): EdgectlError | null {
    return fail("http_close", http_close(this.handle));
  }
}

// Sends a request to a host the component declared in allowed_outbound_hosts (Denied
// otherwise) and waits for the whole response. Redirects are not followed; Timeout and
// HttpError report a failed request, not an HTTP error status.
export function httpRequest(method: string, url: string, headers: Header[] = [],
                            body: Uint8Array = new Uint8Array(0)): Result<Response> {
  let lines = "";
  for (let i = 0; i < headers.length; i++) lines += headers[i].name + ": " + headers[i].value + "\n";
  const m = utf8(method);
  const u = utf8(url);
  const h = utf8(lines);
  const code = http_request(ptr(m), len(m), ptr(u), len(u), ptr(h), len(h), body.dataStart, <usize>body.byteLength,
                            U32_OUT);
  return new Result<Response>(new Response(code == Status.Ok ? load<u32>(U32_OUT) : 0), fail("http_request", code));
}

// ---- WebSocket ---------------------------------------------------------------------------
// For handlers of WebSocket routes (Unavailable elsewhere, or for a connection that is
// gone). An empty connection id means the connection this event is for.

export function wsSendText(connection: string, message: string): EdgectlError | null {
  const c = utf8(connection);
  const d = utf8(message);
  return fail("ws_send", ws_send(ptr(c), len(c), 0, ptr(d), len(d)));
}

export function wsSendBinary(connection: string, data: Uint8Array): EdgectlError | null {
  const c = utf8(connection);
  return fail("ws_send", ws_send(ptr(c), len(c), 1, data.dataStart, <usize>data.byteLength));
}

// Closes a connection with a code a server may send (1000, 1001, 1003, 1007-1011,
// 3000-4999; Invalid otherwise).
export function wsClose(connection: string, code: u16): EdgectlError | null {
  const c = utf8(connection);
  return fail("ws_close", ws_close(ptr(c), len(c), <u32>code));
}

// The ids of the route's open connections.
export function wsConnections(): Result<string[]> {
  let buf = new ArrayBuffer(1024);
  while (true) {
    const code = ws_connections(ptr(buf), len(buf), U32_OUT);
    if (code == Status.BufferTooSmall) {
      buf = grow(buf);
      continue;
    }
    if (code != Status.Ok) return new Result<string[]>([], fail("ws_connections", code));
    const lines = text(buf, load<u32>(U32_OUT)).split("\n");
    const ids: string[] = [];
    for (let i = 0; i < lines.length; i++) if (lines[i].length > 0) ids.push(lines[i]);
    return new Result<string[]>(ids);
  }
}
