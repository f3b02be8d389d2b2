//! edgectl host API, version 1, for Rust (wasm32-wasi / wasm32-wasip1, std only).
//!
//! Key-value stores, outbound HTTP, logging and WebSocket sends from a function served by
//! `edgectl serve`. Reference: docs/host-api.md in the edgectl repository. Use it with
//! `mod edgectl;` in src/main.rs.
//!
//! Two layers: [`raw`] declares the imports of the `edgectl` module exactly as the host
//! defines them (every function returns a status; outputs go through pointers), and the
//! rest of this file wraps them in safe functions that return [`Result`]: [`Store::get`]
//! gives `Ok(None)` for a missing key, outputs of unknown size are read into a buffer that
//! grows to the size the host asks for, and an [`Error`] carries the status code and its
//! name. Declare what a component uses in edgectl.toml:
//!
//! ```toml
//! key_value_stores = ["default"]
//! allowed_outbound_hosts = ["https://api.example.com"]
//! ```
#![allow(dead_code)]

use std::fmt;

/// The host API version these bindings are written against.
pub const API_VERSION: i32 = 1;
/// The longest key, in bytes.
pub const KV_MAX_KEY: usize = 256;
/// The largest value, in bytes.
pub const KV_MAX_VALUE: usize = 1024 * 1024;
/// `expected_len` for [`raw::kv_compare_and_swap`]: only if the key is absent.
pub const EXPECT_ABSENT: usize = 0xFFFF_FFFF;

/// The raw imports of the `edgectl` host module. Every function returns a status (see
/// [`Status`]); pointers and lengths are 32-bit, cursors, deltas and results 64-bit.
/// Pointers outside the module's memory trap.
pub mod raw {
    #[link(wasm_import_module = "edgectl")]
    extern "C" {
        /// Returns the host's API version (1), not a status.
        pub fn api_version() -> i32;
        /// level: 0 trace, 1 debug, 2 info, 3 warn, 4 error.
        pub fn log(level: u32, message: *const u8, len: usize) -> i32;

        pub fn kv_open(name: *const u8, name_len: usize, handle: *mut u32) -> i32;
        /// BUFFER_TOO_SMALL with the size needed in *len_out when the value does not fit.
        pub fn kv_get(
            store: u32,
            key: *const u8,
            key_len: usize,
            buf: *mut u8,
            buf_len: usize,
            len_out: *mut u32,
        ) -> i32;
        pub fn kv_set(
            store: u32,
            key: *const u8,
            key_len: usize,
            value: *const u8,
            value_len: usize,
        ) -> i32;
        pub fn kv_delete(store: u32, key: *const u8, key_len: usize) -> i32;
        pub fn kv_exists(store: u32, key: *const u8, key_len: usize, exists: *mut u32) -> i32;
        /// Keys with `prefix`: as many as fit in buf, each a little-endian u32 length then its
        /// bytes. Start with cursor 0; *next_cursor is 0 when there are no more.
        pub fn kv_list(
            store: u32,
            prefix: *const u8,
            prefix_len: usize,
            cursor: u64,
            buf: *mut u8,
            buf_len: usize,
            len_out: *mut u32,
            next_cursor: *mut u64,
        ) -> i32;
        /// Adds delta to the decimal integer at key (absent: 0), atomically; the new value in
        /// *result.
        pub fn kv_increment(
            store: u32,
            key: *const u8,
            key_len: usize,
            delta: i64,
            result: *mut i64,
        ) -> i32;
        /// Sets key to value only if it holds `expected` (expected_len EXPECT_ABSENT: only if
        /// absent), atomically; CONFLICT otherwise.
        pub fn kv_compare_and_swap(
            store: u32,
            key: *const u8,
            key_len: usize,
            expected: *const u8,
            expected_len: usize,
            value: *const u8,
            value_len: usize,
        ) -> i32;

        /// headers: "Name: value" lines separated by '\n'. The response stays readable
        /// until http_close (or the end of the request).
        pub fn http_request(
            method: *const u8,
            method_len: usize,
            url: *const u8,
            url_len: usize,
            headers: *const u8,
            headers_len: usize,
            body: *const u8,
            body_len: usize,
            response: *mut u32,
        ) -> i32;
        pub fn http_response_status(response: u32, status: *mut u32) -> i32;
        pub fn http_response_headers(
            response: u32,
            buf: *mut u8,
            buf_len: usize,
            len_out: *mut u32,
        ) -> i32;
        pub fn http_response_body(
            response: u32,
            buf: *mut u8,
            buf_len: usize,
            len_out: *mut u32,
        ) -> i32;
        pub fn http_close(response: u32) -> i32;

        /// For handlers of WebSocket routes: an empty connection id means the connection this
        /// event is for. kind: 0 text, 1 binary.
        pub fn ws_send(
            connection: *const u8,
            connection_len: usize,
            kind: u32,
            data: *const u8,
            len: usize,
        ) -> i32;
        pub fn ws_close(connection: *const u8, connection_len: usize, code: u32) -> i32;
        /// The route's open connection ids, one per line.
        pub fn ws_connections(buf: *mut u8, buf_len: usize, len_out: *mut u32) -> i32;
    }
}

