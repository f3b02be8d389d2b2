//! {{name}}: an HTTP handler for edgectl.
//!
//! Each request runs this program once, as a WASI command (WAGI / CGI/1.1): the request
//! comes in as CGI environment variables plus the body on stdin, and the response goes to
//! stdout as header lines, an empty line, then the body. Exit 0 (return from main) when the
//! response is written; a panic or a non-zero exit becomes a 500.
//!
//! A request to /visits counts visits in the key-value store "default" (declared in
//! edgectl.toml) through the edgectl host API (src/edgectl.rs); every other path answers
//! the greeting.

mod edgectl;

use std::env;
use std::io::{self, Read, Write};

/// An unset variable reads as an empty string.
fn env_or_empty(name: &str) -> String {
    env::var(name).unwrap_or_default()
}

fn main() -> io::Result<()> {
    let method = env_or_empty("REQUEST_METHOD");
    let path = env_or_empty("PATH_INFO");
    let query = env_or_empty("QUERY_STRING");

    let mut body = Vec::new();
    io::stdin().read_to_end(&mut body)?;

    if path == "/visits" {
        return visits();
    }

    // Headers, an empty line, then the body. Add "Status: 404 Not Found" to change the
    // status (the default is 200).
    let mut out = io::stdout().lock();
    write!(out, "Content-Type: text/plain; charset=utf-8\n\n")?;
    writeln!(out, "Hello from {{name}}!")?;
    writeln!(out, "method: {}", method)?;
    writeln!(out, "path:   {}", if path.is_empty() { "/" } else { &path })?;
    writeln!(out, "query:  {}", query)?;
    writeln!(out, "body:   {} bytes", body.len())?;
    out.flush()
}

/// Adds one to the key "visits" of the store "default", atomically, and answers the count.
fn visits() -> io::Result<()> {
    let count = edgectl::Store::open("default").and_then(|store| store.increment("visits", 1));
    let mut out = io::stdout().lock();
    match count {
        Ok(n) => {
            write!(out, "Content-Type: text/plain; charset=utf-8\n\n")?;
            writeln!(out, "visits: {}", n)?;
        }
        Err(e) => {
            writeln!(out, "Status: 500 Internal Server Error")?;
            write!(out, "Content-Type: text/plain; charset=utf-8\n\n")?;
            writeln!(out, "{}", e)?;
        }
    }
    out.flush()
}