/// What every host function returns. Stable: the values are part of API version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
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

impl Status {
    /// The status for a code, None for a code this version does not know.
    pub fn from_code(code: i32) -> Option<Status> {
        use Status::*;
        Some(match code {
            0 => Ok,
            1 => NotFound,
            2 => BufferTooSmall,
            3 => Denied,
            4 => Invalid,
            5 => KeyTooLarge,
            6 => ValueTooLarge,
            7 => Conflict,
            8 => StoreError,
            9 => BadHandle,
            10 => Timeout,
            11 => Unavailable,
            12 => TooMany,
            13 => HttpError,
            _ => return None,
        })
    }

    /// The name the host uses for it: "not found", "denied", ...
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotFound => "not found",
            Status::BufferTooSmall => "buffer too small",
            Status::Denied => "denied",
            Status::Invalid => "invalid",
            Status::KeyTooLarge => "key too large",
            Status::ValueTooLarge => "value too large",
            Status::Conflict => "conflict",
            Status::StoreError => "store error",
            Status::BadHandle => "bad handle",
            Status::Timeout => "timeout",
            Status::Unavailable => "unavailable",
            Status::TooMany => "too many",
            Status::HttpError => "http error",
        }
    }
}

/// A host function that did not return OK: which function, and the status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    pub function: &'static str,
    pub code: i32,
}

impl Error {
    /// The status, None for a code this version does not know.
    pub fn status(&self) -> Option<Status> {
        Status::from_code(self.code)
    }
    /// "not found", "denied", ... ("unknown" for a code this version does not know).
    pub fn name(&self) -> &'static str {
        self.status().map_or("unknown", Status::name)
    }
    /// True when the error has this status: `e.is(Status::Denied)`.
    pub fn is(&self, status: Status) -> bool {
        self.code == status as i32
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "edgectl {}: {} ({})",
            self.function,
            self.name(),
            self.code
        )
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn check(function: &'static str, code: i32) -> Result<()> {
    if code == Status::Ok as i32 {
        Ok(())
    } else {
        Err(Error { function, code })
    }
}

/// Reads an output of unknown size: calls `f(buf, buf_len, len_out)` with a buffer of
/// `first_guess` bytes, and again with the size the host asked for while it answers
/// BUFFER_TOO_SMALL (the value can grow between two calls).
fn read_sized<F>(function: &'static str, first_guess: usize, mut f: F) -> Result<Vec<u8>>
where
    F: FnMut(*mut u8, usize, *mut u32) -> i32,
{
    let mut buf: Vec<u8> = Vec::with_capacity(first_guess.max(1));
    loop {
        let mut len: u32 = 0;
        let code = f(buf.as_mut_ptr(), buf.capacity(), &mut len);
        if code == Status::Ok as i32 {
            // The host wrote `len` bytes (at most the capacity it was given).
            unsafe { buf.set_len((len as usize).min(buf.capacity())) };
            return Ok(buf);
        }
        if code != Status::BufferTooSmall as i32 {
            return Err(Error { function, code });
        }
        buf.reserve_exact((len as usize).max(buf.capacity() + 1));
    }
}

/// The host's API version (1 for this one).
pub fn api_version() -> i32 {
    unsafe { raw::api_version() }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// Writes a line to the server's log, with the component and the request id (at most
/// 16 KiB of it).
pub fn log(level: Level, message: &str) -> Result<()> {
    check("log", unsafe {
        raw::log(level as u32, message.as_ptr(), message.len())
    })
}

/// A key-value store the component declared in `key_value_stores`. Keys are at most 256
/// bytes, values at most 1 MiB. Handles last until the end of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Store {
    handle: u32,
}

impl Store {
    /// Opens the store `name` ("default"); DENIED when the component did not declare it.
    pub fn open(name: &str) -> Result<Store> {
        let mut handle: u32 = 0;
        check("kv_open", unsafe {
            raw::kv_open(name.as_ptr(), name.len(), &mut handle)
        })?;
        Ok(Store { handle })
    }

    /// The raw handle, for the functions in [`raw`].
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The value of `key`, or None when there is none.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let key = key.as_ref();
        let r = read_sized("kv_get", 256, |buf, buf_len, len_out| unsafe {
            raw::kv_get(self.handle, key.as_ptr(), key.len(), buf, buf_len, len_out)
        });
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is(Status::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The value of `key` as text (invalid UTF-8 replaced), or None when there is none.
    pub fn get_string(&self, key: impl AsRef<[u8]>) -> Result<Option<String>> {
        Ok(self
            .get(key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let (key, value) = (key.as_ref(), value.as_ref());
        check("kv_set", unsafe {
            raw::kv_set(
                self.handle,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
            )
        })
    }

    /// Removes `key`; removing a key that is not there is not an error.
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<()> {
        let key = key.as_ref();
        check("kv_delete", unsafe {
            raw::kv_delete(self.handle, key.as_ptr(), key.len())
        })
    }

    pub fn exists(&self, key: impl AsRef<[u8]>) -> Result<bool> {
        let key = key.as_ref();
        let mut exists: u32 = 0;
        check("kv_exists", unsafe {
            raw::kv_exists(self.handle, key.as_ptr(), key.len(), &mut exists)
        })?;
        Ok(exists != 0)
    }

    /// Adds `delta` to the decimal integer at `key` (absent: 0) atomically and returns the
    /// new value; INVALID when the value is not an integer.
    pub fn increment(&self, key: impl AsRef<[u8]>, delta: i64) -> Result<i64> {
        let key = key.as_ref();
        let mut result: i64 = 0;
        check("kv_increment", unsafe {
            raw::kv_increment(self.handle, key.as_ptr(), key.len(), delta, &mut result)
        })?;
        Ok(result)
    }

    /// Sets `key` to `value` only if it holds `expected` (None: only if it is absent),
    /// atomically. Ok(false) when it held something else.
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        expected: Option<&[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<bool> {
        let (key, value) = (key.as_ref(), value.as_ref());
        let (expected_ptr, expected_len) = match expected {
            Some(e) => (e.as_ptr(), e.len()),
            None => (std::ptr::null(), EXPECT_ABSENT),
        };
        let code = unsafe {
            raw::kv_compare_and_swap(
                self.handle,
                key.as_ptr(),
                key.len(),
                expected_ptr,
                expected_len,
                value.as_ptr(),
                value.len(),
            )
        };
        if code == Status::Conflict as i32 {
            return Ok(false);
        }
        check("kv_compare_and_swap", code)?;
        Ok(true)
    }

    /// One page of the keys starting with `prefix`: the keys that fit in `buf_size` bytes
    /// (4 + key length each) from `cursor` (0 to start), and the cursor of the next page
    /// (0 when there is none). A first key larger than the buffer grows it.
    pub fn list_page(
        &self,
        prefix: impl AsRef<[u8]>,
        cursor: u64,
        buf_size: usize,
    ) -> Result<(Vec<Vec<u8>>, u64)> {
        let prefix = prefix.as_ref();
        let mut next: u64 = 0;
        let data = read_sized("kv_list", buf_size, |buf, buf_len, len_out| unsafe {
            raw::kv_list(
                self.handle,
                prefix.as_ptr(),
                prefix.len(),
                cursor,
                buf,
                buf_len,
                len_out,
                &mut next,
            )
        })?;
        let mut keys = Vec::new();
        let mut at = 0;
        while at + 4 <= data.len() {
            let n =
                u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
            let end = (at + 4 + n).min(data.len());
            keys.push(data[at + 4..end].to_vec());
            at = end;
        }
        Ok((keys, next))
    }

    /// Every key starting with `prefix` (in pages of 16 KiB).
    pub fn keys(&self, prefix: impl AsRef<[u8]>) -> Result<Vec<Vec<u8>>> {
        let prefix = prefix.as_ref();
        let mut all = Vec::new();
        let mut cursor = 0;
        loop {
            let (keys, next) = self.list_page(prefix, cursor, 16 * 1024)?;
            all.extend(keys);
            if next == 0 {
                return Ok(all);
            }
            cursor = next;
        }
    }
}

/// An outbound HTTP response; closed when dropped.
#[derive(Debug)]
pub struct Response {
    handle: u32,
}

/// Sends an HTTP request to a host the component declared in `allowed_outbound_hosts`
/// (DENIED otherwise) and waits for the whole response. Redirects are not followed;
/// TIMEOUT and HTTP_ERROR report a failed request, not an HTTP error status.
pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response> {
    let mut lines = String::new();
    for (name, value) in headers {
        lines.push_str(name);
        lines.push_str(": ");
        lines.push_str(value);
        lines.push('\n');
    }
    let mut handle: u32 = 0;
    check("http_request", unsafe {
        raw::http_request(
            method.as_ptr(),
            method.len(),
            url.as_ptr(),
            url.len(),
            lines.as_ptr(),
            lines.len(),
            body.as_ptr(),
            body.len(),
            &mut handle,
        )
    })?;
    Ok(Response { handle })
}

impl Response {
    pub fn status(&self) -> Result<u16> {
        let mut status: u32 = 0;
        check("http_response_status", unsafe {
            raw::http_response_status(self.handle, &mut status)
        })?;
        Ok(status as u16)
    }

    /// The headers as (name, value) pairs, names in lowercase.
    pub fn headers(&self) -> Result<Vec<(String, String)>> {
        let text = read_sized(
            "http_response_headers",
            1024,
            |buf, buf_len, len_out| unsafe {
                raw::http_response_headers(self.handle, buf, buf_len, len_out)
            },
        )?;
        Ok(String::from_utf8_lossy(&text)
            .lines()
            .filter_map(|line| {
                line.split_once(": ")
                    .map(|(n, v)| (n.to_string(), v.to_string()))
            })
            .collect())
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_ascii_lowercase();
        Ok(self
            .headers()?
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v))
    }

    pub fn body(&self) -> Result<Vec<u8>> {
        read_sized(
            "http_response_body",
            16 * 1024,
            |buf, buf_len, len_out| unsafe {
                raw::http_response_body(self.handle, buf, buf_len, len_out)
            },
        )
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.body()?).into_owned())
    }
}

impl Drop for Response {
    fn drop(&mut self) {
        unsafe { raw::http_close(self.handle) };
    }
}

/// WebSocket sends, for handlers of WebSocket routes (UNAVAILABLE elsewhere, or for a
/// connection that is gone). An empty connection id means the connection this event is for.
pub mod ws {
    use super::{check, raw, read_sized, Result};

    pub fn send_text(connection: &str, text: &str) -> Result<()> {
        check("ws_send", unsafe {
            raw::ws_send(
                connection.as_ptr(),
                connection.len(),
                0,
                text.as_ptr(),
                text.len(),
            )
        })
    }

    pub fn send_binary(connection: &str, data: &[u8]) -> Result<()> {
        check("ws_send", unsafe {
            raw::ws_send(
                connection.as_ptr(),
                connection.len(),
                1,
                data.as_ptr(),
                data.len(),
            )
        })
    }

    /// Closes a connection with a close code a server may send (1000, 1001, 1003,
    /// 1007-1011, 3000-4999; INVALID otherwise).
    pub fn close(connection: &str, code: u16) -> Result<()> {
        check("ws_close", unsafe {
            raw::ws_close(connection.as_ptr(), connection.len(), code as u32)
        })
    }

    /// The ids of the route's open connections.
    pub fn connections() -> Result<Vec<String>> {
        let text = read_sized("ws_connections", 1024, |buf, buf_len, len_out| unsafe {
            raw::ws_connections(buf, buf_len, len_out)
        })?;
        Ok(String::from_utf8_lossy(&text)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect())
    }
}
